"""Which governments demand most: the ranking of governments across companies (countries page) and for one
company (company page). Where a company publishes no total for a country, its figure is the sum of its kinds."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from decimal import Decimal
from typing import Any

from django.urls import reverse

from dashboard.charts.company import COMPANY, SCOPE, Context, company_page
from dashboard.charts.frame import Chart, Column, Control, Option
from dashboard.charts.plotting import as_float, bar, base_layout, data_updated, figure_json
from dashboard.charts.points import (
    Point,
    Span,
    cited,
    group,
    period_spans,
    rows_of,
    source_cells,
    total_point,
)
from dashboard.charts.registry import ChartParamError, Param, register
from dashboard.charts.shared import (
    TOTAL_TYPES,
    empty_chart,
    point_size,
)
from dashboard.charts.styles import company_colour
from dashboard.charts.traces import Sources, hover
from reports.formatting import format_number
from reports.models import Figure, ReportingPeriod
from reports.periods import period_label
from reports.statements import jurisdiction_name

#: Governments a ranking shows; the rest are in /data/figures.csv.
RANKING_SIZE = 15


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
    Column("source", "Source"),
    Column("source_url", "Source address", "url"),
]


def ranking(
    *, start: dt.date, end: dt.date, company: str | None = None, spans: list[Span] | None = None
) -> dict[str, dict[str, Point]]:
    """For each country, each company's requests in the period: own total, else the sum of its kinds. ``spans``:
    the whole-company periods when the caller has them already."""
    if spans is None:
        spans = period_spans(scope="total", company=company)
    scope = spans[0].scope if spans else "total"
    figures = Figure.objects.for_country_ranking(
        start=start, end=end, request_types=TOTAL_TYPES, company=company, scope=scope
    )
    rows = rows_of(figures, spans)
    result: dict[str, dict[str, Point]] = {}
    for (jurisdiction, slug), company_rows in group(rows, "jurisdiction", "company").items():
        first = company_rows[0]
        span = Span(slug, first.company_name, first.scope, start, end, first.period_source_id, first.period_id)
        point = total_point(span, {row.request_type: row for row in company_rows})
        if point.status != "not reported":
            result.setdefault(jurisdiction, {})[slug] = point
    return result


def ranking_chart(slug: str, state: dict[str, str], by_country: dict[str, dict[str, Point]], label: str) -> Chart:
    """Horizontal bars: the governments with the most requests, each company's figure stacked."""
    top = sorted(by_country, key=lambda code: (-_size(by_country[code]), code))[:RANKING_SIZE]
    leader_points = sorted(by_country[top[0]].values(), key=point_size, reverse=True)
    shown = [p for code in top for p in by_country[code].values()]
    sources, by_id = cited(shown, first=leader_points[0])
    return Chart(
        slug=slug,
        params=state,
        title=f"{jurisdiction_name(top[0])} made the most requests in {label}: "
        + ", ".join(f"{format_number(point_size(p))} to {p.span.company_name}" for p in leader_points[:3]),
        subtitle=f"Requests for user data per government in {label}, top {len(top)}; each company's own figure.",
        summary=_ranking_summary(by_country, top, label),
        figure=figure_json(_ranking_traces(by_country, top, by_id), _ranking_layout(len(top))),
        columns=RANKING_COLUMNS,
        rows=[
            [
                *(rank, code, jurisdiction_name(code), p.span.company_name, p.span.label, p.span.start, p.span.end),
                *(p.value, p.low, p.high, p.status, p.basis),
                *source_cells(p.source_ids, by_id),
            ]
            for rank, code in enumerate(top, start=1)
            for p in sorted(by_country[code].values(), key=lambda p: p.span.company_name)
        ],
        notes=RANKING_NOTES,
        sources=sources,
        data_updated=data_updated(),
    )


RANKING_NOTES = [
    "Bars stack each company's own figure for the government; companies count requests differently, so "
    "the length of a bar is not a number any company published.",
    "Where a company publishes no total for a country, its figure is the sum of the kinds it reports there.",
    f"Only the {RANKING_SIZE} governments with the most requests are shown; every country is in the open "
    "data (/data/figures.csv).",
]


def _size(points: dict[str, Point]) -> Decimal:
    return sum((point_size(p) for p in points.values()), Decimal(0))


def _ranking_traces(by_country: dict[str, dict[str, Point]], top: list[str], by_id: Sources) -> list[Any]:
    """One bar trace per company, its figure for each government in the top, in the company's colour."""
    companies = sorted({slug for code in top for slug in by_country[code]})
    names = {s: next(p.span.company_name for c in top for k, p in by_country[c].items() if k == s) for s in companies}
    traces = []
    for company in sorted(companies, key=lambda s: names[s]):
        shown = [code for code in reversed(top) if company in by_country[code]]
        points = [by_country[code][company] for code in shown]
        traces.append(
            bar(
                orientation="h",
                y=[jurisdiction_name(code) for code in shown],
                x=[as_float(point_size(p)) for p in points],
                base=None,
                name=names[company],
                text=[
                    hover(f"{names[company]}: {jurisdiction_name(c)}", p, "requests", by_id)
                    for c, p in zip(shown, points, strict=True)
                ],
                hovertemplate="%{text}<extra></extra>",
                textposition="none",
                marker={"color": company_colour(company, companies)},
            )
        )
    return traces


def _ranking_layout(count: int) -> Any:
    layout = base_layout(height=140 + 28 * count, barmode="stack")
    layout.update(
        xaxis={"type": "linear", "tickformat": ",.0f", "title": {"text": "Requests"}, "rangemode": "tozero"},
        yaxis={"type": "category", "automargin": True, "tickformat": "", "range": None, "title": {"text": ""}},
        margin={"l": 8, "r": 16, "t": 16, "b": 48},
        legend={"orientation": "h", "x": 0, "y": -0.12, "xanchor": "left", "yanchor": "top", "traceorder": "normal"},
    )
    return layout


def _ranking_summary(by_country: dict[str, dict[str, Point]], top: list[str], label: str) -> str:
    return (
        f"In {label}, the governments with the most requests were "
        + "; ".join(
            f"{jurisdiction_name(code)} ("
            + ", ".join(
                f"{p.span.company_name} {p.text}"
                for p in sorted(by_country[code].values(), key=point_size, reverse=True)
            )
            + ")"
            for code in top[:5]
        )
        + "."
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
        return empty_chart("countries-ranking", state, "No company publishes figures by country yet.", subtitle, [])
    start, end = choose_period(available, state["period"])
    state = {**state, "period": period_param(start, end)}
    by_country = ranking(start=start, end=end)
    controls = [_period_control(available, state["period"])]
    if not by_country:
        message = f"No company gives request counts by country for {period_label(start, end)}."
        return empty_chart("countries-ranking", state, message, subtitle, controls)
    chart = ranking_chart("countries-ranking", state, by_country, period_label(start, end))
    chart.controls = controls
    return chart


@register(
    "company-countries",
    name="Governments that asked a company most",
    description="The governments with the most requests to one company in one period.",
    params=[COMPANY, SCOPE, Param("period", "Period")],
    page=company_page,
)
def company_countries(state: dict[str, str]) -> Chart:
    context = Context(state)
    available = [
        (r["start"], r["end"])
        for r in ReportingPeriod.objects.with_country_figures(scope=context.scope, company=context.slug)
    ]
    subtitle = f"{context.name}{context.scope_phrase}: requests per government."
    if not available:
        message = (
            f"{context.name} publishes no figures for individual countries other than the U.S.{context.scope_phrase}."
        )
        return empty_chart("company-countries", state, message, subtitle, [])
    start, end = choose_period(available, state["period"])
    state = {**state, "period": period_param(start, end)}
    by_country = ranking(start=start, end=end, company=context.slug, spans=context.spans)
    options = tuple(Option(period_param(*p), period_label(*p)) for p in sorted(set(available), reverse=True))
    controls = [Control("period", "Period", options, state["period"])]
    if not by_country:
        message = f"{context.name} gives no request counts by country for {period_label(start, end)}."
        return empty_chart("company-countries", state, message, subtitle, controls)
    chart = ranking_chart("company-countries", state, by_country, period_label(start, end))
    chart.controls = controls
    chart.notes = [
        f"Only the governments with the most requests are shown; every country is in the table of "
        f"{context.name}'s reports and in the open data (/data/figures.csv).",
        "Where the company publishes no total for a country, the figure is the sum of the kinds it reports there.",
    ]
    shown = min(len(by_country), RANKING_SIZE)
    chart.subtitle = (
        f"{context.name}: requests for user data per government in {period_label(start, end)}, top {shown}."
    )
    return chart
