"""Apple's transparency-report CSVs: one file per kind of request, one row per country and period.

Every file starts ``TR Period, TR Start Date, TR End Date, Country/Region`` (the preservation file
says ``TR Date``) and its next columns say which kind of request it covers: account, device,
financial identifier, emergency, account preservation or U.S. national security. The kind is read
from the header, never from the file name. Dates are month-first with two-digit years (``1/1/13``),
shares are written ``54%``, national-security figures are bands (``"1,250 - 1,499"``) and ``-``
means the figure was not reported.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from reports.importers.base import (
    DocumentError,
    FigureRecord,
    ParsedDocument,
    PeriodRecord,
    decode_text,
    looks_like_html,
    parse_band,
    parse_number,
)
from reports.importers.countries import country_code

FORMAT = "apple_csv"
LABEL = "Apple transparency report (CSV per request kind)"
COMPANY = "apple"
SCOPE = "total"
PUBLISHER = "Apple Inc."
DEFAULT_SOURCE_URL = "https://www.apple.com/legal/transparency/"

# Header cells are compared after collapsing spaces and case-folding.
_PERIOD_LABEL = ("tr period", "tr date")
_START = "tr start date"
_END = "tr end date"
_COUNTRY = ("country/region", "country")
_NS_TYPE = "national security request type"


class _Value(Enum):
    COUNT = "count"
    PERCENT = "percent"
    BAND = "band"


@dataclass(frozen=True)
class _Kind:
    """One of Apple's files: the header that identifies it and how each figure column maps."""

    title: str
    marker: str
    #: ``None`` where each row names its own type (the national-security file).
    request_type: str | None
    columns: dict[str, tuple[str, _Value]]


_KINDS = (
    _Kind(
        title="Account Requests",
        marker="account requests received",
        request_type="account",
        columns={
            "account requests received": ("requests", _Value.COUNT),
            "accounts specified in requests": ("accounts", _Value.COUNT),
            "requests challenged in part or rejected in full": ("rejected", _Value.COUNT),
            "requests where only non-content data provided": ("non-content-disclosed", _Value.COUNT),
            "requests where content provided": ("content-disclosed", _Value.COUNT),
            "percentage of requests where data provided": ("some-data-pct", _Value.PERCENT),
        },
    ),
    _Kind(
        title="Device Requests",
        marker="device requests received",
        request_type="device",
        columns={
            "device requests received": ("requests", _Value.COUNT),
            "devices specified in requests": ("devices", _Value.COUNT),
            "requests where data provided": ("some-data", _Value.COUNT),
            "percentage of requests where data provided": ("some-data-pct", _Value.PERCENT),
        },
    ),
    _Kind(
        title="Financial Identifier Requests",
        marker="financial identifier requests received",
        request_type="financial-identifier",
        columns={
            "financial identifier requests received": ("requests", _Value.COUNT),
            "financial identifiers specified in requests": ("identifiers", _Value.COUNT),
            "requests where data provided": ("some-data", _Value.COUNT),
            "percentage of requests where data provided": ("some-data-pct", _Value.PERCENT),
        },
    ),
    _Kind(
        title="Emergency Requests",
        marker="emergency requests received",
        request_type="emergency",
        columns={
            "emergency requests received": ("requests", _Value.COUNT),
            # The three outcome columns partition the requests received: a rejected request
            # is not also counted under "no data provided".
            "requests rejected/challenged and no data provided": ("rejected", _Value.COUNT),
            "requests where no data provided": ("no-data-provided", _Value.COUNT),
            "requests where data provided": ("some-data", _Value.COUNT),
            "percentage of requests where data provided": ("some-data-pct", _Value.PERCENT),
        },
    ),
    _Kind(
        title="Account Preservation Requests",
        marker="account preservation requests received",
        request_type="preservation",
        columns={
            "account preservation requests received": ("requests", _Value.COUNT),
            "accounts specified in requests": ("accounts", _Value.COUNT),
            "accounts where data preserved": ("accounts-preserved", _Value.COUNT),
        },
    ),
    _Kind(
        title="U.S. National Security Requests",
        marker=_NS_TYPE,
        request_type=None,
        columns={
            "requests received": ("requests", _Value.BAND),
            "users/accounts": ("accounts", _Value.BAND),
        },
    ),
)

_NS_TYPES = {
    "national security": "national-security",
    "nsls": "nsl",
    "nsl": "nsl",
    "national security letters": "nsl",
    "fisa": "fisa",
    "fisa content": "fisa-content",
    "fisa non-content": "fisa-non-content",
}

_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_HALF = re.compile(r"(\d{4})\s*H([12])", re.IGNORECASE)


def _norm(cell: str) -> str:
    return " ".join(cell.split()).casefold()


def sniff(data: bytes, filename: str = "") -> bool:
    """True when the first line is Apple's ``TR Period, TR Start Date, TR End Date, Country/Region`` header."""
    if data.startswith(b"PK") or looks_like_html(data):
        return False
    try:
        text = decode_text(data[:4096], filename=filename)
    except UnicodeDecodeError:
        return False
    first_line = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    header = [_norm(cell) for cell in next(csv.reader([first_line]), [])]
    return len(header) >= 5 and header[0] in _PERIOD_LABEL and header[1:3] == [_START, _END] and header[3] in _COUNTRY


def parse(data: bytes, *, filename: str = "", source_url: str = "") -> ParsedDocument:
    """Read one Apple CSV into one period per reporting half-year, one figure per country and column."""
    if not data.strip():
        raise DocumentError("the document is empty", filename=filename)
    if looks_like_html(data):
        raise DocumentError("expected an Apple CSV, got an HTML page", filename=filename)
    rows = list(csv.reader(io.StringIO(decode_text(data, filename=filename))))
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise DocumentError("the document is empty", filename=filename)
    header = [_norm(cell) for cell in rows[0]]
    layout = _Layout.from_header(header, filename=filename)
    document = ParsedDocument(
        format=FORMAT,
        periods=[],
        title=f"Apple Transparency Report: {layout.kind.title}",
        publisher=PUBLISHER,
    )
    document.warnings.extend(layout.warnings)
    url = source_url or DEFAULT_SOURCE_URL
    periods: dict[tuple[dt.date, dt.date], PeriodRecord] = {}
    seen: dict[tuple[dt.date, str, str], int] = {}
    for number, row in enumerate(rows[1:], start=2):
        where = f"row {number}"
        if len(row) < len(header):
            raise DocumentError(f"expected {len(header)} cells, found {len(row)}", filename=filename, location=where)
        start = _parse_date(row[layout.start], filename=filename, location=f"{where}, TR Start Date")
        end = _parse_date(row[layout.end], filename=filename, location=f"{where}, TR End Date")
        if end < start:
            raise DocumentError(
                f"the period ends ({end}) before it starts ({start})", filename=filename, location=where
            )
        if layout.label is not None:
            warning = _check_label(row[layout.label], start, end)
            if warning:
                document.warnings.append(f"{filename or 'document'}, {where}: {warning}")
        jurisdiction = _jurisdiction(row[layout.country], filename=filename, location=where)
        request_type = layout.request_type(row, filename=filename, location=where)
        key = (start, jurisdiction, request_type)
        if key in seen:
            raise DocumentError(
                f"{row[layout.country].strip()} ({request_type}) already appears on row {seen[key]} "
                f"for the period starting {start}",
                filename=filename,
                location=where,
            )
        seen[key] = number
        period = periods.get((start, end))
        if period is None:
            period = periods[(start, end)] = PeriodRecord(
                company=COMPANY, scope=SCOPE, start=start, end=end, source_url=url
            )
        for index, heading, measure, kind in layout.figure_columns:
            location = f"{where}, column {heading!r}"
            period.figures.append(
                _figure(row[index], jurisdiction, request_type, measure, kind, filename=filename, location=location)
            )
    if not periods:
        raise DocumentError("the document has a header but no rows of figures", filename=filename)
    document.periods = sorted(periods.values(), key=lambda p: (p.start, p.end))
    return document


@dataclass
class _Layout:
    """Where each column of one file is, once its header has been recognised."""

    kind: _Kind
    label: int | None
    start: int
    end: int
    country: int
    ns_type: int | None
    #: (column index, header as written, measure, kind of value)
    figure_columns: list[tuple[int, str, str, _Value]]
    warnings: list[str]

    @classmethod
    def from_header(cls, header: list[str], *, filename: str) -> _Layout:
        def find(names: tuple[str, ...] | str) -> int | None:
            wanted = (names,) if isinstance(names, str) else names
            return next((i for i, cell in enumerate(header) if cell in wanted), None)

        start, end, country = find(_START), find(_END), find(_COUNTRY)
        if start is None or end is None or country is None:
            raise DocumentError(
                "not an Apple transparency CSV: expected a header with TR Start Date, TR End Date and "
                f"Country/Region, found {', '.join(header[:6])!r}",
                filename=filename,
                location="row 1",
            )
        kinds = [kind for kind in _KINDS if kind.marker in header]
        if len(kinds) != 1:
            found = "none" if not kinds else ", ".join(k.title for k in kinds)
            raise DocumentError(
                "cannot tell which kind of Apple request this file covers: expected exactly one of the columns "
                f"{', '.join(repr(k.marker) for k in _KINDS)} (found {found})",
                filename=filename,
                location="row 1",
            )
        kind = kinds[0]
        missing = [name for name in kind.columns if name not in header]
        if missing:
            raise DocumentError(
                f"the {kind.title} file lacks the column(s) {', '.join(repr(m) for m in missing)}",
                filename=filename,
                location="row 1",
            )
        figure_columns = [(header.index(name), name, measure, value) for name, (measure, value) in kind.columns.items()]
        ns_type = find(_NS_TYPE)
        known = {i for i, *_ in figure_columns} | {start, end, country}
        label = find(_PERIOD_LABEL)
        known |= {i for i in (label, ns_type) if i is not None}
        # A column Apple adds later is reported rather than dropped in silence.
        warnings = [
            f"{filename or 'document'}: column {cell!r} is not imported (unknown to this importer)"
            for i, cell in enumerate(header)
            if i not in known and cell
        ]
        return cls(
            kind=kind,
            label=label,
            start=start,
            end=end,
            country=country,
            ns_type=ns_type,
            figure_columns=figure_columns,
            warnings=warnings,
        )

    def request_type(self, row: list[str], *, filename: str, location: str) -> str:
        """The file's request type, or for the national-security file the one its row names."""
        if self.kind.request_type is not None:
            return self.kind.request_type
        if self.ns_type is None:  # unreachable: that kind is recognised by this very column
            raise DocumentError("no 'National Security Request Type' column", filename=filename, location=location)
        return _ns_type(row[self.ns_type], filename=filename, location=location)


def _figure(
    text: str, jurisdiction: str, request_type: str, measure: str, kind: _Value, *, filename: str, location: str
) -> FigureRecord:
    value: Decimal | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    if kind is _Value.BAND:
        value, low, high = _band_or_exact(text, filename=filename, location=location)
    else:
        value = _count_or_percent(text, kind, filename=filename, location=location)
    return FigureRecord(
        jurisdiction=jurisdiction,
        request_type=request_type,
        measure=measure,
        value=value,
        value_min=low,
        value_max=high,
        location=location,
    )


def _count_or_percent(text: str, kind: _Value, *, filename: str, location: str) -> Decimal | None:
    if kind is _Value.COUNT and "%" in text:
        raise DocumentError(
            f"expected a count, found a percentage {text.strip()!r}", filename=filename, location=location
        )
    value = parse_number(text, filename=filename, location=location)
    if value is None:
        return None
    if value < 0 or (kind is _Value.COUNT and value != value.to_integral_value()):
        expected = "a whole number" if kind is _Value.COUNT else "a percentage"
        raise DocumentError(f"expected {expected}, found {text.strip()!r}", filename=filename, location=location)
    if kind is _Value.PERCENT and value > 100:
        raise DocumentError(
            f"a percentage cannot exceed 100, found {text.strip()!r}", filename=filename, location=location
        )
    return value


def _band_or_exact(text: str, *, filename: str, location: str) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """(value, min, max) of a band such as ``0 - 249``; a plain number is exact, ``-`` or blank not reported."""
    if re.search(r"\d\s*[-\u2013\u2014]\s*\d", text):
        low, high = parse_band(text, filename=filename, location=location)
        if low > high:
            raise DocumentError(f"band minimum {low} is above its maximum {high}", filename=filename, location=location)
        return None, low, high
    value = parse_number(text, filename=filename, location=location)
    if value is not None and value < 0:
        raise DocumentError(
            f"expected a band such as 0 - 249, found {text.strip()!r}", filename=filename, location=location
        )
    return value, None, None


def _parse_date(text: str, *, filename: str, location: str) -> dt.date:
    """Apple writes ``1/1/13`` (month first, two-digit year); other copies use four digits or ISO dates."""
    cleaned = text.strip()
    try:
        if match := _US_DATE.fullmatch(cleaned):
            month, day, year = (int(part) for part in match.groups())
            return dt.date(year + 2000 if year < 100 else year, month, day)
        if match := _ISO_DATE.fullmatch(cleaned):
            year, month, day = (int(part) for part in match.groups())
            return dt.date(year, month, day)
    except ValueError:
        pass
    raise DocumentError(f"expected a date such as 1/1/13, found {cleaned!r}", filename=filename, location=location)


def _check_label(label: str, start: dt.date, end: dt.date) -> str:
    """The ``2013 H1`` label should name the half-year the dates cover; a mismatch is recorded, not fixed."""
    match = _HALF.search(label)
    if not match:
        return ""
    year, half = int(match.group(1)), int(match.group(2))
    expected = (
        (dt.date(year, 1, 1), dt.date(year, 6, 30)) if half == 1 else (dt.date(year, 7, 1), dt.date(year, 12, 31))
    )
    if (start, end) != expected:
        return f"the period label {label.strip()!r} does not match the dates {start}..{end}"
    return ""


def _jurisdiction(name: str, *, filename: str, location: str) -> str:
    code = country_code(name)
    if code is None:
        raise DocumentError(f"unknown country or region {name.strip()!r}", filename=filename, location=location)
    return code


def _ns_type(text: str, *, filename: str, location: str) -> str:
    request_type = _NS_TYPES.get(_norm(text))
    if request_type is None:
        raise DocumentError(
            f"unknown national security request type {text.strip()!r}; expected one of "
            f"{', '.join(repr(k) for k in _NS_TYPES)}",
            filename=filename,
            location=location,
        )
    return request_type
