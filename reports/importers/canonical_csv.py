"""The open-data contract's own long-form CSV (``/data/figures.csv``), so staff can bulk-load
figures the same way the site publishes them, and the bundled dataset loads through the pipeline."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sys

from reports.importers.base import (
    NO_ALIASES,
    OUT_OF_SCOPE,
    Aliases,
    DocumentError,
    FigureRecord,
    ParsedDocument,
    PeriodRecord,
    Unknown,
    UnknownKind,
    decode_text,
    parse_number,
)
from reports.opendata import FIGURE_COLUMNS
from reports.vocabulary import Measure, RequestType

FORMAT = "canonical_csv"
_WEB_ADDRESS = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
LABEL = "Data Demands open-data CSV (figures.csv)"


def sniff(data: bytes, filename: str) -> bool:
    first_line = data[:400].lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("utf-8", "replace").strip().lower()
    return first_line.replace(" ", "").startswith(",".join(FIGURE_COLUMNS[:4]))


def parse(data: bytes, *, filename: str = "", source_url: str = "", aliases: Aliases = NO_ALIASES) -> ParsedDocument:
    reader = csv.DictReader(io.StringIO(decode_text(data, filename=filename)))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in FIGURE_COLUMNS if name not in header]
    if missing:
        raise DocumentError(
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
            f"found {', '.join(header) or 'no header'}",
            filename=filename,
            location="row 1",
        )
    reader.fieldnames = header
    periods: dict[tuple[str, str, dt.date, dt.date], PeriodRecord] = {}
    unknowns: list[Unknown] = []
    for number, row in enumerate(reader, start=2):
        if not any((value or "").strip() for value in row.values()):
            continue
        where = f"row {number}"
        key = (
            sys.intern(_required(row, "company", where, filename)),
            sys.intern(_required(row, "scope", where, filename)),
            _date(row, "period_start", where, filename),
            _date(row, "period_end", where, filename),
        )
        # Each row repeats a few addresses and codes: one string each keeps a large file small in memory.
        url = _checked_row(row, key[3], default_url=source_url, where=where, filename=filename)
        request_type, measure = (
            _required(row, "request_type", where, filename),
            _required(row, "measure", where, filename),
        )
        request_type = sys.intern(aliases.request_type(request_type) or request_type)
        measure = sys.intern(aliases.measure(measure) or measure)
        if OUT_OF_SCOPE in (request_type, measure):
            continue
        if (unknown := _unknown_code(request_type, measure, where)) is not None:
            unknowns.append(unknown)
            continue
        period = periods.setdefault(key, PeriodRecord(*key, source_url=url))
        period.figures.append(
            FigureRecord(
                jurisdiction=sys.intern(_required(row, "jurisdiction", where, filename)),
                request_type=request_type,
                measure=measure,
                value=_number(row, "value", where, filename),
                value_min=_number(row, "value_min", where, filename),
                value_max=_number(row, "value_max", where, filename),
                note=sys.intern((row.get("note") or "").strip()),
                location=where,
                source_url=url,
                chart_image=(row.get("chart_image") or "").strip(),
            )
        )
    if not periods and not unknowns:
        raise DocumentError("the CSV has a header but no rows", filename=filename)
    return ParsedDocument(
        format=FORMAT, periods=list(periods.values()), title=filename, publisher="Data Demands", unknowns=unknowns
    )


def _checked_row(row: dict[str, str | None], end: dt.date, *, default_url: str, where: str, filename: str) -> str:
    """The row's source address, once the row passes what a canonical row must: an http(s) source and a period
    that has ended."""
    url = sys.intern((row.get("source_url") or "").strip() or default_url)
    if url and not _WEB_ADDRESS.match(url):
        raise DocumentError(
            f"column source_url: expected a web address (http:// or https://), found {url[:80]!r}",
            filename=filename,
            location=where,
        )
    if end > dt.date.today():
        raise DocumentError(
            f"the period ends on {end}, after today: a report cannot cover days that have not happened",
            filename=filename,
            location=where,
        )
    return url


def _unknown_code(request_type: str, measure: str, where: str) -> Unknown | None:
    """A request type or measure outside the data dictionary, as an unknown of the row (not imported)."""
    if request_type not in RequestType.values:
        return Unknown(UnknownKind.LABEL, where, request_type, "not in the data dictionary (docs/data.md)")
    if measure not in Measure.values:
        return Unknown(UnknownKind.COLUMN, where, measure, "not in the data dictionary (docs/data.md)")
    return None


def _required(row: dict[str, str | None], column: str, where: str, filename: str) -> str:
    value = (row.get(column) or "").strip()
    if not value:
        raise DocumentError(f"column {column} is empty", filename=filename, location=where)
    return value


def _date(row: dict[str, str | None], column: str, where: str, filename: str) -> dt.date:
    text = _required(row, column, where, filename)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise DocumentError(
            f"column {column}: expected an ISO date such as 2020-06-30, found {text!r}",
            filename=filename,
            location=where,
        ) from None


def _number(row: dict[str, str | None], column: str, where: str, filename: str):
    return parse_number(row.get(column) or "", filename=filename, location=f"{where}, column {column}")
