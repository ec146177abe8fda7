"""Meta (Facebook) government requests for user data: one CSV per half year, one wide row per country.

Each row holds preservation requests and accounts preserved; total, legal-process and
emergency requests, each with accounts, share with some data produced and (from H1 2019) the
number with some data produced; then the U.S. legal-process kinds (search warrant, subpoena,
court orders, 2703(d), pen register, Title III, FISA, NSL). Columns come and go between years
(content restrictions, takedowns, "Emergency Disclosures" up to H1 2017), so every column is
mapped by its name and unknown ones are reported as warnings.

The files do not say which half year they cover; their names do
(``PRPL-Facebook-Government-Report-2020_H1.csv``). A period or start/end date column, when a
copy has one, wins over the name and must agree with it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import PurePath

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
    parse_band,
    parse_number,
)
from reports.importers.countries import country_code
from reports.importers.tables import read_table, sniff_header

FORMAT = "meta_csv"
LABEL = "Meta (Facebook) government requests CSV"
COMPANY = "meta"
PUBLISHER = "Meta Platforms, Inc."
DEFAULT_SOURCE_URL = "https://transparency.fb.com/data/government-data-requests/"

#: Request kinds by the normalised name of their requests column; "<name> accounts" and
#: "<name> percentage" hold the accounts and the share with some data produced.
KINDS: dict[str, str] = {
    "total requests": "all",
    "legal process request total": "legal-process",
    "legal process requests": "legal-process",
    "emergency request total": "emergency",
    "emergency requests": "emergency",
    # The name up to H1 2017 for the same figures (H1 2016 to H1 2017 give both, and they agree).
    "emergency disclosures": "emergency",
    "search warrant": "search-warrant",
    "subpoena": "subpoena",
    "court order other": "other-court-order",
    "court order 18 usc 2703 d": "2703d-order",
    "pen register trap and trace": "pen-register",
    "title iii": "wiretap",
    "fisa content requests": "fisa-content",
    "fisa non content requests": "fisa-non-content",
    "fisa requests": "fisa",
    "fisa": "fisa",
    "nsls": "nsl",
    "national security letters": "nsl",
    "preservation requests": "preservation",
}
#: Columns whose figures go to a request type another column also fills; used only when it is blank.
FALLBACK_KINDS = frozenset({"emergency disclosures"})
#: Columns Meta fills for the United States only (its U.S. legal-process breakdown, and up to 2015
#: its emergency requests): a blank cell in another country's row is "not applicable", not "not reported".
US_ONLY = frozenset(
    {"search warrant", "subpoena", "court order other", "court order 18 usc 2703 d", "pen register trap and trace"}
    | {"title iii", "fisa content requests", "fisa non content requests", "fisa requests", "fisa", "nsls"}
    | {"national security letters", "emergency disclosures"}
)
SPECIAL_COLUMNS: dict[str, tuple[str, str]] = {
    "preservation accounts preserved": ("preservation", "accounts-preserved"),
    "number of requests where some data produced": ("all", "some-data"),
    "legal number of requests where some data produced": ("legal-process", "some-data"),
    "er number of requests where some data produced": ("emergency", "some-data"),
}
#: Columns about content restrictions and network shutdowns, not demands for data.
IGNORED = frozenset(
    {"content restricted", "content restrictions", "takedown reports", "percent witheld", "percent withheld"}
    | {"internet disruptions"}
)
#: MLAT requests served through U.S. courts, split into warrants and orders; always blank in
#: Meta's files, and the vocabulary has a single "mlat" type, so values are reported, not imported.
UNMAPPED = frozenset({"mlat search warrant", "mlat order"})
COUNTRY_COLUMNS = frozenset({"country", "country region", "country or region"})
PERIOD_COLUMNS = frozenset({"period", "reporting period", "report period", "time period"})
START_COLUMNS = frozenset({"start date", "period start", "period start date"})
END_COLUMNS = frozenset({"end date", "period end", "period end date"})

_HALF_IN_NAME = re.compile(r"(?<!\d)(20\d\d)[\s_-]*h([12])(?!\d)|(?<![a-z])h([12])[\s_-]*(20\d\d)(?!\d)", re.I)
_BAND = re.compile(r"\s*[\d,]+\s*[-\u2013\u2014]\s*[\d,]+\s*")


@dataclass(frozen=True)
class _Column:
    index: int
    header: str
    request_type: str
    measure: str
    fallback: bool = False
    us_only: bool = False


def sniff(data: bytes, filename: str) -> bool:
    """True for Meta's wide per-country CSV, judged by the header row alone."""
    header = sniff_header(data)
    if header is None:
        return False
    names = {_normalise(text) for text in header}
    return (
        bool(names & COUNTRY_COLUMNS)
        and "total requests" in names
        and bool(names & {"total requests accounts", "total requests percentage", "legal process request total"})
    )


def parse(data: bytes, *, filename: str = "", source_url: str = "", aliases: Aliases = NO_ALIASES) -> ParsedDocument:
    """Parse one Meta half-year CSV into one period of figures per country. Raises DocumentError."""
    header, rows = read_table(data, filename=filename)
    country_index, columns, warnings, unknowns = _columns(header, rows, filename=filename, aliases=aliases)
    start, end = _period(header, rows, filename=filename)
    period = PeriodRecord(
        company=COMPANY, scope="total", start=start, end=end, source_url=source_url or DEFAULT_SOURCE_URL
    )
    seen: dict[str, int] = {}
    for line, cells in rows:
        name = _cell(cells, country_index)
        if not name:
            text = " | ".join(cell.strip() for cell in cells if cell.strip())
            unknowns.append(Unknown(UnknownKind.ROW, f"row {line}", text, "the row names no country"))
            continue
        code = aliases.jurisdiction(name) or country_code(name)
        if code is None:
            place = f"row {line}, column {header[country_index]}"
            unknowns.append(Unknown(UnknownKind.JURISDICTION, place, name, "no ISO 3166-1 code known"))
            continue
        if code == OUT_OF_SCOPE:
            continue
        if code in seen:
            raise DocumentError(
                f"{name!r} is the same country ({code}) as row {seen[code]}", filename=filename, location=f"row {line}"
            )
        seen[code] = line
        period.figures.extend(_row_figures(code, line, cells, columns, warnings, filename=filename))
    half = "H1" if start.month == 1 else "H2"
    return ParsedDocument(
        format=FORMAT,
        periods=[period],
        warnings=warnings,
        title=f"Meta government requests for user data, {half} {start.year}",
        publisher=PUBLISHER,
        unknowns=unknowns,
    )


# --- reading ---------------------------------------------------------------------------------


def _normalise(header: str) -> str:
    """Map "Court Order (18 USC 2703(d))" to "court order 18 usc 2703 d": case and punctuation ignored."""
    text = header.replace("\ufeff", "").casefold().replace("&", " and ")
    return " ".join(re.findall(r"[a-z0-9]+", text))


def _cell(cells: list[str], index: int) -> str:
    return cells[index].strip() if index < len(cells) else ""


def _columns(
    header: list[str], rows: list[tuple[int, list[str]]], *, filename: str, aliases: Aliases
) -> tuple[int, list[_Column], list[str], list[Unknown]]:
    """The country column, the figure columns in the order to read them, warnings and unknown columns."""
    warnings: list[str] = []
    unknowns: list[Unknown] = []
    country_index: int | None = next((i for i, text in enumerate(header) if _normalise(text) in COUNTRY_COLUMNS), None)
    # Only rows that name a country say whether a column has figures (a units row "#" says nothing).
    rows = [(line, cells) for line, cells in rows if country_index is None or _cell(cells, country_index)]
    columns: list[_Column] = []
    for index, text in enumerate(header):
        name = _normalise(text)
        if index == country_index:
            continue
        if name in IGNORED or name in PERIOD_COLUMNS | START_COLUMNS | END_COLUMNS or not name:
            continue
        base, measure = _split(name)
        if not any(_cell(cells, index) for _line, cells in rows):
            # A column blank in every row (FISA and NSL always, preservation before 2016) is not
            # part of this report: it gives no figure, not even "not reported", so that it never
            # overwrites figures taken from another document.
            continue
        if name in SPECIAL_COLUMNS:
            request_type, measure = SPECIAL_COLUMNS[name]
            columns.append(_Column(index, text, request_type, measure))
        elif base in KINDS:
            columns.append(
                _Column(index, text, KINDS[base], measure, fallback=base in FALLBACK_KINDS, us_only=base in US_ONLY)
            )
        elif base in UNMAPPED:
            filled = [line for line, cells in rows if _cell(cells, index)]
            if filled:
                warnings.append(
                    f"column {text!r} has figures (first in row {filled[0]}) that are not imported: "
                    "MLAT warrants and orders have no request type of their own"
                )
        elif (taught := aliases.request_type(_label_of(text))) is not None:
            if taught != OUT_OF_SCOPE:
                columns.append(_Column(index, text, taught, measure))
        else:
            place = f"row 1, column {index + 1} ({text.strip()})"
            unknowns.append(Unknown(UnknownKind.LABEL, place, _label_of(text), "a kind of request in a column header"))
    if country_index is None:
        raise DocumentError(
            f"missing the 'Country' column; the header found is: {', '.join(header)}",
            filename=filename,
            location="row 1",
        )
    if not columns:
        raise DocumentError(
            f"no column of figures this importer knows; the header found is: {', '.join(header)}",
            filename=filename,
            location="row 1",
        )
    if not any(c.request_type == "all" and c.measure == "requests" for c in columns):
        warnings.append(f"{filename or 'document'}: no 'Total Requests' column; the totals are not in this document")
    # Fallback columns last, so the column they stand in for is read first.
    columns.sort(key=lambda c: c.fallback)
    return country_index, columns, warnings, unknowns


#: A column's last word says what it measures ("Total Requests Accounts"); without one it counts requests.
_MEASURE_SUFFIXES = ((" accounts", "accounts"), (" percentage", "some-data-pct"), (" percent", "some-data-pct"))


def _label_of(header: str) -> str:
    """The kind a column counts, as written: "Foo Requests Accounts" -> "Foo Requests"."""
    words = header.strip()
    suffix = next((s for s, _ in _MEASURE_SUFFIXES if words.casefold().endswith(s)), "")
    return words[: len(words) - len(suffix)].strip()


def _split(name: str) -> tuple[str, str]:
    """Split "total requests accounts" into ("total requests", "accounts")."""
    for suffix, measure in _MEASURE_SUFFIXES:
        if name.endswith(suffix):
            return name.removesuffix(suffix), measure
    return name, "requests"


def _period(header: list[str], rows: list[tuple[int, list[str]]], *, filename: str) -> tuple[dt.date, dt.date]:
    """The half year, from a period column when the copy has one, else from the file name."""
    from_name = _half_year_in(PurePath(filename).name) if filename else None
    from_content = _period_in_content(header, rows, filename=filename)
    if from_content and from_name and from_content != from_name:
        raise DocumentError(
            f"the content says the period is {from_content[0]}..{from_content[1]}, "
            f"but the file name says {from_name[0]}..{from_name[1]}",
            filename=filename,
        )
    period = from_content or from_name
    if period is None:
        raise DocumentError(
            "cannot tell which half year this report covers: it has no period column and its file name "
            "has no YYYY_H1 / YYYY_H2 (as in PRPL-Facebook-Government-Report-2020_H1.csv)",
            filename=filename,
        )
    return period


def _half_year_in(text: str) -> tuple[dt.date, dt.date] | None:
    match = _HALF_IN_NAME.search(text)
    if not match:
        return None
    year = int(match[1] or match[4])
    half = match[2] or match[3]
    return (dt.date(year, 1, 1), dt.date(year, 6, 30)) if half == "1" else (dt.date(year, 7, 1), dt.date(year, 12, 31))


def _period_in_content(
    header: list[str], rows: list[tuple[int, list[str]]], *, filename: str
) -> tuple[dt.date, dt.date] | None:
    names = [_normalise(text) for text in header]
    found: set[tuple[dt.date, dt.date]] = set()
    for index, name in enumerate(names):
        if name not in PERIOD_COLUMNS:
            continue
        for line, cells in rows:
            text = _cell(cells, index)
            period = _half_year_in(text) if text else None
            if text and period is None:
                raise DocumentError(
                    f"expected a half year such as 2020 H1, found {text!r}",
                    filename=filename,
                    location=f"row {line}, column {header[index]}",
                )
            if period:
                found.add(period)
    starts = [i for i, name in enumerate(names) if name in START_COLUMNS]
    ends = [i for i, name in enumerate(names) if name in END_COLUMNS]
    if starts and ends:
        for line, cells in rows:
            start_text, end_text = _cell(cells, starts[0]), _cell(cells, ends[0])
            if start_text or end_text:
                found.add((_iso_date(start_text, line, filename), _iso_date(end_text, line, filename)))
    if len(found) > 1:
        raise DocumentError(
            "the rows give different periods: " + ", ".join(f"{s}..{e}" for s, e in sorted(found)), filename=filename
        )
    return found.pop() if found else None


def _iso_date(text: str, line: int, filename: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise DocumentError(
            f"expected an ISO date such as 2020-06-30, found {text!r}", filename=filename, location=f"row {line}"
        ) from None


# --- figures ---------------------------------------------------------------------------------


def _row_figures(
    code: str, line: int, cells: list[str], columns: list[_Column], warnings: list[str], *, filename: str
) -> list[FigureRecord]:
    """One country's figures; a blank cell is "not reported" where its column applies to the row."""
    figures: dict[tuple[str, str], FigureRecord] = {}
    for column in columns:
        if column.us_only and code != "US" and not _cell(cells, column.index):
            continue
        where = f"row {line}, column {column.header}"
        figure = _figure(code, column, _cell(cells, column.index), where, filename=filename)
        key = (column.request_type, column.measure)
        existing = figures.get(key)
        if existing is None or (column.fallback and not existing.is_reported):
            figures[key] = figure
        elif column.fallback and figure.is_reported and _differs(existing, figure):
            warnings.append(
                f"row {line}: {column.header!r} ({_show(figure)}) differs from {existing.location} "
                f"({_show(existing)}); the latter is imported"
            )
    return _apply_zero_rules(list(figures.values()))


def _figure(code: str, column: _Column, text: str, where: str, *, filename: str) -> FigureRecord:
    if _BAND.fullmatch(text):  # H1 2013 gives U.S. totals as ranges ("11,000 - 12,000")
        low, high = parse_band(text, filename=filename, location=where)
        return FigureRecord(code, column.request_type, column.measure, value_min=low, value_max=high, location=where)
    value = parse_number(text, filename=filename, location=where)
    if value is None:
        return FigureRecord(code, column.request_type, column.measure, note="blank in the document", location=where)
    if column.measure != "some-data-pct" and value != value.to_integral_value():
        raise DocumentError(f"expected a whole number, found {text!r}", filename=filename, location=where)
    return FigureRecord(code, column.request_type, column.measure, value=value, location=where)


def _apply_zero_rules(figures: list[FigureRecord]) -> list[FigureRecord]:
    """A share of zero requests is no figure (Meta writes "0%"); 0 accounts for a non-zero number of
    requests is impossible (a request names an account), so it is kept as not reported."""
    request_totals = {f.request_type: f.value for f in figures if f.measure == "requests"}
    kept: list[FigureRecord] = []
    for figure in figures:
        total = request_totals.get(figure.request_type)
        if figure.measure == "some-data-pct" and total == 0:
            continue
        if figure.measure == "accounts" and figure.value == 0 and total:
            figure = FigureRecord(
                figure.jurisdiction,
                figure.request_type,
                figure.measure,
                note=f"0 accounts for {total} requests: not reported",
                location=figure.location,
            )
        kept.append(figure)
    return kept


def _differs(first: FigureRecord, second: FigureRecord) -> bool:
    return (first.value, first.value_min, first.value_max) != (second.value, second.value_min, second.value_max)


def _show(figure: FigureRecord) -> str:
    if figure.value is not None:
        return str(figure.value)
    return f"{figure.value_min}-{figure.value_max}" if figure.is_band else "blank"
