"""The crawl a link checker makes: every internal link from the home page, two levels deep, answers GET and
HEAD with 200 on the bundled dataset of real figures. A link the site offers is a link that works."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from django.conf import settings
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.extend(value for name, value in attrs if name == "href" and value)


def internal_links(html: str) -> set[str]:
    """Paths (with their query) of the page's links to this site; fragments dropped, other sites left out."""
    parser = Links()
    parser.feed(html)
    site = urlsplit(settings.SITE_URL)
    found = set()
    for href in parser.hrefs:
        url = urldefrag(href).url
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc != site.netloc:
            continue
        if parts.scheme not in ("", "http", "https") or not parts.path.startswith("/"):
            continue  # mailto:, a fragment alone, or a relative path (the site writes none)
        found.add(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


@pytest.fixture
def quick_pictures(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Chart pictures answer without Chromium drawing each one (tests/dashboard/charts/test_images.py draws
    them for real): the crawl checks that every link answers, not kaleido's speed."""
    from dashboard.charts import previews

    def render(figure: dict[str, object], fmt: str, **size: int) -> bytes:
        return b"\x89PNG\r\n\x1a\ncrawl" if fmt == "png" else b'<svg xmlns="http://www.w3.org/2000/svg"/>'

    monkeypatch.setattr(previews, "render_figure", render)
    # Kept apart from the real pictures other tests draw for the same data generation.
    monkeypatch.setattr(previews, "image_dir", lambda generation: tmp_path / str(generation))


def test_every_internal_link_two_levels_from_the_home_page_answers_get_and_head(
    client: Client, bundled_data: None, quick_pictures: None
) -> None:
    seen: dict[str, int] = {}
    level = {"/"}
    for depth in range(3):  # the home page, the pages it links, and the pages those link
        following: set[str] = set()
        for url in sorted(level - seen.keys()):
            response = client.get(url)
            seen[url] = response.status_code
            is_html = response.get("Content-Type", "").startswith("text/html")
            if depth < 2 and response.status_code == 200 and is_html and not response.streaming:
                following |= internal_links(response.content.decode())
        level = following
    broken = {url: status for url, status in seen.items() if status != 200}
    assert not broken, broken
    assert len(seen) > 300, f"the crawl reached only {len(seen)} pages"
    heads = {url: client.head(url).status_code for url in seen}
    assert {url: status for url, status in heads.items() if status != 200} == {}
