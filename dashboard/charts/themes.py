"""How a chart looks in each theme and at each width: the colours charts.js draws with (it reads them
from the page's ``chart-themes`` JSON) and the same layout applied on the server to draw a chart's
preview pictures (dashboard/charts/previews.py), so the picture and the live chart match."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: A chart's colours in each theme. Pages hand them to charts.js (``chart-themes``), which themes the
#: charts it draws; the preview pictures (dashboard/charts/previews.py) are drawn with the same ones.
CHART_THEMES: dict[str, dict[str, str]] = {
    "light": {
        "text": "#1d1d1f",
        "muted": "#5b5b66",
        "grid": "#e4e4ea",
        "zero": "#b8b8c0",
        "paper": "#ffffff",
        "note": "rgba(255,255,255,0.7)",
    },
    "dark": {
        "text": "#ececf1",
        "muted": "#a9a9b6",
        "grid": "#34353c",
        "zero": "#5a5b64",
        "paper": "#1c1d22",
        "note": "rgba(19,20,23,0.7)",
    },
}
#: Below this width (CSS pixels) a chart takes the phone layout: tighter margins, smaller type.
NARROW_WIDTH = 560
#: Widths a chart's preview picture is drawn at, each with the widest viewport it serves (None: any).
PREVIEW_WIDTHS: tuple[tuple[int, int | None], ...] = ((360, NARROW_WIDTH - 1), (760, 899), (1100, None))


@dataclass(frozen=True)
class Preview:
    """One width of a chart's preview picture, in both themes."""

    width: int
    height: int
    max_viewport: int | None
    light_url: str
    dark_url: str


def themed_height(figure: Mapping[str, Any], width: int) -> int:
    """The height charts.js gives a figure at ``width``: a phone's legend wraps, so it gets room."""
    height = int((figure.get("layout") or {}).get("height") or 420)
    if width < NARROW_WIDTH:
        entries = sum(1 for trace in figure.get("data") or [] if trace.get("showlegend") is not False)
        height += 18 * max(entries - 3, 0)
    return height


def themed_figure(figure: Mapping[str, Any], *, width: int, theme: str) -> dict[str, Any]:
    """The figure as charts.js draws it (its ``themed()``) in a box ``width`` pixels wide, fixed in size."""
    colours = CHART_THEMES[theme]
    fig = copy.deepcopy(dict(figure))
    layout = fig.setdefault("layout", {})
    layout["font"] = {**(layout.get("font") or {}), "color": colours["text"]}
    layout["paper_bgcolor"] = layout["plot_bgcolor"] = "rgba(0,0,0,0)"
    for name in ("xaxis", "yaxis"):
        if name in layout:
            layout[name] = {**layout[name], "gridcolor": colours["grid"], "zerolinecolor": colours["zero"]}
            layout[name]["linecolor"] = colours["grid"]
    for note in layout.get("annotations") or []:
        note["font"] = {**(note.get("font") or {}), "color": colours["muted"]}
        if note.get("bgcolor"):
            note["bgcolor"] = colours["note"]
    for shape in layout.get("shapes") or []:
        if shape.get("line"):
            shape["line"]["color"] = colours["muted"]
    if width < NARROW_WIDTH:
        margin = layout.get("margin") or {}
        layout["margin"] = {**margin, "l": min(margin.get("l") or 48, 44), "r": 8}
        layout["font"]["size"] = 12
        layout["legend"] = {**(layout.get("legend") or {}), "font": {"size": 11}}
        title = (layout.get("yaxis") or {}).get("title")
        if title:
            layout["yaxis"]["title"] = {**title, "text": ""} if isinstance(title, dict) else ""
    layout.update(width=width, height=themed_height(figure, width), autosize=False)
    return fig


#: What a page hands charts.js (the page's ``chart-themes`` JSON): both themes and the width under which a
#: chart takes its narrow layout, so the script and the preview pictures agree on both.
PAGE_CHART_SETTINGS: dict[str, object] = {**CHART_THEMES, "narrow_width": NARROW_WIDTH}
