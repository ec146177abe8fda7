"""Microsoft's Law Enforcement Requests Report workbooks (``Microsoft_LERR_2018_H1.xlsx`` ...).

Each workbook covers one half-year and has three sheets of the same layout: a title, a line that
states the period ("Requests received for all Microsoft Services from January to June 2018"), a
two-row header, a ``TOTAL`` row and one row per country. Per row: requests, accounts / users
specified, then four outcomes (content disclosed, only non-content disclosed, no data found,
rejected), each written as a share and a count.

- ``Criminal``: law-enforcement requests made with legal process -> request type ``legal-process``.
  Not ``all``: emergency requests are counted apart (the ``Emergencies`` sheet lists countries that
  are missing from ``Criminal``, e.g. China in H1 2018), so neither sheet is every request.
- ``Emergencies``: emergency requests -> ``emergency``.
- ``Civil Legal Requests``: not imported. These are requests in civil matters, outside what the
  report calls law-enforcement requests, and their outcome counts add up to accounts, not
  requests; the period's notes say so.

Only the counts are imported: the shares are computed from them in the same row. Beside the
table, the ``Criminal`` sheet gives two U.S. figures on warrants for content stored outside the
United States ("extraterritorial requests"). The workbooks carry no national-security figures:
Microsoft publishes those in a separate report.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from decimal import Decimal

import openpyxl

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
    parse_number,
)
from reports.importers.countries import country_code

FORMAT = "microsoft_xlsx"
LABEL = "Microsoft Law Enforcement Requests Report (XLSX)"
COMPANY = "microsoft"
SCOPE = "total"
PUBLISHER = "Microsoft Corporation"
DEFAULT_SOURCE_URL = "https://www.microsoft.com/en-us/corporate-responsibility/law-enforcement-requests-report"

_ZIP_MAGIC = b"PK\x03\x04"
#: A real workbook unpacks to well under 1 MB; anything far bigger is not one (or is a zip bomb).
_MAX_UNPACKED_BYTES = 100 * 1024 * 1024
#: XML compresses well, but a real workbook's parts stay under about 20 times their stored size.
_MAX_RATIO = 200
_MARKER = b"law enforcement requests"

_Cell = object
_Rows = list[tuple[_Cell, ...]]

#: Request type of each imported sheet, by a word of its name.
_SHEET_TYPES = (("criminal", "legal-process"), ("emergenc", "emergency"))
_SKIPPED_SHEETS = ("civil",)

#: Header text -> (measure, offset of the count from the header's column). The outcome headers sit
#: over a share column with the count in the column to its right.
_HEADERS = (
    ("total number of", "requests", 0),
    ("specified in requests", "accounts", 0),
    ("no data found", "no-data-found", 1),
    ("rejected", "rejected", 1),
    ("non-content", "non-content-disclosed", 1),
    ("disclosure of content", "content-disclosed", 1),
)
_OUTCOMES = ("content-disclosed", "non-content-disclosed", "no-data-found", "rejected")

#: Spellings in the workbooks that no country table knows.
_TYPOS = {"beligum": "BE", "swizerland": "CH"}

#: Cells beside the table that label a U.S. figure on data stored abroad -> (request type, measure).
_EXTRATERRITORIAL = (
    (("seeking", "consumer content"), ("extraterritorial-consumer", "requests")),
    (("resulting in disclosure", "enterprise content"), ("extraterritorial-enterprise", "content-disclosed")),
)

_MONTHS = {name.casefold(): number for number, name in enumerate(calendar.month_name) if name} | {
    name.casefold(): number for number, name in enumerate(calendar.month_abbr) if name
}
_PERIOD_TEXT = re.compile(
    r"from\s+([a-z]+)\.?\s+(?:(\d{4})\s+)?(?:to|through|until|-|\u2013)\s+([a-z]+)\.?\s+(\d{4})", re.IGNORECASE
)
_PERIOD_FILENAME = re.compile(r"(?<!\d)(\d{4})[_\- ]?H([12])(?![0-9])", re.IGNORECASE)


def _norm(value: object) -> str:
    return " ".join(str(value).split()).casefold() if value is not None else ""


def sniff(data: bytes, filename: str = "") -> bool:
    """True for an XLSX (a ZIP) whose strings include Microsoft's "Law Enforcement Requests" wording."""
    if not data.startswith(_ZIP_MAGIC):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" not in names:
                return False
            # Strings are usually shared; some writers put them inline in the sheets.
            parts = ["xl/sharedStrings.xml", *sorted(n for n in names if n.startswith("xl/worksheets/"))]
            return any(
                part in names
                and archive.getinfo(part).file_size < 10 * 1024 * 1024
                and _MARKER in archive.read(part).lower()
                for part in parts
            )
    except (zipfile.BadZipFile, zlib.error, OSError, KeyError, EOFError, RuntimeError):
        return False


def parse(data: bytes, *, filename: str = "", source_url: str = "", aliases: Aliases = NO_ALIASES) -> ParsedDocument:
    """Read one half-year workbook into one period: requests, accounts and outcomes per country."""
    sheets = _read_workbook(data, filename=filename)
    if not any("criminal" in title.casefold() for title in sheets):
        raise DocumentError(
            f"expected a 'Criminal' sheet of law-enforcement requests, found sheets {', '.join(map(repr, sheets))}",
            filename=filename,
        )
    start, end, warnings = _period(sheets, filename=filename)
    period = PeriodRecord(
        company=COMPANY, scope=SCOPE, start=start, end=end, source_url=source_url or DEFAULT_SOURCE_URL
    )
    document = ParsedDocument(
        format=FORMAT,
        periods=[period],
        warnings=warnings,
        title=f"Microsoft Law Enforcement Requests Report, {start:%B}\u2013{end:%B %Y}",
        publisher=PUBLISHER,
    )
    imported: list[str] = []
    notes: list[str] = []
    for title, rows in sheets.items():
        request_type = next((rt for word, rt in _SHEET_TYPES if word in title.casefold()), None)
        request_type = request_type or aliases.request_type(title)
        if request_type == OUT_OF_SCOPE:
            continue
        if request_type is None:
            if any(word in title.casefold() for word in _SKIPPED_SHEETS):
                notes.append(
                    f"The workbook's {title!r} sheet is not imported: those are requests in civil matters, "
                    "reported apart from law-enforcement requests, and their outcomes count accounts, not requests."
                )
            else:
                document.unknowns.append(Unknown(UnknownKind.SHEET, f"sheet {title!r}", title, "a sheet not known"))
            continue
        table = _Table.find(rows, sheet=title, filename=filename, warnings=document.warnings)
        period.figures.extend(table.figures(request_type, document=document, aliases=aliases))
        if request_type == "legal-process":
            period.figures.extend(_extraterritorial(rows, sheet=title, filename=filename, document=document))
        imported.append(f"{title!r} as {request_type!r}")
    period.notes = " ".join([f"Imported sheets: {', '.join(imported)}.", *notes])
    return document


def _read_workbook(data: bytes, *, filename: str) -> dict[str, _Rows]:
    """Every sheet's cell values, read in one go so that no openpyxl error escapes later. The zip's declared
    sizes are checked before anything is inflated (zipfile never inflates a member past its declared size)."""
    if not data:
        raise DocumentError("the document is empty", filename=filename)
    if not data.startswith(_ZIP_MAGIC):
        raise DocumentError("expected an XLSX workbook (a ZIP archive); this is not one", filename=filename)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError) as exc:
        raise DocumentError(f"the workbook is truncated or corrupt ({exc})", filename=filename) from exc
    unpacked = sum(info.file_size for info in members)
    if unpacked > _MAX_UNPACKED_BYTES:
        raise DocumentError(f"the workbook unpacks to {unpacked:,} bytes; that is not a report", filename=filename)
    squeezed = max(members, key=lambda info: info.file_size / max(info.compress_size, 1), default=None)
    if squeezed is not None and squeezed.file_size > _MAX_RATIO * max(squeezed.compress_size, 1) > 0:
        ratio = squeezed.file_size // max(squeezed.compress_size, 1)
        raise DocumentError(
            f"the workbook's part {squeezed.filename!r} unpacks {ratio:,} times larger than it is stored: "
            "that is not a report (a zip bomb?)",
            filename=filename,
        )
    try:
        values = _sheets(data, data_only=True)
        formulas = _sheets(data, data_only=False)
    # openpyxl reports a damaged workbook with whatever its zip, XML or type parsing raised
    # (KeyError, ValueError, XML syntax errors, a failed CRC...); all of them mean the same thing here.
    except Exception as exc:
        raise DocumentError(
            f"the workbook cannot be read ({type(exc).__name__}: {exc}); is it a complete XLSX file?", filename=filename
        ) from exc
    _refuse_uncomputed_formulas(values, formulas, filename=filename)
    return values


def _sheets(data: bytes, *, data_only: bool) -> dict[str, _Rows]:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    try:
        return {sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets}
    finally:
        workbook.close()


def _refuse_uncomputed_formulas(values: dict[str, _Rows], formulas: dict[str, _Rows], *, filename: str) -> None:
    """A formula whose value the workbook does not carry (a program that saves without computing, such as a
    script) is unreadable, not "not reported": the whole workbook is refused with where the first one is."""
    blank: list[str] = []
    for title, rows in formulas.items():
        for number, row in enumerate(rows, start=1):
            for column, cell in enumerate(row):
                if isinstance(cell, str) and cell.startswith("="):
                    held = values[title][number - 1] if number - 1 < len(values[title]) else ()
                    if column >= len(held) or held[column] is None:
                        blank.append(f"sheet {title!r}, row {number}, column {column + 1}")
    if blank:
        raise DocumentError(
            f"{len(blank)} cells are formulas the workbook carries no computed value for (the first: {blank[0]}); "
            "open the workbook in a spreadsheet program and save it, so that the values are stored",
            filename=filename,
        )


def _period(sheets: dict[str, _Rows], *, filename: str) -> tuple[dt.date, dt.date, list[str]]:
    """The period the sheets state ("from January to June 2018"), else the file name's ``2018_H1``."""
    stated: dict[tuple[dt.date, dt.date], str] = {}
    for title, rows in sheets.items():
        for row in rows[:4]:
            for cell in row:
                if not isinstance(cell, str):
                    continue
                for match in _PERIOD_TEXT.finditer(cell):
                    dates = _dates_of(match, sheet=title, filename=filename)
                    if dates:
                        stated.setdefault(dates, title)
    if len(stated) > 1:
        described = "; ".join(f"{sheet!r}: {start}..{end}" for (start, end), sheet in stated.items())
        raise DocumentError(f"the sheets state different periods ({described})", filename=filename)
    from_name = _PERIOD_FILENAME.search(filename)
    by_name: tuple[dt.date, dt.date] | None = None
    if from_name:
        year, half = int(from_name.group(1)), int(from_name.group(2))
        by_name = (
            (dt.date(year, 1, 1), dt.date(year, 6, 30)) if half == 1 else (dt.date(year, 7, 1), dt.date(year, 12, 31))
        )
    if stated:
        start, end = next(iter(stated))
        warnings = []
        if by_name and by_name != (start, end):
            warnings.append(
                f"{filename}: the file name says {by_name[0]}..{by_name[1]} but the workbook states {start}..{end}; "
                "the workbook's own statement is used"
            )
        return start, end, warnings
    if by_name:
        return by_name[0], by_name[1], []
    raise DocumentError(
        'the workbook does not state its period ("from January to June 2018") and the file name has no '
        "YYYY_H1 / YYYY_H2 to take it from",
        filename=filename,
    )


def _dates_of(match: re.Match[str], *, sheet: str, filename: str) -> tuple[dt.date, dt.date] | None:
    """The first day of the first month to the last day of the last; None when the words are not months."""
    first, first_year, last, last_year = match.groups()
    first_month, last_month = _MONTHS.get(first.casefold()), _MONTHS.get(last.casefold())
    if first_month is None or last_month is None:
        return None
    end_year = int(last_year)
    # "from July 2018 to June 2019" names both years; "from January to June 2018" only the last.
    start_year = int(first_year) if first_year else (end_year if first_month <= last_month else end_year - 1)
    start = dt.date(start_year, first_month, 1)
    end = dt.date(end_year, last_month, calendar.monthrange(end_year, last_month)[1])
    if end < start:
        raise DocumentError(
            f"the period ends ({end}) before it starts ({start})", filename=filename, location=f"sheet {sheet!r}"
        )
    return start, end


@dataclass
class _Table:
    """The per-country table of one sheet, once its header row has been found."""

    sheet: str
    filename: str
    rows: _Rows
    header_row: int
    #: measure -> column index of its counts
    columns: dict[str, int]

    @classmethod
    def find(cls, rows: _Rows, *, sheet: str, filename: str, warnings: list[str]) -> _Table:
        for index, row in enumerate(rows[:20]):
            texts = [_norm(cell) for cell in row]
            if not any(text.startswith("total number of") for text in texts):
                continue
            columns: dict[str, int] = {}
            for column, text in enumerate(texts):
                for needle, measure, offset in _HEADERS:
                    if needle in text and measure not in columns:
                        columns[measure] = column + offset
                        break
            missing = [measure for _, measure, _ in _HEADERS if measure not in columns]
            if missing:
                warnings.append(
                    f"{filename or 'workbook'}, sheet {sheet!r}, row {index + 1}: the header has no column for "
                    f"{', '.join(missing)}; those figures are not in this document"
                )
            return cls(sheet=sheet, filename=filename, rows=rows, header_row=index, columns=columns)
        raise DocumentError(
            "expected a header with 'Total Number of ... Requests' in the first 20 rows",
            filename=filename,
            location=f"sheet {sheet!r}",
        )

    def figures(self, request_type: str, *, document: ParsedDocument, aliases: Aliases) -> list[FigureRecord]:
        warnings = document.warnings
        figures: list[FigureRecord] = []
        first_column = min(self.columns.values())
        seen: dict[str, int] = {}
        totals: dict[str, Decimal | None] = {}
        sums: dict[str, Decimal | None] = dict.fromkeys(self.columns, Decimal(0))
        for index in range(self.header_row + 1, len(self.rows)):
            row = self.rows[index]
            number = index + 1
            label = next((cell for cell in row[:first_column] if _norm(cell)), None)
            values = {measure: _cell(row, column) for measure, column in self.columns.items()}
            if label is None:
                if any(_norm(v) for v in values.values()):
                    # A units row ("#", "%") under the header, or figures with no country: not imported.
                    text = " | ".join(str(v).strip() for v in row if _norm(v))
                    detail = "no country" if any(_is_number(v) for v in values.values()) else "not a row of figures"
                    document.unknowns.append(Unknown(UnknownKind.ROW, self._where(number), text, detail))
                continue
            jurisdiction = self._jurisdiction(str(label), number, aliases=aliases)
            if jurisdiction is None or jurisdiction == OUT_OF_SCOPE:
                if jurisdiction is None:
                    document.unknowns.append(
                        Unknown(UnknownKind.JURISDICTION, self._where(number), str(label).strip(), "no ISO code known")
                    )
                continue
            if jurisdiction in seen:
                raise DocumentError(
                    f"{label!r} already appears on row {seen[jurisdiction]}",
                    filename=self.filename,
                    location=self._where(number),
                )
            seen[jurisdiction] = number
            counts = {
                measure: _count(value, filename=self.filename, location=self._where(number, measure))
                for measure, value in values.items()
            }
            for measure, count in counts.items():
                figures.append(
                    FigureRecord(
                        jurisdiction=jurisdiction,
                        request_type=request_type,
                        measure=measure,
                        value=count,
                        location=self._where(number, measure),
                    )
                )
                if jurisdiction == "WW":
                    totals[measure] = count
                else:
                    running = sums[measure]
                    sums[measure] = None if running is None or count is None else running + count
            warnings.extend(self._outcome_disagreement(counts, str(label).strip(), number))
        if not seen:
            raise DocumentError("the table has no rows", filename=self.filename, location=f"sheet {self.sheet!r}")
        warnings.extend(self._total_disagreements(totals, sums))
        return figures

    def _jurisdiction(self, label: str, number: int, *, aliases: Aliases) -> str | None:
        if _norm(label) in {"total", "worldwide", "all countries"}:
            return "WW"
        return _TYPOS.get(_norm(label)) or aliases.jurisdiction(label) or country_code(label)

    def _outcome_disagreement(self, counts: dict[str, Decimal | None], label: str, number: int) -> list[str]:
        """The four outcomes partition the requests; a row where they do not is recorded, never fixed."""
        parts = [counts.get(m) for m in _OUTCOMES]
        total = counts.get("requests")
        if total is None or any(p is None for p in parts):
            return []
        added = sum(p for p in parts if p is not None)
        if added == total:
            return []
        return [f"{self._where(number)} ({label}): the four outcomes add up to {added}, not the {total} requests given"]

    def _total_disagreements(self, totals: dict[str, Decimal | None], sums: dict[str, Decimal | None]) -> list[str]:
        return [
            f"{self.filename or 'workbook'}, sheet {self.sheet!r}: the TOTAL row gives {total} {measure}, "
            f"the countries add up to {sums[measure]}"
            for measure, total in totals.items()
            if total is not None and sums.get(measure) is not None and sums[measure] != total
        ]

    def _where(self, number: int, measure: str = "") -> str:
        where = f"sheet {self.sheet!r}, row {number}"
        return f"{where}, {measure}" if measure else where


def _is_number(value: object) -> bool:
    if isinstance(value, int | float | Decimal):
        return True
    return isinstance(value, str) and bool(re.fullmatch(r"\s*[\d,]+(\.\d+)?\s*", value))


def _extraterritorial(rows: _Rows, *, sheet: str, filename: str, document: ParsedDocument) -> list[FigureRecord]:
    """The U.S. warrant figures printed beside the table: a label cell with its number a few rows below."""
    figures: list[FigureRecord] = []
    for index, row in enumerate(rows):
        for column, cell in enumerate(row):
            text = _norm(cell)
            if not (isinstance(cell, str) and text.startswith("number of warrants")):
                continue
            kind = next((key for needles, key in _EXTRATERRITORIAL if all(n in text for n in needles)), None)
            if kind is None:
                place = f"sheet {sheet!r}, row {index + 1}"
                document.unknowns.append(Unknown(UnknownKind.LABEL, place, cell.strip(), "a figure beside the table"))
                continue
            below = next(
                ((number, value) for number, value in _column_below(rows, index, column) if _norm(value)), None
            )
            location = f"sheet {sheet!r}, row {below[0] if below else index + 1}, {kind[0]}"
            value = _count(below[1], filename=filename, location=location) if below else None
            figures.append(
                FigureRecord(jurisdiction="US", request_type=kind[0], measure=kind[1], value=value, location=location)
            )
    return figures


def _column_below(rows: _Rows, index: int, column: int) -> list[tuple[int, _Cell]]:
    return [(number + 1, _cell(rows[number], column)) for number in range(index + 1, min(index + 8, len(rows)))]


def _cell(row: tuple[_Cell, ...], column: int) -> _Cell:
    return row[column] if column < len(row) else None


def _count(value: _Cell, *, filename: str, location: str) -> Decimal | None:
    """A whole, non-negative number; an empty or blank cell is a figure not reported (never zero)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise DocumentError(f"expected a count, found {value!r}", filename=filename, location=location)
    number = (
        parse_number(value, filename=filename, location=location) if isinstance(value, str) else Decimal(str(value))
    )
    if number is None:
        return None
    if not number.is_finite() or number < 0 or number != number.to_integral_value():
        raise DocumentError(f"expected a whole number, found {value!r}", filename=filename, location=location)
    return Decimal(int(number))
