"""Charts of one company: its demands by kind over time and its national-security bands, and the context
every company chart starts from (its periods in every scope). A fixed number of queries whatever the data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import plotly.graph_objects as go
from django.urls import reverse

from dashboard.charts.breaks import length_breaks, ordered_breaks, scope_breaks
from dashboard.charts.frame import Chart, Control, Option
from dashboard.charts.labels import MEASURE_LABELS, in_sentence, scope_label, type_label, type_noun
from dashboard.charts.plotting import (
    Break,
    as_float,
    base_layout,
    break_marks,
    data_updated,
    figure_json,
    midpoint,
    scatter,
)
from dashboard.charts.points import (
    BAND_TYPES,
    Point,
    Row,
    Span,
    cited,
    figure_point,
    group,
    period_spans,
    rows_of,
    source_cells,
    trimmed,
)
from dashboard.charts.registry import ChartParamError, Param, register
from dashboard.charts.shared import (
    COMPARISON_COLUMNS,
    JURISDICTION,
    check_jurisdiction,
    empty_chart,
    from_whom,
    jurisdiction_control,
    jurisdictions_reported,
    latest_point,
    noun_for,
    numbered,
)
from dashboard.charts.styles import request_type_sort_key, request_type_style
from dashboard.charts.traces import Sources, band_trace, hover, line_trace
from reports.formatting import format_change
from reports.models import Figure
from reports.periods import period_label, same_period_a_year_earlier
from reports.vocabulary import MEASURE_DEFINITIONS, PERCENT_MEASURES

COMPANY = Param("company", "Company", in_path=True)
SCOPE = Param("scope", "Scope", "total")
COUNT_MEASURE = Param("measure", "Measure", "requests")
OUTCOME_TYPE = Param("type", "Request type")
#: Hatches told apart even in grey: one per kind of national-security demand.
BAND_PATTERNS = ("/", "\\", "x", "-", "|")
UNIT = Param("unit", "Counted in", "requests", (("requests", "Requests"), ("accounts", "Accounts")))


def company_page(state: dict[str, str]) -> str:
    return reverse("company", args=[state["company"]])


def measure_label(measure: str) -> str:
    return MEASURE_LABELS.get(measure, measure)


class Context:
    """What every company chart reads first: the company's periods in every scope (one query)."""

    def __init__(self, state: dict[str, str]) -> None:
        self.slug, self.scope = state["company"], state["scope"]
        if not self.slug:
            raise ChartParamError("Company is missing: give company=<slug>, such as company=amazon.")
        self.all_spans = period_spans(company=self.slug)
        if not self.all_spans:
            raise ChartParamError(f"No company “{self.slug[:40]}” has published reports here.")
        self.name = self.all_spans[0].company_name
        self.scopes = sorted({span.scope for span in self.all_spans}, key=lambda s: (s != "total", s))
        if self.scope not in self.scopes:
            listed = ", ".join(self.scopes)
            raise ChartParamError(f"{self.name} publishes no reports for the scope “{self.scope[:40]}”; try {listed}.")
        self.spans = [span for span in self.all_spans if span.scope == self.scope]

    def scope_control(self) -> Control:
        return Control("scope", "Scope", tuple(Option(s, scope_label(s)) for s in self.scopes), self.scope)

    def breaks(self) -> list[Break]:
        return ordered_breaks(length_breaks(self.spans) + scope_breaks(self.all_spans, self.name))

    def later_scopes(self) -> list[str]:
        """A note when this scope's reports stop before the company's latest: where its newer figures are
        (Amazon's reports give "Excluding AWS" and "AWS only" apart from H2 2020, with no whole-company total)."""
        if not self.spans:
            return []
        ends = max(span.end for span in self.spans)
        later = [
            s for s in self.scopes if s != self.scope and any(x.scope == s and x.end > ends for x in self.all_spans)
        ]
        if not later:
            return []
        newest = max(self.all_spans, key=lambda span: span.end)
        last = max(self.spans, key=lambda span: span.end)
        scopes = " and ".join(f"“{scope_label(scope)}”" for scope in later)
        return [
            f"{self.name}'s reports for this scope stop in {last.label}; its later reports, to {newest.label}, "
            f"give {scopes} apart: choose them under Scope."
        ]

    @property
    def scope_phrase(self) -> str:
        return "" if self.scope == "total" else f" ({scope_label(self.scope)})"


def _series(spans: list[Span], rows: Iterable[Row], key: str) -> dict[str, list[Point]]:
    """One point per period for each value of ``key`` (request type) among the rows."""
    rows = list(rows)
    by_period = group(rows, key, "start", "end")
    kinds = sorted({getattr(row, key) for row in rows}, key=request_type_sort_key)
    return {
        kind: trimmed([figure_point(span, _first(by_period.get((kind, span.start, span.end)))) for span in spans])
        for kind in kinds
    }


def _first(rows: list[Row] | None) -> Row | None:
    return rows[0] if rows else None


def _category_breaks(series: dict[str, list[Point]], spans: list[Span], name: str) -> list[Break]:
    """Where the company starts listing a kind of demand apart (grouped by the period it starts in)."""
    reported = [p.span.start for points in series.values() for p in points if p.status != "not reported"]
    if not reported:
        return []
    # From the first period with any of these figures: earlier reports may hold other kinds of figures only.
    first_period = min(reported)
    starts: dict[Any, list[str]] = {}
    for kind, points in series.items():
        first = next((p for p in points if p.status != "not reported"), None)
        if first is not None and first.span.start > first_period:
            starts.setdefault(first.span, []).append(kind)
    return [
        Break(span.start, f"{name}: new kinds", f"From {span.label}, {name} reports {_kinds(kinds)} apart.")
        for span, kinds in starts.items()
    ]


def _kinds(kinds: list[str]) -> str:
    names = [type_noun(k) for k in sorted(kinds, key=request_type_sort_key)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _point_rows(
    series: dict[str, list[Point]], jurisdiction: str, measure: str, by_id: dict[int, Any]
) -> list[list[Any]]:
    return [
        [
            p.span.company_name,
            p.span.label,
            p.span.start,
            p.span.end,
            jurisdiction,
            kind,
            measure,
            p.value,
            p.low,
            p.high,
            p.status,
            p.basis,
            *source_cells(p.source_ids, by_id),
        ]
        for kind, points in series.items()
        for p in points
    ]


@register(
    "company-requests",
    name="A company's demands by kind",
    description="The demands one company reports, kind by kind, over time.",
    params=[COMPANY, SCOPE, JURISDICTION, COUNT_MEASURE],
    page=company_page,
)
def company_requests(state: dict[str, str]) -> Chart:
    context, jurisdiction, measure = Context(state), state["jurisdiction"], state["measure"]
    check_jurisdiction(jurisdiction)
    rows = rows_of(
        Figure.objects.for_company_chart(context.slug, scope=context.scope, jurisdiction=jurisdiction), context.spans
    )
    counts = sorted({r.measure for r in rows if r.measure not in PERCENT_MEASURES and r.request_type not in BAND_TYPES})
    jurisdictions = jurisdictions_reported(company=context.slug, scope=context.scope)
    controls = [
        context.scope_control(),
        jurisdiction_control(jurisdictions, jurisdiction),
        Control("measure", "Measure", tuple(Option(m, measure_label(m)) for m in counts or [measure]), measure),
    ]
    if counts and measure not in counts:
        raise ChartParamError(f"{context.name} reports no “{measure[:40]}” here; try {', '.join(counts)}.")
    chosen = [r for r in rows if r.measure == measure and r.request_type not in BAND_TYPES]
    series = _series(context.spans, chosen, "request_type")
    series = {kind: points for kind, points in series.items() if latest_point(points)}
    noun = f"{in_sentence(measure_label(measure))} {from_whom(jurisdiction)}"
    subtitle = f"{context.name}{context.scope_phrase}: {noun}, by kind of demand, per reporting period."
    if not series:
        return empty_chart("company-requests", state, _nothing_to_draw(context, noun, chosen), subtitle, controls)
    breaks = ordered_breaks(context.breaks() + _category_breaks(series, context.spans, context.name))
    title, summary, headline = _requests_finding(context.name, series, measure, jurisdiction)
    sources, by_id = cited((p for points in series.values() for p in points), first=headline)
    layout = base_layout(y_title=measure_label(measure), **break_marks(breaks))
    figure = figure_json(_kind_traces(series, by_id), layout)
    return Chart(
        slug="company-requests",
        params=state,
        title=title,
        subtitle=subtitle,
        summary=summary,
        figure=figure,
        columns=COMPARISON_COLUMNS,
        rows=_point_rows(series, jurisdiction, measure, by_id),
        notes=[
            *context.later_scopes(),
            *numbered(breaks),
            *_requests_notes(measure, has_bands=any(r.request_type in BAND_TYPES for r in rows)),
        ],
        sources=sources,
        data_updated=data_updated(),
        controls=controls,
        highlights=[p for points in series.values() if (p := latest_point(points))],
    )


def _nothing_to_draw(context: Context, noun: str, chosen: list[Row]) -> str:
    """Why the chart is empty. Listed but not given (Amazon's reports drawn as images) is not the same as
    never published."""
    if not chosen:
        return f"{context.name} publishes no {noun} by kind{context.scope_phrase}."
    reasons = sorted({r.note for r in chosen if r.note})
    message = f"No figure yet for {context.name}'s {noun}{context.scope_phrase}"
    return message + (f": {'; '.join(reasons)}." if reasons else ": its reports list them but give no number.")


def _kind_traces(series: dict[str, list[Point]], by_id: Sources) -> list[go.BaseTraceType]:
    """A line per kind of demand, told apart by colour, dash and marker, with its bands as shaded spans."""
    traces: list[go.BaseTraceType] = []
    for kind, points in series.items():
        style = request_type_style(kind)
        label = type_label(kind)
        line = line_trace(label, points, colour=style.colour, dash=style.dash, symbol=style.symbol, sources=by_id)
        traces.append(line)
        band = band_trace(label, points, colour=style.colour, pattern=style.pattern, showlegend=False, sources=by_id)
        if band is not None:
            traces.append(band)
    return traces


def _requests_notes(measure: str, *, has_bands: bool) -> list[str]:
    notes = ["A period without the figure is a gap in the line, never a zero."]
    if measure in MEASURE_DEFINITIONS:
        notes.append(f"{measure_label(measure)}: {MEASURE_DEFINITIONS[measure]}")
    if has_bands:
        notes.append("National-security demands are published only as ranges; they have their own chart below.")
    return notes


def _requests_finding(
    name: str, series: dict[str, list[Point]], measure: str, jurisdiction: str
) -> tuple[str, str, Point]:
    """The title (the largest kind in the latest period, against a year earlier) and the summary sentence."""
    last_end = max(p.span.end for points in series.values() for p in points if p.status != "not reported")
    latest = {
        kind: p
        for kind, points in series.items()
        for p in points
        if p.span.end == last_end and p.status != "not reported"
    }
    # The headline kind: the largest demand for data, not a total and not a request to preserve it.
    parts = {k: p for k, p in latest.items() if k not in ("all", "legal-process", "preservation")} or latest
    kind, point = max(parts.items(), key=lambda item: item[1].value if item[1].value is not None else item[1].high or 0)
    noun = (
        noun_for(kind, "requests")
        if measure == "requests"
        else f"{in_sentence(measure_label(measure))} ({type_noun(kind)})"
    )
    earlier = same_period_a_year_earlier(point.span.start, point.span.end)
    before = next((p for p in series[kind] if (p.span.start, p.span.end) == earlier and p.value is not None), None)
    change = format_change(before.value, point.value) if before is not None else ""
    verb = "received" if measure == "requests" else "reported"
    where = "" if jurisdiction == "US" else f" {from_whom(jurisdiction)}"
    title = f"{name} {verb} {point.text} {noun}{where} in {point.span.label}"
    if change:
        title += (
            f", {change} than in {period_label(*earlier)}"
            if change != "about the same"
            else f", about as many as in {period_label(*earlier)}"
        )
    listed = sorted(
        latest.items(), key=lambda item: -(item[1].value if item[1].value is not None else item[1].high or 0)
    )
    summary = (
        f"In {point.span.label}, {name} reported "
        + ", ".join(f"{p.text} {type_noun(k)}" for k, p in listed)
        + f" ({in_sentence(measure_label(measure))} {from_whom(jurisdiction)})."
    )
    return title, summary, point


# --- National-security bands ----------------------------------------------------------------------


@register(
    "company-national-security",
    name="A company's national-security demands",
    description="National Security Letters and FISA orders, published only as ranges, over time.",
    params=[COMPANY, SCOPE, UNIT],
    page=company_page,
)
def company_national_security(state: dict[str, str]) -> Chart:
    context, unit = Context(state), state["unit"]
    rows = [
        r
        for r in rows_of(
            Figure.objects.for_company_chart(
                context.slug, scope=context.scope, jurisdiction="US", request_types=BAND_TYPES, measures=[unit]
            ),
            context.spans,
        )
        if r.request_type in BAND_TYPES and r.measure == unit
    ]
    series = {k: points for k, points in _series(context.spans, rows, "request_type").items() if latest_point(points)}
    controls = [
        context.scope_control(),
        Control("unit", "Counted in", tuple(Option(v, text) for v, text in UNIT.choices or ()), unit),
    ]
    noun = "national-security demands" if unit == "requests" else "accounts named in national-security demands"
    subtitle = f"{context.name}{context.scope_phrase}: {noun} from U.S. authorities, as the ranges the law allows."
    if not series:
        message = f"{context.name} publishes no {noun}{context.scope_phrase}."
        return empty_chart("company-national-security", state, message, subtitle, controls)
    breaks = context.breaks()
    layout = base_layout(y_title=unit.capitalize(), barmode="group", **break_marks(breaks))
    title, summary, headline = _national_security_finding(context.name, series, unit)
    sources, by_id = cited((p for points in series.values() for p in points), first=headline)
    figure = figure_json(_band_traces(series, by_id), layout)
    return Chart(
        slug="company-national-security",
        params=state,
        title=title,
        subtitle=subtitle,
        summary=summary,
        figure=figure,
        columns=COMPARISON_COLUMNS,
        rows=_point_rows(series, "US", unit, by_id),
        notes=[
            *numbered(breaks),
            "U.S. law lets companies publish national-security demands only as ranges (0–249, 0–499, …), often "
            "with a delay of six months or more; each bar spans the range, from its minimum to its maximum.",
            "A range is not a number: two equal ranges do not mean the number stayed the same.",
        ],
        sources=sources,
        data_updated=data_updated(),
        controls=controls,
    )


def _band_traces(series: dict[str, list[Point]], by_id: Sources) -> list[go.BaseTraceType]:
    """A bar spanning each range (a pattern per kind), and a marker where a figure is exact."""
    traces: list[go.BaseTraceType] = []
    for kind, points in series.items():
        style = request_type_style(kind)
        pattern = BAND_PATTERNS[BAND_TYPES.index(kind) % len(BAND_PATTERNS)]
        band = band_trace(
            type_label(kind),
            points,
            colour=style.colour,
            pattern=pattern,
            offsetgroup=kind,
            sources=by_id,
            labelled=len(series) == 1,
        )
        if band is not None:
            traces.append(band)
        exact = [p for p in points if p.status == "exact"]
        if exact:
            traces.append(
                scatter(
                    x=[midpoint(p.span.start, p.span.end) for p in exact],
                    y=[as_float(p.value) for p in exact],
                    mode="markers",
                    name=f"{type_label(kind)} (exact)",
                    marker={"color": style.colour, "symbol": style.symbol, "size": 9},
                    text=[hover(type_label(kind), p, sources=by_id) for p in exact],
                    hovertemplate="%{text}<extra></extra>",
                )
            )
    return traces


def _national_security_finding(name: str, series: dict[str, list[Point]], unit: str) -> tuple[str, str, Point]:
    """The latest ranges as the title, and the first such figure beside them in the summary."""
    latest = {kind: p for kind, points in series.items() if (p := latest_point(points))}
    newest = max(p.span.end for p in latest.values())
    recent = [(k, p) for k, p in latest.items() if p.span.end == newest]
    first = min(
        (p for points in series.values() for p in points if p.status != "not reported"), key=lambda p: p.span.start
    )
    kind, point = recent[0]
    title = f"{name} reported {point.text} {type_noun(kind)} in {point.span.label}" + (
        " — a range, as U.S. law requires" if point.status == "band" else ""
    )
    summary = (
        f"In {point.span.label}, {name} reported "
        + ", ".join(f"{p.text} {type_noun(k)}" for k, p in recent)
        + f" ({unit}); its first such figure, for {first.span.label}, was {first.text}."
    )
    return title, summary, point
