"""Ring's "Ring Information Request Report" (PDF, two or three pages, half-yearly from H2 2021).

Ring's charts are drawn as vector graphics, so their labels are text: the requests by type (as "Subpoenas
(218)" from H1 2022; in H2 2021 as a column of bare counts followed by a column of labels in the same
order), the content / non-content split with its shares, then sentences for users notified and the
national-security band. Everything goes to one period of scope ``total``.

Mapping choices:

- Preservation requests, subpoenas, search warrants, court orders: jurisdiction ``US`` (non-U.S. requests are
  counted apart), request types ``preservation``, ``subpoena``, ``search-warrant`` and ``other-court-order``
  (Ring's "court orders" are those other than search warrants), measure ``requests``.
- Non-U.S. requests: ``NON-US`` / ``all`` / ``requests``, as for Amazon.
- The content chart and the users-notified sentence cover every request Ring processed, non-U.S. included:
  ``WW`` / ``all`` / ``content-disclosed``, ``non-content-disclosed`` and ``content-disclosed-pct`` (the
  non-content share is its complement and is not stored), and ``WW`` / ``all`` / ``users-notified``.
- National security: ``US`` / ``national-security`` / ``requests`` as a band.

The report does not say when it was published, so ``published_on`` stays empty.
"""

from __future__ import annotations

import re
from decimal import Decimal

from reports.importers.base import (
    NO_ALIASES,
    Aliases,
    DocumentError,
    FigureRecord,
    ParsedDocument,
    PeriodRecord,
    parse_band,
    parse_number,
)

# Ring's reports are PDFs laid out like Amazon's later ones; one reader and one period sentence serve both.
from reports.importers.pdf import extract_text, first_page_names, normalize, page_at, processed_period

FORMAT = "ring_pdf"
LABEL = "Ring Information Request Report (PDF)"
COMPANY = "ring"
PUBLISHER = "Ring"
TITLE = "Ring Information Request Report"
DEFAULT_SOURCE_URL = "https://ring.com/law-enforcement-information-requests"
IMAGE_NOTE = "Drawn as an image in the report; awaiting staff entry"

__all__ = ["FORMAT", "LABEL", "extract_text", "parse", "parse_text", "sniff"]

_TYPE_LABEL = r"Preservation\s+Requests|Subpoenas|Search\s+Warrants|Court\s+Orders|Non-U\.S\.?\s+Requests"
#: Request-type bar labels with their count, as in H1 2022: "Subpoenas (218)".
_LABELLED_BAR = re.compile(rf"(?P<label>{_TYPE_LABEL})\s*\((?P<value>[^)]*)\)")
#: H2 2021: bare counts, one a line, then the axis ticks, then the labels one a line, in the same order.
_BARE_BARS = re.compile(
    rf"(?P<values>(?:^[ \t]*[\d,]+[ \t]*\n)+)^[ \t]*\d[\d ,]*\n(?P<labels>(?:^[ \t]*(?:{_TYPE_LABEL})[ \t]*\n?)+)",
    re.MULTILINE,
)
_TYPE_CHART = re.compile(r"broken\s+down\s+by\s+request\s+type")
_CONTENT_CHART = re.compile(r"resulted\s+in\s+the\s+disclosure\s+of\s+content\s+information")
_SHARE = r"(?P<{0}>[\d,]+)\s+\(?(?P<{0}_pct>\d+(?:\.\d+)?)\s*%\)?"
_CONTENT_VALUES = re.compile(rf"{_SHARE.format('first')}\s+{_SHARE.format('second')}")
#: The chart's legend after its values, in series order: "Sum of Content Sum of Non-Content" or "Content Non-Content".
_CONTENT_LEGEND = re.compile(
    r"(?:Sum\s+of\s+)?(?P<first>Non-Content|Content)\s+(?:Sum\s+of\s+)?(?P<second>Non-Content|Content)"
)
_NOTIFIED = re.compile(r"notified\s+users\s+in\s+response\s+to\s+(?P<value>[\d,]+)\s+information\s+requests")
_BAND = re.compile(
    r"reporting\s+range\s+is\s+(?P<band>\d[\d,]*\s*[-\u2013]\s*\d[\d,]*)\s+for\s+all\s+national\s+security\s+"
    r"requests\s+made\s+to\s+Ring"
)
_REQUEST_TYPES = {
    "preservation requests": ("US", "preservation"),
    "subpoenas": ("US", "subpoena"),
    "search warrants": ("US", "search-warrant"),
    "court orders": ("US", "other-court-order"),
    "non-u.s. requests": ("NON-US", "all"),
    "non-u.s requests": ("NON-US", "all"),
}


def sniff(data: bytes, filename: str) -> bool:
    """True for a PDF whose first page carries the title of Ring's report (and not Amazon's)."""
    return first_page_names(data, filename=filename, title=TITLE, not_title="Amazon Information Request Report")


def parse(data: bytes, *, filename: str = "", source_url: str = "", aliases: Aliases = NO_ALIASES) -> ParsedDocument:
    """Read the PDF's text and parse it; DocumentError for anything that is not such a report."""
    return parse_text(extract_text(data, filename=filename), filename=filename, source_url=source_url)


def parse_text(text: str, *, filename: str = "", source_url: str = "") -> ParsedDocument:
    """Parse the extracted text of one Ring report into its period and figures."""
    text = normalize(text)
    dates = processed_period(text, filename=filename)
    if dates is None:
        raise DocumentError(
            "expected the period sentence of a Ring report ('... information requests Ring processed from "
            "January 1 to June 30, 2022')",
            filename=filename,
            location=f"pages 1-{text.count(chr(12)) + 1}",
        )
    start, end = dates
    period = PeriodRecord(
        company=COMPANY, scope="total", start=start, end=end, source_url=source_url or DEFAULT_SOURCE_URL
    )
    warnings: list[str] = []
    period.figures.extend(_request_types(text, filename))
    period.figures.extend(_content(text, filename, warnings))
    period.figures.extend(_notified_and_band(text, filename, warnings))
    warnings.extend(_content_total_disagreement(period))
    return ParsedDocument(
        format=FORMAT,
        periods=[period],
        warnings=warnings,
        title=f"{TITLE}, {start:%B} {start.day}, {start.year} to {end:%B} {end.day}, {end.year}",
        publisher=PUBLISHER,
    )


def _figure(label: str, value: str, filename: str, location: str) -> FigureRecord:
    jurisdiction, request_type = _REQUEST_TYPES[" ".join(label.lower().split())]
    return FigureRecord(jurisdiction, request_type, "requests", _count(value, filename, location), location=location)


def _count(value: str, filename: str, location: str) -> Decimal:
    number = parse_number(value, filename=filename, location=location)
    if number is None:
        raise DocumentError("expected a count, found nothing", filename=filename, location=location)
    return number


def _request_types(text: str, filename: str) -> list[FigureRecord]:
    """The requests-by-type chart, in either of its two text forms; it must be there."""
    chart = _TYPE_CHART.search(text)
    after = chart.end() if chart else 0
    labelled = [found for found in _LABELLED_BAR.finditer(text) if found.start() > after]
    if labelled:
        return [
            _figure(found.group("label"), found.group("value"), filename, f"page {page_at(text, found.start())}")
            for found in labelled
        ]
    bare = _BARE_BARS.search(text, after)
    if bare is None:
        raise DocumentError(
            "expected the requests-by-type chart labels ('Subpoenas (218)', or counts followed by the labels)",
            filename=filename,
            location=f"page {page_at(text, after)}",
        )
    location = f"page {page_at(text, bare.start())}"
    values = bare.group("values").split()
    labels = [line.strip() for line in bare.group("labels").splitlines() if line.strip()]
    if len(values) != len(labels):
        raise DocumentError(
            f"expected one count per request type, found {len(values)} counts for {len(labels)} labels",
            filename=filename,
            location=location,
        )
    return [_figure(label, value, filename, location) for label, value in zip(labels, values, strict=True)]


def _content(text: str, filename: str, warnings: list[str]) -> list[FigureRecord]:
    """The content / non-content chart: two "count (share%)" labels, matched to the legend's order."""
    chart = _CONTENT_CHART.search(text)
    if chart is None:
        warnings.append("no content / non-content chart found; nothing imported for it")
        return []
    values = _CONTENT_VALUES.search(text, chart.end())
    legend = _CONTENT_LEGEND.search(text, values.end(), values.end() + 200) if values else None
    location = f"page {page_at(text, values.start() if values else chart.start())}"
    if values is None or legend is None or legend.group("first") == legend.group("second"):
        # The chart's labels are not text in this copy: keep the slots for staff rather than guess.
        return [
            FigureRecord("WW", "all", measure, note=IMAGE_NOTE, location=location)
            for measure in ("content-disclosed", "non-content-disclosed", "content-disclosed-pct")
        ]
    shares = {legend.group(name): (values.group(name), values.group(f"{name}_pct")) for name in ("first", "second")}
    content, content_pct = shares["Content"]
    non_content, non_content_pct = shares["Non-Content"]
    total_pct = _count(content_pct, filename, location) + _count(non_content_pct, filename, location)
    if total_pct != 100:
        warnings.append(f"{location}: the content and non-content shares add up to {total_pct}%, not 100%")
    return [
        FigureRecord("WW", "all", "content-disclosed", _count(content, filename, location), location=location),
        FigureRecord("WW", "all", "non-content-disclosed", _count(non_content, filename, location), location=location),
        FigureRecord("WW", "all", "content-disclosed-pct", _count(content_pct, filename, location), location=location),
    ]


def _notified_and_band(text: str, filename: str, warnings: list[str]) -> list[FigureRecord]:
    figures = []
    if notified := _NOTIFIED.search(text):
        location = f"page {page_at(text, notified.start())}"
        value = _count(notified.group("value"), filename, location)
        figures.append(FigureRecord("WW", "all", "users-notified", value, location=location))
    else:
        warnings.append("no 'Ring notified users in response to N information requests' sentence found")
    if band := _BAND.search(text):
        location = f"page {page_at(text, band.start())}"
        low, high = parse_band(band.group("band"), filename=filename, location=location)
        figures.append(
            FigureRecord("US", "national-security", "requests", value_min=low, value_max=high, location=location)
        )
    else:
        warnings.append("no national-security band found ('The reporting range is 0-249 ...')")
    return figures


def _content_total_disagreement(period: PeriodRecord) -> list[str]:
    """Content + non-content should count the requests Ring answered; say so when no sum of types matches."""
    exact = {figure.key: figure.value for figure in period.figures if figure.value is not None}
    content = exact.get(("WW", "all", "content-disclosed"))
    non_content = exact.get(("WW", "all", "non-content-disclosed"))
    if content is None or non_content is None:
        return []
    by_type = {key: value for key, value in exact.items() if key[2] == "requests" and value is not None}
    without_preservation = sum(v for (_, kind, _), v in by_type.items() if kind != "preservation")
    if content + non_content in (without_preservation, sum(by_type.values())):
        return []
    return [
        f"period {period.start}..{period.end} (ring, total): content + non-content = {content + non_content} "
        f"requests, but the requests by type add up to {without_preservation} without preservation requests "
        f"({sum(by_type.values())} with them)"
    ]
