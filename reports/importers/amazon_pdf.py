"""Amazon's "Information Request Report" (PDF, three pages, published twice a year).

Two layouts exist. Up to H2 2019 the figures are text: each block opens "For the period January 1, 2019,
through June 30, 2019 (total):" and gives subpoenas, search warrants, other court orders and non-U.S.
requests, each with full / partial / no response, and national-security requests as a band. From H1 2018 a
second block "(AWS requests)" / "(AWS only)" covers AWS alone; the first block (and the only block before
2018) is scope ``total``, AWS included.

From H2 2020 the figures by country and by content are raster images for "Amazon, Excluding AWS" and "AWS".
The text gives not-reported slots for what each chart shows; ``amazon_charts`` then reads the images by OCR
and fills them only where a reading passes its checks (else the reading waits for staff). The text still
gives the national-security band, stated "for all
national security requests made to Amazon (including AWS)", and an FAQ answer on enterprise content stored
outside the U.S.; both go to a third period of scope ``total``.

Mapping choices:

- U.S. legal process: jurisdiction ``US``, request types ``subpoena``, ``search-warrant``,
  ``other-court-order``; national security: ``US`` / ``national-security`` / ``requests`` as a band.
- Non-U.S. requests: jurisdiction ``NON-US`` with request type ``all`` (every kind of process from every
  non-U.S. government); ``all`` reads better in the long-form CSV than repeating "non-us" in two columns.
- Removal requests (2015 to H1 2018, one in all): demands to remove content, not to disclose data, so they
  stay out of the figures and are written into the period's notes.
- Image charts: ``WW`` / ``all`` / ``requests`` (the chart's total) and ``US`` / ``all`` / ``requests`` (its
  U.S. slice), and ``WW`` / ``all`` / ``content-disclosed``, ``non-content-disclosed``, ``content-disclosed-pct``.
- The FAQ "How many requests resulted in the disclosure to the U.S. government of enterprise content data
  located outside the United States? None." -> ``US`` / ``extraterritorial-enterprise`` / ``content-disclosed``
  = 0, the figure Microsoft reports under the same name.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal

from reports.importers.base import (
    NO_ALIASES,
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
from reports.importers.pdf import (
    PROCESSED_PERIOD,
    extract_text,
    first_page_names,
    normalize,
    page_at,
    parse_date,
    processed_period,
)

FORMAT = "amazon_pdf"
LABEL = "Amazon Information Request Report (PDF)"
COMPANY = "amazon"
PUBLISHER = "Amazon"
TITLE = "Amazon Information Request Report"
DEFAULT_SOURCE_URL = "https://www.amazon.com/gp/help/customer/display.html?nodeId=GYSDRGWQ2C2CRYEF"
IMAGE_NOTE = "Drawn as an image in the report; awaiting staff entry"
#: What changed in H2 2020, for the methodology notes of every period of the new layout.
IMAGE_LAYOUT_NOTES = (
    "From H2 2020 Amazon reports requests by the country of the government that made them and by content or "
    "non-content, drawn as chart images (donuts with the total in the middle), for Amazon excluding AWS and for "
    "AWS apart; this site reads them by OCR and publishes a chart's figures only when its parts add up to its "
    "total and every printed share matches (the figure links to the image). No longer reported: U.S. requests by "
    "legal process (subpoenas, search warrants, other court orders), full / partial / no response, and a total "
    "including AWS. So the U.S. figure from H2 2020 (every kind of U.S. legal process together, per scope) is "
    "comparable only with the sum of the U.S. kinds before it, and for the same part of Amazon: the earlier "
    "total includes AWS, which was given apart only from H1 2018. 'Others' groups the governments a chart does not "
    "name. A non-content response may include no data at all."
)


_DATE = r"[A-Z][a-z]+\s+\d{1,2},\s*\d{4}"
_BLOCK_HEADER = re.compile(
    rf"For\s+the\s+period\s+(?P<start>{_DATE}),?\s+through\s+(?P<end>{_DATE})\s*(?:\((?P<scope>[^)]*)\))?\s*:"
)
_PUBLISHED = re.compile(rf"Published\s+(?P<date>{_DATE})")
_CATEGORY = re.compile(
    r"(?P<label>Subpoenas|Search warrants|Other court orders|National security requests|Non-U\.S\. requests"
    r"|Removal requests)(?:\s+received)?\s*:\s*(?P<value>.*)",
    re.IGNORECASE,
)
_RESPONSE = re.compile(r"(?P<label>Full|Partial|No)\s+response\s*:\s*(?P<value>.*)", re.IGNORECASE)
#: A "Label: 123" line the parser does not know: reported as a warning rather than dropped in silence.
_UNKNOWN_FIGURE = re.compile(r"[A-Z][\w .,'()/-]{2,60}:\s*[\d,]+")
_BAND = re.compile(
    r"reporting\s+range\s+is\s+(?P<band>\d[\d,]*\s*[-\u2013]\s*\d[\d,]*)\s+for\s+all\s+national\s+security\s+"
    r"requests\s+made\s+to\s+Amazon"
)
_FAQ_ABROAD = re.compile(
    r"How\s+many\s+requests\s+resulted\s+in\s+the\s+disclosure\s+to\s+the\s+U\.S\.\s+government\s+of\s+"
    r"(?P<what>enterprise[a-z\s]*?)\s+content\s+data\s+located\s+outside\s+the\s+United\s+States\?\s*"
    r"(?P<answer>None|\d[\d,]*)"
)
_CAPTION = re.compile(r"^[ \t]*(?P<caption>Amazon, Excluding AWS|AWS)[ \t]*$", re.MULTILINE)
_CHART_SENTENCES = {
    "country": re.compile(r"broken\s+down\s+by\s+the\s+country\s+of\s+origin"),
    "content": re.compile(r"resulted\s+in\s+the\s+disclosure\s+of\s+content\s+information"),
}
#: What each kind of image chart shows, as (jurisdiction, request type, measure).
_CHART_FIGURES = {
    "country": (("WW", "all", "requests"), ("US", "all", "requests")),
    "content": (
        ("WW", "all", "content-disclosed"),
        ("WW", "all", "non-content-disclosed"),
        ("WW", "all", "content-disclosed-pct"),
    ),
}
#: Category line label -> (jurisdiction, request type); national security and removal are handled apart.
_CATEGORIES = {
    "subpoenas": ("US", "subpoena"),
    "search warrants": ("US", "search-warrant"),
    "other court orders": ("US", "other-court-order"),
    "non-u.s. requests": ("NON-US", "all"),
}
_REQUIRED = ("Subpoenas", "Search warrants", "Other court orders", "National security requests", "Non-U.S. requests")


def sniff(data: bytes, filename: str) -> bool:
    """True for a PDF whose first page carries the title of Amazon's report (and not Ring's)."""
    return first_page_names(data, filename=filename, title=TITLE, not_title="Ring Information Request Report")


def parse(data: bytes, *, filename: str = "", source_url: str = "", aliases: Aliases = NO_ALIASES) -> ParsedDocument:
    """Read the PDF's text and parse it, then the chart images of the H2 2020+ layout; DocumentError for
    anything that is not such a report."""
    text = extract_text(data, filename=filename)
    document = parse_text(text, filename=filename, source_url=source_url)
    if not _BLOCK_HEADER.search(normalize(text)):
        from reports.importers.amazon_charts import read_charts

        read_charts(document, data, _image_charts(normalize(text), filename), filename=filename)
    return document


def parse_text(text: str, *, filename: str = "", source_url: str = "") -> ParsedDocument:
    """Parse the extracted text of one report (either layout) into periods and figures."""
    text = normalize(text)
    source_url = source_url or DEFAULT_SOURCE_URL
    published = _published_on(text, filename)
    warnings: list[str] = []
    unknowns: list[Unknown] = []
    if _BLOCK_HEADER.search(text):
        periods = list(_text_layout_periods(text, filename, warnings, unknowns))
    elif PROCESSED_PERIOD.search(text):
        periods = _image_layout_periods(text, filename, warnings)
    else:
        raise DocumentError(
            "expected the period sentence of an Amazon report ('For the period January 1, 2019, through "
            "June 30, 2019' or 'processed from July 1 to December 31, 2020')",
            filename=filename,
            location=f"pages 1-{text.count(chr(12)) + 1}",
        )
    for period in periods:
        period.published_on = published
        period.source_url = source_url
    first = periods[0]
    return ParsedDocument(
        format=FORMAT,
        periods=periods,
        warnings=warnings,
        unknowns=unknowns,
        title=f"{TITLE}, {_long_date(first.start)} to {_long_date(first.end)}",
        publisher=PUBLISHER,
        published_on=published,
    )


def _published_on(text: str, filename: str) -> dt.date | None:
    match = _PUBLISHED.search(text)
    if match is None:
        return None
    return parse_date(match.group("date"), filename=filename, location=f"page {page_at(text, match.start())}")


def _long_date(day: dt.date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def _text_layout_periods(
    text: str, filename: str, warnings: list[str], unknowns: list[Unknown]
) -> Iterator[PeriodRecord]:
    headers = list(_BLOCK_HEADER.finditer(text))
    for index, header in enumerate(headers):
        location = f"page {page_at(text, header.start())}"
        start = parse_date(header.group("start"), filename=filename, location=location)
        end = parse_date(header.group("end"), filename=filename, location=location)
        scope = _block_scope(header.group("scope"), filename=filename, location=location)
        block_end = headers[index + 1].start() if index + 1 < len(headers) else len(text)
        period = PeriodRecord(company=COMPANY, scope=scope, start=start, end=end)
        _read_block(text, header.end(), block_end, period, filename, unknowns)
        yield period


def _block_scope(label: str | None, *, filename: str, location: str) -> str:
    """The scope a block header names: "(total requests)" or "(total)" -> total, "(AWS ...)" -> aws, none -> total."""
    if not label:
        return "total"
    lowered = label.strip().lower()
    if lowered.startswith("total"):
        return "total"
    if lowered.startswith("aws"):
        return "aws"
    raise DocumentError(
        f"expected '(total requests)' or '(AWS requests)' after the period, found '({label})'",
        filename=filename,
        location=location,
    )


def _read_block(text: str, begin: int, end: int, period: PeriodRecord, filename: str, unknowns: list[Unknown]) -> None:
    """Read one "For the period ..." block line by line: a category line, then its three responses."""
    page = page_at(text, begin)
    seen: dict[str, dict[str, Decimal]] = {}
    current = ""
    removal: dict[str, Decimal] = {}
    for raw in text[begin:end].split("\n"):
        page += raw.count("\f")
        line = raw.strip()
        location = f"page {page}"
        if category := _CATEGORY.fullmatch(line):
            current = _canonical_label(category.group("label"))
            if current in seen:
                raise DocumentError(f"'{current}:' appears twice in one period", filename=filename, location=location)
            seen[current] = {}
            if current == "National security requests":
                low, high = parse_band(category.group("value"), filename=filename, location=location)
                period.figures.append(
                    FigureRecord(
                        "US", "national-security", "requests", value_min=low, value_max=high, location=location
                    )
                )
                continue
            seen[current]["requests"] = _count(category.group("value"), filename, location)
            if current == "Removal requests":
                removal = seen[current]
                continue
            jurisdiction, request_type = _CATEGORIES[current.lower()]
            period.figures.append(
                FigureRecord(jurisdiction, request_type, "requests", seen[current]["requests"], location=location)
            )
        elif response := _RESPONSE.fullmatch(line):
            measure = f"{response.group('label').lower()}-response"
            if current in ("", "National security requests") or measure in seen[current]:
                after = f"after '{current}:'" if current else "before any category"
                raise DocumentError(
                    f"found '{response.group('label')} response:' twice or out of place ({after}); "
                    "expected a category line such as 'Search warrants: 440' before its responses",
                    filename=filename,
                    location=location,
                )
            seen[current][measure] = _count(response.group("value"), filename, location)
            if current != "Removal requests":
                jurisdiction, request_type = _CATEGORIES[current.lower()]
                period.figures.append(
                    FigureRecord(jurisdiction, request_type, measure, seen[current][measure], location=location)
                )
        elif _UNKNOWN_FIGURE.fullmatch(line):
            unknowns.append(Unknown(UnknownKind.LABEL, location, line, "a line of figures this importer does not know"))
    _check_block(seen, period, filename)
    if removal:
        period.notes = (
            "The report also counts removal requests (demands to remove content or accounts, not to disclose "
            f"data), not imported as figures: {removal['requests']} received; full response "
            f"{removal.get('full-response', '?')}, partial {removal.get('partial-response', '?')}, "
            f"none {removal.get('no-response', '?')}."
        )


def _canonical_label(label: str) -> str:
    for known in (*_REQUIRED, "Removal requests"):
        if known.lower() == label.lower():
            return known
    return label  # unreachable: _CATEGORY only matches the labels above


def _count(value: str, filename: str, location: str) -> Decimal:
    number = parse_number(value, filename=filename, location=location)
    if number is None:
        raise DocumentError("expected a count, found nothing", filename=filename, location=location)
    return number


def _check_block(seen: dict[str, dict[str, Decimal]], period: PeriodRecord, filename: str) -> None:
    where = f"period {period.start}..{period.end} ({period.scope})"
    for label in _REQUIRED:
        if label not in seen:
            raise DocumentError(f"expected a '{label}:' line", filename=filename, location=where)
    for label, figures in seen.items():
        missing = [m for m in ("full-response", "partial-response", "no-response") if m not in figures]
        if label != "National security requests" and missing:
            raise DocumentError(
                f"expected full / partial / no response after '{label}:', missing {', '.join(missing)}",
                filename=filename,
                location=where,
            )


def _image_layout_periods(text: str, filename: str, warnings: list[str]) -> list[PeriodRecord]:
    """Periods of the H2 2020+ layout: not-reported figures per scope, plus what the text does give."""
    dates = processed_period(text, filename=filename)
    assert dates is not None  # parse_text checked
    start, end = dates
    scopes: dict[str, PeriodRecord] = {}
    for scope, kind, page in _image_charts(text, filename):
        period = scopes.setdefault(
            scope,
            PeriodRecord(
                company=COMPANY,
                scope=scope,
                start=start,
                end=end,
                notes=IMAGE_LAYOUT_NOTES,
            ),
        )
        known = {figure.key for figure in period.figures}
        for key in _CHART_FIGURES[kind]:
            if key not in known:
                period.figures.append(FigureRecord(*key, note=IMAGE_NOTE, location=f"page {page}"))
    total = PeriodRecord(
        company=COMPANY,
        scope="total",
        start=start,
        end=end,
        notes="This report gives no total of Amazon including AWS; only the national-security band and the "
        "FAQ answer on content stored abroad cover Amazon and AWS together.",
    )
    if band := _BAND.search(text):
        band_location = f"page {page_at(text, band.start())}"
        low, high = parse_band(band.group("band"), filename=filename, location=band_location)
        total.figures.append(
            FigureRecord("US", "national-security", "requests", value_min=low, value_max=high, location=band_location)
        )
    else:
        warnings.append("no national-security band found in the text ('The reporting range is 0-249 ...')")
    if faq := _FAQ_ABROAD.search(text):
        faq_location = f"page {page_at(text, faq.start())}"
        answer = faq.group("answer")
        value = Decimal(0) if answer == "None" else _count(answer, filename, faq_location)
        what = " ".join(faq.group("what").split())
        total.figures.append(
            FigureRecord(
                "US",
                "extraterritorial-enterprise",
                "content-disclosed",
                value,
                note=f"From the FAQ: requests that led to disclosure of {what} content data located outside the U.S.",
                location=faq_location,
            )
        )
    return [*scopes.values(), *([total] if total.figures else [])]


def _image_charts(text: str, filename: str) -> list[tuple[str, str, int]]:
    """(scope, chart kind, page) for each chart caption, the kind being that of the sentence before it."""
    sentences = sorted(
        (found.start(), kind) for kind, pattern in _CHART_SENTENCES.items() for found in pattern.finditer(text)
    )
    charts: list[tuple[str, str, int]] = []
    for caption in _CAPTION.finditer(text):
        before = [kind for position, kind in sentences if position < caption.start()]
        if before:
            scope = "aws" if caption.group("caption") == "AWS" else "excluding-aws"
            charts.append((scope, before[-1], page_at(text, caption.start())))
    if not charts:
        raise DocumentError(
            "expected chart captions 'Amazon, Excluding AWS' and 'AWS' after the chart descriptions",
            filename=filename,
            location=f"pages 1-{text.count(chr(12)) + 1}",
        )
    return charts
