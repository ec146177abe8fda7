"""Ring's Information Request Report: text excerpts cut from the real PDFs, then the real PDFs themselves."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from reports.importers import amazon_pdf, ring_pdf
from reports.importers.base import DocumentError, ParsedDocument, validate

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ring"
SHARED_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
RING_PDFS = SHARED_DATA / "reports" / "ring"

H1_2022 = {
    ("US", "preservation", "requests"): Decimal(1746),
    ("US", "subpoena", "requests"): Decimal(218),
    ("US", "search-warrant", "requests"): Decimal(1622),
    ("US", "other-court-order", "requests"): Decimal(12),
    ("NON-US", "all", "requests"): Decimal(6),
    ("WW", "all", "content-disclosed"): Decimal(836),
    ("WW", "all", "non-content-disclosed"): Decimal(1186),
    ("WW", "all", "content-disclosed-pct"): Decimal(41),
    ("WW", "all", "users-notified"): Decimal(417),
    ("US", "national-security", "requests"): (Decimal(0), Decimal(249)),
}
H2_2021 = {
    ("US", "preservation", "requests"): Decimal(1448),
    ("US", "subpoena", "requests"): Decimal(223),
    ("US", "search-warrant", "requests"): Decimal(1477),
    ("US", "other-court-order", "requests"): Decimal(5),
    ("NON-US", "all", "requests"): Decimal(15),
    ("WW", "all", "content-disclosed"): Decimal(765),
    ("WW", "all", "non-content-disclosed"): Decimal(1042),
    ("WW", "all", "content-disclosed-pct"): Decimal(42),
    ("WW", "all", "users-notified"): Decimal(376),
    ("US", "national-security", "requests"): (Decimal(0), Decimal(249)),
}
REAL_REPORTS = {
    "Ring_Information_Request_Report_H2_21.pdf": (dt.date(2021, 7, 1), dt.date(2021, 12, 31), H2_2021),
    "Ring_Information_Request_Report_H1_22.pdf": (dt.date(2022, 1, 1), dt.date(2022, 6, 30), H1_2022),
}


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def parsed(name: str, text: str | None = None) -> ParsedDocument:
    document = ring_pdf.parse_text(fixture_text(name) if text is None else text, filename=name)
    return validate(document, filename=name)


def figures(document: ParsedDocument) -> dict[tuple[str, str, str], object]:
    """The one period's figures as {(jurisdiction, request type, measure): value or (min, max) or None}."""
    (period,) = document.periods
    return {f.key: (f.value_min, f.value_max) if f.is_band else f.value for f in period.figures}


def real_pdf(name: str) -> bytes:
    if not RING_PDFS.is_dir():
        pytest.skip(f"../shared/data is absent: {RING_PDFS} holds the real reports")
    return (RING_PDFS / name).read_bytes()


def test_it_reads_the_labelled_chart_of_h1_2022() -> None:
    assert figures(parsed("h1_2022.txt")) == H1_2022


def test_it_matches_the_bare_counts_of_h2_2021_to_their_labels_in_order() -> None:
    assert figures(parsed("h2_2021.txt")) == H2_2021


def test_it_takes_one_period_of_scope_total_from_the_opening_sentence() -> None:
    document = parsed("h1_2022.txt")
    (period,) = document.periods

    assert (period.company, period.scope, period.start, period.end) == (
        "ring",
        "total",
        dt.date(2022, 1, 1),
        dt.date(2022, 6, 30),
    )
    assert document.title == "Ring Information Request Report, January 1, 2022 to June 30, 2022"
    assert document.publisher == "Ring"
    assert document.format == "ring_pdf"
    assert document.published_on is None  # the report does not say


def test_it_cites_rings_page_unless_given_another_source() -> None:
    default = ring_pdf.parse_text(fixture_text("h1_2022.txt"))
    given = ring_pdf.parse_text(fixture_text("h1_2022.txt"), source_url="https://example.org/ring.pdf")

    assert default.periods[0].source_url == "https://ring.com/law-enforcement-information-requests"
    assert given.periods[0].source_url == "https://example.org/ring.pdf"


def test_it_records_the_page_each_figure_came_from() -> None:
    (period,) = parsed("h2_2021.txt").periods
    pages = {f.key: f.location for f in period.figures}

    assert pages[("US", "subpoena", "requests")] == "page 1"
    assert pages[("WW", "all", "users-notified")] == "page 2"
    assert pages[("US", "national-security", "requests")] == "page 3"


def test_it_reads_the_content_shares_in_the_order_of_the_legend() -> None:
    text = fixture_text("h1_2022.txt").replace("Content\nNon-Content", "Non-Content\nContent")

    found = figures(ring_pdf.parse_text(text))

    assert found[("WW", "all", "content-disclosed")] == Decimal(1186)
    assert found[("WW", "all", "non-content-disclosed")] == Decimal(836)
    assert found[("WW", "all", "content-disclosed-pct")] == Decimal(59)


def test_it_leaves_the_content_chart_not_reported_when_its_labels_are_not_text() -> None:
    text = fixture_text("h1_2022.txt").replace("836\n41%\n1186\n59%\n", "")

    (period,) = ring_pdf.parse_text(text).periods
    content = [f for f in period.figures if "content" in f.measure]

    assert [f.measure for f in content] == ["content-disclosed", "non-content-disclosed", "content-disclosed-pct"]
    assert not any(f.is_reported for f in content)
    assert {f.note for f in content} == {"Drawn as an image in the report; awaiting staff entry"}


def test_it_warns_that_content_and_non_content_do_not_add_up_to_the_requests_by_type() -> None:
    document = parsed("h1_2022.txt")

    assert document.warnings == [
        "period 2022-01-01..2022-06-30 (ring, total): content + non-content = 2022 requests, but the requests "
        "by type add up to 1858 without preservation requests (3604 with them)"
    ]


def test_it_rejects_text_without_the_period_sentence() -> None:
    text = fixture_text("h1_2022.txt").replace("processed \nfrom January 1", "received in January")

    with pytest.raises(DocumentError, match="expected the period sentence of a Ring report"):
        ring_pdf.parse_text(text, filename="ring.pdf")


def test_it_rejects_a_count_that_does_not_parse_and_names_its_page() -> None:
    text = fixture_text("h1_2022.txt").replace("Subpoenas (218)", "Subpoenas (2l8)")

    with pytest.raises(DocumentError) as raised:
        ring_pdf.parse_text(text, filename="ring.pdf")

    assert (raised.value.filename, raised.value.location) == ("ring.pdf", "page 1")
    assert "expected a number, found '2l8'" in raised.value.message


def test_it_rejects_bare_counts_that_do_not_match_the_labels() -> None:
    text = fixture_text("h2_2021.txt").replace("\n5\n1477\n", "\n1477\n")

    with pytest.raises(DocumentError, match="expected one count per request type, found 4 counts for 5 labels"):
        ring_pdf.parse_text(text)


def test_it_rejects_a_report_without_the_requests_by_type_chart() -> None:
    text = fixture_text("h1_2022.txt")
    without_chart = text[: text.index("0 200 400")] + text[text.index("2022 H1") :]

    with pytest.raises(DocumentError, match="expected the requests-by-type chart labels"):
        ring_pdf.parse_text(without_chart)


def test_it_rejects_garbage_bytes_and_an_empty_file() -> None:
    with pytest.raises(DocumentError, match="expected a PDF"):
        ring_pdf.parse(b"<svg>not a pdf</svg>", filename="junk.svg")
    with pytest.raises(DocumentError, match="empty file"):
        ring_pdf.parse(b"", filename="empty.pdf")


def test_it_rejects_a_real_report_cut_in_half() -> None:
    data = real_pdf("Ring_Information_Request_Report_H1_22.pdf")

    with pytest.raises(DocumentError, match="truncated"):
        ring_pdf.parse(data[: len(data) // 2], filename="half.pdf")


@pytest.mark.parametrize("name", sorted(REAL_REPORTS))
def test_every_real_ring_report_parses_with_its_known_figures(name: str) -> None:
    start, end, expected = REAL_REPORTS[name]

    document = validate(ring_pdf.parse(real_pdf(name), filename=name), filename=name)

    assert [(p.start, p.end) for p in document.periods] == [(start, end)]
    assert figures(document) == expected
    assert len(document.warnings) == 1  # content + non-content never equals the requests by type


@pytest.mark.parametrize("name", sorted(REAL_REPORTS))
def test_ring_sniffs_every_ring_report_and_amazon_none(name: str) -> None:
    data = real_pdf(name)

    assert ring_pdf.sniff(data, name)
    assert not amazon_pdf.sniff(data, name)


def test_ring_does_not_sniff_an_amazon_report() -> None:
    folder = SHARED_DATA / "reports" / "amazon"
    if not folder.is_dir():
        pytest.skip(f"../shared/data is absent: {folder} holds the real reports")

    assert not ring_pdf.sniff((folder / "Information_Request_Report_December_2020.pdf").read_bytes(), "amazon.pdf")
    assert not ring_pdf.sniff(b"%PDF-1.4 but nothing else", "ring.pdf")
