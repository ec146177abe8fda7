"""The emergency-disclosure timeline, registered in the chart registry as ``emergency-disclosures``.

Every published disclosure over time, one row per company. A single event is a point on its day; a
batch a company admitted in aggregate is a bar over its whole date range, thicker the more disclosures
it holds and labelled with its count, because the documents do not say on which days inside the range
the disclosures happened. Its state is the tracker's filters (dashboard/pages/tracker.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dashboard.charts.disclosure_filters import tracker_filters
from dashboard.charts.frame import Chart, Column
from dashboard.charts.plotting import base_layout, data_updated
from dashboard.charts.registry import ChartParamError, Param, register
from dashboard.charts.styles import company_colour
from reports.formatting import format_number
from reports.models import EmergencyDisclosure, SourceDocument

SLUG = "emergency-disclosures"
#: The tracker's filters, in the order its form shows them. Their values are checked by the tracker's
#: form (TrackerFilters), so the chart and the page answer a bad value with the same sentence.
PARAMS = (
    Param("company", "Company"),
    Param("year", "Year"),
    Param("requester", "Who asked"),
    Param("evidence", "What it rests on"),
    Param("data", "What was disclosed"),
    Param("basis", "Basis claimed"),
    Param("warrant", "Warrant"),
    Param("consent", "User consent"),
    Param("notified", "User notified"),
)
NOTES = [
    "A batch is drawn over the whole date range the company gave: the documents do not say on which days inside "
    "it the disclosures happened.",
    "Counts are disclosures, not records: a batch of 11 counts 11. A record whose number the sources do not give "
    "is drawn without a count (“?”), and a count that is only a floor says “at least”.",
    "Records resting on anonymous sources, or disputed, are marked as such on their pages; the filters pick them.",
    "A year filter keeps every record whose date range touches that year, so a batch spanning two years is shown "
    "in both.",
]
COLUMNS = [
    Column("company", "Company"),
    Column("title", "Record"),
    Column("kind", "Kind"),
    Column("date_start", "From", "date"),
    Column("date_end", "To", "date"),
    Column("count", "Disclosures", "number"),
    Column("count_text", "Count as known"),
    Column("requester", "Who asked"),
    Column("evidence", "What it rests on"),
    Column("contested", "Contested"),
    Column("data_disclosed", "Disclosed"),
    Column("basis", "Basis claimed"),
    Column("warrant", "Warrant"),
    Column("user_consent", "User consent"),
    Column("user_notified", "User notified"),
    Column("url", "Record page", "url"),
    Column("source", "Sources"),
    Column("source_url", "Source addresses", "url"),
]


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


def date_range_text(start: dt.date, end: dt.date) -> str:
    """'3 Mar 2022' for a day, '1 Jan – 1 Jul 2022' or '1 Dec 2021 – 1 Jul 2022' for a range."""
    if start == end:
        return f"{start:%-d %b %Y}"
    if start.year == end.year:
        return f"{start:%-d %b} – {end:%-d %b %Y}"
    return f"{start:%-d %b %Y} – {end:%-d %b %Y}"


def _hover(item: EmergencyDisclosure) -> str:
    count = f"{item.count_text} disclosure{'s' if item.count != 1 else ''}"
    kind = "batch admitted in aggregate" if item.kind == EmergencyDisclosure.Kind.BATCH else "single event"
    sources = "; ".join(source.publisher or source.title for source in item.sources.all())
    cited = f"<br>Source{'s' if len(item.sources.all()) > 1 else ''}: {sources}" if sources else ""
    return f"<b>{item.title}</b><br>{date_range_text(item.date_start, item.date_end)}<br>{count} ({kind}){cited}"


def timeline_figure(items: Sequence[EmergencyDisclosure]) -> dict[str, Any]:
    """A Plotly figure (as a plain dict for json_script) drawing batches as bars over their date range."""
    placed, labels = place(items)
    slugs = sorted({p.item.company.slug for p in placed})
    colours = {slug: company_colour(slug, slugs) for slug in slugs}
    top = len(labels) - 1
    traces: list[dict[str, Any]] = []
    legend_done: set[str] = set()
    biggest = max((p.item.count or 1 for p in placed), default=1)
    for entry in placed:
        item = entry.item
        slug = item.company.slug
        common = {
            "legendgroup": slug,
            "name": item.company.name,
            "showlegend": slug not in legend_done,
            "hovertemplate": _hover(item) + "<extra></extra>",
        }
        legend_done.add(slug)
        traces += _item_traces(item, top - entry.row, colours[slug], common, biggest)
    return {"data": traces, "layout": _layout(placed, labels)}


def _item_traces(
    item: EmergencyDisclosure, y: int, colour: str, common: dict[str, Any], biggest: int
) -> list[dict[str, Any]]:
    """One record on the timeline: a bar over a batch's date range, a point (or the bar's hover) in its middle,
    and its count above it when there is more than one."""
    traces: list[dict[str, Any]] = []
    slug, name = item.company.slug, item.company.name
    if item.date_end > item.date_start:
        # Thickness grows with the count (8 to 22 px) so a batch of 11 reads heavier than one of 2.
        width = 8 + round(14 * (item.count or 1) / biggest)
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": [item.date_start.isoformat(), item.date_end.isoformat()],
                "y": [y, y],
                "line": {"color": colour, "width": width},
                **common,
            }
        )
    middle = item.date_start + (item.date_end - item.date_start) / 2
    is_day = item.date_end == item.date_start
    traces.append(
        {
            "type": "scatter",
            "mode": "markers",
            "x": [middle.isoformat()],
            "y": [y],
            "marker": {
                "color": colour,
                "size": 13 if is_day else 1,
                "symbol": "diamond",
                # A batch's midpoint only carries its hover text: no visible dot on the bar.
                "line": {"width": 1 if is_day else 0, "color": "#ffffff"},
                "opacity": 1 if is_day else 0,
            },
            **(common | {"showlegend": common["showlegend"] and is_day}),
        }
    )
    label = "?" if item.count is None else ("≥" if item.count_is_minimum else "") + format_number(item.count)
    if item.count is None or item.count > 1 or item.count_is_minimum:
        # The count sits above the bar (or point), clear of its thickness, so it reads on any colour.
        traces.append(
            {
                "type": "scatter",
                "mode": "text",
                "x": [middle.isoformat()],
                "y": [y + 0.25],
                "text": [label],
                "textfont": {"size": 13},
                "cliponaxis": False,
                "hoverinfo": "skip",
                "showlegend": False,
                "legendgroup": slug,
                "name": name,
            }
        )
    return traces


def _layout(placed: Sequence[Placed], labels: list[str]) -> dict[str, Any]:
    top = len(labels) - 1
    if placed:
        first = min(p.item.date_start for p in placed)
        last = max(p.item.date_end for p in placed)
    else:
        first = last = dt.date.today()
    pad = max((last - first) / 12, dt.timedelta(days=20))
    layout = base_layout(height=150 + 56 * max(len(labels), 1)).to_plotly_json()
    layout.update(
        margin={"l": 90, "r": 20, "t": 24, "b": 48},
        xaxis=layout["xaxis"] | {"range": [(first - pad).isoformat(), (last + pad).isoformat()]},
        yaxis={
            "tickmode": "array",
            "tickvals": list(range(top, -1, -1)),
            "ticktext": labels,
            "range": [-0.7, top + 0.9],
            "zeroline": False,
            "showgrid": False,
            "fixedrange": True,
            "automargin": True,
        },
        showlegend=len({p.item.company_id for p in placed}) > 1,
    )
    return layout


def _known_total(items: Sequence[EmergencyDisclosure]) -> tuple[int, bool, int]:
    """(disclosures counted, whether that is only a floor, records with no count at all)."""
    uncounted = sum(1 for item in items if item.count is None)
    floor = uncounted > 0 or any(item.count_is_minimum for item in items)
    return sum(item.count or 0 for item in items), floor, uncounted


def _times(total: int, floor: bool, unit: str = "disclosure") -> str:
    words = f"{format_number(total)} {unit}{'s' if total != 1 else ''}"
    return f"at least {words}" if floor else words


def timeline_summary(items: Sequence[EmergencyDisclosure]) -> str:
    """One sentence computed from the records: the chart's summary and alt text."""
    if not items:
        return "No published emergency disclosure matches these filters."
    total, floor, uncounted = _known_total(items)
    companies = sorted({item.company.name for item in items})
    first = min(item.date_start for item in items)
    last = max(item.date_end for item in items)
    who = companies[0] if len(companies) == 1 else f"{len(companies)} companies"
    sentence = f"{_times(total, floor)} known by {who} between {first:%-d %B %Y} and {last:%-d %B %Y}"
    if uncounted:
        sentence += f"; {format_number(uncounted)} of the {format_number(len(items))} records give no number"
    counted = [item for item in items if item.count is not None]
    largest = max(counted, key=lambda item: (item.count or 0, item.date_end), default=None)
    if largest is not None and largest.kind == EmergencyDisclosure.Kind.BATCH and len(items) > 1:
        sentence += (
            f"; the largest counted record is {largest.company.name}'s batch of {largest.count_text} "
            f"({date_range_text(largest.date_start, largest.date_end)})"
        )
    elif largest is not None and largest.kind == EmergencyDisclosure.Kind.BATCH:
        sentence += f", admitted in aggregate as one batch of {largest.count_text}"
    return sentence + "."


def timeline_title(items: Sequence[EmergencyDisclosure]) -> str:
    """The finding in words: how many disclosures, by whom, to whom, over which years."""
    if not items:
        return "No published emergency disclosure matches these filters"
    total, floor, _ = _known_total(items)
    companies = sorted({item.company.name for item in items})
    first, last = min(i.date_start for i in items).year, max(i.date_end for i in items).year
    years = str(first) if first == last else f"{first}–{last}"
    who = companies[0] if len(companies) == 1 else f"{len(companies)} companies"
    forged = any(item.requester == EmergencyDisclosure.Requester.IMPERSONATOR for item in items)
    to_whom = "police, or to impostors posing as police," if forged else "police"
    return f"{who} disclosed data to {to_whom} {_times(total, floor, 'time')} under the emergency exception, {years}"


def timeline_rows(items: Sequence[EmergencyDisclosure]) -> list[list[Any]]:
    """Exactly what the chart draws, one row per record: the chart's table and CSV."""
    from django.conf import settings

    return [
        [
            item.company.name,
            item.title,
            item.get_kind_display(),
            item.date_start,
            item.date_end,
            item.count,
            item.count_text,
            item.get_requester_display(),
            item.get_evidence_display(),
            ("yes: " + item.contested_note) if item.contested else "no",
            item.data_disclosed or item.get_data_category_display(),
            item.get_basis_display(),
            item.get_warrant_display(),
            item.get_user_consent_display(),
            item.get_user_notified_display(),
            settings.SITE_URL + item.get_absolute_url(),
            "; ".join(source.title for source in item.sources.all()),
            " ".join(source.url for source in item.sources.all()),
        ]
        for item in sorted(items, key=lambda d: (d.company.name, d.date_start, d.date_end, d.pk))
    ]


def timeline_sources(items: Sequence[EmergencyDisclosure]) -> list[SourceDocument]:
    """The documents behind the records drawn (from their prefetched sources), primary first, newest first."""
    found = {source.pk: source for item in items for source in item.sources.all()}
    return sorted(
        found.values(),
        key=lambda s: (s.kind != SourceDocument.Kind.PRIMARY, -(s.published_on or dt.date.min).toordinal(), s.title),
    )


def timeline_chart(items: Sequence[EmergencyDisclosure], state: dict[str, str]) -> Chart:
    """The chart of records already fetched (with company and sources), for a state already validated."""
    return Chart(
        slug=SLUG,
        params=state,
        title=timeline_title(items),
        subtitle="Disclosures to police without a warrant or the user's consent, by company and date; "
        "bars are batches admitted in aggregate, labelled with their count",
        summary=timeline_summary(items),
        figure=timeline_figure(items),
        columns=COLUMNS,
        rows=timeline_rows(items),
        notes=NOTES,
        sources=timeline_sources(items),
        data_updated=data_updated(),
        has_data=bool(items),
    )


@register(
    SLUG,
    name="Emergency disclosures over time",
    description="Every published disclosure to police under an emergency exception, batches over their date range.",
    params=PARAMS,
    page=lambda state: "/emergency-disclosures/",
)
def build(state: dict[str, str]) -> Chart:
    form = tracker_filters(state)
    if not form.is_valid():
        raise ChartParamError(" ".join(form.error_sentences()))
    items = list(EmergencyDisclosure.objects.published().matching(**form.lookups()).for_listing())
    return timeline_chart(items, form.state())
