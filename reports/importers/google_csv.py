"""Google Transparency Report CSVs: requests for user information, one file per table.

Google publishes a zip of CSVs (described in its README.txt). Each file is its own document:

- ``google-global-user-data-requests.csv``: period ending, country, CLDR code, legal process,
  requests, percentage disclosed, accounts. Copies found elsewhere rename the columns
  ("Period End Date", "Country Code", "Request Type", ...), write dates day-first (``31/12/09``)
  and come in Windows-1252; all of that is accepted.
- ``google-global-user-data-dlr-requests.csv``: requests made through diplomatic procedures
  (MLAT), by country of origin.
- ``google-enterprise-data-requests.csv``: requests for Google Cloud enterprise customers'
  data, one scope per product (Google Workspace, Google Cloud Platform).
- ``google-usnationalsecurity-{fisa-content,fisa-non-content,nsl}-requests.csv``: U.S.
  national-security bands. The three files share one header, so the file name says which is which.

Every period is six months, so its start is inferred from "Period Ending".
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import PurePath

import pycountry

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
    normalise_label,
    parse_band,
    parse_number,
)
from reports.importers.countries import country_code
from reports.importers.dates import DateReader
from reports.importers.tables import read_table, sniff_header

FORMAT = "google_csv"
LABEL = "Google Transparency Report CSV"
COMPANY = "google"
PUBLISHER = "Google LLC"
DEFAULT_SOURCE_URL = "https://transparencyreport.google.com/user-data/overview"
# The README of Google's zip points the enterprise and national-security tables to their own pages.
ENTERPRISE_SOURCE_URL = "https://transparencyreport.google.com/user-data/enterprise"
NATIONAL_SECURITY_SOURCE_URL = "https://transparencyreport.google.com/user-data/us-national-security"

MAIN, DIPLOMATIC, ENTERPRISE, NATIONAL_SECURITY = "main", "diplomatic", "enterprise", "national-security"

#: Header aliases, normalised by :func:`_normalise`. The first of each is the name Google uses.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "period_end": (
        "period ending",
        "reporting period ending date",
        "period end date",
        "period end",
        "period ending date",
        "reporting period end date",
        "reporting period end",
        "reporting period ending",
    ),
    "country": ("country region", "country", "country or region", "country name", "country region name"),
    "origin": ("country region of origin", "country of origin", "country or region of origin", "origin country"),
    "code": (
        "cldr territory code",
        "country code",
        "territory code",
        "cldr code",
        "country region code",
        "iso code",
        "iso country code",
        "country iso code",
    ),
    "legal_process": (
        "legal process",
        "request type",
        "type of request",
        "legal process type",
        "type of legal process",
    ),
    "requests": (
        "user data requests",
        "number of requests",
        "requests",
        "user data request",
        "number of user data requests",
        "requests for user data",
        "total requests",
    ),
    "pct": (
        "percentage disclosed",
        "percent of requests where some data produced",
        "percentage of requests where some data produced",
        "percent disclosed",
        "percentage of requests where some information is disclosed",
        "percent of requests where some information is disclosed",
        "percentage where some data produced",
        "some data produced percent",
    ),
    "accounts": (
        "accounts",
        "users accounts specified",
        "accounts specified",
        "user accounts specified",
        "users accounts",
        "user accounts",
        "number of accounts",
        "users or accounts specified",
    ),
    "product": ("product", "enterprise cloud product"),
    "enterprise_requests": ("enterprise cloud customer requests", "enterprise customer requests"),
    "customers": ("enterprise cloud customers", "enterprise customers"),
    "diplomatic_requests": (
        "user data diplomatic legal requests",
        "enterprise diplomatic legal requests",
        "diplomatic legal requests",
        "diplomatic requests",
    ),
    "assisting": ("assisting country", "assisting country region"),
    "requests_min": ("number of requests range min", "requests range min", "number of requests min"),
    "requests_max": ("number of requests range max", "requests range max", "number of requests max"),
    "accounts_min": ("number of accounts range min", "accounts range min", "number of accounts min"),
    "accounts_max": ("number of accounts range max", "accounts range max", "number of accounts max"),
}

#: What to call a column in an error when the document lacks it.
COLUMN_LABELS = {
    "period_end": "Period Ending",
    "legal_process": "Legal Process",
    "requests": "User Data Requests",
    "enterprise_requests": "Enterprise Cloud customer requests",
    "product": "Product",
    "diplomatic_requests": "User Data Diplomatic Legal requests",
    "requests_min": "Number of requests (range MIN)",
    "requests_max": "Number of requests (range MAX)",
    "code": "CLDR Territory Code",
}

#: Legal processes, normalised, to vocabulary request types. Every value Google's file uses is here.
LEGAL_PROCESSES: dict[str, str] = {
    "all": "all",
    "all requests": "all",
    "subpoenas": "subpoena",
    "subpoena": "subpoena",
    "search warrants": "search-warrant",
    "search warrant": "search-warrant",
    "other court orders": "other-court-order",
    "other court order": "other-court-order",
    # Google reports "Court Orders" for Ireland only, next to "Search Warrants": court orders
    # other than warrants, the same thing as "Other Court Orders" for the U.S.
    "court orders": "other-court-order",
    "court order": "other-court-order",
    "pen register orders": "pen-register",
    "pen register order": "pen-register",
    "pen register and trap and trace orders": "pen-register",
    "wiretap orders": "wiretap",
    "wiretap order": "wiretap",
    "emergency disclosure requests": "emergency",
    "emergency disclosure request": "emergency",
    "emergency requests": "emergency",
    "preservation requests": "preservation",
    "preservation request": "preservation",
    "other legal requests": "other-legal",
    "other legal request": "other-legal",
    "police requests": "police-request",
    "police request": "police-request",
    "requests for data of local subsidiary": "local-subsidiary",
    "requests for data of a local subsidiary": "local-subsidiary",
    "diplomatic requests": "mlat",
    "diplomatic legal requests": "mlat",
}

PRODUCT_SCOPES = {
    "google workspace": "enterprise-workspace",
    "g suite": "enterprise-workspace",
    "gsuite": "enterprise-workspace",
    "gcp": "enterprise-gcp",
    "google cloud platform": "enterprise-gcp",
    "google cloud": "enterprise-gcp",
}

#: Requesters that are not countries (CLDR gives some of them codes such as UN or EU). Their
#: rows cannot be stored under an ISO 3166-1 jurisdiction, so they are left out with a warning.
INTERNATIONAL_BODIES = frozenset({"united nations", "european union", "interpol", "europol", "eurojust"})
NON_COUNTRY_CODES = frozenset({"UN", "EU", "EZ", "QO", "ZZ"})
# XK (Kosovo) and AN (Netherlands Antilles, withdrawn) appear in the companies' data.
COUNTRY_CODES = frozenset(str(c.alpha_2) for c in pycountry.countries) | {"XK", "AN"}

TITLES = {
    MAIN: "Google Transparency Report: global requests for user information",
    DIPLOMATIC: "Google Transparency Report: requests for user information through diplomatic procedures",
    ENTERPRISE: "Google Transparency Report: requests for Enterprise Cloud customer information",
    NATIONAL_SECURITY: "Google Transparency Report: U.S. national security requests",
}
NATIONAL_SECURITY_KINDS = {
    "fisa-content": "FISA requests for content",
    "fisa-non-content": "FISA requests for non-content",
    "fisa": "FISA requests",
    "nsl": "National Security Letters",
}
NOT_REPORTED = "blank in the document: not reported"

#: What a column staff mapped to a measure (an alias) stands for, per table.
_MEASURE_FIELDS = {
    (MAIN, "requests"): "requests",
    (MAIN, "accounts"): "accounts",
    (MAIN, "some-data-pct"): "pct",
    (ENTERPRISE, "requests"): "enterprise_requests",
    (ENTERPRISE, "customers"): "customers",
    (ENTERPRISE, "some-data-pct"): "pct",
    (DIPLOMATIC, "requests"): "diplomatic_requests",
}


def sniff(data: bytes, filename: str) -> bool:
    """True for any of Google's user-data CSVs, judged by the header row alone."""
    header = sniff_header(data)
    return header is not None and bool(_layout(header, strict=True))


def parse(data: bytes, *, filename: str = "", source_url: str = "", aliases: Aliases = NO_ALIASES) -> ParsedDocument:
    """Parse one Google CSV into half-year periods. Raises DocumentError."""
    header, rows = read_table(data, filename=filename)
    layout = _layout(header, strict=False)
    columns = _Columns.find(header, layout, filename=filename, aliases=aliases)
    parser = _Parser(columns=columns, layout=layout, filename=filename, aliases=aliases)
    rows = parser.rows_of_figures(rows)
    if layout == NATIONAL_SECURITY:
        kind = _national_security_kind(filename)
        periods = parser.national_security(rows, kind)
        title = f"{TITLES[layout]} ({NATIONAL_SECURITY_KINDS[kind]})"
    elif layout == DIPLOMATIC:
        periods = parser.diplomatic(rows)
        title = TITLES[layout]
    else:
        periods = parser.by_legal_process(rows)
        title = TITLES[layout]
    default_url = {ENTERPRISE: ENTERPRISE_SOURCE_URL, NATIONAL_SECURITY: NATIONAL_SECURITY_SOURCE_URL}
    url = source_url or default_url.get(layout, DEFAULT_SOURCE_URL)
    for period in periods:
        period.source_url = url
    return ParsedDocument(
        format=FORMAT,
        periods=periods,
        warnings=parser.warnings,
        title=title,
        publisher=PUBLISHER,
        unknowns=[*columns.unknowns, *parser.unknowns],
    )


# --- reading ---------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _normalise(header: str) -> str:
    """Map "Users/Accounts Specified" to "users accounts specified" (cached: called for every cell of a file)."""
    return normalise_label(header)


_FIELD_BY_ALIAS = {alias: name for name, aliases in COLUMN_ALIASES.items() for alias in aliases}


def _fields(header: Iterable[str]) -> dict[str, int]:
    """Field name -> index of the first column whose header is one of its aliases."""
    found: dict[str, int] = {}
    for index, text in enumerate(header):
        name = _FIELD_BY_ALIAS.get(_normalise(text))
        if name and name not in found:
            found[name] = index
    return found


def _layout(header: list[str], *, strict: bool) -> str:
    """Which of Google's tables this header belongs to. ``strict`` (sniffing) demands every
    column the table needs and returns "" otherwise; parsing guesses, then names what is missing."""
    normalised = {_normalise(text) for text in header}
    if {"company", "scope", "measure"} <= normalised:  # the project's own canonical CSV
        return ""
    has = set(_fields(header))
    places = bool(has & {"country", "code", "origin"})
    if strict and "period_end" not in has:
        return ""
    if "diplomatic_requests" in has and (places or not strict):
        return DIPLOMATIC
    if "enterprise_requests" in has and (not strict or ({"legal_process", "product"} <= has and places)):
        return ENTERPRISE
    bands = has & {"requests_min", "requests_max", "accounts_min", "accounts_max"}
    if bands and (not strict or ({"requests_min", "requests_max"} <= has and not places)):
        return NATIONAL_SECURITY
    if not strict or ({"legal_process", "requests"} <= has and places):
        return MAIN
    return ""


@dataclass(frozen=True)
class _Columns:
    """Where each field is in the header, checked against what the table needs."""

    header: list[str]
    index: dict[str, int]
    #: Headers the importer does not know (and no alias maps): reported, their cells not imported.
    unknowns: tuple[Unknown, ...] = ()

    REQUIRED = {
        MAIN: ("period_end", "legal_process", "requests"),
        ENTERPRISE: ("period_end", "product", "legal_process", "enterprise_requests"),
        DIPLOMATIC: ("period_end", "diplomatic_requests"),
        NATIONAL_SECURITY: ("period_end", "requests_min", "requests_max"),
    }

    @classmethod
    def find(cls, header: list[str], layout: str, *, filename: str, aliases: Aliases = NO_ALIASES) -> _Columns:
        index = _fields(header)
        unknowns: list[Unknown] = []
        for position, text in enumerate(header):
            if position in index.values() or not text.strip() or _normalise(text) in _FIELD_BY_ALIAS:
                continue
            taught = aliases.measure(text)
            field_name = _MEASURE_FIELDS.get((layout, taught or ""))
            if field_name and field_name not in index:
                index[field_name] = position
            elif taught != OUT_OF_SCOPE:
                unknowns.append(Unknown(UnknownKind.COLUMN, f"row 1, column {position + 1}", text))
        needed = list(cls.REQUIRED[layout])
        if layout != NATIONAL_SECURITY and not index.keys() & {"code", "country", "origin"}:
            needed.append("code")
        for name in needed:
            if name not in index:
                label = COLUMN_LABELS[name]
                others = ", ".join(repr(alias) for alias in COLUMN_ALIASES[name][1:4])
                raise DocumentError(
                    f"missing the {label!r} column (or a synonym such as {others}); "
                    f"the header found is: {', '.join(header)}",
                    filename=filename,
                    location="row 1",
                )
        if ("accounts_min" in index) != ("accounts_max" in index):
            raise DocumentError(
                "the accounts band needs both its MIN and MAX columns; the header found is: " + ", ".join(header),
                filename=filename,
                location="row 1",
            )
        return cls(header=header, index=index, unknowns=tuple(unknowns))

    def has(self, name: str) -> bool:
        return name in self.index

    def cell(self, cells: list[str], name: str) -> str:
        position = self.index.get(name)
        if position is None or position >= len(cells):
            return ""
        return cells[position].strip()

    def where(self, line: int, name: str) -> str:
        return f"row {line}, column {self.header[self.index[name]]}"


def half_year_start(end: dt.date, *, filename: str = "", location: str = "") -> dt.date:
    """The first day of the six-month period ending on ``end`` (30 June or 31 December)."""
    if (end.month, end.day) == (6, 30):
        return dt.date(end.year, 1, 1)
    if (end.month, end.day) == (12, 31):
        return dt.date(end.year, 7, 1)
    raise DocumentError(
        f"Google's periods are half years ending on 30 June or 31 December; {end.isoformat()} is neither",
        filename=filename,
        location=location,
    )


def _national_security_kind(filename: str) -> str:
    """FISA content, FISA non-content or NSL: the three files share one header, so only the name tells."""
    name = re.sub(r"[\s_]+", "-", PurePath(filename).name.casefold())
    if "non-content" in name or "noncontent" in name:
        return "fisa-non-content"
    if "fisa" in name and "content" in name:
        return "fisa-content"
    if "fisa" in name:
        return "fisa"
    if "nsl" in name or "national-security-letter" in name:
        return "nsl"
    raise DocumentError(
        "this is one of Google's U.S. national-security tables, which share one header; only the file name "
        "tells them apart, and it names neither FISA (fisa-content / fisa-non-content) nor NSL",
        filename=filename,
    )


# --- figures ---------------------------------------------------------------------------------


@dataclass
class _Row:
    """One row's place and values before the zero-means-not-reported rules are applied."""

    line: int
    scope: str
    start: dt.date
    end: dt.date
    jurisdiction: str
    request_type: str
    values: dict[str, tuple[Decimal | None, str]]  # measure -> (value, location)
    notes: dict[str, str] = field(default_factory=dict)
    bands: dict[str, tuple[Decimal | None, Decimal | None, str]] = field(default_factory=dict)


class _Parser:
    def __init__(self, *, columns: _Columns, layout: str, filename: str, aliases: Aliases = NO_ALIASES) -> None:
        self.columns = columns
        self.layout = layout
        self.filename = filename
        self.aliases = aliases
        self.dates = DateReader(filename)
        self.warnings: list[str] = []
        self.unknowns: list[Unknown] = []

    def rows_of_figures(self, rows: list[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
        """The rows that start with a date; any other (a units row, a notes line) is an unknown row."""
        kept = []
        for line, cells in rows:
            if re.search(r"\d", self.columns.cell(cells, "period_end")):
                kept.append((line, cells))
            else:
                text = " | ".join(cell.strip() for cell in cells if cell.strip())
                self.unknown(UnknownKind.ROW, f"row {line}", text, "not a row of figures: no period end date")
        return kept

    def unknown(self, kind: str, place: str, text: str, detail: str = "") -> None:
        self.unknowns.append(Unknown(kind, place, text, detail))

    def error(self, message: str, location: str) -> DocumentError:
        return DocumentError(message, filename=self.filename, location=location)

    # Cells ---------------------------------------------------------------------------------

    def period(self, cells: list[str], line: int) -> tuple[dt.date, dt.date]:
        where = self.columns.where(line, "period_end")
        text = self.columns.cell(cells, "period_end")
        if not text:
            raise self.error("the period end date is blank", where)
        end = self.dates.read(text, where)
        return half_year_start(end, filename=self.filename, location=where), end

    def count(self, cells: list[str], line: int, name: str) -> Decimal | None:
        where = self.columns.where(line, name)
        value = parse_number(self.columns.cell(cells, name), filename=self.filename, location=where)
        if value is not None and value != value.to_integral_value():
            raise self.error(f"expected a whole number, found {self.columns.cell(cells, name)!r}", where)
        return value

    def percentage(self, cells: list[str], line: int, name: str) -> Decimal | None:
        where = self.columns.where(line, name)
        return parse_number(self.columns.cell(cells, name), filename=self.filename, location=where)

    def jurisdiction(self, cells: list[str], line: int, name_field: str = "country") -> str | None:
        """ISO code of the requesting country; None (with a warning or an unknown) when there is none."""
        code = self.columns.cell(cells, "code").upper()
        name = self.columns.cell(cells, name_field) or self.columns.cell(cells, "country")
        if code in COUNTRY_CODES:
            return code
        if code in NON_COUNTRY_CODES or name.casefold() in INTERNATIONAL_BODIES:
            self.warnings.append(
                f"row {line}: {name or code} is not a country and has no ISO 3166-1 code; the row is left out"
            )
            return None
        taught = self.aliases.jurisdiction(name or code) if (name or code) else None
        found = taught or (country_code(name) if name and not code else None)
        if found:
            return None if found == OUT_OF_SCOPE else found
        if not name and not code:
            text = " | ".join(cell.strip() for cell in cells if cell.strip())
            self.unknown(UnknownKind.ROW, f"row {line}", text, "the row names no country")
            return None
        field_name = "code" if code else (name_field if self.columns.has(name_field) else "country")
        self.unknown(
            UnknownKind.JURISDICTION,
            self.columns.where(line, field_name),
            code or name,
            "not an ISO 3166-1 code"
            if code
            else "no territory code, and a name reports/importers/countries.py does not know",
        )
        return None

    def request_type(self, cells: list[str], line: int) -> str | None:
        """The vocabulary request type of the row's legal process; None (an unknown) when neither the
        importer nor an alias knows it, or staff marked it out of scope."""
        text = self.columns.cell(cells, "legal_process")
        found = LEGAL_PROCESSES.get(_normalise(text)) or self.aliases.request_type(text)
        if found is None:
            self.unknown(UnknownKind.LABEL, self.columns.where(line, "legal_process"), text, "a legal process")
        return None if found == OUT_OF_SCOPE else found

    def scope(self, cells: list[str], line: int) -> str | None:
        if not self.columns.has("product"):
            return "total"
        text = self.columns.cell(cells, "product")
        found = PRODUCT_SCOPES.get(_normalise(text))
        if found is None:
            self.unknown(
                UnknownKind.ROW,
                self.columns.where(line, "product"),
                text,
                "an enterprise product other than Google Workspace (G Suite) or GCP",
            )
        return found

    # Tables --------------------------------------------------------------------------------

    def by_legal_process(self, rows: list[tuple[int, list[str]]]) -> list[PeriodRecord]:
        """The main table and the enterprise table: one row per period, country and legal process."""
        if self.layout == ENTERPRISE:
            measures = (("enterprise_requests", "requests"), ("pct", "some-data-pct"), ("customers", "customers"))
        else:
            measures = (("requests", "requests"), ("pct", "some-data-pct"), ("accounts", "accounts"))
        parsed: list[_Row] = []
        seen: dict[tuple[str, dt.date, str, str], int] = {}
        for line, cells in rows:
            start, end = self.period(cells, line)
            scope = self.scope(cells, line)
            request_type = self.request_type(cells, line)
            jurisdiction = self.jurisdiction(cells, line) if scope and request_type else None
            values: dict[str, tuple[Decimal | None, str]] = {}
            for name, measure in measures:
                if not self.columns.has(name):
                    continue
                read = self.percentage if measure == "some-data-pct" else self.count
                values[measure] = (read(cells, line, name), self.columns.where(line, name))
            if jurisdiction is None or scope is None or request_type is None:
                continue
            key = (scope, end, jurisdiction, request_type)
            if key in seen:
                raise self.error(f"the same period, country and legal process as row {seen[key]}", f"row {line}")
            seen[key] = line
            parsed.append(_Row(line, scope, start, end, jurisdiction, request_type, values))
        count_measure = "customers" if self.layout == ENTERPRISE else "accounts"
        self._apply_zero_rules(parsed, count_measure)
        return self._periods(parsed)

    def diplomatic(self, rows: list[tuple[int, list[str]]]) -> list[PeriodRecord]:
        """Diplomatic (MLAT) requests by country of origin. Google gives one row per assisting
        country (the United States or Ireland); the figure stored is their sum, the parts in its note."""
        totals: dict[tuple[str, dt.date, str], _Row] = {}
        parts: dict[tuple[str, dt.date, str], list[str]] = defaultdict(list)
        order: list[tuple[str, dt.date, str]] = []
        for line, cells in rows:
            start, end = self.period(cells, line)
            scope = self.scope(cells, line)
            jurisdiction = self.jurisdiction(cells, line, name_field="origin") if scope else None
            value = self.count(cells, line, "diplomatic_requests")
            where = self.columns.where(line, "diplomatic_requests")
            if jurisdiction is None or scope is None:
                continue
            key = (scope, end, jurisdiction)
            assisting = self.columns.cell(cells, "assisting") or "unnamed"
            if key not in totals:
                totals[key] = _Row(line, scope, start, end, jurisdiction, "mlat", {"requests": (value, where)})
                order.append(key)
            else:
                if not self.columns.has("assisting") or any(p.startswith(f"{assisting}:") for p in parts[key]):
                    raise self.error(f"the same period and country of origin as row {totals[key].line}", f"row {line}")
                previous, first_where = totals[key].values["requests"]
                summed = None if previous is None or value is None else previous + value
                totals[key].values["requests"] = (summed, f"{first_where}; {where}")
            parts[key].append(f"{assisting}: {'blank' if value is None else value}")
        for key, row in totals.items():
            if len(parts[key]) > 1:
                row.notes["requests"] = "sum over assisting countries (" + "; ".join(parts[key]) + ")"
        return self._periods([totals[key] for key in order])

    def national_security(self, rows: list[tuple[int, list[str]]], kind: str) -> list[PeriodRecord]:
        """U.S. national-security bands, one row per period."""
        parsed: list[_Row] = []
        seen: dict[dt.date, int] = {}
        for line, cells in rows:
            start, end = self.period(cells, line)
            if end in seen:
                raise self.error(f"the same period as row {seen[end]}", f"row {line}")
            seen[end] = line
            row = _Row(line, "total", start, end, "US", kind, {})
            parsed.append(row)
            for measure, low, high in (
                ("requests", "requests_min", "requests_max"),
                ("accounts", "accounts_min", "accounts_max"),
            ):
                if self.columns.has(low):
                    row.bands[measure] = self.band(cells, line, low, high)
        return self._band_periods(parsed)

    def band(self, cells: list[str], line: int, low: str, high: str) -> tuple[Decimal | None, Decimal | None, str]:
        where = f"{self.columns.where(line, low)} and {self.columns.header[self.columns.index[high]]}"
        low_text, high_text = self.columns.cell(cells, low), self.columns.cell(cells, high)
        minimum: Decimal | None
        maximum: Decimal | None
        if "-" in low_text and not high_text:  # one cell holding "0-499"
            minimum, maximum = parse_band(low_text, filename=self.filename, location=where)
            return minimum, maximum, where
        minimum = self.count(cells, line, low)
        maximum = self.count(cells, line, high)
        if (minimum is None) != (maximum is None):
            raise self.error("a band needs both its minimum and its maximum", where)
        return minimum, maximum, where

    # Zeros and records ---------------------------------------------------------------------

    def _apply_zero_rules(self, rows: list[_Row], count_measure: str) -> None:
        """Zeros Google wrote where it reported nothing. Accounts: a request names at least one
        account, so 0 accounts for a non-zero number of requests is a placeholder. Percentages:
        Google published no disclosure rate before July 2010 and filled those periods with 0 in
        every row, together with 0 accounts; only that whole-period pattern is read as not
        reported, since a single 0% is a real figure (Google's GCP rows are often 0%)."""
        by_period: dict[tuple[str, dt.date], list[_Row]] = defaultdict(list)
        for row in rows:
            by_period[(row.scope, row.end)].append(row)
        for (_scope, end), period_rows in sorted(by_period.items()):
            placeholders = 0
            for row in period_rows:
                requests = row.values.get("requests", (None, ""))[0]
                counted, where = row.values.get(count_measure, (None, ""))
                if counted == 0 and requests:
                    row.values[count_measure] = (None, where)
                    row.notes[count_measure] = f"0 {count_measure} for {requests} requests: a placeholder, not reported"
                    placeholders += 1
            if placeholders:
                self.warnings.append(
                    f"period ending {end}: {placeholders} rows give 0 {count_measure} for a non-zero number of "
                    "requests; read as not reported"
                )
            pcts = [row.values["some-data-pct"][0] for row in period_rows if "some-data-pct" in row.values]
            no_counts = all(count_measure in row.notes for row in period_rows)
            if pcts and all(p == 0 for p in pcts) and no_counts:
                for row in period_rows:
                    _value, where = row.values["some-data-pct"]
                    row.values["some-data-pct"] = (None, where)
                    row.notes["some-data-pct"] = "every row of this period gives 0% and 0 accounts: not reported"
                self.warnings.append(
                    f"period ending {end}: every row gives 0% disclosed and 0 {count_measure}; "
                    "both read as not reported"
                )

    def _periods(self, rows: list[_Row]) -> list[PeriodRecord]:
        periods: dict[tuple[str, dt.date, dt.date], PeriodRecord] = {}
        for row in rows:
            period = periods.get((row.scope, row.start, row.end))
            if period is None:
                period = PeriodRecord(company=COMPANY, scope=row.scope, start=row.start, end=row.end)
                periods[(row.scope, row.start, row.end)] = period
            requests = row.values.get("requests", (None, ""))[0]
            for measure, (value, where) in row.values.items():
                if measure == "some-data-pct" and requests == 0:
                    continue  # a share of zero requests is no figure at all
                note = row.notes.get(measure, "" if value is not None else NOT_REPORTED)
                period.figures.append(
                    FigureRecord(row.jurisdiction, row.request_type, measure, value=value, note=note, location=where)
                )
        return sorted(periods.values(), key=lambda p: (p.scope, p.start))

    def _band_periods(self, rows: list[_Row]) -> list[PeriodRecord]:
        periods = []
        for row in rows:
            period = PeriodRecord(company=COMPANY, scope=row.scope, start=row.start, end=row.end)
            for measure, (minimum, maximum, where) in row.bands.items():
                note = "" if minimum is not None else NOT_REPORTED
                period.figures.append(
                    FigureRecord(
                        row.jurisdiction,
                        row.request_type,
                        measure,
                        value_min=minimum,
                        value_max=maximum,
                        note=note,
                        location=where,
                    )
                )
            periods.append(period)
        return sorted(periods, key=lambda p: p.start)
