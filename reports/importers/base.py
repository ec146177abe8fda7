"""What every importer returns: plain records, validated, with no database.

An importer turns a document's bytes into a :class:`ParsedDocument`. It raises
:class:`DocumentError` naming the file, the place and what was expected when
the document is not what it claims to be. ``reports.services`` does the rest.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from reports.vocabulary import (
    PERCENT_MEASURES,
    REQUEST_TYPE_PARTS,
    RESPONSE_PART_MEASURES,
    SPECIAL_JURISDICTIONS,
    Measure,
    RequestType,
    Scope,
)

MEASURES = frozenset(Measure.values)
REQUEST_TYPES = frozenset(RequestType.values)
SCOPES = frozenset(Scope.values)
_JURISDICTION = re.compile(r"^[A-Z]{2}$")
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
#: What the database column holds (14 digits, 2 after the point): anything larger cannot be stored anywhere.
MAX_STORABLE = Decimal("999999999999.99")
#: No company has reported anywhere near this many demands, accounts or anything else in one period: a larger
#: count is a mistake in the document (or an attack), never a figure to publish.
MAX_PLAUSIBLE_COUNT = Decimal(100_000_000)


class DocumentError(ValueError):
    """A document that cannot be imported: says which file, where, and what was expected."""

    def __init__(
        self, message: str, *, filename: str = "", location: str = "", errors: list[str] | None = None
    ) -> None:
        self.message = message
        self.filename = filename
        self.location = location
        #: Every problem found, one line each, when the importer could check the whole document.
        self.errors = errors or [self.describe()]
        super().__init__(self.describe())

    def describe(self) -> str:
        where = ", ".join(part for part in (self.filename, self.location) if part)
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True, slots=True)
class FigureRecord:
    """One number of one period. ``value`` for an exact figure, a band in ``value_min``/``value_max``,
    all three ``None`` for a figure the document names but does not give (not reported)."""

    jurisdiction: str
    request_type: str
    measure: str
    value: Decimal | None = None
    value_min: Decimal | None = None
    value_max: Decimal | None = None
    note: str = ""
    location: str = ""
    #: Only when the figure comes from another document than its period (canonical CSV rows).
    source_url: str = ""
    #: The SHA-256 of the chart image this figure was read from by OCR (reports.importers.charts), else "".
    chart_image: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.jurisdiction, self.request_type, self.measure)

    @property
    def is_band(self) -> bool:
        return self.value_min is not None or self.value_max is not None

    @property
    def is_reported(self) -> bool:
        return self.value is not None or self.is_band


@dataclass
class PeriodRecord:
    """A reporting period of one company and scope, with its figures."""

    company: str
    scope: str
    start: dt.date
    end: dt.date
    figures: list[FigureRecord] = field(default_factory=list)
    published_on: dt.date | None = None
    source_url: str = ""
    notes: str = ""

    @property
    def key(self) -> tuple[str, str, dt.date, dt.date]:
        return (self.company, self.scope, self.start, self.end)


class UnknownKind:
    """What an importer did not understand: the word staff see beside each unknown."""

    COLUMN = "column"  # a header the importer does not know
    LABEL = "label"  # a row label (a legal process, a request kind) it does not know
    JURISDICTION = "jurisdiction"  # a country or region name it cannot map to a code
    ROW = "row"  # a row it cannot place (no country, a line of text)
    SHEET = "sheet"
    FILE = "file"  # a whole file (a new table in a download) it does not know


#: The kinds of unknown staff can teach the importers with an alias, and what each maps to.
TEACHABLE_KINDS = {
    UnknownKind.COLUMN: "measure",
    UnknownKind.LABEL: "request type",
    UnknownKind.JURISDICTION: "jurisdiction",
}


@dataclass(frozen=True)
class Unknown:
    """Something a document says that its importer does not understand: not imported, put before staff."""

    kind: str
    place: str
    text: str
    #: Why it was not understood, when more than "unknown" helps (e.g. what was expected).
    detail: str = ""

    def describe(self, filename: str = "") -> str:
        where = ", ".join(part for part in (filename, self.place) if part)
        detail = f" ({self.detail})" if self.detail else ""
        return f"{where}: unknown {self.kind} {self.text!r} not imported{detail}"

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "place": self.place, "text": self.text, "detail": self.detail}


#: An alias target meaning "known, and deliberately not imported".
OUT_OF_SCOPE = "out-of-scope"


def normalise_label(text: str) -> str:
    """How labels and headers are compared with aliases: case, punctuation and spacing ignored."""
    folded = text.replace("\ufeff", "").casefold().replace("&", " and ").replace("%", " percent ")
    return " ".join(re.findall(r"[a-z0-9]+", folded))


@dataclass(frozen=True)
class Aliases:
    """What staff taught the importers (reports.models.ImporterAlias, passed in as plain data): a
    normalised label, header or place name -> a vocabulary term, or OUT_OF_SCOPE."""

    #: (kind, normalised text) -> target
    targets: dict[tuple[str, str], str] = field(default_factory=dict)

    def get(self, kind: str, text: str) -> str | None:
        return self.targets.get((kind, normalise_label(text))) if self.targets else None

    def request_type(self, text: str) -> str | None:
        return self.get(UnknownKind.LABEL, text)

    def measure(self, text: str) -> str | None:
        return self.get(UnknownKind.COLUMN, text)

    def jurisdiction(self, text: str) -> str | None:
        return self.get(UnknownKind.JURISDICTION, text)


NO_ALIASES = Aliases()


@dataclass
class ParsedDocument:
    """Everything one document says, plus the disagreements it contains (recorded, never fixed) and
    what its importer did not understand (``unknowns``: reported, never imported)."""

    format: str
    periods: list[PeriodRecord]
    warnings: list[str] = field(default_factory=list)
    title: str = ""
    publisher: str = ""
    published_on: dt.date | None = None
    unknowns: list[Unknown] = field(default_factory=list)
    #: The file name unknowns are reported under.
    filename: str = ""
    #: Chart images read by OCR (reports.importers.charts.ChartReading), each with its checks.
    charts: list[Any] = field(default_factory=list)
    #: The OCR engine that read them ("tesseract 5.3.0"), recorded on the import run.
    ocr_engine: str = ""

    @property
    def figure_count(self) -> int:
        return sum(len(p.figures) for p in self.periods)

    def unknown_lines(self) -> list[str]:
        return [unknown.describe(self.filename) for unknown in self.unknowns]


def parse_number(text: str, *, filename: str = "", location: str = "") -> Decimal | None:
    """Parse "1,234", "54%", "12.5" or "" (None). Anything else is a DocumentError."""
    if not text:
        return None
    if text.isdigit():  # the common case, kept fast for large documents
        return Decimal(text)
    cleaned = text.strip().replace(",", "").replace("\u00a0", "").replace(" ", "").rstrip("%")
    if cleaned in {"", "-", "\u2013", "N/A", "n/a", "NA"}:
        return None
    if not _PLAIN_NUMBER.fullmatch(cleaned):  # "1e9", "Infinity", "0x10" are not how a report writes a figure
        raise DocumentError(f"expected a number, found {text.strip()!r}", filename=filename, location=location)
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise DocumentError(
            f"expected a number, found {text.strip()!r}", filename=filename, location=location
        ) from None
    if not number.is_finite():
        raise DocumentError(f"expected a number, found {text.strip()!r}", filename=filename, location=location)
    return number


def parse_band(text: str, *, filename: str = "", location: str = "") -> tuple[Decimal, Decimal]:
    """Parse a band such as "0-249", "0 - 499" or "1–499" into (min, max)."""
    match = re.fullmatch(r"\s*([\d,]+)\s*[-\u2013\u2014]\s*([\d,]+)\s*", text)
    if not match:
        raise DocumentError(
            f"expected a band such as 0-249, found {text.strip()!r}", filename=filename, location=location
        )
    low = Decimal(match.group(1).replace(",", ""))
    high = Decimal(match.group(2).replace(",", ""))
    return low, high


def validate(document: ParsedDocument, *, filename: str = "") -> ParsedDocument:
    """Check every invariant of the data model on plain records; raise DocumentError on the first
    broken one, and append a warning for each part/total disagreement the document contains."""
    seen_periods: set[tuple[str, str, dt.date, dt.date]] = set()
    problems: list[DocumentError] = []
    document.filename = document.filename or filename
    if not document.periods and not document.unknowns:
        raise DocumentError("the document holds no reporting period", filename=filename)
    for period in document.periods:
        where = f"period {period.start:%Y-%m-%d}..{period.end:%Y-%m-%d} ({period.company}, {period.scope})"
        try:
            if period.end < period.start:
                raise DocumentError(
                    f"the period ends ({period.end}) before it starts ({period.start})",
                    filename=filename,
                    location=where,
                )
            if period.scope not in SCOPES:
                raise DocumentError(f"unknown scope {period.scope!r}", filename=filename, location=where)
            if period.key in seen_periods:
                raise DocumentError("the same period appears twice", filename=filename, location=where)
            seen_periods.add(period.key)
            _validate_figures(period, filename=filename, where=where, problems=problems)
        except DocumentError as error:
            problems.append(error)
            continue
        document.warnings.extend(_disagreements(period, where))
    if problems:
        first = problems[0]
        count = f"{len(problems)} problems; the first: " if len(problems) > 1 else ""
        raise DocumentError(
            count + first.message,
            filename=first.filename,
            location=first.location,
            errors=[problem.describe() for problem in problems],
        )
    return document


def _validate_figures(period: PeriodRecord, *, filename: str, where: str, problems: list[DocumentError]) -> None:
    seen: set[tuple[str, str, str]] = set()
    for figure in period.figures:
        try:
            _validate_figure(figure, seen, filename=filename, location=figure.location or where)
        except DocumentError as error:
            problems.append(error)
    _validate_parts(period, filename=filename, where=where)


def _validate_figure(figure: FigureRecord, seen: set[tuple[str, str, str]], *, filename: str, location: str) -> None:
    if figure.measure not in MEASURES:
        raise DocumentError(f"unknown measure {figure.measure!r}", filename=filename, location=location)
    if figure.request_type not in REQUEST_TYPES:
        raise DocumentError(f"unknown request type {figure.request_type!r}", filename=filename, location=location)
    if not (_JURISDICTION.match(figure.jurisdiction) or figure.jurisdiction in SPECIAL_JURISDICTIONS):
        raise DocumentError(
            f"jurisdiction must be an ISO 3166-1 alpha-2 code, NON-US or WW, found {figure.jurisdiction!r}",
            filename=filename,
            location=location,
        )
    if figure.key in seen:
        raise DocumentError(f"figure {'/'.join(figure.key)} appears twice", filename=filename, location=location)
    seen.add(figure.key)
    if figure.value is not None and figure.is_band:
        raise DocumentError("a figure is either exact or a band, not both", filename=filename, location=location)
    if figure.is_band and (figure.value_min is None or figure.value_max is None):
        raise DocumentError("a band needs both a minimum and a maximum", filename=filename, location=location)
    for number in (figure.value, figure.value_min, figure.value_max):
        if number is not None:
            _check_number(number, figure.measure, filename=filename, location=location)
    if figure.value_min is not None and figure.value_max is not None and figure.value_min > figure.value_max:
        raise DocumentError(
            f"band minimum {figure.value_min} is above its maximum {figure.value_max}",
            filename=filename,
            location=location,
        )


def _check_number(number: Decimal, measure: str, *, filename: str, location: str) -> None:
    """A figure's value against what a figure can be: not negative, a percentage at most 100 with at most two
    decimals, a count whole and plausible, and nothing the database column cannot hold."""
    if not number.is_finite() or abs(number) > MAX_STORABLE:
        raise DocumentError(f"{number} is too large to be a figure", filename=filename, location=location)
    if number < 0:
        raise DocumentError(f"figures cannot be negative, found {number}", filename=filename, location=location)
    if measure in PERCENT_MEASURES:
        if number > 100:
            raise DocumentError(f"a percentage cannot exceed 100, found {number}", filename=filename, location=location)
        if number != number.quantize(Decimal("0.01")):
            raise DocumentError(
                f"a percentage is given to at most two decimals, found {number}", filename=filename, location=location
            )
        return
    if number != number.to_integral_value():
        raise DocumentError(f"a count is a whole number, found {number}", filename=filename, location=location)
    if number > MAX_PLAUSIBLE_COUNT:
        raise DocumentError(
            f"{number:,} is not a plausible count (more than {MAX_PLAUSIBLE_COUNT:,} in one period)",
            filename=filename,
            location=location,
        )


def _validate_parts(period: PeriodRecord, *, filename: str, where: str) -> None:
    exact = {f.key: f.value for f in period.figures if f.value is not None}
    for (jurisdiction, request_type, measure), value in exact.items():
        if measure not in RESPONSE_PART_MEASURES:
            continue
        total = exact.get((jurisdiction, request_type, "requests"))
        if total is not None and value is not None and value > total:
            raise DocumentError(
                f"{measure} ({value}) is above the {request_type} requests total ({total}) for {jurisdiction}",
                filename=filename,
                location=where,
            )


def _disagreements(period: PeriodRecord, where: str) -> Iterable[str]:
    """Parts that do not add up to their total: recorded as warnings, never corrected."""
    exact: dict[str, dict[tuple[str, str], Decimal]] = {}
    for f in period.figures:
        if f.value is not None:
            exact.setdefault(f.jurisdiction, {})[(f.request_type, f.measure)] = f.value
    for jurisdiction in sorted(exact):
        values = exact[jurisdiction]
        for request_type in sorted({request_type for request_type, _ in values}):
            total = values.get((request_type, "requests"))
            parts = [values.get((request_type, m)) for m in ("full-response", "partial-response", "no-response")]
            if total is not None and all(p is not None for p in parts):
                added = sum(p for p in parts if p is not None)
                if added != total:
                    yield (
                        f"{where}: {jurisdiction} {request_type}: full + partial + no response = {added}, "
                        f"but the document gives {total} requests"
                    )
        total_all = values.get(("all", "requests"))
        known = [v for t in REQUEST_TYPE_PARTS if (v := values.get((t, "requests"))) is not None]
        if total_all is not None and known and sum(known) > total_all:
            yield (
                f"{where}: {jurisdiction}: requests by type add up to {sum(known)}, "
                f"above the {total_all} requests the document gives in all"
            )


def decode_text(data: bytes, *, filename: str = "") -> str:
    """Decode a text document: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="strict") if _is_cp1252(data) else data.decode("latin-1")


def _is_cp1252(data: bytes) -> bool:
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def looks_like_html(data: bytes) -> bool:
    head = data[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<html" in head
