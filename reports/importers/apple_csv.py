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
    looks_like_html,
    parse_band,
    parse_number,
)
from reports.importers.countries import country_code
from reports.importers.dates import DateReader
from reports.vocabulary import PERCENT_MEASURES

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
_NS_TYPE = ("national security request type", "national security requests type")


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


#: The columns Apple's two app-takedown files share after their "... Takedown Requests Received".
_APP_TAKEDOWN_COLUMNS: dict[str, tuple[str, _Value]] = {
    "apps specified in requests": ("apps", _Value.COUNT),
    "requests objected to in part or rejected in full": ("rejected", _Value.COUNT),
    "requests where app removed": ("removed", _Value.COUNT),
    "apps removed": ("apps-removed", _Value.COUNT),
    "appeals received": ("appeals", _Value.COUNT),
    "appeals granted": ("appeals-granted", _Value.COUNT),
    "apps reinstated": ("apps-reinstated", _Value.COUNT),
}

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
        title="Push Token Requests",
        marker="push token requests received",
        request_type="push-token",
        columns={
            "push token requests received": ("requests", _Value.COUNT),
            "push tokens specified in requests": ("push-tokens", _Value.COUNT),
            "requests where data provided": ("some-data", _Value.COUNT),
            "percentage of requests where data provided": ("some-data-pct", _Value.PERCENT),
        },
    ),
    _Kind(
        title="Account Restriction/Deletion Requests",
        marker="account restriction/ account deletion requests received",
        request_type="account-restriction",
        columns={
            "account restriction/ account deletion requests received": ("requests", _Value.COUNT),
            "accounts specified in the requests": ("accounts", _Value.COUNT),
            "requests rejected/challenged where no action taken": ("rejected", _Value.COUNT),
            "requests where account restricted": ("restricted", _Value.COUNT),
            "requests where account deleted": ("deleted", _Value.COUNT),
        },
    ),
    _Kind(
        title="App Takedown Requests (Legal Violation)",
        marker="legal violation takedown requests received",
        request_type="app-takedown-legal",
        columns={
            "legal violation takedown requests received": ("requests", _Value.COUNT),
            **_APP_TAKEDOWN_COLUMNS,
        },
    ),
    _Kind(
        title="App Takedown Requests (Platform Policy Violation)",
        marker="platform policy violation takedown requests received",
        request_type="app-takedown-policy",
        columns={
            "platform policy violation takedown requests received": ("requests", _Value.COUNT),
            **_APP_TAKEDOWN_COLUMNS,
        },
    ),
    _Kind(
        title="Digital Content Provider Requests",
        marker="digital content provider requests received",
        request_type="digital-content-provider",
        columns={
            "digital content provider requests received": ("requests", _Value.COUNT),
            "requests objected in part or rejected in full": ("rejected", _Value.COUNT),
            "requests where data provided": ("some-data", _Value.COUNT),
            "percentage of requests where data provided": ("some-data-pct", _Value.PERCENT),
        },
    ),
    _Kind(
        title="U.S. National Security Requests",
        marker=_NS_TYPE[0],
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
    # Apple marks footnotes on headers ("National Security Requests Type+"): the mark is not the name.
    return " ".join(cell.split()).casefold().rstrip("+*\u2020 ")


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
    return len(header) >= 5 and {_START, _END} <= set(header) and bool(set(header) & set(_COUNTRY))


def parse(data: bytes, *, filename: str = "", source_url: str = "", aliases: Aliases = NO_ALIASES) -> ParsedDocument:
    """Read one Apple CSV into one period per reporting half-year, one figure per country and column.
    Rows, columns, countries and kinds it does not know are reported as unknowns, not imported."""
    if not data.strip():
        raise DocumentError("the document is empty", filename=filename)
    if looks_like_html(data):
        raise DocumentError("expected an Apple CSV, got an HTML page", filename=filename)
    rows = list(csv.reader(io.StringIO(decode_text(data, filename=filename), newline="")))
    numbered = [(number, row) for number, row in enumerate(rows, start=1) if any(cell.strip() for cell in row)]
    if not numbered:
        raise DocumentError("the document is empty", filename=filename)
    raw_header = [cell.strip().lstrip("\ufeff") for cell in numbered[0][1]]
    layout = _Layout.from_header(raw_header, filename=filename, aliases=aliases)
    document = ParsedDocument(
        format=FORMAT,
        periods=[],
        title=f"Apple Transparency Report: {layout.kind.title}",
        publisher=PUBLISHER,
        unknowns=list(layout.unknowns),
        warnings=list(layout.warnings),
    )
    if not layout.figure_columns:
        return document  # a kind this importer does not know: the unknown says so, nothing is imported
    url = source_url or DEFAULT_SOURCE_URL
    dates = DateReader(filename)
    dates.learn(
        cell for _, row in numbered[1:] for index in (layout.start, layout.end) for cell in row[index : index + 1]
    )
    periods: dict[tuple[dt.date, dt.date], PeriodRecord] = {}
    seen: dict[tuple[dt.date, str, str], int] = {}
    for number, row in numbered[1:]:
        parsed = _row(row, number, layout, dates, document, filename=filename, aliases=aliases)
        if parsed is None:
            continue
        start, end, jurisdiction, request_type = parsed
        where = f"row {number}"
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
    if not periods and not document.unknowns:
        raise DocumentError("the document has a header but no rows of figures", filename=filename)
    document.periods = sorted(periods.values(), key=lambda p: (p.start, p.end))
    return document


def _row(
    row: list[str],
    number: int,
    layout: _Layout,
    dates: DateReader,
    document: ParsedDocument,
    *,
    filename: str,
    aliases: Aliases,
) -> tuple[dt.date, dt.date, str, str] | None:
    """(start, end, jurisdiction, request type) of a row of figures; None, with its unknown recorded,
    for a row that is not one (a units or notes line) or that names a place or type it does not know."""
    where = f"row {number}"
    start_text = row[layout.start].strip() if layout.start < len(row) else ""
    if not _DATE_LIKE.fullmatch(start_text):
        text = " | ".join(cell.strip() for cell in row if cell.strip())
        document.unknowns.append(Unknown(UnknownKind.ROW, where, text, "not a row of figures: no start date"))
        return None
    if len(row) < len(layout.header):
        raise DocumentError(f"expected {len(layout.header)} cells, found {len(row)}", filename=filename, location=where)
    start = dates.read(start_text, f"{where}, TR Start Date")
    end = dates.read(row[layout.end].strip(), f"{where}, TR End Date")
    if end < start:
        raise DocumentError(f"the period ends ({end}) before it starts ({start})", filename=filename, location=where)
    if layout.label is not None and (warning := _check_label(row[layout.label], start, end)):
        document.warnings.append(f"{filename or 'document'}, {where}: {warning}")
    name = row[layout.country].strip()
    jurisdiction = aliases.jurisdiction(name) or country_code(name)
    if jurisdiction is None or jurisdiction == OUT_OF_SCOPE:
        if jurisdiction is None:
            place = f"{where}, column {layout.header[layout.country]!r}"
            document.unknowns.append(Unknown(UnknownKind.JURISDICTION, place, name, "no ISO 3166-1 code known"))
        return None
    request_type = layout.request_type(row, aliases=aliases)
    if request_type is None or request_type == OUT_OF_SCOPE:
        if request_type is None:
            text = row[layout.ns_type].strip() if layout.ns_type is not None else ""
            place = f"{where}, column {layout.header[layout.ns_type or 0]!r}"
            document.unknowns.append(Unknown(UnknownKind.LABEL, place, text, "a national-security type not known"))
        return None
    return start, end, jurisdiction, request_type


_DATE_LIKE = re.compile(r"\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}")


@dataclass
class _Layout:
    """Where each column of one file is, once its header has been recognised."""

    kind: _Kind
    header: list[str]
    label: int | None
    start: int
    end: int
    country: int
    ns_type: int | None
    #: (column index, header as written, measure, kind of value)
    figure_columns: list[tuple[int, str, str, _Value]]
    unknowns: list[Unknown]
    warnings: list[str]

    @classmethod
    def from_header(cls, raw: list[str], *, filename: str, aliases: Aliases) -> _Layout:
        header = [_norm(cell) for cell in raw]

        def find(names: tuple[str, ...] | str) -> int | None:
            wanted = (names,) if isinstance(names, str) else names
            return next((i for i, cell in enumerate(header) if cell in wanted), None)

        start, end, country = find(_START), find(_END), find(_COUNTRY)
        if start is None or end is None or country is None:
            raise DocumentError(
                "not an Apple transparency CSV: expected a header with TR Start Date, TR End Date and "
                f"Country/Region, found {', '.join(raw[:6])!r}",
                filename=filename,
                location="row 1",
            )
        label, ns_type = find(_PERIOD_LABEL), find(_NS_TYPE)
        known = {i for i in (start, end, country, label, ns_type) if i is not None}
        kinds = [
            kind for kind in _KINDS if kind.marker in header or (kind.request_type is None and ns_type is not None)
        ]
        if len(kinds) > 1:
            raise DocumentError(
                f"the header names several kinds of Apple request ({', '.join(k.title for k in kinds)}); "
                "each of Apple's files covers one",
                filename=filename,
                location="row 1",
            )
        kind = kinds[0] if kinds else _taught_kind(raw, header, known, aliases)
        unknowns: list[Unknown] = []
        warnings: list[str] = []
        if kind is None:
            marker = next((raw[i] for i in range(len(header)) if i not in known and header[i]), "")
            unknowns.append(
                Unknown(
                    UnknownKind.FILE,
                    f"row 1, column {marker!r}",
                    marker,
                    "a kind of Apple request this importer does not know; map the column to a request type",
                )
            )
            return cls(_UNKNOWN_KIND, raw, label, start, end, country, ns_type, [], unknowns, warnings)
        figure_columns = _figure_columns(kind, raw, header, known, aliases, unknowns)
        found = {measure for *_, measure, _value in figure_columns}
        missing = [name for name, (measure, _) in kind.columns.items() if measure not in found]
        if missing:
            warnings.append(
                f"{filename or 'document'}: the {kind.title} file lacks the column(s) "
                f"{', '.join(repr(m) for m in missing)}; their figures are not in this document"
            )
        return cls(kind, raw, label, start, end, country, ns_type, figure_columns, unknowns, warnings)

    def request_type(self, row: list[str], *, aliases: Aliases) -> str | None:
        """The file's request type, or for the national-security file the one its row names."""
        if self.kind.request_type is not None:
            return self.kind.request_type
        text = row[self.ns_type] if self.ns_type is not None else ""
        return _NS_TYPES.get(_norm(text)) or aliases.request_type(text)


def _figure_columns(
    kind: _Kind, raw: list[str], header: list[str], known: set[int], aliases: Aliases, unknowns: list[Unknown]
) -> list[tuple[int, str, str, _Value]]:
    """(index, header as written, measure, kind of value) of each column the file's kind has or staff taught;
    any other column is an unknown."""
    figure_columns: list[tuple[int, str, str, _Value]] = []
    for index, cell in enumerate(header):
        if index in known or not cell:
            continue
        if cell in kind.columns:
            measure, value = kind.columns[cell]
        elif (taught := aliases.measure(raw[index])) is not None:
            if taught == OUT_OF_SCOPE:
                continue
            measure, value = taught, (_Value.PERCENT if taught in PERCENT_MEASURES else _Value.COUNT)
            if kind.request_type is None:
                value = _Value.BAND
        else:
            unknowns.append(Unknown(UnknownKind.COLUMN, f"row 1, column {index + 1}", raw[index]))
            continue
        figure_columns.append((index, raw[index], measure, value))
    return figure_columns


_UNKNOWN_KIND = _Kind(title="unknown kind of request", marker="", request_type="", columns={})


def _taught_kind(raw: list[str], header: list[str], known: set[int], aliases: Aliases) -> _Kind | None:
    """A kind of file staff taught: its first figure column mapped to a request type (an ImporterAlias)."""
    first = next((i for i in range(len(header)) if i not in known and header[i]), None)
    if first is None:
        return None
    request_type = aliases.request_type(raw[first])
    if request_type is None or request_type == OUT_OF_SCOPE:
        return None
    shared = {name: column for kind in _KINDS for name, column in kind.columns.items() if kind.request_type}
    columns = {header[first]: ("requests", _Value.COUNT)}
    columns |= {name: column for name, column in shared.items() if name in header and name != header[first]}
    return _Kind(title=raw[first], marker=header[first], request_type=request_type, columns=columns)


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
