"""Amazon's Information Request Report: text excerpts cut from the real PDFs, then the real PDFs themselves."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfWriter

from reports.importers import amazon_pdf, ring_pdf
from reports.importers.base import DocumentError, ParsedDocument, validate

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "amazon"
SHARED_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
AMAZON_PDFS = SHARED_DATA / "reports" / "amazon"
RING_PDFS = SHARED_DATA / "reports" / "ring"

#: Every report in ../shared/data: its period, when it says it was published, and how many figures it yields.
REAL_REPORTS = {
    "Information_Request_Report.pdf": ("2015-01-01", "2015-05-31", None, 17),
    "Information_Request_Report_December_2015.pdf": ("2015-06-01", "2015-12-31", None, 17),
    "Information_Request_Report_June_2016.pdf": ("2016-01-01", "2016-06-30", None, 17),
    "Information_Request_Report_December_2016.pdf": ("2016-07-01", "2016-12-31", None, 17),
    "Information_Request_Report_June_2017.pdf": ("2017-01-01", "2017-06-30", None, 17),
    "Information_Request_Report_December_2017.pdf": ("2017-07-01", "2017-12-31", "2018-02-09", 17),
    "Information_Request_Report_June_2018.pdf": ("2018-01-01", "2018-06-30", "2018-08-09", 34),
    "Information_Request_Report_December_2018.pdf": ("2018-07-01", "2018-12-31", "2019-01-31", 34),
    "Information_Request_Report_December_2019.pdf": ("2019-07-01", "2019-12-31", "2020-01-31", 34),
    # The image layout: figures read from the chart images (tests/reports/importers/test_charts.py checks them).
    "Information_Request_Report_December_2020.pdf": ("2020-07-01", "2020-12-31", "2021-01-31", None),
    "Information_Request_Report_June_2021.pdf": ("2021-01-01", "2021-06-30", "2021-07-30", None),
    "Information_Request_Report_H1_2022.pdf": ("2022-01-01", "2022-06-30", "2022-07-29", None),
    # 11 countries + the total + content, non-content and its share, for each of two scopes; band and FAQ.
    "Amazon_Information_Request_Report.pdf": ("2022-07-01", "2022-12-31", "2023-01-31", 32),
}
IMAGE_LAYOUT = [name for name, (start, *_) in REAL_REPORTS.items() if start >= "2020-07-01"]


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def parsed(name: str, text: str | None = None) -> ParsedDocument:
    document = amazon_pdf.parse_text(fixture_text(name) if text is None else text, filename=name)
    return validate(document, filename=name)


def figures(document: ParsedDocument, scope: str) -> dict[tuple[str, str, str], object]:
    """Figures of one scope as {(jurisdiction, request type, measure): value or (min, max) or None}."""
    (period,) = [p for p in document.periods if p.scope == scope]
    return {f.key: (f.value_min, f.value_max) if f.is_band else f.value for f in period.figures}


def real_pdf(folder: Path, name: str) -> bytes:
    if not folder.is_dir():
        pytest.skip(f"../shared/data is absent: {folder} holds the real reports")
    return (folder / name).read_bytes()


def blank_pdf() -> bytes:
    buffer = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.write(buffer)
    return buffer.getvalue()


def response_figures(requests: int, full: int, partial: int, none: int) -> list[Decimal]:
    return [Decimal(requests), Decimal(full), Decimal(partial), Decimal(none)]


def row(found: dict[tuple[str, str, str], object], jurisdiction: str, request_type: str) -> list[object]:
    measures = ("requests", "full-response", "partial-response", "no-response")
    return [found[(jurisdiction, request_type, measure)] for measure in measures]


# The text layout (2015 to H2 2019)


def test_it_reads_every_h2_2019_figure_of_the_total_block() -> None:
    total = figures(parsed("h2_2019.txt"), "total")

    assert row(total, "US", "subpoena") == response_figures(1841, 609, 751, 481)
    assert row(total, "US", "search-warrant") == response_figures(440, 162, 186, 92)
    assert row(total, "US", "other-court-order") == response_figures(114, 44, 34, 36)
    assert row(total, "NON-US", "all") == response_figures(227, 5, 0, 222)
    assert total[("US", "national-security", "requests")] == (Decimal(0), Decimal(249))
    assert len(total) == 17


def test_it_reads_the_aws_block_as_its_own_scope() -> None:
    aws = figures(parsed("h2_2019.txt"), "aws")

    assert row(aws, "US", "subpoena") == response_figures(192, 56, 88, 48)
    assert row(aws, "US", "search-warrant") == response_figures(19, 13, 4, 2)
    assert row(aws, "US", "other-court-order") == response_figures(31, 14, 7, 10)
    assert row(aws, "NON-US", "all") == response_figures(18, 1, 0, 17)
    assert aws[("US", "national-security", "requests")] == (Decimal(0), Decimal(249))


def test_it_takes_the_period_and_the_published_date_from_the_text() -> None:
    document = parsed("h2_2019.txt")

    assert [(p.scope, p.start, p.end) for p in document.periods] == [
        ("total", dt.date(2019, 7, 1), dt.date(2019, 12, 31)),
        ("aws", dt.date(2019, 7, 1), dt.date(2019, 12, 31)),
    ]
    assert document.published_on == dt.date(2020, 1, 31)
    assert {p.published_on for p in document.periods} == {dt.date(2020, 1, 31)}
    assert document.title == "Amazon Information Request Report, July 1, 2019 to December 31, 2019"
    assert document.publisher == "Amazon"
    assert document.format == "amazon_pdf"


def test_it_cites_amazons_page_unless_given_another_source() -> None:
    default = amazon_pdf.parse_text(fixture_text("h2_2019.txt"))
    given = amazon_pdf.parse_text(fixture_text("h2_2019.txt"), source_url="https://example.org/archive.pdf")

    assert {p.source_url for p in default.periods} == {amazon_pdf.DEFAULT_SOURCE_URL}
    assert {p.source_url for p in given.periods} == {"https://example.org/archive.pdf"}


def test_it_records_the_page_each_figure_came_from() -> None:
    (total, aws) = parsed("h2_2019.txt").periods
    pages = {f.key: f.location for f in total.figures}

    assert pages[("US", "subpoena", "requests")] == "page 2"
    assert pages[("NON-US", "all", "no-response")] == "page 2"
    assert {f.location for f in aws.figures} == {"page 3"}


def test_it_reads_the_received_wording_and_the_seven_months_of_the_first_report() -> None:
    document = parsed("jan_may_2015.txt")
    total = figures(document, "total")

    assert [(p.start, p.end) for p in document.periods] == [(dt.date(2015, 1, 1), dt.date(2015, 5, 31))]
    assert row(total, "US", "subpoena") == response_figures(813, 542, 126, 145)
    assert row(total, "US", "search-warrant") == response_figures(25, 13, 8, 4)
    assert row(total, "US", "other-court-order") == response_figures(13, 4, 5, 4)
    assert row(total, "NON-US", "all") == response_figures(132, 108, 7, 17)
    assert document.published_on is None


def test_it_keeps_removal_requests_out_of_the_figures_but_says_so_in_the_notes() -> None:
    (period,) = parsed("jan_may_2015.txt").periods

    assert {f.request_type for f in period.figures} == {
        "subpoena",
        "search-warrant",
        "other-court-order",
        "national-security",
        "all",
    }
    assert "removal requests" in period.notes
    assert "1 received; full response 1, partial 0, none 0" in period.notes


def test_it_reads_the_2018_headers_total_requests_and_aws_requests() -> None:
    document = parsed("h1_2018.txt")

    assert [p.scope for p in document.periods] == ["total", "aws"]
    assert row(figures(document, "total"), "US", "subpoena") == response_figures(1736, 534, 749, 453)
    assert row(figures(document, "aws"), "NON-US", "all") == response_figures(45, 11, 1, 33)
    assert document.published_on == dt.date(2018, 8, 9)


def test_parts_that_do_not_add_up_give_a_warning_and_are_not_corrected() -> None:
    text = fixture_text("h2_2019.txt").replace("Full response:     609", "Full response:     610")

    document = parsed("h2_2019.txt", text)

    assert figures(document, "total")[("US", "subpoena", "requests")] == Decimal(1841)
    assert figures(document, "total")[("US", "subpoena", "full-response")] == Decimal(610)
    assert len(document.warnings) == 1
    assert "full + partial + no response = 1842, but the document gives 1841 requests" in document.warnings[0]


def test_it_warns_about_a_figure_line_it_does_not_know() -> None:
    text = fixture_text("h2_2019.txt").replace(
        "National security requests:", "Emergency requests:   12\n\nNational security requests:", 1
    )

    document = amazon_pdf.parse_text(text)

    assert document.unknown_lines() == [
        "page 2: unknown label 'Emergency requests:   12' not imported (a line of figures this importer does not know)"
    ]


# The image layout (from H2 2020)


def test_it_leaves_every_figure_drawn_as_an_image_not_reported() -> None:
    document = parsed("h2_2020.txt")
    expected = {
        ("WW", "all", "requests"),
        ("US", "all", "requests"),
        ("WW", "all", "content-disclosed"),
        ("WW", "all", "non-content-disclosed"),
        ("WW", "all", "content-disclosed-pct"),
    }

    for scope in ("excluding-aws", "aws"):
        (period,) = [p for p in document.periods if p.scope == scope]
        assert {f.key for f in period.figures} == expected
        assert not any(f.is_reported for f in period.figures)
        assert {f.note for f in period.figures} == {"Drawn as an image in the report; awaiting staff entry"}


def test_it_puts_the_band_for_amazon_including_aws_in_the_total_scope() -> None:
    total = figures(parsed("h2_2020.txt"), "total")

    assert total[("US", "national-security", "requests")] == (Decimal(0), Decimal(249))


def test_it_takes_the_faq_answer_none_as_zero_enterprise_content_disclosed_from_abroad() -> None:
    document = parsed("h2_2022.txt")
    (total,) = [p for p in document.periods if p.scope == "total"]
    (answer,) = [f for f in total.figures if f.request_type == "extraterritorial-enterprise"]

    assert (answer.jurisdiction, answer.measure, answer.value) == ("US", "content-disclosed", Decimal(0))
    assert "enterprise or government content data" in answer.note
    assert answer.location == "page 3"


def test_it_reads_the_period_of_the_image_layout_from_its_opening_sentence() -> None:
    document = parsed("h2_2022.txt")

    assert {(p.start, p.end) for p in document.periods} == {(dt.date(2022, 7, 1), dt.date(2022, 12, 31))}
    assert [p.scope for p in document.periods] == ["excluding-aws", "aws", "total"]
    assert document.published_on == dt.date(2023, 1, 31)
    assert document.figure_count == 12


# Bad input


def test_it_rejects_text_without_the_period_sentence() -> None:
    text = fixture_text("h2_2019.txt").replace("For the period", "During")

    with pytest.raises(DocumentError, match="expected the period sentence of an Amazon report"):
        amazon_pdf.parse_text(text, filename="report.pdf")


def test_it_rejects_a_count_that_does_not_parse_and_names_its_page() -> None:
    text = fixture_text("h2_2019.txt").replace("1,841", "1,8a1")

    with pytest.raises(DocumentError) as raised:
        amazon_pdf.parse_text(text, filename="report.pdf")

    assert raised.value.location == "page 2"
    assert raised.value.filename == "report.pdf"
    assert "expected a number, found '1,8a1'" in raised.value.message


def test_it_rejects_a_block_that_lacks_a_category() -> None:
    text = fixture_text("h2_2019.txt")
    start = text.index("Search warrants:      440")
    without_warrants = text[:start] + text[text.index("Other court orders:", start) :]

    with pytest.raises(DocumentError, match="expected a 'Search warrants:' line"):
        amazon_pdf.parse_text(without_warrants)


def test_it_rejects_responses_whose_category_line_is_missing() -> None:
    text = fixture_text("h2_2019.txt").replace("Search warrants:      440", "")

    with pytest.raises(DocumentError, match=r"found 'Full response:' twice or out of place \(after 'Subpoenas:'\)"):
        amazon_pdf.parse_text(text)


def test_it_rejects_a_block_header_naming_an_unknown_scope() -> None:
    text = fixture_text("h2_2019.txt").replace("(AWS only)", "(Whole Foods)")

    with pytest.raises(DocumentError, match=r"found '\(Whole Foods\)'"):
        amazon_pdf.parse_text(text)


def test_it_rejects_garbage_bytes() -> None:
    with pytest.raises(DocumentError, match="expected a PDF"):
        amazon_pdf.parse(b"\x00\x01 this is not a report", filename="junk.bin")


def test_it_rejects_an_empty_file() -> None:
    with pytest.raises(DocumentError, match="empty file"):
        amazon_pdf.parse(b"", filename="empty.pdf")


def test_it_rejects_a_pdf_without_the_period_sentence() -> None:
    with pytest.raises(DocumentError, match="expected the period sentence"):
        amazon_pdf.parse(blank_pdf(), filename="blank.pdf")


def test_it_rejects_a_real_report_cut_in_half() -> None:
    data = real_pdf(AMAZON_PDFS, "Information_Request_Report_December_2019.pdf")

    with pytest.raises(DocumentError, match="truncated"):
        amazon_pdf.parse(data[: len(data) // 2], filename="half.pdf")


def test_a_damaged_pdf_gives_a_document_error_not_a_pypdf_exception() -> None:
    data = real_pdf(AMAZON_PDFS, "Information_Request_Report_December_2019.pdf")
    damaged = data[: len(data) // 2] + data[-200:]  # keeps the end marker, loses the middle

    with pytest.raises(DocumentError, match=r"cannot be read|expected the period sentence"):
        amazon_pdf.parse(damaged, filename="damaged.pdf")


def test_sniff_says_no_to_garbage_to_an_empty_file_and_to_a_pdf_without_the_title() -> None:
    assert not amazon_pdf.sniff(b"not a pdf", "x.pdf")
    assert not amazon_pdf.sniff(b"", "x.pdf")
    assert not amazon_pdf.sniff(blank_pdf(), "x.pdf")
    assert not amazon_pdf.sniff(b"%PDF-1.7 truncated", "x.pdf")


# The real reports in ../shared/data


@pytest.mark.parametrize("name", sorted(REAL_REPORTS))
def test_every_real_amazon_report_parses_into_its_period(name: str, tesseract: str) -> None:
    start, end, published, count = REAL_REPORTS[name]

    document = validate(amazon_pdf.parse(real_pdf(AMAZON_PDFS, name), filename=name), filename=name)

    assert {(p.start.isoformat(), p.end.isoformat()) for p in document.periods} == {(start, end)}
    assert (document.published_on.isoformat() if document.published_on else None) == published
    assert count is None or document.figure_count == count
    if name in IMAGE_LAYOUT:
        assert [p.scope for p in document.periods] == ["excluding-aws", "aws", "total"]
    else:  # in every real text report the responses add up to the requests
        assert document.warnings == []


def test_known_figures_of_the_real_reports() -> None:
    def figure(name: str, scope: str, key: tuple[str, str, str]) -> object:
        return figures(amazon_pdf.parse(real_pdf(AMAZON_PDFS, name), filename=name), scope)[key]

    assert figure("Information_Request_Report_June_2016.pdf", "total", ("US", "subpoena", "requests")) == 1460
    assert figure("Information_Request_Report_December_2015.pdf", "total", ("NON-US", "all", "no-response")) == 60
    assert figure("Information_Request_Report_June_2018.pdf", "aws", ("US", "subpoena", "requests")) == 195
    assert figure("Information_Request_Report_December_2018.pdf", "total", ("US", "search-warrant", "requests")) == 326
    assert figure("Information_Request_Report_December_2019.pdf", "aws", ("US", "subpoena", "no-response")) == 48
    assert figure("Information_Request_Report_June_2021.pdf", "total", ("US", "national-security", "requests")) == (
        0,
        249,
    )


@pytest.mark.parametrize("name", sorted(REAL_REPORTS))
def test_amazon_sniffs_every_amazon_report_and_ring_none(name: str) -> None:
    data = real_pdf(AMAZON_PDFS, name)

    assert amazon_pdf.sniff(data, name)
    assert not ring_pdf.sniff(data, name)


@pytest.mark.parametrize(
    "name", ["Ring_Information_Request_Report_H2_21.pdf", "Ring_Information_Request_Report_H1_22.pdf"]
)
def test_amazon_does_not_sniff_ring_reports(name: str) -> None:
    assert not amazon_pdf.sniff(real_pdf(RING_PDFS, name), name)
