"""Charts that compare companies: one kind of demand from one government over time, and the share of them
answered with data. A fixed number of queries whatever the data. What the families share is in ``shared``."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from django.urls import reverse

from dashboard.charts.breaks import basis_breaks, changing_sums, length_breaks, ordered_breaks
from dashboard.charts.frame import Chart, Column, Control
from dashboard.charts.labels import TOTAL, type_label
from dashboard.charts.plotting import base_layout, break_marks, data_updated, figure_json
from dashboard.charts.points import (
    ABSENT,
    Point,
    Row,
    Span,
    cited,
    figure_point,
    group,
    highlight,
    period_spans,
    rows_of,
    share_of,
    source_cells,
    total_point,
    trimmed,
)
from dashboard.charts.registry import register
from dashboard.charts.shared import (
    COMPARISON_COLUMNS,
    COUNT_MEASURES,
    JURISDICTION,
    MEASURE,
    TOTAL_TYPES,
    TYPE,
    check_jurisdiction,
    empty_chart,
    from_whom,
    jurisdiction_control,
    jurisdictions_reported,
    latest_point,
    noun_for,
    numbered,
    point_size,
    static_control,
)
from dashboard.charts.styles import company_colour
from dashboard.charts.traces import Sources, band_trace, line_trace
from reports.formatting import format_percent
from reports.models import Figure
from reports.vocabulary import REQUEST_TYPE_DEFINITIONS


def comparison_page(state: dict[str, str]) -> str:
    if state.get("type", TOTAL) != TOTAL:
        return reverse("request_type", args=[state["type"]])
    if state.get("jurisdiction", "US") != "US":
        return reverse("country", args=[state["jurisdiction"]])
    return reverse("home")


def _company_series(spans: list[Span], rows: list[Row], point_of: Any) -> dict[str, list[Point]]:
    """One list of points per company that has any row, over every one of its whole-company periods."""
    by_period = group(rows, "company", "start", "end")
    companies = {row.company for row in rows}
    series: dict[str, list[Point]] = {}
    for span in spans:
        if span.company in companies:
            series.setdefault(span.company, []).append(point_of(span, by_period.get(span.key, [])))
    return {company: kept for company, points in series.items() if (kept := trimmed(points))}


def _comparison_traces(series: dict[str, list[Point]], noun: str, by_id: Sources) -> list[go.BaseTraceType]:
    known = list(series)
    banded = [company for company, points in series.items() if any(p.status == "band" for p in points)]
    traces: list[go.BaseTraceType] = []
    for company, points in sorted(series.items(), key=lambda item: item[1][0].span.company_name):
        name, colour = points[0].span.company_name, company_colour(company, known)
        exact = any(point.status == "exact" for point in points)
        if exact:
            traces.append(line_trace(name, points, colour=colour, noun=noun, legendgroup=company, sources=by_id))
        # Side by side when several companies publish ranges, else as wide as the period they cover.
        group = company if len(banded) > 1 else None
        band = band_trace(
            name,
            points,
            colour=colour,
            noun=noun,
            legendgroup=company,
            showlegend=not exact,
            offsetgroup=group,
            sources=by_id,
        )
        if band is not None:
            traces.append(band)
    return traces


def _comparison_rows(
    series: dict[str, list[Point]], jurisdiction: str, request_type: str, measure: str, by_id: dict[int, Any]
) -> list[Any]:
    return [
        [
            point.span.company_name,
            point.span.label,
            point.span.start,
            point.span.end,
            jurisdiction,
            request_type,
            measure,
            point.value,
            point.low,
            point.high,
            point.status,
            point.basis,
            *source_cells(point.source_ids, by_id),
        ]
        for points in series.values()
        for point in points
    ]


@register(
    "requests-over-time",
    name="Demands over time, by company",
    description="One kind of demand from one government, every company's reports over time.",
    params=[TYPE, JURISDICTION, MEASURE],
    page=comparison_page,
)
def requests_over_time(state: dict[str, str]) -> Chart:
    request_type, jurisdiction, measure = state["type"], state["jurisdiction"], state["measure"]
    check_jurisdiction(jurisdiction)
    summing = request_type == TOTAL and measure == "requests"
    series = _count_series(request_type, jurisdiction, measure, summing=summing)
    noun = f"{noun_for(request_type, measure)} {from_whom(jurisdiction)}"
    latest = {company: p for company, points in series.items() if (p := latest_point(points))}

    def controls() -> list[Control]:
        return [
            static_control(TYPE, request_type),
            jurisdiction_control(jurisdictions_reported(scope="total"), jurisdiction),
            static_control(MEASURE, measure),
        ]

    subtitle = f"{dict(COUNT_MEASURES)[measure]} {from_whom(jurisdiction)}, per reporting period, whole company" + (
        ". Where a company publishes no total, the sum of the kinds it reports." if summing else "."
    )
    if not latest:
        return empty_chart("requests-over-time", state, f"No company publishes {noun}.", subtitle, controls())
    leader, others = _comparable_leader(latest)
    breaks = ordered_breaks(length_breaks(spans_of_series(series)) + basis_breaks(_by_name(series)))
    layout = base_layout(y_title=dict(COUNT_MEASURES)[measure], **break_marks(breaks))
    ordered = sorted(latest.values(), key=point_size, reverse=True)
    sources, by_id = cited((p for points in series.values() for p in points), first=leader)
    return Chart(
        slug="requests-over-time",
        params=state,
        title=_count_title(leader, others, noun),
        subtitle=subtitle,
        summary=f"Latest {noun}: "
        + "; ".join(f"{p.span.company_name} {p.text} in {p.span.label}" for p in ordered)
        + "."
        + _stale_sentence(series, latest),
        figure=figure_json(_comparison_traces(series, noun_for(request_type, measure), by_id), layout),
        columns=COMPARISON_COLUMNS,
        rows=_comparison_rows(series, jurisdiction, request_type, measure, by_id),
        notes=[*numbered(breaks), *_count_notes(series, request_type, summing=summing)],
        sources=sources,
        data_updated=data_updated(),
        controls=controls,
        highlights=[h for _, points in sorted(series.items()) if (h := highlight(points))],
    )


def _count_series(request_type: str, jurisdiction: str, measure: str, *, summing: bool) -> dict[str, list[Point]]:
    """Each company's points for the chart: its own figure, or the sum of the kinds it lists (a fixed number of
    queries)."""
    types = TOTAL_TYPES if summing else ({"all"} if request_type == TOTAL else {request_type})
    spans = period_spans(scope="total")
    figures = Figure.objects.for_comparison(jurisdiction=jurisdiction, measures=[measure], request_types=types)
    rows = rows_of(figures, spans)

    def point_of(span: Span, period_rows: list[Row]) -> Point:
        if summing:
            if not period_rows:
                return Point(span, basis=ABSENT)
            return total_point(span, {row.request_type: row for row in period_rows})
        return figure_point(span, period_rows[0] if period_rows else None)

    return _company_series(spans, rows, point_of)


def _comparable_leader(latest: dict[str, Point]) -> tuple[Point, int]:
    """The headline's point: the largest among the companies' latest figures from the newest year reported,
    so that a company whose figures stop years earlier is never the headline; and how many others share it."""
    newest = max(p.span.end.year for p in latest.values())
    comparable = [p for p in latest.values() if p.span.end.year == newest]
    return max(comparable, key=point_size), len(comparable) - 1


def _count_title(leader: Point, others: int, noun: str) -> str:
    """The finding in words. Ranges are never ranked: a 0–249 and a 16,000–16,249 do not count the same thing."""
    name, text, label = leader.span.company_name, leader.text, leader.span.label
    if leader.status == "band":
        return f"{name} reported {text} {noun} in {label}: a range, as U.S. law requires, not a count to rank"
    if not others:
        return f"{name} reported {text} {noun} in {label}, the only company to report them for {leader.span.end.year}"
    return f"{name} reported the most {noun} of the latest reports: {text} in {label}"


def _count_notes(series: dict[str, list[Point]], request_type: str, *, summing: bool) -> list[str]:
    """What a reader must know to read the chart: gaps, bands, the kind's definition, how sums are made."""
    definition = REQUEST_TYPE_DEFINITIONS.get("all" if request_type == TOTAL else request_type, "")
    notes = [
        "A period a company did not report, or a figure its report does not give, is a gap in the line, never a zero."
    ]
    if _has_bands(series):
        notes.append("Ranges (bands) are drawn as shaded bars from their minimum to their maximum.")
    if definition:
        notes.append(f"{type_label(request_type)}: {definition}")
    if summing:
        changing = changing_sums(_by_name(series))
        notes += [
            "Where a company publishes no total, the figure is the sum of the kinds its report lists (hover a "
            "point, or see the table)"
            + (f"; the kinds listed change from report to report for {' and '.join(changing)}." if changing else "."),
            "Companies count differently: a sum of the kinds a company lists is not always its own total, and "
            "companies disagree on whether emergency and preservation requests count. Compare trends within a "
            "company before comparing companies.",
        ]
    return notes


def spans_of_series(series: dict[str, list[Point]]) -> list[Span]:
    return [point.span for points in series.values() for point in points]


def _by_name(series: dict[str, list[Point]]) -> dict[str, list[Point]]:
    return {points[0].span.company_name: points for points in series.values()}


def _has_bands(series: dict[str, list[Point]]) -> bool:
    return any(point.status == "band" for points in series.values() for point in points)


def _stale_sentence(series: dict[str, list[Point]], latest: dict[str, Point]) -> str:
    """Say so when a company's newer reports lack the figure (Amazon's reports drawn as images)."""
    stale = [
        f"{points[-1].span.company_name}'s reports after {latest[company].span.label}"
        for company, points in series.items()
        if company in latest and points[-1].span.end > latest[company].span.end
    ]
    return f" {' and '.join(stale)} do not give this figure." if stale else ""


# --- The share of requests answered with some data ------------------------------------------------


@register(
    "share-over-time",
    name="Share of demands answered with data, by company",
    description="How often each company handed over some data for one kind of demand from one government.",
    params=[TYPE, JURISDICTION],
    page=comparison_page,
)
def share_over_time(state: dict[str, str]) -> Chart:
    request_type, jurisdiction = state["type"], state["jurisdiction"]
    check_jurisdiction(jurisdiction)
    series = _share_series("all" if request_type == TOTAL else request_type, jurisdiction)
    noun = f"{noun_for(request_type)} {from_whom(jurisdiction)}"
    subtitle = f"Share of {noun} for which the company handed over some data, per reporting period (%)."
    controls = [static_control(TYPE, request_type)]
    if not series:
        message = f"No company publishes how it answered {noun}."
        return empty_chart("share-over-time", state, message, subtitle, controls)
    latest = {company: p for company, points in series.items() if (p := latest_point(points))}
    leader, _ = _comparable_leader(latest)
    sources, by_id = cited((p for points in series.values() for p in points), first=leader)
    figure = figure_json(
        [
            line_trace(
                points[0].span.company_name,
                points,
                colour=company_colour(c, list(series)),
                legendgroup=c,
                sources=by_id,
            )
            for c, points in sorted(series.items(), key=lambda item: item[1][0].span.company_name)
        ],
        base_layout(y_title="Some data handed over", percent=True),
    )
    ordered = sorted(latest.values(), key=point_size, reverse=True)
    return Chart(
        slug="share-over-time",
        params=state,
        title=f"{leader.span.company_name} handed over data for {format_percent(leader.value)} of {noun} in "
        f"{leader.span.label}",
        subtitle=subtitle,
        summary=f"Latest share of {noun} answered with some data: "
        + "; ".join(f"{p.span.company_name} {p.text} in {p.span.label}" for p in ordered)
        + ".",
        figure=figure,
        columns=SHARE_COLUMNS,
        rows=[
            [
                *_row_start(p, jurisdiction, request_type),
                *("some-data-pct", p.value, p.base, p.status, p.basis),
                *source_cells(p.source_ids, by_id),
            ]
            for points in series.values()
            for p in points
        ],
        notes=[
            "Where a company gives counts (answered in full, in part, or not at all) the share is computed from them "
            "with the number of requests as its base; otherwise it is the percentage the company publishes.",
            "A period without the figure is a gap in the line, never a zero.",
        ],
        sources=sources,
        data_updated=data_updated(),
        controls=controls,
    )


#: What a share is computed from, when a company gives counts rather than its own percentage.
SHARE_MEASURES = (
    "requests",
    "some-data-pct",
    "some-data",
    "full-response",
    "partial-response",
    "no-response",
    "content-disclosed",
    "non-content-disclosed",
)
SHARE_COLUMNS = [
    *COMPARISON_COLUMNS[:7],
    Column("share_pct", "Share with some data (%)", "number"),
    Column("base", "Of requests", "number"),
    Column("status", "Status"),
    Column("basis", "How obtained"),
    Column("source", "Source"),
    Column("source_url", "Source address", "url"),
]


def _share_series(request_type: str, jurisdiction: str) -> dict[str, list[Point]]:
    """Each company's share answered with some data, per period; companies that never give one are left out."""
    spans = period_spans(scope="total")
    figures = Figure.objects.for_comparison(
        jurisdiction=jurisdiction, measures=SHARE_MEASURES, request_types=[request_type]
    )
    rows = rows_of(figures, spans)

    def point_of(span: Span, period_rows: list[Row]) -> Point:
        share = share_of({row.measure: row for row in period_rows})
        ids = tuple(sorted({row.source_id for row in period_rows if row.source_id}))
        if share is None:
            return Point(span, basis="not reported", percent=True, source_ids=ids)
        return Point(span, value=share.value, basis=share.basis, percent=True, base=share.base, source_ids=ids)

    return {c: points for c, points in _company_series(spans, rows, point_of).items() if latest_point(points)}


def _row_start(point: Point, jurisdiction: str, request_type: str) -> list[object]:
    return [point.span.company_name, point.span.label, point.span.start, point.span.end, jurisdiction, request_type]
