"""Charts of one company: its demands by kind over time, how it answered them, its national-security
bands and the governments that asked it most. A fixed number of queries whatever the data."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go
from django.urls import reverse

from dashboard.chart_data import (
    BAND_TYPES,
    MEASURE_LABELS,
    Point,
    Row,
    Span,
    band_trace,
    figure_point,
    group,
    in_sentence,
    length_breaks,
    line_trace,
    load_sources,
    ordered_breaks,
    rows_of,
    scope_breaks,
    scope_label,
    share_of,
    spans_of,
    trimmed,
    type_label,
    type_noun,
)
from dashboard.chart_types import (
    COMPARISON_COLUMNS,
    JURISDICTION,
    RANKING_SIZE,
    _jurisdiction_control,
    _numbered,
    check_jurisdiction,
    choose_period,
    from_whom,
    noun_for,
    period_param,
    ranking,
    ranking_chart,
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
    data_updated,
    empty_figure,
    figure_json,
    midpoint,
    period_hover,
    register,
    request_type_sort_key,
    request_type_style,
    scatter,
)
from reports.formatting import format_change, format_number, format_percent, percent
from reports.models import Figure, ReportingPeriod
from reports.periods import period_label, same_period_a_year_earlier
from reports.vocabulary import MEASURE_DEFINITIONS, PERCENT_MEASURES

COMPANY = Param("company", "Company", in_path=True)
SCOPE = Param("scope", "Scope", "total")
COUNT_MEASURE = Param("measure", "Measure", "requests")
OUTCOME_TYPE = Param("type", "Request type")
#: Hatches told apart even in grey: one per kind of national-security demand.
BAND_PATTERNS = ("/", "\\", "x", "-", "|")
UNIT = Param("unit", "Counted in", "requests", (("requests", "Requests"), ("accounts", "Accounts")))


def _company_page(state: dict[str, str]) -> str:
    return reverse("company", args=[state["company"]])


def measure_label(measure: str) -> str:
    return MEASURE_LABELS.get(measure, measure)


class Context:
    """What every company chart reads first: the company's periods in every scope (one query)."""

    def __init__(self, state: dict[str, str]) -> None:
        self.slug, self.scope = state["company"], state["scope"]
        if not self.slug:
            raise ChartParamError("Company is missing: give company=<slug>, such as company=amazon.")
        self.all_spans = spans_of(ReportingPeriod.objects.chart_timeline(company=self.slug))
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


def _latest(points: list[Point]) -> Point | None:
    reported = [point for point in points if point.status != "not reported"]
    return reported[-1] if reported else None


def _empty(slug: str, state: dict[str, str], message: str, subtitle: str, controls: list[Control]) -> Chart:
    return Chart(
        slug=slug,
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


def _point_rows(series: dict[str, list[Point]], jurisdiction: str, measure: str) -> list[list[Any]]:
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
        ]
        for kind, points in series.items()
        for p in points
    ]


@register(
    "company-requests",
    name="A company's demands by kind",
    description="The demands one company reports, kind by kind, over time.",
    params=[COMPANY, SCOPE, JURISDICTION, COUNT_MEASURE],
    page=_company_page,
)
def company_requests(state: dict[str, str]) -> Chart:
    context, jurisdiction, measure = Context(state), state["jurisdiction"], state["measure"]
    check_jurisdiction(jurisdiction)
    rows = rows_of(
        Figure.objects.for_company_chart(context.slug, scope=context.scope, jurisdiction=jurisdiction), context.spans
    )
    counts = sorted({r.measure for r in rows if r.measure not in PERCENT_MEASURES and r.request_type not in BAND_TYPES})
    jurisdictions = Figure.objects.jurisdictions_reported(company=context.slug, scope=context.scope)
    controls = [
        context.scope_control(),
        _jurisdiction_control(jurisdictions, jurisdiction),
        Control("measure", "Measure", tuple(Option(m, measure_label(m)) for m in counts or [measure]), measure),
    ]
    if counts and measure not in counts:
        raise ChartParamError(f"{context.name} reports no “{measure[:40]}” here; try {', '.join(counts)}.")
    chosen = [r for r in rows if r.measure == measure and r.request_type not in BAND_TYPES]
    series = _series(context.spans, chosen, "request_type")
    series = {kind: points for kind, points in series.items() if _latest(points)}
    noun = f"{in_sentence(measure_label(measure))} {from_whom(jurisdiction)}"
    subtitle = f"{context.name}{context.scope_phrase}: {noun}, by kind of demand, per reporting period."
    if not series:
        message = f"{context.name} publishes no {noun} by kind{context.scope_phrase}."
        return _empty("company-requests", state, message, subtitle, controls)
    breaks = ordered_breaks(context.breaks() + _category_breaks(series, context.spans, context.name))
    traces: list[go.BaseTraceType] = []
    for kind, points in series.items():
        style = request_type_style(kind)
        label = type_label(kind)
        traces.append(line_trace(label, points, colour=style.colour, dash=style.dash, symbol=style.symbol))
        band = band_trace(label, points, colour=style.colour, pattern=style.pattern, showlegend=False)
        if band is not None:
            traces.append(band)
    figure = figure_json(traces, base_layout(y_title=measure_label(measure), **break_marks(breaks)))
    title, summary = _requests_finding(context.name, series, measure, jurisdiction)
    return Chart(
        slug="company-requests",
        params=state,
        title=title,
        subtitle=subtitle,
        summary=summary,
        figure=figure,
        columns=COMPARISON_COLUMNS,
        rows=_point_rows(series, jurisdiction, measure),
        notes=[
            *_numbered(breaks),
            "A period without the figure is a gap in the line, never a zero.",
            *([f"{measure_label(measure)}: {MEASURE_DEFINITIONS[measure]}"] if measure in MEASURE_DEFINITIONS else []),
            *(
                ["National-security demands are published only as ranges; they have their own chart below."]
                if any(r.request_type in BAND_TYPES for r in rows)
                else []
            ),
        ],
        sources=load_sources(i for points in series.values() for p in points for i in p.source_ids),
        data_updated=data_updated(),
        controls=controls,
        highlights=[p for points in series.values() if (p := _latest(points))],
    )


def _requests_finding(name: str, series: dict[str, list[Point]], measure: str, jurisdiction: str) -> tuple[str, str]:
    """The title (the largest kind in the latest period, against a year earlier) and the summary sentence."""
    last_end = max(p.span.end for points in series.values() for p in points if p.status != "not reported")
    latest = {
        kind: p
        for kind, points in series.items()
        for p in points
        if p.span.end == last_end and p.status != "not reported"
    }
    parts = {k: p for k, p in latest.items() if k not in ("all", "legal-process")} or latest
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
    return title, summary


# --- How the company answered -------------------------------------------------------------------

#: Outcome measures drawn as stacked shares of requests: label, colour, pattern.
OUTCOMES: dict[str, tuple[str, str, str]] = {
    "full-response": ("Answered in full", "#0072B2", ""),
    "partial-response": ("Answered in part", "#56B4E9", "/"),
    "no-response": ("No data", "#9E9EA8", "."),
    "content-disclosed": ("Content disclosed", "#0072B2", ""),
    "non-content-disclosed": ("Only non-content disclosed", "#56B4E9", "/"),
    "some-data": ("Some data produced", "#0072B2", ""),
    "no-data-found": ("No data found", "#9E9EA8", "."),
    "no-data-provided": ("No data provided", "#C2C2CA", "-"),
    "rejected": ("Rejected or challenged", "#D55E00", "x"),
}
#: Which outcome measures make one consistent set: the first set a period reports is drawn.
OUTCOME_SETS = (
    ("full-response", "partial-response", "no-response"),
    ("content-disclosed", "non-content-disclosed", "no-data-found", "rejected"),
    ("some-data", "no-data-provided", "rejected"),
)
#: Shares a company publishes as percentages, drawn as published when it gives no counts.
PUBLISHED_SHARES = ("some-data-pct", "content-disclosed-pct")
OUTCOME_MEASURES = frozenset(OUTCOMES) | {"requests", *PUBLISHED_SHARES}


def _drawable(measures: dict[str, Row]) -> bool:
    """Whether a period's outcomes can be drawn as shares: counts with a number of requests, or a percentage."""
    requests = measures.get("requests")
    if requests is not None and requests.value and _outcome_set(measures):
        return True
    return any(measures.get(m) is not None and measures[m].value is not None for m in PUBLISHED_SHARES)


def _outcome_set(measures: dict[str, Row]) -> tuple[str, ...]:
    for outcome_set in OUTCOME_SETS:
        if measures.get(outcome_set[0]) is not None and measures[outcome_set[0]].value is not None:
            return tuple(m for m in outcome_set if m in measures and measures[m].value is not None)
    return ()


@register(
    "company-outcomes",
    name="How a company answered demands",
    description="For one kind of demand: answered in full, in part or not at all, content or not, over time.",
    params=[COMPANY, SCOPE, JURISDICTION, OUTCOME_TYPE],
    page=_company_page,
)
def company_outcomes(state: dict[str, str]) -> Chart:
    context, jurisdiction = Context(state), state["jurisdiction"]
    check_jurisdiction(jurisdiction)
    rows = [
        r
        for r in rows_of(
            Figure.objects.for_company_chart(
                context.slug, scope=context.scope, jurisdiction=jurisdiction, measures=OUTCOME_MEASURES
            ),
            context.spans,
        )
        if r.measure in OUTCOME_MEASURES and r.request_type not in BAND_TYPES
    ]
    by_type = group(rows, "request_type")
    drawable = {
        kind: [
            period for period, rs in group(kind_rows, "start", "end").items() if _drawable({r.measure: r for r in rs})
        ]
        for (kind,), kind_rows in by_type.items()
    }
    answered = sorted((kind for kind, periods in drawable.items() if periods), key=request_type_sort_key)
    request_type = state["type"] or _default_outcome_type(drawable, answered)
    state = {**state, "type": request_type}
    controls = [Control("type", "Request type", tuple(Option(t, type_label(t)) for t in answered), request_type)]
    if answered and request_type not in answered:
        raise ChartParamError(
            f"{context.name} publishes no outcome for “{request_type[:40]}” here; try {', '.join(answered)}."
        )
    noun = f"{noun_for(request_type)} {from_whom(jurisdiction)}" if request_type else "demands"
    subtitle = f"{context.name}{context.scope_phrase}: how it answered {noun}, as a share of them, per period (%)."
    if not answered:
        message = f"{context.name} publishes no outcome of demands {from_whom(jurisdiction)}{context.scope_phrase}."
        return _empty("company-outcomes", state, message, subtitle, controls)
    periods = group(by_type[(request_type,)], "start", "end")
    traces, table, shares = _outcome_traces(context.spans, periods)
    figure = figure_json(traces, base_layout(y_title="Share of requests", percent=True, barmode="stack"))
    latest_span, latest_share = shares[-1] if shares else (None, None)
    if latest_share is not None and latest_span is not None:
        title = (
            f"{context.name} handed over data for {format_percent(latest_share.value)} of {noun} in {latest_span.label}"
        )
        base = f" ({format_percent(latest_share.value, base=latest_share.base)})" if latest_share.base else ""
        summary = (
            f"In {latest_span.label}, {context.name} handed over some data for {format_percent(latest_share.value)} "
            f"of {noun}{base}; {latest_share.basis}."
        )
        if len(shares) > 1:
            first_span, first_share = shares[0]
            summary += f" In {first_span.label} the share was {format_percent(first_share.value)}."
    else:
        title = summary = f"{context.name}'s outcomes of {noun}, period by period."
    return Chart(
        slug="company-outcomes",
        params=state,
        title=title,
        subtitle=subtitle,
        summary=summary,
        figure=figure,
        columns=[
            Column("company", "Company"),
            Column("period", "Period"),
            Column("period_start", "Start", "date"),
            Column("period_end", "End", "date"),
            Column("jurisdiction", "Government"),
            Column("request_type", "Request type"),
            Column("measure", "Outcome"),
            Column("value", "Count", "number"),
            Column("requests", "Of requests", "number"),
            Column("share_pct", "Share (%)", "number"),
            Column("basis", "How obtained"),
        ],
        rows=[
            [context.name, span.label, span.start, span.end, jurisdiction, request_type, *rest] for span, rest in table
        ],
        notes=[
            "Shares are computed from the counts the company publishes, with the number of requests as their base; "
            "where it publishes only a percentage, that percentage is drawn as published.",
            "Companies define a full or partial answer differently; compare a company with itself over time.",
            "A period without outcome figures has no bar, never a zero.",
        ],
        sources=load_sources(r.source_id for r in by_type[(request_type,)] if r.source_id),
        data_updated=data_updated(),
        controls=controls,
        highlights=[share for _, share in shares[-1:]],
    )


def _default_outcome_type(drawable: dict[str, list[Any]], answered: list[str]) -> str:
    """The kind with outcomes in the latest period, the broadest first."""
    if not answered:
        return ""
    last = {kind: max(end for _, end in drawable[kind]) for kind in answered}
    newest = max(last.values())
    return next(kind for kind in answered if last[kind] == newest)


def _outcome_traces(spans: list[Span], periods: dict[Any, list[Row]]) -> tuple[list[go.Bar], list[Any], list[Any]]:
    """Stacked bars of outcome shares per period, the table rows behind them and each period's share."""
    bars: dict[str, dict[str, list[Any]]] = {}
    table: list[Any] = []
    shares: list[Any] = []
    for span in spans:
        measures = {r.measure: r for r in periods.get((span.start, span.end), [])}
        if not measures:
            continue
        requests = measures.get("requests")
        base = requests.value if requests is not None else None
        share = share_of(measures)
        if share is not None:
            shares.append((span, share))
        drawn = _outcome_set(measures) if base else ()
        for measure in drawn:
            count = measures[measure].value
            pct = percent(count, base)
            _add_bar(
                bars,
                measure,
                span,
                pct,
                f"{OUTCOMES[measure][0]}: {format_number(count)} of {format_number(base)} ({format_percent(pct)})",
            )
            table.append((span, [measure, count, base, pct, "computed from counts"]))
        if not drawn:
            for measure in ("some-data-pct", "content-disclosed-pct"):
                given = measures.get(measure)
                if given is not None and given.value is not None:
                    label = "Some data produced" if measure == "some-data-pct" else "Content disclosed"
                    text = (
                        f"{label}: {format_percent(given.value)}"
                        + (f" of {format_number(base)}" if base else "")
                        + " (as published)"
                    )
                    _add_bar(bars, measure, span, given.value, text)
                    table.append((span, [measure, None, base, given.value, "the percentage the company publishes"]))
                    break
    traces = []
    for measure, data in bars.items():
        label, colour, pattern = OUTCOMES.get(measure, ("Some data produced (as published)", "#0072B2", "/"))
        if measure == "content-disclosed-pct":
            label, colour, pattern = "Content disclosed (as published)", "#0072B2", "/"
        traces.append(
            bar(
                x=data["x"],
                y=data["y"],
                width=data["width"],
                text=data["text"],
                name=label,
                hovertemplate="%{text}<extra></extra>",
                textposition="none",
                marker={
                    "color": colour,
                    "line": {"color": colour, "width": 1},
                    "pattern": {
                        "shape": pattern,
                        "fgcolor": "rgba(255,255,255,0.6)",
                        "fillmode": "overlay",
                        "solidity": 0.2,
                    },
                },
            )
        )
    return traces, table, shares


def _add_bar(bars: dict[str, dict[str, list[Any]]], measure: str, span: Span, pct: Decimal | None, text: str) -> None:
    data = bars.setdefault(measure, {"x": [], "y": [], "width": [], "text": []})
    data["x"].append(midpoint(span.start, span.end))
    data["y"].append(as_float(pct))
    data["width"].append((span.end - span.start).days * 86_400_000 * 0.8)
    data["text"].append(f"{period_hover(span.start, span.end)}<br>{text}")


# --- National-security bands ----------------------------------------------------------------------


@register(
    "company-national-security",
    name="A company's national-security demands",
    description="National Security Letters and FISA orders, published only as ranges, over time.",
    params=[COMPANY, SCOPE, UNIT],
    page=_company_page,
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
    series = {k: points for k, points in _series(context.spans, rows, "request_type").items() if _latest(points)}
    controls = [
        context.scope_control(),
        Control("unit", "Counted in", tuple(Option(v, text) for v, text in UNIT.choices or ()), unit),
    ]
    noun = "national-security demands" if unit == "requests" else "accounts named in national-security demands"
    subtitle = f"{context.name}{context.scope_phrase}: {noun} from U.S. authorities, as the ranges the law allows."
    if not series:
        message = f"{context.name} publishes no {noun}{context.scope_phrase}."
        return _empty("company-national-security", state, message, subtitle, controls)
    traces: list[go.BaseTraceType] = []
    for kind, points in series.items():
        style = request_type_style(kind)
        pattern = BAND_PATTERNS[BAND_TYPES.index(kind) % len(BAND_PATTERNS)]
        band = band_trace(type_label(kind), points, colour=style.colour, pattern=pattern, offsetgroup=kind)
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
                    text=[
                        f"<b>{type_label(kind)}</b><br>{period_hover(p.span.start, p.span.end)}<br>{p.text}"
                        for p in exact
                    ],
                    hovertemplate="%{text}<extra></extra>",
                )
            )
    breaks = context.breaks()
    figure = figure_json(traces, base_layout(y_title=unit.capitalize(), barmode="group", **break_marks(breaks)))
    latest = {kind: p for kind, points in series.items() if (p := _latest(points))}
    newest = max(p.span.end for p in latest.values())
    recent = [(k, p) for k, p in latest.items() if p.span.end == newest]
    first = min(
        (p for points in series.values() for p in points if p.status != "not reported"), key=lambda p: p.span.start
    )
    kind, point = recent[0]
    title = f"{context.name} reported {point.text} {type_noun(kind)} in {point.span.label}" + (
        " — a range, as U.S. law requires" if point.status == "band" else ""
    )
    summary = (
        f"In {point.span.label}, {context.name} reported "
        + ", ".join(f"{p.text} {type_noun(k)}" for k, p in recent)
        + f" ({unit}); its first such figure, for {first.span.label}, was {first.text}."
    )
    return Chart(
        slug="company-national-security",
        params=state,
        title=title,
        subtitle=subtitle,
        summary=summary,
        figure=figure,
        columns=COMPARISON_COLUMNS,
        rows=_point_rows(series, "US", unit),
        notes=[
            *_numbered(breaks),
            "U.S. law lets companies publish national-security demands only as ranges (0–249, 0–499, …), often "
            "with a delay of six months or more; each bar spans the range, from its minimum to its maximum.",
            "A range is not a number: two equal ranges do not mean the number stayed the same.",
        ],
        sources=load_sources(i for points in series.values() for p in points for i in p.source_ids),
        data_updated=data_updated(),
        controls=controls,
    )


# --- The governments that asked the company most ------------------------------------------------


@register(
    "company-countries",
    name="Governments that asked a company most",
    description="The governments with the most requests to one company in one period.",
    params=[COMPANY, SCOPE, Param("period", "Period")],
    page=_company_page,
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
        return _empty("company-countries", state, message, subtitle, [])
    start, end = choose_period(available, state["period"])
    state = {**state, "period": period_param(start, end)}
    by_country = ranking(start=start, end=end, company=context.slug)
    options = tuple(Option(period_param(*p), period_label(*p)) for p in sorted(set(available), reverse=True))
    controls = [Control("period", "Period", options, state["period"])]
    if not by_country:
        message = f"{context.name} gives no request counts by country for {period_label(start, end)}."
        return _empty("company-countries", state, message, subtitle, controls)
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
