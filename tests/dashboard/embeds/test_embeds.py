"""/embed/<slug>: the chart alone for other sites' iframes, framed by anyone, cookie-free, cacheable."""

from __future__ import annotations

import json
import re
from html import escape, unescape
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

from dashboard.charts.registry import CHARTS, ChartSpec, build_chart
from dashboard.charts.themes import CHART_THEMES, NARROW_WIDTH
from dashboard.embeds.views import chart_for_url, embed_code
from reports.services import bump_generation
from tests.dashboard.embeds.embedding import demo_chart

pytestmark = pytest.mark.django_db
__all__ = ["demo_chart"]

EMBED = "/embed/demo?company=amazon&measure=accounts"


def csp_directive(response: object, name: str) -> str:
    policy = response["Content-Security-Policy"]  # type: ignore[index]
    return next(part.strip() for part in policy.split(";") if part.strip().startswith(name + " "))


def test_an_embed_shows_the_title_the_plot_the_summary_the_source_and_a_link_back(
    client: Client, demo_chart: ChartSpec
) -> None:
    response = client.get(EMBED)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Examplecorp received 23% more accounts in H1 2020" in page
    assert "Examplecorp received 3,000 requests in H1 2020, up from 2,416 in H2 2019." in page
    assert 'id="chart-demo-figure" type="application/json"' in page
    assert re.search(rf'Source:\s+<a href="{settings.SITE_URL}/sources/7/"[^>]*>Examplecorp</a> ·', page)
    assert 'datetime="2025-03-03' in page
    assert f'href="{settings.SITE_URL}/companies/amazon/?measure=accounts#chart-demo"' in page


def test_an_embed_has_no_site_chrome_and_no_inline_script(client: Client, demo_chart: ChartSpec) -> None:
    page = client.get(EMBED).content.decode()
    assert "site-header" not in page and "site-footer" not in page
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts
    for attributes, body in scripts:
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes
        assert "src=" in attributes or body.lstrip().startswith("{")


def test_an_embed_loads_nothing_from_another_host(client: Client, demo_chart: ChartSpec) -> None:
    response = client.get(EMBED)
    page = response.content.decode()
    loaded = re.findall(r"<(?:script|img|link|iframe)\b[^>]*\b(?:src|href)=\"([^\"]+)\"", page)
    assert loaded
    assert all(
        (url.startswith("/") and not url.startswith("//")) or url.startswith(settings.SITE_URL) for url in loaded
    )
    assert csp_directive(response, "default-src") == "default-src 'none'"
    assert csp_directive(response, "script-src") == "script-src 'self'"


def test_any_site_may_frame_an_embed(client: Client, demo_chart: ChartSpec) -> None:
    response = client.get(EMBED)
    assert csp_directive(response, "frame-ancestors") == "frame-ancestors *"
    assert "X-Frame-Options" not in response


def test_no_site_may_frame_the_other_pages(client: Client) -> None:
    response = client.get("/")
    assert csp_directive(response, "frame-ancestors") == "frame-ancestors 'none'"
    assert response["X-Frame-Options"] == "DENY"


def test_an_embed_answered_from_the_cache_or_with_304_may_still_be_framed(
    client: Client, demo_chart: ChartSpec
) -> None:
    first = client.get(EMBED)
    again = client.get(EMBED)
    not_modified = client.get(EMBED, HTTP_IF_NONE_MATCH=first["ETag"])
    assert not_modified.status_code == 304
    for response in (again, not_modified):
        assert csp_directive(response, "frame-ancestors") == "frame-ancestors *"
        assert "X-Frame-Options" not in response


def test_an_embed_sets_no_cookie(client: Client, demo_chart: ChartSpec) -> None:
    response = client.get(EMBED)
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")


def test_an_embed_carries_cache_headers_a_cdn_can_use(client: Client, demo_chart: ChartSpec) -> None:
    response = client.get(EMBED)
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"public", "max-age=300", "s-maxage=3600"} <= cache_control
    assert re.fullmatch(r'"[0-9a-f]{32}"', response["ETag"])
    assert client.get(EMBED, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_an_embed_changes_its_etag_when_the_data_changes(client: Client, demo_chart: ChartSpec) -> None:
    before = client.get(EMBED)["ETag"]
    bump_generation()
    after = client.get(EMBED, HTTP_IF_NONE_MATCH=before)
    assert after.status_code == 200
    assert after["ETag"] != before


@pytest.mark.parametrize(("theme", "color_scheme"), [("light", "light"), ("dark", "dark"), ("auto", "light dark")])
def test_the_theme_parameter_sets_light_dark_or_the_readers_own(
    client: Client, demo_chart: ChartSpec, theme: str, color_scheme: str
) -> None:
    page = client.get(f"{EMBED}&theme={theme}").content.decode()
    assert f'data-theme="{theme}"' in page
    assert f'<meta name="color-scheme" content="{color_scheme}">' in page


def test_the_theme_is_automatic_when_not_given(client: Client, demo_chart: ChartSpec) -> None:
    assert 'data-theme="auto"' in client.get(EMBED).content.decode()


def preview_picture(page: str) -> list[tuple[str, str]]:
    """(media, picture URL) of each <source> of the chart's preview, then ("", URL) of its <img>."""
    picture = re.search(r'<picture class="chart-preview">(.*?)</picture>', page, re.S)
    assert picture, "the plot has no preview picture"
    sources = re.findall(r'<source media="([^"]+)" srcset="([^"]+)"', picture.group(1))
    (image,) = re.findall(r'<img src="([^"]+)" width="1100" height="300" alt=""', picture.group(1))
    return [(media, unescape(url)) for media, url in sources] + [("", unescape(image))]


def test_with_previews_the_plot_is_first_a_picture_for_the_readers_screen_and_theme(
    client: Client, demo_chart: ChartSpec, settings: object
) -> None:
    settings.CHART_PREVIEWS = True  # type: ignore[attr-defined]
    base = "/charts/demo/preview.svg?company=amazon&measure=accounts"
    assert preview_picture(client.get(EMBED).content.decode()) == [
        ("(prefers-color-scheme: dark) and (max-width: 559px)", f"{base}&width=360&theme=dark"),
        ("(max-width: 559px)", f"{base}&width=360&theme=light"),
        ("(prefers-color-scheme: dark) and (max-width: 899px)", f"{base}&width=760&theme=dark"),
        ("(max-width: 899px)", f"{base}&width=760&theme=light"),
        ("(prefers-color-scheme: dark)", f"{base}&width=1100&theme=dark"),
        ("", f"{base}&width=1100&theme=light"),
    ]
    dark = preview_picture(client.get(f"{EMBED}&theme=dark").content.decode())
    assert [media for media, _ in dark] == ["(max-width: 559px)", "(max-width: 899px)", ""]
    assert all(url.endswith("&theme=dark") for _, url in dark)
    light = preview_picture(client.get(f"{EMBED}&theme=light").content.decode())
    assert all(url.endswith("&theme=light") for _, url in light)
    for _, url in light:
        assert client.get(url.replace("preview.svg", "nothing.svg")).status_code == 404  # a real route, not a file


def test_without_previews_the_plot_waits_for_plotly_with_a_png_for_readers_without_javascript(
    client: Client, demo_chart: ChartSpec, settings: object
) -> None:
    settings.CHART_PREVIEWS = False  # type: ignore[attr-defined]
    page = client.get(EMBED).content.decode()
    assert "chart-preview" not in page and "preview.svg" not in page
    assert '<noscript><img src="/charts/demo.png?company=amazon&amp;measure=accounts"' in page
    assert 'style="min-height: 300px"' in page


def test_the_pages_give_charts_js_the_colours_of_each_theme(client: Client, demo_chart: ChartSpec) -> None:
    page = client.get(EMBED).content.decode()
    themes = re.search(r'<script id="chart-themes" type="application/json">(.*?)</script>', page)
    assert themes and json.loads(themes.group(1)) == {**CHART_THEMES, "narrow_width": NARROW_WIDTH}


def test_an_unknown_theme_is_a_400_that_says_which_themes_exist(client: Client, demo_chart: ChartSpec) -> None:
    response = client.get(f"{EMBED}&theme=pink")
    assert response.status_code == 400
    assert response.content.decode() == "theme must be one of auto, light, dark; “pink” is not."


def test_a_chart_state_that_cannot_be_drawn_is_a_400_with_the_reason(client: Client, demo_chart: ChartSpec) -> None:
    response = client.get("/embed/demo?measure=bananas")
    assert response.status_code == 400
    assert "Measure must be one of requests, accounts" in response.content.decode()
    assert csp_directive(response, "frame-ancestors") == "frame-ancestors *"


def test_an_unknown_chart_is_a_404_the_host_page_may_show(client: Client) -> None:
    response = client.get("/embed/no-such-chart")
    assert response.status_code == 404
    assert response.content.decode() == "There is no chart called “no-such-chart”."
    assert csp_directive(response, "frame-ancestors") == "frame-ancestors *"


def test_the_embed_code_is_an_iframe_and_the_self_hosted_resize_script(demo_chart: ChartSpec) -> None:
    chart = build_chart("demo", {"measure": "accounts"})
    code = embed_code(chart)
    src = f"{settings.SITE_URL}/embed/demo?company=amazon&amp;measure=accounts"
    assert code.startswith(f'<iframe src="{src}" title="Examplecorp received 23% more accounts in H1 2020"')
    assert 'width="100%"' in code and "data-data-demands-embed" in code and 'referrerpolicy="no-referrer"' in code
    assert code.endswith(f'<script src="{settings.SITE_URL}/static/js/embed-resize.js" async></script>')


def offered_embed_codes(client: Client, limit: int = 60) -> dict[str, str]:
    """Crawl the chart pages from the home page: {embed src: page} for every embed code offered."""
    queue, seen, found = ["/"], set(), {}
    while queue and len(seen) < limit:
        page = queue.pop(0)
        seen.add(page)
        html = client.get(page).content.decode()
        for code in re.findall(r'<textarea class="embed-code"[^>]*>(.*?)</textarea>', html, re.S):
            src = unescape(re.search(r'<iframe src="([^"]+)"', unescape(code)).group(1))
            found.setdefault(src, page)
        for link in re.findall(r'href="(/(?:companies|request-types|countries|emergency-disclosures)/[^"?#]*)"', html):
            if link not in seen and link not in queue:
                queue.append(link)
    return found


def test_every_chart_the_pages_show_can_be_embedded_in_that_state_and_found_by_oembed(
    client: Client, bundled_data: None
) -> None:
    offered = offered_embed_codes(client)
    slugs = {urlsplit(src).path.removeprefix("/embed/") for src in offered}
    assert slugs == set(CHARTS), f"never offered: {set(CHARTS) - slugs}"
    for src, page in offered.items():
        assert src.startswith(settings.SITE_URL + "/embed/")
        response = client.get(src.removeprefix(settings.SITE_URL))
        assert response.status_code == 200, (page, src, response.content[:200])
        slug, state = chart_for_url(src)
        chart = build_chart(slug, state)
        assert escape(chart.title) in response.content.decode(), src
        oembed = client.get("/oembed", {"url": chart.absolute_permalink()})
        assert oembed.status_code == 200, (chart.absolute_permalink(), oembed.content[:200])
        assert oembed.json()["title"] == chart.title
