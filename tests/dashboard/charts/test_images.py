"""/charts/<slug>.png|.svg: chart pictures drawn by kaleido with Debian's Chromium, kept per data generation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from dashboard.charts import previews as images
from dashboard.charts.registry import ChartSpec, build_chart
from dashboard.charts.themes import CHART_THEMES, themed_figure
from reports.services import bump_generation
from tests.dashboard.embeds.embedding import demo_chart

pytestmark = pytest.mark.django_db
__all__ = ["demo_chart"]


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def fake_renderer(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Stand in for Chromium: records each figure drawn and returns a tiny PNG/SVG."""
    calls: list[tuple[str, dict[str, Any]]] = []

    def render(figure: dict[str, Any], fmt: str, **size: int) -> bytes:
        calls.append((fmt, figure))
        return b"\x89PNG\r\n\x1a\nfake" if fmt == "png" else b'<svg xmlns="http://www.w3.org/2000/svg"/>'

    monkeypatch.setattr(images, "render_figure", render)
    return calls


@pytest.mark.slow
@pytest.mark.browser
def test_a_chart_is_drawn_as_png_and_svg_by_chromium(
    client: Client, demo_chart: ChartSpec, chromium_path: str, settings: Any
) -> None:
    settings.CHROMIUM_PATH = chromium_path
    png = client.get("/charts/demo.png?measure=accounts")
    svg = client.get("/charts/demo.svg?measure=accounts")
    assert png.status_code == 200, png.content[:300]
    assert png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert int.from_bytes(png.content[16:20], "big") == images.PNG_WIDTH  # the IHDR width
    assert svg.status_code == 200, svg.content[:300]
    assert svg["Content-Type"] == "image/svg+xml"
    assert svg.content.startswith(b"<svg") and b"Examplecorp received 23% more accounts" in svg.content


def test_a_picture_is_drawn_once_per_data_generation(
    client: Client, demo_chart: ChartSpec, fake_renderer: list[Any], settings: Any
) -> None:
    settings.PAGE_CACHE_SECONDS = 0  # only the files on disk may spare a render
    for _ in range(3):
        assert client.get("/charts/demo.png?measure=accounts").status_code == 200
    assert len(fake_renderer) == 1
    bump_generation()
    response = client.get("/charts/demo.png?measure=accounts")
    assert response.content.startswith(b"\x89PNG")
    assert len(fake_renderer) == 2


def test_the_picture_carries_its_title_subtitle_and_source_with_the_legend_on_top(
    client: Client, demo_chart: ChartSpec, fake_renderer: list[Any]
) -> None:
    client.get("/charts/demo.svg?measure=accounts")
    ((fmt, figure),) = fake_renderer
    layout = figure["layout"]
    assert fmt == "svg"
    assert "Examplecorp received 23% more accounts in H1 2020" in layout["title"]["text"]
    assert "United States, per half-year" in layout["title"]["text"]
    assert (layout["width"], layout["height"]) == (images.IMAGE_WIDTH, images.IMAGE_HEIGHT)
    assert layout["legend"]["y"] > 1
    first, second = layout["annotations"][-1]["text"].split("<br>")
    assert first == "Source: Examplecorp · Data as of 3 Mar 2025"
    assert second == f"Data Demands · {settings.SITE_URL}/companies/amazon/?measure=accounts#chart-demo"


def test_pictures_carry_cache_headers_and_answer_304(
    client: Client, demo_chart: ChartSpec, fake_renderer: list[Any]
) -> None:
    response = client.get("/charts/demo.png")
    assert "public" in response["Cache-Control"] and "s-maxage=86400" in response["Cache-Control"]
    assert client.get("/charts/demo.png", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert not response.cookies


def test_a_missing_chromium_is_a_503_that_says_so(client: Client, demo_chart: ChartSpec, settings: Any) -> None:
    settings.CHROMIUM_PATH = "/nonexistent/chromium"
    response = client.get("/charts/demo.png")
    assert response.status_code == 503
    assert response.content.decode() == (
        "Chart images need Chromium at /nonexistent/chromium, which is not installed on this server."
    )
    assert response["Retry-After"] == "60" and response["Cache-Control"] == "no-store"


def test_a_bad_state_is_a_400_and_an_unknown_chart_a_404(
    client: Client, demo_chart: ChartSpec, fake_renderer: list[Any]
) -> None:
    assert client.get("/charts/demo.svg?measure=bananas").status_code == 400
    assert client.get("/charts/no-such-chart.png").status_code == 404
    assert not fake_renderer


def test_old_generations_are_removed_from_disk_but_the_previous_one_stays(tmp_path: Path) -> None:
    for generation in (1, 2, 3):
        images.image_dir(generation).mkdir(parents=True)
    images._forget_old_generations(4)
    assert sorted(p.name for p in (tmp_path / "charts").iterdir()) == ["3"]


def test_a_long_title_is_wrapped_because_plotly_does_not_wrap() -> None:
    title = "United States made the most requests in H2 2021: 59,996 to Meta, 46,828 to Google, 12,730 to Apple"
    figure = images.image_figure({"data": [], "layout": {}}, title=title, subtitle="Top 15 <governments>")
    text = figure["layout"]["title"]["text"]
    assert text.count("<br>") == 2
    assert "&lt;governments&gt;" in text


# --- Preview pictures: the plot alone, as a page draws it, until plotly.js takes over --------------


@pytest.mark.slow
@pytest.mark.browser
def test_a_preview_is_the_plot_alone_drawn_by_chromium_at_the_width_and_theme_asked(
    client: Client, demo_chart: ChartSpec, chromium_path: str, settings: Any
) -> None:
    settings.CHROMIUM_PATH = chromium_path
    response = client.get("/charts/demo/preview.svg?measure=accounts&width=360&theme=dark")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert svg.startswith("<svg") and 'width="360"' in svg and 'height="300"' in svg
    assert CHART_THEMES["dark"]["text"] in svg.lower() or "rgb(236, 236, 241)" in svg
    assert "Examplecorp received" not in svg  # the page shows the title; the picture is the plot alone
    assert "Content-Disposition" not in response


def test_a_preview_is_drawn_once_per_generation_width_and_theme(
    client: Client, demo_chart: ChartSpec, fake_renderer: list[Any], settings: Any
) -> None:
    settings.PAGE_CACHE_SECONDS = 0
    for _ in range(2):
        for width, theme in ((360, "light"), (360, "dark"), (1100, "light")):
            assert client.get(f"/charts/demo/preview.svg?width={width}&theme={theme}").status_code == 200
    assert [(fmt, figure["layout"]["width"]) for fmt, figure in fake_renderer] == [
        ("svg", 360),
        ("svg", 360),
        ("svg", 1100),
    ]
    light, dark = (figure["layout"] for _, figure in fake_renderer[:2])
    assert light["font"]["color"] == CHART_THEMES["light"]["text"]
    assert dark["font"]["color"] == CHART_THEMES["dark"]["text"]
    assert "title" not in light


def test_a_preview_refuses_a_width_or_theme_it_does_not_draw(
    client: Client, demo_chart: ChartSpec, fake_renderer: list[Any]
) -> None:
    too_wide = client.get("/charts/demo/preview.svg?width=5000&theme=light")
    assert too_wide.status_code == 400
    assert too_wide.content.decode() == "width must be one of 360, 760, 1100; “5000” is not."
    no_theme = client.get("/charts/demo/preview.svg?width=360")
    assert no_theme.content.decode() == "theme must be one of light, dark; “” is not."
    assert client.get("/charts/demo/preview.svg?width=360&theme=light&measure=bananas").status_code == 400
    assert client.get("/charts/nothing/preview.svg?width=360&theme=light").status_code == 404
    assert not fake_renderer


def test_a_preview_without_chromium_is_a_503_no_cache_keeps(
    client: Client, demo_chart: ChartSpec, settings: Any
) -> None:
    settings.CHROMIUM_PATH = "/nonexistent/chromium"
    response = client.get("/charts/demo/preview.svg?width=760&theme=light")
    assert response.status_code == 503 and response["Cache-Control"] == "no-store"


def test_a_phone_preview_has_the_phone_layout_and_room_for_its_legend() -> None:
    figure = {
        "data": [{"name": f"series {n}"} for n in range(5)] + [{"name": "band", "showlegend": False}],
        "layout": {"height": 420, "margin": {"l": 60, "r": 20}, "yaxis": {"title": {"text": "Requests"}}},
    }
    phone = themed_figure(figure, width=360, theme="light")["layout"]
    assert (phone["width"], phone["height"], phone["autosize"]) == (360, 420 + 2 * 18, False)
    assert phone["margin"] == {"l": 44, "r": 8} and phone["font"]["size"] == 12
    assert phone["yaxis"]["title"]["text"] == ""
    desk = themed_figure(figure, width=1100, theme="dark")["layout"]
    assert (desk["width"], desk["height"]) == (1100, 420)
    assert desk["yaxis"]["title"]["text"] == "Requests" and desk["yaxis"]["gridcolor"] == CHART_THEMES["dark"]["grid"]
    assert figure["layout"]["margin"] == {"l": 60, "r": 20}  # the page's own figure is left as it was


def test_warming_draws_each_preview_width_once_and_keeps_what_is_on_disk(
    demo_chart: ChartSpec, fake_renderer: list[Any]
) -> None:
    charts = [build_chart("demo", {"measure": "accounts"}), build_chart("demo", {"measure": "requests"})]
    assert images.warm_previews(charts) == {"drawn": 6, "kept": 0, "failed": 0}
    assert sorted({figure["layout"]["width"] for _, figure in fake_renderer}) == [360, 760, 1100]
    assert images.warm_previews(charts, themes=("light", "dark")) == {"drawn": 6, "kept": 6, "failed": 0}
    bump_generation()
    assert images.warm_previews(charts[:1])["drawn"] == 3  # new data, new pictures


def test_warming_counts_a_preview_chromium_could_not_draw_and_goes_on(demo_chart: ChartSpec, settings: Any) -> None:
    settings.CHROMIUM_PATH = "/nonexistent/chromium"
    assert images.warm_previews([build_chart("demo", {})]) == {"drawn": 0, "kept": 0, "failed": 3}


@pytest.mark.django_db
def test_the_picture_explains_its_numbered_break_markers(client: Client, fake_renderer: list[Any]) -> None:
    """A chart's markers 1, 2 … travel with their notes: a picture pasted elsewhere still says what changed."""
    import datetime as dt

    from tests.factories import CompanyFactory, FigureFactory, ReportingPeriodFactory

    amazon = CompanyFactory(slug="amazon", name="Amazon")
    for start, end in ((dt.date(2015, 1, 1), dt.date(2015, 5, 31)), (dt.date(2015, 6, 1), dt.date(2015, 12, 31))):
        period = ReportingPeriodFactory(company=amazon, start=start, end=end)
        FigureFactory(period=period, request_type="national-security", value=None, value_min=0, value_max=249)
    chart = build_chart("company-national-security", {"company": "amazon"})
    marker_notes = [note for note in chart.notes if note.startswith("1. ")]
    assert marker_notes, chart.notes
    assert client.get("/charts/company-national-security.png?company=amazon").status_code == 200
    ((_, figure),) = fake_renderer
    footer = figure["layout"]["annotations"][-1]["text"].split("<br>")
    assert footer[0] == marker_notes[0] and footer[-1].startswith("Data Demands · ")
    assert figure["layout"]["margin"]["b"] >= 84 + 17 * len(footer)
