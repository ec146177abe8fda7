"""From queryset rows to what a chart draws: points per period, totals and shares computed only from
what the documents give, gaps where they give nothing, and the breaks in how a company reports.

The builders pass rows in; what every build reads (the published periods and their source documents) is
held here per data generation: :func:`period_spans`, :func:`load_sources`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any, NamedTuple

from dashboard.caching import held_for_generation
from dashboard.charts.labels import (
    kinds_text,
)
from dashboard.charts.plotting import period_hover
from dashboard.charts.styles import company_colour, request_type_sort_key
from reports.formatting import format_change, format_figure, format_number, format_percent, percent
from reports.models import ReportingPeriod, SourceDocument
from reports.periods import period_label, same_period_a_year_earlier
from reports.vocabulary import PERCENT_MEASURES, total_parts

#: Request types published only as bands (U.S. law allows no exact figure).
BAND_TYPES = ("national-security", "nsl", "fisa", "fisa-content", "fisa-non-content")


#: How a figure the report only draws was obtained (docs/data.md, chart_image).
READ_FROM_IMAGE = "read by OCR from a chart image in the report, and checked"


class Row(NamedTuple):
    """One published figure with its period, company and source, as a chart reads it (CHART_FIELDS order)."""

    period_id: int
    company: str
    company_name: str
    scope: str
    start: dt.date
    end: dt.date
    period_source_id: int | None
    jurisdiction: str
    request_type: str
    measure: str
    value: Decimal | None
    value_min: Decimal | None
    value_max: Decimal | None
    note: str
    own_source_id: int | None
    #: The SHA-256 of the chart image the figure was read from by OCR, else "".
    chart_image: str = ""

    @property
    def source_id(self) -> int | None:
        """The figure's own source when it has one, else its period's."""
        return self.own_source_id or self.period_source_id

    @property
    def reported(self) -> bool:
        return self.value is not None or self.value_min is not None

    @property
    def text(self) -> str:
        return format_figure(self.value, self.value_min, self.value_max, percent=self.measure in PERCENT_MEASURES)


def rows_of(values: Iterable[tuple[Any, ...]], spans: Iterable[Span]) -> list[Row]:
    """Rows from ``FigureQuerySet.chart_rows()`` with their period's company and dates from ``spans``; a figure
    of a period the chart does not draw is left out."""
    by_id = {span.id: span for span in spans}
    rows = []
    for period_id, jurisdiction, request_type, measure, value, low, high, note, own_source, image in values:
        span = by_id.get(period_id)
        if span is not None:
            rows.append(
                Row(
                    period_id,
                    span.company,
                    span.company_name,
                    span.scope,
                    span.start,
                    span.end,
                    span.source_id,
                    jurisdiction,
                    request_type,
                    measure,
                    value,
                    low,
                    high,
                    note,
                    own_source,
                    image,
                )
            )
    return rows


@dataclass(frozen=True)
class Span:
    """A published reporting period of one company and scope."""

    company: str
    company_name: str
    scope: str
    start: dt.date
    end: dt.date
    source_id: int | None
    id: int = 0

    @classmethod
    def of(cls, values: dict[str, Any]) -> Span:
        return cls(
            values["company__slug"],
            values["company__name"],
            values["scope"],
            values["start"],
            values["end"],
            values["source_id"],
            values["id"],
        )

    @cached_property
    def label(self) -> str:
        return period_label(self.start, self.end)

    @cached_property
    def hover(self) -> str:
        """'H1 2020 (1 January 2020 to 30 June 2020)': every hover text of the period starts with it."""
        return period_hover(self.start, self.end)

    @property
    def key(self) -> tuple[str, dt.date, dt.date]:
        return self.company, self.start, self.end


def spans_of(values: Iterable[dict[str, Any]]) -> list[Span]:
    return [Span.of(item) for item in values]


@dataclass(frozen=True)
class Point:
    """What a chart draws for one series in one period: exact, a band, or not reported (a gap)."""

    span: Span
    value: Decimal | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    #: How the number was obtained, in words: 'as published', 'sum of subpoenas and ...'.
    basis: str = ""
    #: The kinds summed, when the number is a sum; empty for a figure as published.
    parts: tuple[str, ...] = ()
    source_ids: tuple[int, ...] = ()
    percent: bool = False
    #: The base of a percentage ('70% of 2,416'), when known.
    base: Decimal | None = None

    @property
    def status(self) -> str:
        if self.value is not None:
            return "exact"
        return "band" if self.low is not None else "not reported"

    @property
    def text(self) -> str:
        if self.percent and self.value is not None:
            return format_percent(self.value, base=self.base)
        return format_figure(self.value, self.low, self.high, percent=self.percent)


@dataclass(frozen=True)
class Highlight:
    """A series' latest figure as a page states it above the charts, with its change over a year."""

    company: str
    company_name: str
    text: str
    period: str
    dates: str
    basis: str
    change: str
    #: How many kinds were summed, when the figure is a sum (0 for a figure as published).
    summed: int = 0

    @property
    def colour(self) -> str:
        return company_colour(self.company)

    @property
    def short_basis(self) -> str:
        """'sum of the 3 kinds it lists' for a card; the full ``basis`` goes in its title."""
        return f"sum of the {self.summed} kinds it lists" if self.summed > 1 else ""


def highlight(points: Sequence[Point]) -> Highlight | None:
    """The latest reported point of a series and, when both are exact, its change against a year earlier."""
    reported = [point for point in points if point.status != "not reported"]
    if not reported:
        return None
    latest = reported[-1]
    span = latest.span
    earlier = same_period_a_year_earlier(span.start, span.end)
    before = next((p for p in reported if (p.span.start, p.span.end) == earlier and p.value is not None), None)
    change = ""
    if before is not None and latest.value is not None:
        difference = format_change(before.value, latest.value)
        if difference:
            change = f"{difference} than in {period_label(*earlier)}".replace(
                "about the same than", "about the same as"
            )
    return Highlight(
        span.company,
        span.company_name,
        latest.text,
        span.label,
        span.hover,
        latest.basis,
        change,
        len(latest.parts),
    )


#: The basis of a point whose report holds no such figure at all (not even one marked not reported).
ABSENT = "not in this report"


def trimmed(points: list[Point]) -> list[Point]:
    """The points from the first report that holds the figure to the last: reports from before a company
    counted a kind, or after it stopped, add rows of nothing. Gaps in between stay, and so does a figure a
    report marks as not reported."""
    held = [i for i, point in enumerate(points) if point.basis != ABSENT]
    return points[held[0] : held[-1] + 1] if held else []


def _source_ids(rows: Iterable[Row]) -> tuple[int, ...]:
    return tuple(sorted({row.source_id for row in rows if row.source_id}))


def total_point(span: Span, by_type: dict[str, Row]) -> Point:
    """All of a period's requests: the company's own total when it gives one, else the sum of the kinds it
    reports (every one of them reported, or no sum at all: a partial sum would understate)."""
    own = by_type.get("all")
    if own is not None and own.reported:
        return _point_from(span, own, basis="the company's own total")
    parts = [by_type[kind] for kind in total_parts(by_type)]
    if not parts or not all(row.reported for row in parts):
        missing = [row.request_type for row in parts if not row.reported]
        basis = f"{kinds_text(missing)} not reported" if missing else "not reported"
        return Point(span, basis=basis, source_ids=_source_ids(parts or ([own] if own else [])))
    kinds = tuple(sorted((row.request_type for row in parts), key=request_type_sort_key))
    basis = f"{kinds_text(kinds)}: the only kind its report lists" if len(parts) == 1 else f"sum of {kinds_text(kinds)}"
    if any(row.value is None for row in parts):
        low = sum((_exact_or(row, row.value_min) for row in parts), Decimal(0))
        high = sum((_exact_or(row, row.value_max) for row in parts), Decimal(0))
        return Point(span, low=low, high=high, basis=basis, parts=kinds, source_ids=_source_ids(parts))
    value = sum((row.value for row in parts if row.value is not None), Decimal(0))
    return Point(span, value=value, basis=basis, parts=kinds, source_ids=_source_ids(parts))


def _exact_or(row: Row, band_end: Decimal | None) -> Decimal:
    """A reported row's exact value, else ``band_end`` (a reported row without one is a band, and a band has both
    ends: a constraint on Figure)."""
    number = row.value if row.value is not None else band_end
    assert number is not None, "a reported figure has a value or a whole band"
    return number


def _point_from(span: Span, row: Row, *, basis: str = "as published") -> Point:
    if row.chart_image and basis == "as published":
        basis = READ_FROM_IMAGE
    if row.value is not None:
        return Point(span, value=row.value, basis=basis, source_ids=_source_ids([row]))
    if row.value_min is not None:
        return Point(span, low=row.value_min, high=row.value_max, basis=basis, source_ids=_source_ids([row]))
    return Point(span, basis=row.note or "not reported", source_ids=_source_ids([row]))


def figure_point(span: Span, row: Row | None) -> Point:
    """One figure as published; no row at all is 'not reported'."""
    if row is None:
        return Point(span, basis=ABSENT)
    point = _point_from(span, row)
    return Point(
        span,
        point.value,
        point.low,
        point.high,
        point.basis,
        source_ids=point.source_ids,
        percent=row.measure in PERCENT_MEASURES,
    )


@dataclass(frozen=True)
class Share:
    """The share of requests for which some data was handed over, and how it was obtained."""

    value: Decimal
    base: Decimal | None
    basis: str


def share_of(measures: dict[str, Row]) -> Share | None:
    """Some data handed over, as a percentage: from counts when the document gives them (with the number of
    requests as base), else the percentage it publishes."""
    requests = _exact(measures, "requests")
    full, partial = _exact(measures, "full-response"), _exact(measures, "partial-response")
    content, non_content = _exact(measures, "content-disclosed"), _exact(measures, "non-content-disclosed")
    some, none = _exact(measures, "some-data"), _exact(measures, "no-response")
    if requests:
        candidates = (
            (full + partial if full is not None and partial is not None else None, "answered in full or in part"),
            (content + non_content if content is not None and non_content is not None else None, "data disclosed"),
            (some, "some data produced"),
            (requests - none if none is not None else None, "not answered with no data"),
        )
        for part, basis in candidates:
            if part is not None and part <= requests:
                share = percent(part, requests)
                if share is not None:
                    return Share(
                        share, requests, f"computed: {format_number(part)} {basis} of {format_number(requests)}"
                    )
    given = _exact(measures, "some-data-pct")
    if given is not None:
        return Share(given, requests, "the percentage the company publishes")
    return None


def _exact(measures: dict[str, Row], measure: str) -> Decimal | None:
    row = measures.get(measure)
    return row.value if row is not None else None


def group(rows: Iterable[Row], *keys: str) -> dict[tuple[Any, ...], list[Row]]:
    grouped: dict[tuple[Any, ...], list[Row]] = defaultdict(list)
    for row in rows:
        grouped[tuple(getattr(row, key) for key in keys)].append(row)
    return grouped


# --- Traces ----------------------------------------------------------------------------------------


# --- Breaks in how a company reports ---------------------------------------------------------------


def load_sources(ids: Iterable[int]) -> list[SourceDocument]:
    """The documents a chart's figures come from, newest first: from the documents held per data generation (a
    hundred or so; one query per generation and process, none per chart)."""
    wanted = set(ids)
    if not wanted:
        return []
    everything = held_for_generation("chart-sources", lambda: list(SourceDocument.objects.cited_by_chart()))
    return [document for document in everything if document.pk in wanted]


def period_spans(*, scope: str | None = None, company: str | None = None) -> list[Span]:
    """The published periods (of a scope, of a company), oldest first, as spans: where a chart's series have gaps
    and breaks. Every chart build reads them: held per data generation (one query per generation and process)."""
    spans = held_for_generation("chart-timeline", lambda: spans_of(ReportingPeriod.objects.chart_timeline()))
    return [span for span in spans if scope in (None, span.scope) and company in (None, span.company)]


def cited(
    points: Iterable[Point], *, first: Point | None = None
) -> tuple[list[SourceDocument], dict[int, SourceDocument]]:
    """The documents a chart's points come from (one query), the headline point's first, and each by id: every
    row of the chart's table and CSV names its own document, so a reader never cites a neighbour's."""
    sources = load_sources(i for p in points for i in p.source_ids)
    lead = set(first.source_ids) if first is not None else set()
    ordered = sorted(sources, key=lambda s: s.pk not in lead)  # stable: newest first within each group
    return ordered, {s.pk: s for s in ordered}


def source_cells(ids: Iterable[int], by_id: dict[int, SourceDocument]) -> list[str]:
    """The documents ``ids`` for a table row: their titles, and their addresses (space-separated)."""
    documents = [by_id[i] for i in ids if i in by_id]
    return ["; ".join(d.title for d in documents), " ".join(d.url for d in documents)]
