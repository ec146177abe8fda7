"""Charts that compare companies: demands over time, the share answered with data, and which
governments demand most. Each reads a fixed number of queries whatever the size of the data."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go
from django.urls import reverse

from dashboard.chart_data import (
    ABSENT,
    SUMMABLE,
    TOTAL,
    Point,
    Row,
    Span,
    band_trace,
    basis_breaks,
    changing_sums,
    figure_point,
    group,
    highlight,
    hover,
    length_breaks,
    line_trace,
    load_sources,
    ordered_breaks,
    rows_of,
    share_of,
    spans_of,
    total_point,
    trimmed,
    type_label,
    type_noun,
)
from dashboard.charts import (
    Break,
    Chart,
    ChartParamError,
    Column,
    Control,
    Option,
    Param,
    as_float,
    bar,
    base_layout,
    break_marks,
    company_colour,
    data_updated,
    empty_figure,
    figure_json,
    register,
)
from reports.formatting import format_number, format_percent
from reports.models import Figure, ReportingPeriod
from reports.periods import period_label
from reports.statements import jurisdiction_name
from reports.vocabulary import REQUEST_TYPE_DEFINITIONS, RequestType

JURISDICTION_CODE = re.compile(r"^(?:[A-Z]{2}|NON-US|WW)$")
TYPE_CHOICES = ((TOTAL, "All requests"), *((t, str(label)) for t, label in RequestType.choices if t != "all"))
COUNT_MEASURES = (("requests", "Requests"), ("accounts", "Accounts named in requests"))
#: Governments a ranking shows; the rest are in /data/figures.csv.
RANKING_SIZE = 15
TOTAL_TYPES = frozenset({"all", "legal-process"} | SUMMABLE)

TYPE = Param("type", "Request type", TOTAL, TYPE_CHOICES)
JURISDICTION = Param("jurisdiction", "Government", "US", upper=True)
MEASURE = Param("measure", "Measure", "requests", COUNT_MEASURES)


def check_jurisdiction(code: str) -> None:
    if not JURISDICTION_CODE.match(code):
        raise ChartParamError(
            f"Government must be an ISO 3166-1 alpha-2 code such as US or DE, NON-US or WW; “{code[:20]}” is not."
        )


def from_whom(jurisdiction: str) -> str:
    """'from U.S. authorities', 'from Germany', 'from non-U.S. governments', 'worldwide'."""
    if jurisdiction == "US":
        return "from U.S. authorities"
    if jurisdiction == "NON-US":
        return "from non-U.S. governments"
    if jurisdiction == "WW":
        return "worldwide"
    return f"from {jurisdiction_name(jurisdiction)}"


def noun_for(request_type: str, measure: str = "requests") -> str:
    """'requests', 'subpoenas', 'accounts named in subpoenas'."""
    kind = type_noun(request_type)
    return kind if measure == "requests" else f"accounts named in {kind}"


def _comparison_page(state: dict[str, str]) -> str:
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


def _latest(points: list[Point]) -> Point | None:
    reported = [point for point in points if point.status != "not reported"]
    return reported[-1] if reported else None


def _size(point: Point) -> Decimal:
    return point.value if point.value is not None else point.high or Decimal(0)


def _comparison_traces(series: dict[str, list[Point]], noun: str) -> list[go.BaseTraceType]:
    known = list(series)
    traces: list[go.BaseTraceType] = []
    for company, points in sorted(series.items(), key=lambda item: item[1][0].span.company_name):
        name, colour = points[0].span.company_name, company_colour(company, known)
        traces.append(line_trace(name, points, colour=colour, noun=noun, legendgroup=company))
        band = band_trace(name, points, colour=colour, noun=noun, legendgroup=company, showlegend=False)
        if band is not None:
            traces.append(band)
    return traces


COMPARISON_COLUMNS = [
    Column("company", "Company"),
    Column("period", "Period"),
    Column("period_start", "Start", "date"),
    Column("period_end", "End", "date"),
    Column("jurisdiction", "Government"),
    Column("request_type", "Request type"),
    Column("measure", "Measure"),
    Column("value", "Value", "number"),
    Column("value_min", "Range from", "number"),
    Column("value_max", "Range to", "number"),
    Column("status", "Status"),
    Column("basis", "How obtained"),
]


def _comparison_rows(series: dict[str, list[Point]], jurisdiction: str, request_type: str, measure: str) -> list[Any]:
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
        ]
        for points in series.values()
        for point in points
    ]


def _numbered(breaks: list[Break]) -> list[str]:
    return [f"{number}. {mark.sentence}" for number, mark in enumerate(breaks, start=1)]


def _jurisdiction_control(codes: list[str], selected: str) -> Control:
    first = [code for code in ("US", "NON-US", "WW") if code in codes]
    rest = sorted((code for code in codes if code not in first), key=jurisdiction_name)
    options = tuple(Option(code, jurisdiction_name(code)) for code in [*first, *rest])
    if selected not in codes:
        options = (Option(selected, jurisdiction_name(selected)), *options)
    return Control("jurisdiction", "Government", options, selected)


def _static_control(param: Param, selected: str) -> Control:
    return Control(param.name, param.label, tuple(Option(v, label) for v, label in param.choices or ()), selected)


@register(
    "requests-over-time",
    name="Demands over time, by company",
    description="One kind of demand from one government, every company's reports over time.",
    params=[TYPE, JURISDICTION, MEASURE],
    page=_comparison_page,
)
def requests_over_time(state: dict[str, str]) -> Chart:
    request_type, jurisdiction, measure = state["type"], state["jurisdiction"], state["measure"]
    check_jurisdiction(jurisdiction)
    summing = request_type == TOTAL and measure == "requests"
    types = TOTAL_TYPES if summing else ({"all"} if request_type == TOTAL else {request_type})
    spans = spans_of(ReportingPeriod.objects.chart_timeline(scope="total"))
    figures = Figure.objects.for_comparison(jurisdiction=jurisdiction, measures=[measure], request_types=types)
    rows = rows_of(figures, spans)

    def point_of(span: Span, period_rows: list[Row]) -> Point:
        if summing:
            if not period_rows:
                return Point(span, basis=ABSENT)
            return total_point(span, {row.request_type: row for row in period_rows})
        return figure_point(span, period_rows[0] if period_rows else None)

    series = _company_series(spans, rows, point_of)
    noun = f"{noun_for(request_type, measure)} {from_whom(jurisdiction)}"
    latest = {company: p for company, points in series.items() if (p := _latest(points))}

    def controls() -> list[Control]:
        return [
            _static_control(TYPE, request_type),
            _jurisdiction_control(Figure.objects.jurisdictions_reported(scope="total"), jurisdiction),
            _static_control(MEASURE, measure),
        ]

    subtitle = f"{dict(COUNT_MEASURES)[measure]} {from_whom(jurisdiction)}, per reporting period, whole company" + (
        ". Where a company publishes no total, the sum of the kinds it reports." if summing else "."
    )
    if not latest:
        return _empty(state, f"No company publishes {noun}.", subtitle, controls())
    leader = max(latest.values(), key=_size)
    breaks = ordered_breaks(length_breaks(spans_of_series(series)) + basis_breaks(_by_name(series)))
    layout = base_layout(y_title=dict(COUNT_MEASURES)[measure], **break_marks(breaks))
    figure = figure_json(_comparison_traces(series, noun_for(request_type, measure)), layout)
    ordered = sorted(latest.values(), key=_size, reverse=True)
    summary = (
        f"Latest {noun}: "
        + "; ".join(f"{p.span.company_name} {p.text} in {p.span.label}" for p in ordered)
        + "."
        + _stale_sentence(series, latest)
    )
    definition = REQUEST_TYPE_DEFINITIONS.get("all" if request_type == TOTAL else request_type, "")
    notes = [
        *_numbered(breaks),
        "A period a company did not report, or a figure its report does not give, is a gap in the line, never a zero.",
        *(
            ["Ranges (bands) are drawn as shaded bars from their minimum to their maximum."]
            if _has_bands(series)
            else []
        ),
        *([f"{type_label(request_type)}: {definition}"] if definition else []),
        *(
            [
                "Where a company publishes no total, the figure is the sum of the kinds its report lists (hover a "
                "point, or see the table)"
                + (
                    f"; the kinds listed change from report to report for {' and '.join(changing)}."
                    if (changing := changing_sums(_by_name(series)))
                    else "."
                ),
                "Companies count differently: a sum of the kinds a company lists is not always its own total, and "
                "companies disagree on whether emergency and preservation requests count. Compare trends within a "
                "company before comparing companies.",
            ]
            if summing
            else []
        ),
    ]
    return Chart(
        slug="requests-over-time",
        params=state,
        title=f"{leader.span.company_name} reported the most {noun}: {leader.text} in {leader.span.label}",
        subtitle=subtitle,
        summary=summary,
        figure=figure,
        columns=COMPARISON_COLUMNS,
        rows=_comparison_rows(series, jurisdiction, request_type, measure),
        notes=notes,
        sources=load_sources(i for points in series.values() for p in points for i in p.source_ids),
        data_updated=data_updated(),
        controls=controls,
        highlights=[h for _, points in sorted(series.items()) if (h := highlight(points))],
    )


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


def _empty(state: dict[str, str], message: str, subtitle: str, controls: list[Control], slug: str = "") -> Chart:
    return Chart(
        slug=slug or "requests-over-time",
        params=state,
        title=message,
        subtitle=subtitle,
        summary=message,
        figure=empty_figure(message),
        columns=COMPARISON_COLUMNS,
        rows=[],
        data_updated=data_updated(),
        controls=controls,
        has_data=False,
    )


# --- The share of requests answered with some data ------------------------------------------------


@register(
    "share-over-time",
    name="Share of demands answered with data, by company",
    description="How often each company handed over some data for one kind of demand from one government.",
    params=[TYPE, JURISDICTION],
    page=_comparison_page,
)
def share_over_time(state: dict[str, str]) -> Chart:
    request_type, jurisdiction = state["type"], state["jurisdiction"]
    check_jurisdiction(jurisdiction)
    wanted = "all" if request_type == TOTAL else request_type
    measures = (
        "requests",
        "some-data-pct",
        "some-data",
        "full-response",
        "partial-response",
        "no-response",
        "content-disclosed",
        "non-content-disclosed",
    )
    spans = spans_of(ReportingPeriod.objects.chart_timeline(scope="total"))
    figures = Figure.objects.for_comparison(jurisdiction=jurisdiction, measures=measures, request_types=[wanted])
    rows = rows_of(figures, spans)

    def point_of(span: Span, period_rows: list[Row]) -> Point:
        share = share_of({row.measure: row for row in period_rows})
        ids = tuple(sorted({row.source_id for row in period_rows if row.source_id}))
        if share is None:
            return Point(span, basis="not reported", percent=True, source_ids=ids)
        return Point(span, value=share.value, basis=share.basis, percent=True, base=share.base, source_ids=ids)

    series = {c: points for c, points in _company_series(spans, rows, point_of).items() if _latest(points)}
    noun = f"{noun_for(request_type)} {from_whom(jurisdiction)}"
    subtitle = f"Share of {noun} for which the company handed over some data, per reporting period (%)."
    controls = [_static_control(TYPE, request_type)]
    if not series:
        return _empty(state, f"No company publishes how it answered {noun}.", subtitle, controls, "share-over-time")
    latest = {company: p for company, points in series.items() if (p := _latest(points))}
    leader = max(latest.values(), key=_size)
    figure = figure_json(
        [
            line_trace(points[0].span.company_name, points, colour=company_colour(c, list(series)), legendgroup=c)
            for c, points in sorted(series.items(), key=lambda item: item[1][0].span.company_name)
        ],
        base_layout(y_title="Some data handed over", percent=True),
    )
    ordered = sorted(latest.values(), key=_size, reverse=True)
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
        columns=[
            *COMPARISON_COLUMNS[:7],
            Column("share_pct", "Share with some data (%)", "number"),
            Column("base", "Of requests", "number"),
            Column("status", "Status"),
            Column("basis", "How obtained"),
        ],
        rows=[
            [
                p.span.company_name,
                p.span.label,
                p.span.start,
                p.span.end,
                jurisdiction,
                request_type,
                "some-data-pct",
                p.value,
                p.base,
                p.status,
                p.basis,
            ]
            for points in series.values()
            for p in points
        ],
        notes=[
            "Where a company gives counts (answered in full, in part, or not at all) the share is computed from them "
            "with the number of requests as its base; otherwise it is the percentage the company publishes.",
            "A period without the figure is a gap in the line, never a zero.",
        ],
        sources=load_sources(i for points in series.values() for p in points for i in p.source_ids),
        data_updated=data_updated(),
        controls=controls,
    )


# --- Which governments demand most -----------------------------------------------------------------


def parse_period(text: str) -> tuple[dt.date, dt.date]:
    """'2021-H2' or '2015-01-01..2015-05-31'."""
    match = re.fullmatch(r"(\d{4})-H([12])", text)
    if match:
        year, half = int(match.group(1)), match.group(2)
        return (
            (dt.date(year, 1, 1), dt.date(year, 6, 30)) if half == "1" else (dt.date(year, 7, 1), dt.date(year, 12, 31))
        )
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", text)
    if match:
        try:
            return dt.date.fromisoformat(match.group(1)), dt.date.fromisoformat(match.group(2))
        except ValueError:
            pass
    raise ChartParamError(f"Period must look like 2021-H2 or 2015-01-01..2015-05-31; “{text[:30]}” does not.")


def period_param(start: dt.date, end: dt.date) -> str:
    label = period_label(start, end)
    if re.fullmatch(r"H[12] \d{4}", label):
        return f"{start.year}-{label[:2]}"
    return f"{start.isoformat()}..{end.isoformat()}"


def choose_period(available: list[tuple[dt.date, dt.date]], requested: str) -> tuple[dt.date, dt.date]:
    """The requested period, which must be available; else the latest one most companies report."""
    if requested:
        period = parse_period(requested)
        if period not in available:
            listed = ", ".join(period_label(*p) for p in sorted(set(available), reverse=True)[:8])
            raise ChartParamError(f"No figures by country for {period_label(*period)}; try {listed}.")
        return period
    if not available:
        raise LookupError("no period")
    counts = Counter(available)
    enough = max(1, (max(counts.values()) + 1) // 2)
    return max(period for period, count in counts.items() if count >= enough)


RANKING_COLUMNS = [
    Column("rank", "Rank", "number"),
    Column("jurisdiction", "Government"),
    Column("jurisdiction_name", "Name"),
    Column("company", "Company"),
    Column("period", "Period"),
    Column("period_start", "Start", "date"),
    Column("period_end", "End", "date"),
    Column("value", "Requests", "number"),
    Column("value_min", "Range from", "number"),
    Column("value_max", "Range to", "number"),
    Column("status", "Status"),
    Column("basis", "How obtained"),
]


def ranking(*, start: dt.date, end: dt.date, company: str | None = None) -> dict[str, dict[str, Point]]:
    """For each country, each company's requests in the period: own total, else the sum of its kinds."""
    spans = spans_of(ReportingPeriod.objects.chart_timeline(scope="total", company=company))
    figures = Figure.objects.for_country_ranking(start=start, end=end, request_types=TOTAL_TYPES, company=company)
    rows = rows_of(figures, spans)
    result: dict[str, dict[str, Point]] = {}
    for (jurisdiction, slug), company_rows in group(rows, "jurisdiction", "company").items():
        first = company_rows[0]
        span = Span(slug, first.company_name, "total", start, end, first.period_source_id, first.period_id)
        point = total_point(span, {row.request_type: row for row in company_rows})
        if point.status != "not reported":
            result.setdefault(jurisdiction, {})[slug] = point
    return result


def ranking_chart(slug: str, state: dict[str, str], by_country: dict[str, dict[str, Point]], label: str) -> Chart:
    """Horizontal bars: the governments with the most requests, each company's figure stacked."""

    def size(points: dict[str, Point]) -> Decimal:
        return sum((_size(p) for p in points.values()), Decimal(0))

    top = sorted(by_country, key=lambda code: (-size(by_country[code]), code))[:RANKING_SIZE]
    companies = sorted({slug for code in top for slug in by_country[code]}, key=lambda s: s)
    names = {s: next(p.span.company_name for c in top for k, p in by_country[c].items() if k == s) for s in companies}
    traces = []
    for company in sorted(companies, key=lambda s: names[s]):
        shown = [code for code in reversed(top) if company in by_country[code]]
        points = [by_country[code][company] for code in shown]
        traces.append(
            bar(
                orientation="h",
                y=[jurisdiction_name(code) for code in shown],
                x=[as_float(_size(p)) for p in points],
                base=None,
                name=names[company],
                text=[
                    hover(f"{names[company]}: {jurisdiction_name(c)}", p, "requests")
                    for c, p in zip(shown, points, strict=True)
                ],
                hovertemplate="%{text}<extra></extra>",
                textposition="none",
                marker={"color": company_colour(company, companies)},
            )
        )
    height = 140 + 28 * len(top)
    layout = base_layout(height=height, barmode="stack")
    layout.update(
        xaxis={"type": "linear", "tickformat": ",.0f", "title": {"text": "Requests"}, "rangemode": "tozero"},
        yaxis={"type": "category", "automargin": True, "tickformat": "", "range": None, "title": {"text": ""}},
        margin={"l": 8, "r": 16, "t": 16, "b": 48},
        legend={"orientation": "h", "x": 0, "y": -0.12, "xanchor": "left", "yanchor": "top", "traceorder": "normal"},
    )
    rows = [
        [
            rank,
            code,
            jurisdiction_name(code),
            p.span.company_name,
            p.span.label,
            p.span.start,
            p.span.end,
            p.value,
            p.low,
            p.high,
            p.status,
            p.basis,
        ]
        for rank, code in enumerate(top, start=1)
        for p in sorted(by_country[code].values(), key=lambda p: p.span.company_name)
    ]
    leader = top[0]
    leader_points = sorted(by_country[leader].values(), key=_size, reverse=True)
    summary = (
        f"In {label}, the governments with the most requests were "
        + "; ".join(
            f"{jurisdiction_name(code)} ("
            + ", ".join(
                f"{p.span.company_name} {p.text}" for p in sorted(by_country[code].values(), key=_size, reverse=True)
            )
            + ")"
            for code in top[:5]
        )
        + "."
    )
    return Chart(
        slug=slug,
        params=state,
        title=f"{jurisdiction_name(leader)} made the most requests in {label}: "
        + ", ".join(f"{format_number(_size(p))} to {p.span.company_name}" for p in leader_points[:3]),
        subtitle=f"Requests for user data per government in {label}, top {len(top)}; each company's own figure.",
        summary=summary,
        figure=figure_json(traces, layout),
        columns=RANKING_COLUMNS,
        rows=rows,
        notes=[
            "Bars stack each company's own figure for the government; companies count requests differently, so "
            "the length of a bar is not a number any company published.",
            "Where a company publishes no total for a country, its figure is the sum of the kinds it reports there.",
            f"Only the {RANKING_SIZE} governments with the most requests are shown; every country is in the open "
            "data (/data/figures.csv).",
        ],
        sources=load_sources(i for code in top for p in by_country[code].values() for i in p.source_ids),
        data_updated=data_updated(),
    )


def _period_control(available: list[tuple[dt.date, dt.date]], selected: str) -> Control:
    counts = Counter(available)
    options = tuple(
        Option(period_param(*period), f"{period_label(*period)}" + (f" ({count} companies)" if count > 1 else ""))
        for period, count in sorted(counts.items(), reverse=True)
    )
    return Control("period", "Period", options, selected)


@register(
    "countries-ranking",
    name="Which governments demand most",
    description="The governments with the most requests for user data in one period, each company's figure.",
    params=[Param("period", "Period")],
    page=lambda state: reverse("countries"),
)
def countries_ranking(state: dict[str, str]) -> Chart:
    if state["period"]:
        parse_period(state["period"])  # a malformed period is refused even when there is no data
    available = [(row["start"], row["end"]) for row in ReportingPeriod.objects.with_country_figures()]
    subtitle = "Requests for user data per government; each company's own figure."
    if not available:
        return _empty(state, "No company publishes figures by country yet.", subtitle, [], "countries-ranking")
    start, end = choose_period(available, state["period"])
    state = {**state, "period": period_param(start, end)}
    by_country = ranking(start=start, end=end)
    controls = [_period_control(available, state["period"])]
    if not by_country:
        message = f"No company gives request counts by country for {period_label(start, end)}."
        return _empty(state, message, subtitle, controls, "countries-ranking")
    chart = ranking_chart("countries-ranking", state, by_country, period_label(start, end))
    chart.controls = controls
    return chart
