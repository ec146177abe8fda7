"""The pages with charts in Debian's Chromium, with the bundled real data: every chart is drawn, the console
stays clean, nothing is fetched from another host, axe finds no serious or critical violation at desktop and
phone widths, a filter redraws its chart and keeps its state in the address, and dark mode reaches the charts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

#: Each page and how many charts it draws from the bundled data.
PAGES = {
    "/": 1,
    "/companies/amazon/": 3,
    "/companies/google/": 4,
    "/request-types/subpoena/": 2,
    "/countries/": 1,
    "/countries/DE/": 2,
}
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


class Watch:
    """What a page did that a reader would never see: console errors, failed scripts, outside requests."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.route("**/*", self._route)

    def _route(self, route: Any) -> None:
        url = route.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()


def serious_violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def drawn(page: Any, expected: int | None = None) -> int:
    """Wait until plotly.js has drawn every chart of the page (its SVG root has class main-svg).

    charts.js draws a chart only when it nears the viewport: scroll to each one, as a reader does."""
    for plot in page.locator(".chart-plot").all():
        if plot.is_visible():
            plot.scroll_into_view_if_needed()
            plot.locator(".main-svg").first.wait_for(state="attached")
    page.wait_for_function(
        "[...document.querySelectorAll('.chart-plot')].every(plot => plot.querySelector('.main-svg'))"
        " && document.querySelectorAll('.chart-plot').length > 0"
    )
    count = page.locator(".chart-plot").count()
    if expected is not None:
        assert count == expected
    return count


def screenshots_dir(tmp_path: Path) -> Path:
    """Where the screenshots go: SCREENSHOT_DIR when set (to look at them), else the test's own folder."""
    folder = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("width", [1280, 375])
def test_every_page_draws_its_charts_cleanly_and_passes_axe(
    live_server: Any, page: Any, bundled_data: None, width: int, tmp_path: Path
) -> None:
    page.set_viewport_size({"width": width, "height": 667 if width < 400 else 900})
    watch = Watch(page)
    folder = screenshots_dir(tmp_path)
    for path, charts in PAGES.items():
        page.goto(live_server.url + path)
        drawn(page, charts)
        name = path.strip("/").replace("/", "-") or "home"
        page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{path} scrolls sideways"
        assert serious_violations(page) == [], path
    assert watch.errors == []
    assert watch.outside == []


def test_the_number_a_visitor_came_for_is_above_the_fold_on_a_phone(
    live_server: Any, page: Any, bundled_data: None
) -> None:
    page.set_viewport_size({"width": 375, "height": 667})
    page.goto(live_server.url + "/")
    first = page.locator(".stat-card .stat-value").first.bounding_box()
    assert first["y"] + first["height"] <= 667


def test_changing_a_filter_redraws_the_chart_and_puts_its_state_in_the_address(
    live_server: Any, page: Any, bundled_data: None
) -> None:
    watch = Watch(page)
    page.goto(live_server.url + "/companies/google/")
    drawn(page, 4)
    title = page.locator("#chart-company-requests-title")
    assert "from" not in title.inner_text()  # U.S. figures: the title names no government
    with page.expect_navigation():
        page.select_option("#filter-jurisdiction", "DE")
    assert "jurisdiction=DE" in page.url
    drawn(page)
    assert "from Germany" in title.inner_text()
    assert page.locator("#filter-jurisdiction").input_value() == "DE"
    legend = page.locator("#chart-company-requests .legendtext").all_inner_texts()
    assert legend and all(text != "Subpoenas" for text in legend), "Germany's figures are not U.S. subpoenas"
    csv = page.locator("#chart-company-requests a[href^='/charts/company-requests.csv']").get_attribute("href")
    assert "jurisdiction=DE" in csv
    assert watch.errors == [] and watch.outside == []


def test_the_table_tab_shows_the_rows_behind_the_chart(live_server: Any, page: Any, bundled_data: None) -> None:
    page.goto(live_server.url + "/")
    drawn(page, 1)
    page.get_by_role("tab", name="Table").click()
    assert page.locator("#chart-requests-over-time-view-table").is_visible()
    assert page.locator("#chart-requests-over-time-view-chart").is_hidden()
    assert page.locator("#chart-requests-over-time-view-table tbody tr").count() > 50
    page.keyboard.press("ArrowRight")
    assert page.get_by_role("tab", name="Sources").get_attribute("aria-selected") == "true"


def test_the_charts_follow_the_reader_dark_setting(live_server: Any, page: Any, bundled_data: None) -> None:
    page.emulate_media(color_scheme="dark")
    page.goto(live_server.url + "/")
    drawn(page, 1)
    tick = page.locator(".chart-plot .ytick text").first
    expect(tick).to_have_css("fill", "rgb(236, 236, 241)")
    page.emulate_media(color_scheme="light")  # charts.js redraws when the setting changes
    expect(tick).to_have_css("fill", "rgb(29, 29, 31)")


def test_a_chart_is_a_picture_until_the_reader_reaches_for_it_and_plotly_then_draws_every_chart(
    live_server: Any, page: Any, bundled_data: None, settings: Any, chromium_path: str, tmp_path: Path
) -> None:
    settings.CHART_PREVIEWS, settings.CHROMIUM_PATH, settings.MEDIA_ROOT = True, chromium_path, tmp_path
    page.set_viewport_size({"width": 375, "height": 667})
    watch = Watch(page)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(live_server.url + "/companies/amazon/")
    first = page.locator(".chart-plot").first
    first.scroll_into_view_if_needed()
    shown = "img => img.complete && img.naturalWidth > 0"
    first.locator(".chart-preview img").wait_for(state="visible")
    page.wait_for_function(f"({shown})(document.querySelector('.chart-preview img'))", timeout=30_000)
    current = first.locator(".chart-preview img").evaluate("img => img.currentSrc")
    assert "width=360&theme=light" in current  # a phone's picture, in the light theme
    assert not [url for url in asked if "plotly" in url], "plotly.js loaded before the reader reached for a chart"
    assert page.locator(".main-svg").count() == 0

    first.hover()
    first.locator(".main-svg").first.wait_for(state="attached")
    assert first.locator(".chart-preview").count() == 0  # the drawn chart replaces the picture
    assert drawn(page, 3) == 3  # the others are drawn as they come near, without another reach
    assert watch.errors == [] and watch.outside == []


def test_a_preview_that_cannot_be_drawn_gives_way_to_the_chart_at_once(
    live_server: Any, page: Any, bundled_data: None, settings: Any
) -> None:
    settings.CHART_PREVIEWS, settings.CHROMIUM_PATH = True, "/nonexistent/chromium"  # every picture is a 503
    page.goto(live_server.url + "/embed/company-requests?company=amazon")
    page.locator(".chart-plot .main-svg").first.wait_for(state="attached")  # no reach needed
    assert page.locator(".chart-preview").count() == 0


#: Pages without charts, each with tables or code that may scroll sideways on a phone.
TEXT_PAGES = ("/data/", "/methodology/", "/sources/", "/corrections/", "/emergency-disclosures/")


@pytest.mark.parametrize("width", [1280, 375])
def test_pages_without_charts_pass_axe_and_their_scrolling_parts_are_reachable_by_keyboard(
    live_server: Any, page: Any, bundled_data: None, width: int, tmp_path: Path
) -> None:
    page.set_viewport_size({"width": width, "height": 667 if width < 400 else 900})
    watch = Watch(page)
    folder = screenshots_dir(tmp_path)
    for path in TEXT_PAGES:
        page.goto(live_server.url + path)
        page.screenshot(path=str(folder / f"{path.strip('/')}-{width}.png"), full_page=True)
        assert serious_violations(page) == [], path
        # Every region that scrolls sideways can take the keyboard's focus (axe: scrollable-region-focusable).
        unreachable = page.evaluate(
            "[...document.querySelectorAll('main *')].filter(e => e.scrollWidth > e.clientWidth + 1"
            " && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX) && e.tabIndex < 0"
            " && !e.querySelector('a, button, input, select, textarea, [tabindex]')).map(e => e.outerHTML.slice(0, 80))"
        )
        assert unreachable == [], path
    assert watch.errors == []
