"""Computed figures: the numbers this site works out from published ones, offered as open data beside them
so that what a chart shows and what the API gives agree (docs/data.md, "Computed figures").

Two computations, each row saying which and how:

- ``period-total``: all of a period's requests in one jurisdiction where the company gives no total of its
  own: the sum of the kinds it lists, exactly as the charts draw it (``dashboard.charts.points.total_point``).
  A kind not reported means no sum at all: a partial sum would understate.
- ``calendar-year``: a year's figure where the company reports both of its halves (1 January to 30 June and
  1 July to 31 December) for the same scope, jurisdiction, request type and count measure: H1 + H2. Never
  for a percentage, never from one half alone, and never where the company publishes the year itself.

A band in a sum makes the sum a band (lowest and highest totals the ranges allow). Nothing is stored: the
rows are worked out once per data generation and kept in memory.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from threading import Lock
from typing import Any

from django.core.cache import cache

from dashboard.caching import current_generation
from dashboard.charts.points import Row, Span, group, rows_of, spans_of, total_point
from dashboard.opendata.params import COMPUTATIONS
from dashboard.opendata.records import json_number
from reports.formatting import csv_number
from reports.models import Figure, ReportingPeriod, SourceDocument
from reports.opendata import value_kind
from reports.periods import period_label
from reports.vocabulary import PERCENT_MEASURES

PERIOD_TOTAL, CALENDAR_YEAR = COMPUTATIONS


@dataclass(frozen=True)
class ComputedFigure:
    company: str
    scope: str
    period_start: dt.date
    period_end: dt.date
    jurisdiction: str
    request_type: str
    measure: str
    value: Decimal | None
    value_min: Decimal | None
    value_max: Decimal | None
    computation: str
    #: How, in words: "sum of subpoenas, search warrants and court orders", "H1 2021 + H2 2021".
    method: str
    source_ids: tuple[int, ...]

    @property
    def kind(self) -> str:
        return value_kind(self.value, self.value_min)

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return self.company, self.scope, self.jurisdiction, self.request_type, self.measure


@dataclass(frozen=True)
class Computed:
    """Every computed figure of one data generation, in natural-key order, and the documents they rest on."""

    figures: list[ComputedFigure]
    source_urls: dict[int, str]

    def urls(self, item: ComputedFigure) -> list[str]:
        return [self.source_urls[i] for i in item.source_ids if i in self.source_urls]


#: How long a generation's token lives in the cache (a bump makes a new key long before).
TOKEN_SECONDS = 24 * 3600
_kept: dict[str, Computed] = {}
_lock = Lock()


def computed() -> Computed:
    """The computed figures of the current data generation, worked out once per generation and process.

    The shared cache names each generation's working-out with a token, so clearing the cache (or a bump a
    process has not seen yet) never leaves a process serving another generation's rows."""
    number, _ = current_generation()
    key = f"computed-figures:{number}"
    token = cache.get(key)
    if token is None:
        token = uuid.uuid4().hex
        cache.add(key, token, TOKEN_SECONDS)
        token = cache.get(key, token)
    with _lock:
        if token not in _kept:
            _kept.clear()
            _kept[token] = compute()
        return _kept[token]


def compute() -> Computed:
    spans = spans_of(ReportingPeriod.objects.chart_timeline())
    rows = rows_of(Figure.objects.chart_rows(), spans)
    totals = list(period_totals(rows, {span.id: span for span in spans}))
    years = list(calendar_years([*map(_as_computed, rows), *totals], _own_years(spans)))
    figures = sorted([*totals, *years], key=_order)
    wanted = sorted({i for item in figures for i in item.source_ids})
    urls = dict(SourceDocument.objects.filter(pk__in=wanted).values_list("pk", "url"))
    return Computed(figures, urls)


def period_totals(rows: Iterable[Row], spans: dict[int, Span]) -> Iterator[ComputedFigure]:
    """Each period's total requests per jurisdiction, where the company gives no total of its own."""
    requests = [row for row in rows if row.measure == "requests"]
    for (period_id, jurisdiction), period_rows in group(requests, "period_id", "jurisdiction").items():
        by_type = {row.request_type: row for row in period_rows}
        own = by_type.get("all")
        if own is not None and own.reported:
            continue
        point = total_point(spans[period_id], by_type)
        if not point.parts or point.status == "not reported":
            continue
        span = point.span
        yield ComputedFigure(
            span.company,
            span.scope,
            span.start,
            span.end,
            jurisdiction,
            "all",
            "requests",
            point.value,
            point.low,
            point.high,
            PERIOD_TOTAL,
            point.basis,
            point.source_ids,
        )


def calendar_years(halves: Iterable[ComputedFigure], own_years: set[tuple[str, str, int]]) -> Iterator[ComputedFigure]:
    """H1 + H2 of each year, for every count both halves report, where the company publishes no such year."""
    by_year: dict[tuple[Any, ...], dict[int, ComputedFigure]] = {}
    for item in halves:
        half = _half(item.period_start, item.period_end)
        if half and item.measure not in PERCENT_MEASURES and item.kind != "not-reported":
            by_year.setdefault((*item.key, item.period_start.year), {})[half] = item
    for (*_, year), parts in by_year.items():
        first, second = parts.get(1), parts.get(2)
        if first is None or second is None or (first.company, first.scope, year) in own_years:
            continue
        yield _sum_of_halves(first, second, year)


def _sum_of_halves(first: ComputedFigure, second: ComputedFigure, year: int) -> ComputedFigure:
    if first.value is not None and second.value is not None:
        value, low, high = first.value + second.value, None, None
    else:
        value = None
        low = _end(first.value, first.value_min) + _end(second.value, second.value_min)
        high = _end(first.value, first.value_max) + _end(second.value, second.value_max)
    how = (
        f"{period_label(first.period_start, first.period_end)} + {period_label(second.period_start, second.period_end)}"
    )
    if first.computation == PERIOD_TOTAL:
        how += f" ({first.method})"
    return ComputedFigure(
        first.company,
        first.scope,
        dt.date(year, 1, 1),
        dt.date(year, 12, 31),
        first.jurisdiction,
        first.request_type,
        first.measure,
        value,
        low,
        high,
        CALENDAR_YEAR,
        how,
        tuple(sorted({*first.source_ids, *second.source_ids})),
    )


def _end(value: Decimal | None, band_end: Decimal | None) -> Decimal:
    number = value if value is not None else band_end
    assert number is not None, "a reported figure has a value or a whole band"
    return number


def _half(start: dt.date, end: dt.date) -> int:
    """1 or 2 for the first or second half of a year, 0 for any other period."""
    if start.year != end.year or start.day != 1:
        return 0
    return {((1, 1), (6, 30)): 1, ((7, 1), (12, 31)): 2}.get(((start.month, 1), (end.month, end.day)), 0)


def _own_years(spans: Iterable[Span]) -> set[tuple[str, str, int]]:
    """(company, scope, year) of every calendar year a company reports as one period itself."""
    return {
        (s.company, s.scope, s.start.year)
        for s in spans
        if (s.start.month, s.start.day, s.end.month, s.end.day) == (1, 1, 12, 31) and s.start.year == s.end.year
    }


def _as_computed(row: Row) -> ComputedFigure:
    """A published figure as a part of a sum (it is never offered as a computed figure itself)."""
    source = (row.source_id,) if row.source_id else ()
    return ComputedFigure(
        row.company,
        row.scope,
        row.start,
        row.end,
        row.jurisdiction,
        row.request_type,
        row.measure,
        row.value,
        row.value_min,
        row.value_max,
        "",
        "as published",
        source,
    )


def _order(item: ComputedFigure) -> tuple[Any, ...]:
    return (
        item.company,
        item.scope,
        item.period_start,
        item.period_end,
        item.jurisdiction,
        item.request_type,
        item.measure,
    )


# --- Open data: rows, records, filters ----------------------------------------------------------


def computed_rows(result: Computed) -> Iterator[list[str]]:
    """Rows of computed-figures.csv, in COMPUTED_COLUMNS order."""
    for item in result.figures:
        yield [
            item.company,
            item.scope,
            item.period_start.isoformat(),
            item.period_end.isoformat(),
            item.jurisdiction,
            item.request_type,
            item.measure,
            csv_number(item.value),
            csv_number(item.value_min),
            csv_number(item.value_max),
            item.kind,
            item.computation,
            item.method,
            " ".join(result.urls(item)),
        ]


def computed_records(result: Computed, items: Iterable[ComputedFigure]) -> Iterator[dict[str, Any]]:
    """Computed figures as JSON objects: the CSV's columns, numbers as numbers, the documents as a list."""
    for item in items:
        yield {
            "company": item.company,
            "scope": item.scope,
            "period_start": item.period_start.isoformat(),
            "period_end": item.period_end.isoformat(),
            "jurisdiction": item.jurisdiction,
            "request_type": item.request_type,
            "measure": item.measure,
            "kind": item.kind,
            "value": json_number(item.value),
            "value_min": json_number(item.value_min),
            "value_max": json_number(item.value_max),
            "unit": "count",
            "computation": item.computation,
            "method": item.method,
            "source_urls": result.urls(item),
        }


def matching(items: Iterable[ComputedFigure], values: dict[str, Any]) -> list[ComputedFigure]:
    """The items that every checked query parameter (name → parsed value) lets through."""
    tests = [_test(name, value) for name, value in values.items()]
    return [item for item in items if all(test(item) for test in tests)]


def _test(name: str, value: Any) -> Any:
    if name == "period_start_from":
        return lambda item: item.period_start >= value
    if name == "period_end_to":
        return lambda item: item.period_end <= value
    wanted = set(value)
    return lambda item: getattr(item, name) in wanted
