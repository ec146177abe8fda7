"""The emergency-disclosure timeline: every published disclosure over time, one row per company.

A single event is a point on its day; a batch a company admitted in aggregate is a bar over its
whole date range, as thick as its count allows and labelled with it, because the documents do not
say on which days inside the range the disclosures happened.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reports.formatting import format_number
from reports.models import EmergencyDisclosure

#: Okabe-Ito, the colour-blind-safe palette; used only when the shared chart module has no colour for a company.
FALLBACK_COLOURS = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")


@dataclass(frozen=True)
class Placed:
    """One disclosure record and the timeline row (company and lane) it is drawn on."""

    item: EmergencyDisclosure
    row: int


def place(items: Sequence[EmergencyDisclosure]) -> tuple[list[Placed], list[str]]:
    """Give each record a row: one per company, plus extra lanes where its records overlap in time.

    Returns the placed records and the row labels, top row first (a company's name on its first lane).
    """
    placed: list[Placed] = []
    labels: list[str] = []
    by_company: dict[str, list[EmergencyDisclosure]] = {}
    for item in items:
        by_company.setdefault(item.company.name, []).append(item)
    for name in sorted(by_company):
        lane_ends: list[dt.date] = []
        first_row = len(labels)
        for item in sorted(by_company[name], key=lambda d: (d.date_start, d.date_end, d.pk or 0)):
            lane = next((i for i, end in enumerate(lane_ends) if end < item.date_start), len(lane_ends))
            if lane == len(lane_ends):
                lane_ends.append(item.date_end)
                labels.append(name if lane == 0 else "")
            lane_ends[lane] = item.date_end
            placed.append(Placed(item, first_row + lane))
    return placed, labels


def colour_for(slug: str, index: int, palette: dict[str, str] | None = None) -> str:
    if palette and slug in palette:
        return palette[slug]
    return FALLBACK_COLOURS[index % len(FALLBACK_COLOURS)]


def date_range_text(start: dt.date, end: dt.date) -> str:
    """'3 Mar 2022' for a day, '1 Jan – 1 Jul 2022' or '1 Dec 2021 – 1 Jul 2022' for a range."""
    if start == end:
        return f"{start:%-d %b %Y}"
    if start.year == end.year:
        return f"{start:%-d %b} – {end:%-d %b %Y}"
    return f"{start:%-d %b %Y} – {end:%-d %b %Y}"


def _hover(item: EmergencyDisclosure) -> str:
    count = f"{format_number(item.count)} disclosure{'s' if item.count != 1 else ''}"
    kind = "batch admitted in aggregate" if item.kind == EmergencyDisclosure.Kind.BATCH else "single event"
    return f"<b>{item.title}</b><br>{date_range_text(item.date_start, item.date_end)}<br>{count} ({kind})"


def timeline_figure(
    items: Sequence[EmergencyDisclosure], *, palette: dict[str, str] | None = None, title: str = ""
) -> dict[str, Any]:
    """A Plotly figure (as a plain dict for json_script) drawing batches as bars over their date range."""
    placed, labels = place(items)
    names = {p.item.company.slug: p.item.company.name for p in placed}
    slugs = sorted(names, key=lambda slug: names[slug])
    colours = {slug: colour_for(slug, i, palette) for i, slug in enumerate(slugs)}
    top = len(labels) - 1
    traces: list[dict[str, Any]] = []
    legend_done: set[str] = set()
    biggest = max((p.item.count for p in placed), default=1)
    for entry in placed:
        item, y = entry.item, top - entry.row
        slug, name = item.company.slug, item.company.name
        common = {
            "legendgroup": slug,
            "name": name,
            "showlegend": slug not in legend_done,
            "hovertemplate": _hover(item) + "<extra></extra>",
        }
        legend_done.add(slug)
        if item.date_end > item.date_start:
            # Thickness grows with the count (8 to 22 px) so a batch of 11 reads heavier than one of 2.
            width = 8 + round(14 * item.count / biggest)
            traces.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": [item.date_start.isoformat(), item.date_end.isoformat()],
                    "y": [y, y],
                    "line": {"color": colours[slug], "width": width},
                    **common,
                }
            )
        middle = item.date_start + (item.date_end - item.date_start) / 2
        traces.append(
            {
                "type": "scatter",
                "mode": "markers+text" if item.count > 1 else "markers",
                "x": [middle.isoformat()],
                "y": [y],
                "text": [f"{format_number(item.count)}"],
                "textposition": "top center",
                "textfont": {"size": 13},
                "cliponaxis": False,
                "marker": {
                    "color": colours[slug],
                    "size": 12 if item.date_end == item.date_start else 1,
                    "symbol": "diamond",
                    "line": {"width": 1, "color": "#ffffff"},
                },
                **(common | {"showlegend": common["showlegend"] and item.date_end == item.date_start}),
            }
        )
    return {"data": traces, "layout": _layout(placed, labels, title)}


def _layout(placed: Sequence[Placed], labels: list[str], title: str) -> dict[str, Any]:
    top = len(labels) - 1
    if placed:
        first = min(p.item.date_start for p in placed)
        last = max(p.item.date_end for p in placed)
    else:
        first = last = dt.date.today()
    pad = max((last - first) / 12, dt.timedelta(days=20))
    return {
        "title": {"text": title} if title else None,
        "height": 140 + 56 * max(len(labels), 1),
        "margin": {"l": 90, "r": 20, "t": 30 if not title else 60, "b": 40},
        "xaxis": {"type": "date", "range": [(first - pad).isoformat(), (last + pad).isoformat()], "zeroline": False},
        "yaxis": {
            "tickmode": "array",
            "tickvals": list(range(top, -1, -1)),
            "ticktext": labels,
            "range": [-0.7, top + 0.9],
            "zeroline": False,
            "showgrid": False,
            "fixedrange": True,
        },
        "legend": {"orientation": "h", "y": -0.2},
        "hovermode": "closest",
        "showlegend": len({p.item.company_id for p in placed}) > 1,
    }


def timeline_summary(items: Sequence[EmergencyDisclosure]) -> str:
    """One sentence computed from the records: the chart's summary and alt text."""
    if not items:
        return "No published emergency disclosure matches these filters."
    total = sum(item.count for item in items)
    companies = sorted({item.company.name for item in items})
    first = min(item.date_start for item in items)
    last = max(item.date_end for item in items)
    largest = max(items, key=lambda item: (item.count, item.date_end))
    who = companies[0] if len(companies) == 1 else f"{len(companies)} companies"
    sentence = (
        f"{format_number(total)} known emergency disclosure{'s' if total != 1 else ''} by {who} "
        f"between {first:%-d %B %Y} and {last:%-d %B %Y}"
    )
    if largest.kind == EmergencyDisclosure.Kind.BATCH and len(items) > 1:
        sentence += (
            f"; the largest record is {largest.company.name}'s batch of {format_number(largest.count)} "
            f"({date_range_text(largest.date_start, largest.date_end)})"
        )
    elif largest.kind == EmergencyDisclosure.Kind.BATCH:
        sentence += f", admitted in aggregate as one batch of {format_number(largest.count)}"
    return sentence + "."
