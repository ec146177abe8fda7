"""How a company answered one kind of demand: answered in full, in part or not at all, content or not, as
shares of the requests, period by period; or the percentage it publishes when it gives no counts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import plotly.graph_objects as go

from dashboard.charts.company import COMPANY, OUTCOME_TYPE, SCOPE, Context, company_page
from dashboard.charts.frame import Chart, Column, Control, Option
from dashboard.charts.labels import type_label
from dashboard.charts.plotting import as_float, bar, base_layout, data_updated, figure_json, midpoint
from dashboard.charts.points import BAND_TYPES, Row, Span, group, load_sources, rows_of, share_of, source_cells
from dashboard.charts.registry import ChartParamError, register
from dashboard.charts.shared import (
    COMPARISON_COLUMNS,
    JURISDICTION,
    check_jurisdiction,
    empty_chart,
    from_whom,
    noun_for,
)
from dashboard.charts.styles import request_type_sort_key
from dashboard.charts.traces import source_line
from reports.formatting import format_number, format_percent, percent
from reports.models import Figure, SourceDocument

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
    page=company_page,
)
def company_outcomes(state: dict[str, str]) -> Chart:
    context, jurisdiction = Context(state), state["jurisdiction"]
    check_jurisdiction(jurisdiction)
    by_type, drawable = _outcome_rows(context, jurisdiction)
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
        return empty_chart("company-outcomes", state, message, subtitle, controls)
    periods = group(by_type[(request_type,)], "start", "end")
    sources = load_sources(r.source_id for r in by_type[(request_type,)] if r.source_id)
    by_id = {source.pk: source for source in sources}
    traces, table, shares = _outcome_traces(context.spans, periods, by_id)
    figure = figure_json(traces, base_layout(y_title="Share of requests", percent=True, barmode="stack"))
    title, summary = _outcome_finding(context.name, noun, shares)
    return Chart(
        slug="company-outcomes",
        params=state,
        title=title,
        subtitle=subtitle,
        summary=summary,
        figure=figure,
        columns=OUTCOME_COLUMNS,
        rows=[
            [context.name, span.label, span.start, span.end, jurisdiction, request_type, *rest] for span, rest in table
        ],
        notes=OUTCOME_NOTES,
        sources=sources,
        data_updated=data_updated(),
        controls=controls,
        highlights=[share for _, share in shares[-1:]],
    )


OUTCOME_COLUMNS = [
    *COMPARISON_COLUMNS[:6],
    Column("measure", "Outcome"),
    Column("value", "Count", "number"),
    Column("requests", "Of requests", "number"),
    Column("share_pct", "Share (%)", "number"),
    Column("basis", "How obtained"),
    Column("source", "Source"),
    Column("source_url", "Source address", "url"),
]
OUTCOME_NOTES = [
    "Shares are computed from the counts the company publishes, with the number of requests as their base; "
    "where it publishes only a percentage, that percentage is drawn as published.",
    "Companies define a full or partial answer differently; compare a company with itself over time.",
    "A period without outcome figures has no bar, never a zero.",
]


def _outcome_rows(context: Context, jurisdiction: str) -> tuple[dict[tuple[Any, ...], list[Row]], dict[str, list[Any]]]:
    """The company's outcome rows by kind of demand, and for each kind the periods that can be drawn."""
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
    return by_type, drawable


def _outcome_finding(name: str, noun: str, shares: list[Any]) -> tuple[str, str]:
    """The latest share handed over as the title; the summary adds its base, how it was obtained, the first."""
    if not shares:
        return (f"{name}'s outcomes of {noun}, period by period.",) * 2
    latest_span, latest_share = shares[-1]
    title = f"{name} handed over data for {format_percent(latest_share.value)} of {noun} in {latest_span.label}"
    base = f" ({format_percent(latest_share.value, base=latest_share.base)})" if latest_share.base else ""
    summary = (
        f"In {latest_span.label}, {name} handed over some data for {format_percent(latest_share.value)} "
        f"of {noun}{base}; {latest_share.basis}."
    )
    if len(shares) > 1:
        first_span, first_share = shares[0]
        summary += f" In {first_span.label} the share was {format_percent(first_share.value)}."
    return title, summary


def _default_outcome_type(drawable: dict[str, list[Any]], answered: list[str]) -> str:
    """The kind with outcomes in the latest period, the broadest first."""
    if not answered:
        return ""
    last = {kind: max(end for _, end in drawable[kind]) for kind in answered}
    newest = max(last.values())
    return next(kind for kind in answered if last[kind] == newest)


def _outcome_traces(
    spans: list[Span], periods: dict[Any, list[Row]], by_id: dict[int, SourceDocument]
) -> tuple[list[go.Bar], list[Any], list[Any]]:
    """Stacked bars of outcome shares per period, the table rows behind them (each naming its documents) and each
    period's share."""
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
            ids = _ids(measures[measure], requests)
            text = f"{OUTCOMES[measure][0]}: {format_number(count)} of {format_number(base)} ({format_percent(pct)})"
            _add_bar(bars, measure, span, pct, text + source_line(ids, by_id))
            table.append((span, [measure, count, base, pct, "computed from counts", *source_cells(ids, by_id)]))
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
                    ids = _ids(given, requests)
                    _add_bar(bars, measure, span, given.value, text + source_line(ids, by_id))
                    basis = "the percentage the company publishes"
                    table.append((span, [measure, None, base, given.value, basis, *source_cells(ids, by_id)]))
                    break
    return [_outcome_bar(measure, data) for measure, data in bars.items()], table, shares


def _ids(*rows: Row | None) -> tuple[int, ...]:
    """The documents of the rows a bar is made of (an outcome and its base), each once."""
    return tuple(dict.fromkeys(row.source_id for row in rows if row is not None and row.source_id))


def _outcome_bar(measure: str, data: dict[str, list[Any]]) -> go.Bar:
    """One outcome's bars across the periods, in its colour and pattern."""
    label, colour, pattern = OUTCOMES.get(measure, ("Some data produced (as published)", "#0072B2", "/"))
    if measure == "content-disclosed-pct":
        label, colour, pattern = "Content disclosed (as published)", "#0072B2", "/"
    return bar(
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
            "pattern": {"shape": pattern, "fgcolor": "rgba(255,255,255,0.6)", "fillmode": "overlay", "solidity": 0.2},
        },
    )


def _add_bar(bars: dict[str, dict[str, list[Any]]], measure: str, span: Span, pct: Decimal | None, text: str) -> None:
    data = bars.setdefault(measure, {"x": [], "y": [], "width": [], "text": []})
    data["x"].append(midpoint(span.start, span.end))
    data["y"].append(as_float(pct))
    data["width"].append((span.end - span.start).days * 86_400_000 * 0.8)
    data["text"].append(f"{span.hover}<br>{text}")
