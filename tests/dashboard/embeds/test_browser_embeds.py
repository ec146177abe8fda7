"""Embeds for real, in Debian's Chromium: a page on a second origin (an advocacy site on another port)
embeds a chart with the code the chart offers; the chart draws inside the iframe, the iframe is exactly as
tall as its content at phone and desktop widths, nothing sets a cookie, and the site's other pages refuse to
be framed."""

from __future__ import annotations

import html
import os
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.dashboard.embeds.embedding import demo_chart

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
__all__ = ["demo_chart"]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

#: Ports the test machines set aside for servers a test starts.
HOST_PORTS = range(8141, 8150)
ARTICLE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Police want your data</title>
<style>body {{ font: 18px/1.6 Georgia, serif; max-width: 44rem; margin: 0 auto; padding: 1rem; }}</style>
</head><body>
<h1>Police want your data, and they get it</h1>
<p>Government demands for user data keep rising, as the companies' own reports show.</p>
{embed}
<p>The chart above updates itself when new reports are published.</p>
</body></html>"""


class AdvocacySite:
    """A tiny web server on 127.0.0.1 serving the pages an advocacy site would: {path: html}."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path, "not found").encode()
                self.send_response(200 if self.path in pages else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = self._bind(Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    @staticmethod
    def _bind(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
        for port in HOST_PORTS:
            try:
                return ThreadingHTTPServer(("127.0.0.1", port), handler)
            except OSError:
                continue
        raise RuntimeError(f"no free port in {HOST_PORTS.start}-{HOST_PORTS.stop - 1} for the advocacy site")


@pytest.fixture
def advocacy_site() -> Iterator[AdvocacySite]:
    site = AdvocacySite()
    thread = threading.Thread(target=site.server.serve_forever, daemon=True)
    thread.start()
    yield site
    site.server.shutdown()
    site.server.server_close()


@pytest.fixture
def site_url(live_server: Any, settings: Any) -> str:
    # Embed code and oEmbed name the site by SITE_URL: here, the live test server.
    settings.SITE_URL = live_server.url
    return live_server.url


def offered_embed_code(page: Any, url: str) -> str:
    """The embed code a chart page offers in its Embed tab, as a reader would copy it."""
    page.goto(url)
    return page.locator("textarea.embed-code").first.input_value()


def embed_frame(page: Any, site_url: str) -> Any:
    """The frame of the first embed on the page, once its chart is drawn."""
    iframe = page.wait_for_selector(f'iframe[src^="{site_url}/embed/"]')
    iframe.scroll_into_view_if_needed()  # charts.js draws the chart when it nears the viewport
    frame = iframe.content_frame()
    frame.wait_for_selector(".chart-plot .main-svg", state="attached")
    return frame


def fits_its_content(page: Any, frame: Any) -> None:
    """Wait until the iframe is as tall as its content: no scroll bar, and no empty band below.

    plotly.js follows a width change a moment later (its resize is debounced), hence a wait, not a look."""
    frame.wait_for_function(
        """() => {
            const root = document.documentElement;
            const content = Math.ceil(root.getBoundingClientRect().height);
            const fits = root.scrollHeight <= root.clientHeight + 1 && root.scrollWidth <= root.clientWidth + 1;
            return fits && Math.abs(root.clientHeight - content) <= 1;
        }"""
    )
    sizes = frame.evaluate(
        """() => {
            const root = document.documentElement;
            return {scrollHeight: root.scrollHeight, clientHeight: root.clientHeight,
                    scrollWidth: root.scrollWidth, clientWidth: root.clientWidth};
        }"""
    )
    assert sizes["scrollHeight"] <= sizes["clientHeight"] + 1, sizes
    assert sizes["scrollWidth"] <= sizes["clientWidth"] + 1, sizes


def test_an_advocacy_site_embeds_a_chart_that_fits_its_content_and_sets_no_cookie(
    page: Any, site_url: str, advocacy_site: AdvocacySite, bundled_data: None
) -> None:
    code = offered_embed_code(page, site_url + "/companies/amazon/")
    assert re.fullmatch(
        r'<iframe src="[^"]+"[^>]*></iframe>\s*<script src="[^"]+/embed-resize\.js" async></script>', code
    )
    advocacy_site.pages["/article"] = ARTICLE.format(embed=code)
    page.context.clear_cookies()
    for width in (375, 1200):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(advocacy_site.url + "/article")
        frame = embed_frame(page, site_url)
        fits_its_content(page, frame)
        assert frame.locator(".embed-title").inner_text().startswith("Amazon")
        assert frame.locator(".chart-plot .main-svg").first.bounding_box()["width"] > 0
        page.screenshot(path=f"/tmp/embed-{width}.png", full_page=True)
    # Resizing the host page reflows the chart; the iframe follows.
    page.set_viewport_size({"width": 375, "height": 800})
    fits_its_content(page, frame)
    assert page.context.cookies() == []


def test_the_embed_follows_the_theme_parameter(
    page: Any, site_url: str, advocacy_site: AdvocacySite, demo_chart: Any
) -> None:
    src = html.escape(f"{site_url}/embed/demo?measure=accounts&theme=dark")
    advocacy_site.pages["/dark"] = ARTICLE.format(embed=f'<iframe src="{src}" data-data-demands-embed></iframe>')
    page.goto(advocacy_site.url + "/dark")
    frame = embed_frame(page, site_url)
    background = frame.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(19, 20, 23)"


def test_an_embed_speaks_the_wordpress_oembed_height_protocol(
    page: Any, site_url: str, advocacy_site: AdvocacySite, demo_chart: Any
) -> None:
    # WordPress keeps an oEmbed iframe but drops its script; it adds #?secret= and listens itself.
    listener = (
        "<script>addEventListener('message', e => { if (e.data && e.data.message === 'height' && "
        "e.data.secret === 'Wp123') document.getElementById('wp').height = e.data.value; });</script>"
    )
    frame = f'<iframe id="wp" src="{site_url}/embed/demo#?secret=Wp123" height="100" data-secret="Wp123"></iframe>'
    advocacy_site.pages["/wordpress"] = ARTICLE.format(embed=listener + frame)
    page.goto(advocacy_site.url + "/wordpress")
    embedded = embed_frame(page, site_url)
    page.wait_for_function("document.getElementById('wp').height > 300")
    content = embedded.evaluate("Math.ceil(document.documentElement.getBoundingClientRect().height)")
    assert abs(int(page.evaluate("document.getElementById('wp').height")) - content) <= 1


def test_the_resize_script_believes_only_its_own_iframes(
    page: Any, site_url: str, advocacy_site: AdvocacySite, demo_chart: Any
) -> None:
    code = (
        f'<iframe id="ours" src="{site_url}/embed/demo" height="200" data-data-demands-embed></iframe>'
        f'<script src="{site_url}/static/js/embed-resize.js" async></script>'
        # Another origin's frame that claims to be an embed and posts a height of our exact shape.
        f'<iframe id="impostor" src="{advocacy_site.url}/impostor" height="150" data-data-demands-embed></iframe>'
    )
    advocacy_site.pages["/article"] = ARTICLE.format(embed=code)
    advocacy_site.pages["/impostor"] = (
        "<!doctype html><p>impostor</p><script>setInterval(() => parent.postMessage("
        "{type: 'data-demands:embed-height', height: 999}, '*'), 50)</script>"
    )
    page.goto(advocacy_site.url + "/article")
    fits_its_content(page, embed_frame(page, site_url))
    # The host page itself posting our format is ignored too; the real frame's next answer is believed.
    page.evaluate("window.postMessage({type: 'data-demands:embed-height', height: 5}, '*')")
    page.evaluate("window.dataDemandsEmbeds.ping()")
    fits_its_content(page, embed_frame(page, site_url))
    heights = page.evaluate("[ours.clientHeight, impostor.clientHeight]")
    assert heights[0] > 200 and heights[1] == 150


def test_the_other_pages_of_the_site_refuse_to_be_framed(page: Any, site_url: str, advocacy_site: AdvocacySite) -> None:
    refusals: list[str] = []
    page.on("console", lambda message: refusals.append(message.text) if "frame-ancestors" in message.text else None)
    advocacy_site.pages["/framing"] = ARTICLE.format(embed=f'<iframe id="home" src="{site_url}/"></iframe>')
    with page.expect_event("console", predicate=lambda message: "frame-ancestors" in message.text):
        page.goto(advocacy_site.url + "/framing")
    assert "frame-ancestors 'none'" in refusals[0]
    frame = page.frame_locator("#home")
    assert frame.locator("text=Data Demands").count() == 0
