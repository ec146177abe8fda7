"""The open-data contract (docs/data.md): column order of the published CSVs, in one place."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from reports.formatting import csv_number

#: Fixed first columns of /data/figures.csv, in this order. More may follow.
FIGURE_COLUMNS = (
    "company",
    "scope",
    "period_start",
    "period_end",
    "jurisdiction",
    "request_type",
    "measure",
    "value",
    "value_min",
    "value_max",
    "source_url",
)
#: After the fixed columns: why a figure is not reported or a caveat; whether the value is exact, a band or not
#: reported; what kind of document backs it (the company's own, a transcribed copy, or the press); and, for a
#: figure read by OCR from a chart image, that image's SHA-256 (served at /sources/charts/<sha256>.png).
FIGURE_EXTRA_COLUMNS = ("note", "kind", "source_kind", "chart_image")

#: Columns of /data/computed-figures.csv: the key of figures.csv, the value columns, then what was computed
#: (period-total or calendar-year), how in words, and the documents it rests on (space-separated).
COMPUTED_COLUMNS = (*FIGURE_COLUMNS[:-1], "kind", "computation", "method", "source_urls")

#: Columns of /data/emergency-disclosures.csv, in this order.
DISCLOSURE_COLUMNS = (
    "company",
    "date_start",
    "date_end",
    "count",
    "agency",
    "jurisdiction",
    "basis",
    "warrant",
    "user_consent",
    "user_notified",
    "data_disclosed",
    "summary",
    "source_url",
)
#: Columns after the fixed ones: what the record rests on and what is not known (docs/data.md).
DISCLOSURE_EXTRA_COLUMNS = (
    "title",
    "count_is_minimum",
    "requester",
    "evidence",
    "contested",
    "contested_note",
    "date_note",
)


def figure_row(
    company: str,
    scope: str,
    start: dt.date,
    end: dt.date,
    jurisdiction: str,
    request_type: str,
    measure: str,
    value: Decimal | None,
    value_min: Decimal | None,
    value_max: Decimal | None,
    source_url: str,
    note: str,
    source_kind: str,
    chart_image: str = "",
) -> list[str]:
    """One row of figures.csv (FIGURE_COLUMNS + FIGURE_EXTRA_COLUMNS): the one place its cells are written.
    The site's download, the bundled dataset and any other writer go through here."""
    return [
        company,
        scope,
        start.isoformat(),
        end.isoformat(),
        jurisdiction,
        request_type,
        measure,
        csv_number(value),
        csv_number(value_min),
        csv_number(value_max),
        source_url,
        note,
        value_kind(value, value_min),
        source_kind,
        chart_image,
    ]


def value_kind(value: Decimal | None, value_min: Decimal | None) -> str:
    """exact, band or not-reported: what a row's value columns hold, said in words."""
    return "exact" if value is not None else "band" if value_min is not None else "not-reported"


def figure_rows(figures: Iterable[Any]) -> Iterator[list[str]]:
    """Rows of figures.csv from Figure objects with period, company and source selected."""
    for figure in figures:
        period = figure.period
        source = figure.source or period.source
        yield figure_row(
            period.company.slug,
            period.scope,
            period.start,
            period.end,
            figure.jurisdiction,
            figure.request_type,
            figure.measure,
            figure.value,
            figure.value_min,
            figure.value_max,
            source.url if source else "",
            figure.note,
            source.kind if source else "",
            figure.chart_image,
        )


#: What a figures.csv row reads, as ORM paths. The full download reads these values rather than model
#: instances (five per row), which would be most of its build time.
FIGURE_VALUE_FIELDS = (
    "period__company__slug",
    "period__scope",
    "period__start",
    "period__end",
    "jurisdiction",
    "request_type",
    "measure",
    "value",
    "value_min",
    "value_max",
    "source__url",
    "period__source__url",
    "note",
    "source__kind",
    "period__source__kind",
    "chart_image",
)


def figure_value_rows(rows: Iterable[tuple[Any, ...]]) -> Iterator[list[str]]:
    """Rows of figures.csv from ``values_list(*FIGURE_VALUE_FIELDS)`` tuples; the same as ``figure_rows``."""
    for *key, value, low, high, own, shared, note, own_kind, shared_kind, chart_image in rows:
        company, scope, start, end, jurisdiction, request_type, measure = key
        yield figure_row(
            company,
            scope,
            start,
            end,
            jurisdiction,
            request_type,
            measure,
            value,
            low,
            high,
            own or shared or "",
            note,
            (own_kind if own else shared_kind) or "",
            chart_image,
        )


def disclosure_rows(disclosures: Iterable[Any]) -> Iterator[list[str]]:
    """Rows of emergency-disclosures.csv; several sources are joined with a space."""
    for item in disclosures:
        yield [
            item.company.slug,
            item.date_start.isoformat(),
            item.date_end.isoformat(),
            "" if item.count is None else str(item.count),
            item.agency,
            item.jurisdiction,
            item.basis,
            item.warrant,
            item.user_consent,
            item.user_notified,
            item.data_disclosed,
            item.summary,
            " ".join(source.url for source in item.sources.all()),
            item.title,
            "yes" if item.count_is_minimum else "no",
            item.requester,
            item.evidence,
            "yes" if item.contested else "no",
            item.contested_note,
            item.date_note,
        ]
