"""Reading the text layer of a company's PDF report: pages joined so positions map to pages, English long
dates, the period sentence Amazon and Ring share, and a sniffer by the title on page one."""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata

from pypdf import PdfReader

from reports.importers.base import DocumentError

_MONTH_NAMES = "January February March April May June July August September October November December"
#: Pages are joined with a form feed on a line of its own, as pdftotext does, so positions map to pages.
PAGE_BREAK = "\n\f\n"
#: English month names whatever the process locale (strptime's %B follows the locale).
MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES.split(), start=1)}
PROCESSED_PERIOD = re.compile(
    r"processed\s+from\s+(?P<start>[A-Z][a-z]+\s+\d{1,2})(?:,\s*(?P<start_year>\d{4}))?\s+to\s+"
    r"(?P<end>[A-Z][a-z]+\s+\d{1,2}),?\s+(?P<year>\d{4})"
)


def extract_text(data: bytes, *, filename: str = "", max_pages: int | None = None) -> str:
    """The text of each page, joined by PAGE_BREAK. Any PDF that cannot be read raises DocumentError."""
    if not data:
        raise DocumentError("expected a PDF, found an empty file", filename=filename)
    if not data.startswith(b"%PDF"):
        raise DocumentError(f"expected a PDF (starting with %PDF), found {data[:16]!r}", filename=filename)
    # pypdf quietly rebuilds a file cut short and may return part of it; the missing end marker says why.
    # Sniffing reads the first page only, so that a cut-short report is still recognised and then rejected.
    if max_pages is None and b"%%EOF" not in data[-2048:]:
        raise DocumentError("the PDF is truncated: it does not end with the %%EOF marker", filename=filename)
    texts: list[str] = []
    location = ""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            reader.decrypt("")  # reports are at most "protected" with an empty user password
        for number, page in enumerate(reader.pages, start=1):
            if max_pages is not None and number > max_pages:
                break
            location = f"page {number}"
            texts.append(page.extract_text() or "")
    except Exception as error:  # pypdf raises many types on damaged input; callers must see one clear error
        raise DocumentError(
            f"the PDF cannot be read ({type(error).__name__}: {error})", filename=filename, location=location
        ) from None
    return PAGE_BREAK.join(texts)


def normalize(text: str) -> str:
    """NFKC folds ligatures ("ﬁ") and non-breaking spaces that pypdf returns as they are drawn."""
    return unicodedata.normalize("NFKC", text).replace("\r\n", "\n")


def page_at(text: str, position: int) -> int:
    """The page (from 1) a position of the joined text falls on."""
    return text.count("\f", 0, position) + 1


def parse_date(value: str, *, filename: str, location: str) -> dt.date:
    """Parse "January 1, 2019" (English month names whatever the locale)."""
    match = re.fullmatch(r"([A-Z][a-z]+)\s+(\d{1,2}),\s*(\d{4})", value.strip())
    month = MONTHS.get(match.group(1)) if match else None
    if match is None or month is None:
        raise DocumentError(
            f"expected a date such as 'January 1, 2019', found {value!r}", filename=filename, location=location
        )
    try:
        return dt.date(int(match.group(3)), month, int(match.group(2)))
    except ValueError:
        raise DocumentError(f"{value!r} is not a date", filename=filename, location=location) from None


def processed_period(text: str, *, filename: str) -> tuple[dt.date, dt.date] | None:
    """The dates of "... requests Amazon processed from July 1 to December 31, 2020" (Amazon from H2 2020, Ring)."""
    match = PROCESSED_PERIOD.search(text)
    if match is None:
        return None
    location = f"page {page_at(text, match.start())}"
    end = parse_date(f"{match.group('end')}, {match.group('year')}", filename=filename, location=location)
    start_year = match.group("start_year") or match.group("year")
    return parse_date(f"{match.group('start')}, {start_year}", filename=filename, location=location), end


def first_page_names(data: bytes, *, filename: str, title: str, not_title: str) -> bool:
    """A sniffer: a PDF whose first page carries ``title`` and not ``not_title`` (Ring's report is Amazon's
    layout under another title). Reads one page only."""
    if not data.startswith(b"%PDF"):
        return False
    try:
        text = normalize(extract_text(data, filename=filename, max_pages=1))
    except DocumentError:
        return False
    return title in text and not_title not in text
