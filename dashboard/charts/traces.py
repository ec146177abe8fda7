"""Plotly traces of a series: a line through exact points, a shaded span for bands, and the hover text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal

import plotly.graph_objects as go

from dashboard.charts.plotting import as_float, bar, midpoint, scatter
from dashboard.charts.points import Point, Span
from dashboard.charts.styles import translucent
from reports.models import SourceDocument

#: The documents of a chart's points, by id (``points.cited``).
Sources = Mapping[int, SourceDocument]


def hover(name: str, point: Point, noun: str = "", sources: Sources | None = None) -> str:
    """What a point says on hover: whose, when, the figure, how it was obtained, and the document it is from."""
    value = point.text + (f" {noun}" if noun and point.status != "not reported" else "")
    extra = f"<br><i>{point.basis}</i>" if point.basis and point.basis not in ("as published",) else ""
    if point.status == "band":
        extra += "<br><i>a range: the exact number is not published</i>"
    if sources is not None:
        extra += source_line(point.source_ids, sources)
    return f"<b>{name}</b><br>{point.span.hover}<br>{value}{extra}"


def source_line(ids: Sequence[int], sources: Sources) -> str:
    """'<br>Source: Amazon Information Request Report, June 2020' (each document, shortened to fit a tooltip)."""
    titles = [_short(sources[i].title) for i in ids if i in sources]
    return f"<br>Source: {'; '.join(titles)}" if titles else ""


def _short(title: str, limit: int = 70) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def line_trace(
    name: str,
    points: Sequence[Point],
    *,
    colour: str,
    dash: str = "solid",
    symbol: str = "circle",
    noun: str = "",
    legendgroup: str = "",
    sources: Sources | None = None,
) -> go.Scatter:
    """A line through the exact points, broken wherever a period is missing, a band or not reported."""
    xs: list[str | None] = []
    ys: list[float | None] = []
    texts: list[str] = []
    previous: Span | None = None
    for point in points:
        if previous is not None and point.span.start > previous.end + dt.timedelta(days=1):
            xs.append(midpoint(previous.end, point.span.start))
            ys.append(None)  # no report covers these dates: a gap, not a slope
            texts.append("")
        xs.append(midpoint(point.span.start, point.span.end))
        ys.append(as_float(point.value))
        texts.append(hover(name, point, noun, sources))
        previous = point.span
    return scatter(
        x=xs,
        y=ys,
        text=texts,
        name=name,
        mode="lines+markers",
        connectgaps=False,
        line={"color": colour, "width": 2.5, "dash": dash},
        marker={"color": colour, "size": 7, "symbol": symbol},
        hovertemplate="%{text}<extra></extra>",
        legendgroup=legendgroup or name,
    )


def band_trace(
    name: str,
    points: Sequence[Point],
    *,
    colour: str,
    pattern: str = "",
    noun: str = "",
    legendgroup: str = "",
    showlegend: bool = True,
    offsetgroup: str | None = None,
    sources: Sources | None = None,
    labelled: bool | None = None,
) -> go.Bar | None:
    """Bands as floating bars from their minimum to their maximum, a period wide: a range, never a midpoint.

    A bar alone in its period (``labelled``: by default when not side by side with others) carries its range
    at its top, so that a 0–249 bar filling the plot reads as "between 0 and 249", never as "about 250"."""
    bands = [point for point in points if point.status == "band"]
    if not bands:
        return None
    labelled = offsetgroup is None if labelled is None else labelled
    return bar(
        x=[midpoint(p.span.start, p.span.end) for p in bands],
        base=[as_float(p.low) for p in bands],
        y=[as_float((p.high or Decimal(0)) - (p.low or Decimal(0))) for p in bands],
        width=None if offsetgroup else [_width_ms(p.span) for p in bands],
        hovertext=[hover(name, p, noun, sources) for p in bands],
        text=[p.text for p in bands] if labelled else None,
        name=f"{name} (range)" if showlegend and not offsetgroup else name,
        hovertemplate="%{hovertext}<extra></extra>",
        textposition="inside" if labelled else "none",
        insidetextanchor="end",
        textangle=0,
        textfont={"size": 11, "color": colour},
        marker={
            # A light fill with a hatch over it: reads as "somewhere in here", not as a solid quantity.
            "color": translucent(colour, 0.10),
            "line": {"color": colour, "width": 1.5},
            "pattern": {"shape": pattern or "/", "fgcolor": colour, "fillmode": "overlay", "solidity": 0.15},
        },
        legendgroup=legendgroup or name,
        showlegend=showlegend,
        offsetgroup=offsetgroup,
    )


def _width_ms(span: Span) -> float:
    # 80% of the period, so neighbouring periods stay apart.
    return (span.end - span.start + dt.timedelta(days=1)).total_seconds() * 1000 * 0.8
