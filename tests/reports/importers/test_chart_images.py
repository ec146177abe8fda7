"""Chart images read by OCR: the real Amazon H2 2022 donuts against figures read by hand from the images, a
donut drawn by the project itself read back exactly, and degraded images that must fail their checks."""

from __future__ import annotations

import io
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from reports.importers import amazon_charts, amazon_pdf, charts
from reports.importers.base import ParsedDocument, validate

AMAZON_PDFS = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "reports" / "amazon"
H2_2022 = "Amazon_Information_Request_Report.pdf"

#: Read by hand from the images of Amazon's H2 2022 report (page 1: the two country donuts).
EXCLUDING_AWS_BY_COUNTRY = {
    "DE": 10104, "IN": 5633, "US": 4328, "ES": 4311, "IT": 2379, "GB": 1587, "FR": 1268, "TR": 298,
    "OTHER": 66, "PL": 45, "NL": 24, "WW": 30043,
}  # fmt: skip
AWS_BY_COUNTRY = {
    "US": 478, "IN": 262, "DE": 126, "BR": 59, "FR": 46, "GB": 32, "PL": 29, "OTHER": 21, "IT": 14, "ES": 14,
    "KR": 9, "WW": 1090,
}  # fmt: skip
#: Page 2: content / non-content donuts, with the content share as printed.
CONTENT = {
    "excluding-aws": {
        "content-disclosed": 114,
        "non-content-disclosed": 29929,
        "content-disclosed-pct": Decimal("0.4"),
    },
    "aws": {"content-disclosed": 17, "non-content-disclosed": 1073, "content-disclosed-pct": Decimal("1.6")},
}


@cache
def h2_2022() -> ParsedDocument:
    if not AMAZON_PDFS.is_dir():
        pytest.skip(f"../shared/data is absent: {AMAZON_PDFS} holds the real reports")
    data = (AMAZON_PDFS / H2_2022).read_bytes()
    return validate(amazon_pdf.parse(data, filename=H2_2022), filename=H2_2022)


def scope_figures(scope: str) -> dict[tuple[str, str, str], object]:
    (period,) = [p for p in h2_2022().periods if p.scope == scope]
    return {f.key: f.value for f in period.figures}


@pytest.mark.parametrize(("scope", "expected"), [("excluding-aws", EXCLUDING_AWS_BY_COUNTRY), ("aws", AWS_BY_COUNTRY)])
def test_every_number_of_amazons_h2_2022_country_donuts_is_read(tesseract: str, scope: str, expected: dict) -> None:
    read = {key[0]: value for key, value in scope_figures(scope).items() if key[1:] == ("all", "requests")}

    assert read == expected


@pytest.mark.parametrize("scope", ["excluding-aws", "aws"])
def test_the_content_donuts_of_amazons_h2_2022_are_read(tesseract: str, scope: str) -> None:
    read = {key[2]: value for key, value in scope_figures(scope).items() if key[0] == "WW" and key[2] != "requests"}

    assert read == CONTENT[scope]


def test_each_read_figure_names_its_image_and_how_it_was_obtained(tesseract: str) -> None:
    document = h2_2022()
    images = {reading.sha256: reading for reading in document.charts}
    read = [f for p in document.periods for f in p.figures if f.chart_image]

    assert len(document.charts) == 4 and all(reading.passed for reading in document.charts)
    assert {images[f.chart_image].page for f in read} == {1, 2}
    assert all(f.note.startswith("Read by OCR from the chart image on page") for f in read)
    assert document.ocr_engine.startswith("tesseract ")
    assert not any(f.chart_image for f in scope_figures_records("total"))


def scope_figures_records(scope: str) -> list:
    return [f for p in h2_2022().periods if p.scope == scope for f in p.figures]


def test_the_same_document_gives_the_same_figures_every_time(tesseract: str) -> None:
    data = (AMAZON_PDFS / H2_2022).read_bytes()
    again = amazon_pdf.parse(data, filename=H2_2022)

    assert [p.figures for p in again.periods] == [p.figures for p in h2_2022().periods]


def test_the_checks_of_a_real_reading_say_what_was_checked(tesseract: str) -> None:
    (country, *_) = h2_2022().charts

    assert {check.name: check.detail for check in country.checks}["sum"] == (
        "the parts add up to 30,043; the total is 30,043"
    )
    assert [check.name for check in country.checks] == ["labels", "paired", "total", "sum", "shares", "same-total"]


# A donut drawn by the project itself (Plotly + kaleido), read back exactly

DRAWN = [("Germany", 5210), ("India", 2604), ("United States", 1302), ("France", 651), ("Others", 233)]


def drawn_donut(chromium_path: str) -> bytes:
    import plotly.graph_objects as go

    from dashboard.charts.previews import render_figure

    total = sum(value for _, value in DRAWN)
    text = [f"{label}<br>{value:,} ({value * 100 / total:.1f}%)" for label, value in DRAWN]
    pie = go.Pie(
        labels=[label for label, _ in DRAWN],
        values=[value for _, value in DRAWN],
        hole=0.6,
        text=text,
        textinfo="text",
        textposition="outside",
        sort=False,
        showlegend=False,
    )
    figure = go.Figure(pie)
    figure.update_layout(
        annotations=[{"text": f"{total:,}", "showarrow": False, "font": {"size": 44}}],
        paper_bgcolor="white",
        font={"size": 16, "color": "black"},
        margin={"l": 80, "r": 80, "t": 80, "b": 80},
    )
    return render_figure(figure.to_plotly_json(), "png", width=800, height=600)


def test_a_donut_drawn_with_plotly_is_read_back_exactly(tesseract: str, chromium_path: str) -> None:
    reading = charts.read_donut(1, "drawn", drawn_donut(chromium_path), known=amazon_charts.known_labels("country"))

    assert reading.passed, reading.failed_checks
    assert reading.total == 10000
    assert sorted((part.label, part.count) for part in reading.parts) == sorted(DRAWN)


# Degraded images: they must fail their checks, and nothing they say is published


def degraded(png: bytes) -> bytes:
    from PIL import Image, ImageFilter

    image = Image.open(io.BytesIO(png))
    small = image.resize((image.width // 3, image.height // 3)).filter(ImageFilter.GaussianBlur(1.2))
    buffer = io.BytesIO()
    small.save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_downscaled_blurred_donut_fails_its_checks(tesseract: str) -> None:
    (country, *_) = h2_2022().charts

    reading = charts.read_donut(1, "Im0", degraded(country.png), known=amazon_charts.known_labels("country"))

    assert not reading.passed
    assert reading.failed_checks


def test_a_failed_reading_leaves_its_figures_not_reported_and_waits_for_staff(tesseract: str) -> None:
    document = amazon_pdf.parse_text(amazon_pdf.extract_text((AMAZON_PDFS / H2_2022).read_bytes()), filename=H2_2022)
    readings = {(reading.scope, reading.kind): reading for reading in h2_2022().charts}
    country, content = readings[("excluding-aws", "country")], readings[("excluding-aws", "content")]
    blurred = charts.read_donut(1, "Im0", degraded(country.png), known=amazon_charts.known_labels("country"))
    blurred.kind, blurred.scope = "country", "excluding-aws"
    (period,) = [p for p in document.periods if p.scope == "excluding-aws"]

    amazon_charts._apply(period, [blurred, content], document)

    requests = [f for f in period.figures if f.measure == "requests"]
    assert requests and not any(f.is_reported for f in requests)
    assert {f.chart_image for f in requests} == {blurred.sha256}
    assert "awaits staff review" in requests[0].note
    assert any("failed its checks" in warning for warning in document.warnings)


def test_the_two_donuts_of_a_scope_must_agree_on_the_total() -> None:
    box = charts.Box(0, 0, 1, 1)
    first = charts.ChartReading(1, "a", b"", [charts.Part("Germany", 3, Decimal(30), box)], total=10)
    second = charts.ChartReading(2, "b", b"", [], total=11)

    check = charts.check_totals_agree(first, second)

    assert not check.passed and check.detail == "page 1, image a shows 10, page 2, image b shows 11"


def test_a_share_outside_its_printed_rounding_fails() -> None:
    box = charts.Box(0, 0, 1, 1)
    parts = [charts.Part("Germany", 60, Decimal("50.0"), box), charts.Part("India", 40, Decimal("40.0"), box)]

    checks = {check.name: check for check in charts.check_donut(parts, 100, [])}

    assert checks["sum"].passed
    assert not checks["shares"].passed and "Germany: 60 of 100 is 60.00%, printed 50.0%" in checks["shares"].detail


def test_others_is_a_remainder_not_a_country() -> None:
    assert amazon_charts.jurisdiction_of("Others") == amazon_charts.jurisdiction_of("Other") == "OTHER"
    assert amazon_charts.jurisdiction_of("Korea") == "KR"
    assert amazon_charts.jurisdiction_of("Paland") is None
