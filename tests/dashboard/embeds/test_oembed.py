"""/oembed answers for chart pages of this site only, within the consumer's size limits."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import Client

from dashboard.charts.registry import CHARTS, ChartSpec
from tests.dashboard.embeds.embedding import demo_chart, only_demo_chart

pytestmark = pytest.mark.django_db
__all__ = ["demo_chart", "only_demo_chart"]

PERMALINK = f"{settings.SITE_URL}/companies/amazon/?measure=accounts#chart-demo"


def oembed(client: Client, url: str, **params: str) -> object:
    query = "&".join([f"url={quote(url, safe='')}", *(f"{k}={v}" for k, v in params.items())])
    return client.get(f"/oembed?{query}")


def test_a_chart_permalink_gets_a_rich_oembed_whose_html_is_the_embed_code(
    client: Client, demo_chart: ChartSpec
) -> None:
    response = oembed(client, PERMALINK, format="json")
    data = response.json()
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert data["version"] == "1.0" and data["type"] == "rich"
    assert data["title"] == "Examplecorp received 23% more accounts in H1 2020"
    assert data["provider_name"] == "Data Demands" and data["provider_url"] == settings.SITE_URL + "/"
    assert data["html"].startswith(f'<iframe src="{settings.SITE_URL}/embed/demo?company=amazon&amp;measure=accounts"')
    assert f'width="{data["width"]}" height="{data["height"]}"' in data["html"]
    assert isinstance(data["width"], int) and isinstance(data["height"], int)
    assert data["thumbnail_url"] == f"{settings.SITE_URL}/charts/demo.png?company=amazon&measure=accounts"


def test_the_answer_fits_within_maxwidth_and_maxheight(client: Client, demo_chart: ChartSpec) -> None:
    data = oembed(client, PERMALINK, maxwidth="400", maxheight="300").json()
    assert data["width"] <= 400 and data["height"] <= 300
    assert f'width="{data["width"]}" height="{data["height"]}"' in data["html"]
    assert "thumbnail_url" not in data  # 1200 x 630 would not fit


def test_a_wide_maxwidth_keeps_the_article_column_width(client: Client, demo_chart: ChartSpec) -> None:
    data = oembed(client, PERMALINK, maxwidth="2000").json()
    assert data["width"] == 680


def test_the_embed_and_image_addresses_and_a_page_with_one_chart_are_understood(
    client: Client, only_demo_chart: ChartSpec
) -> None:
    for url in (
        f"{settings.SITE_URL}/embed/demo?measure=accounts",
        f"{settings.SITE_URL}/charts/demo.png?measure=accounts",
        f"{settings.SITE_URL}/companies/amazon/?measure=accounts",
    ):
        data = oembed(client, url).json()
        assert data["title"] == "Examplecorp received 23% more accounts in H1 2020", url


def test_a_page_with_several_charts_needs_the_anchor_of_one(client: Client, demo_chart: ChartSpec) -> None:
    assert len([spec for spec in CHARTS.values() if spec.page({"company": "amazon"}) == "/companies/amazon/"]) > 1
    response = oembed(client, f"{settings.SITE_URL}/companies/amazon/")
    assert response.status_code == 404
    assert "several charts" in response.json()["error"]


def test_a_url_on_another_host_is_a_404_that_says_so(client: Client, demo_chart: ChartSpec) -> None:
    response = oembed(client, "https://evil.example/companies/amazon/#chart-demo")
    assert response.status_code == 404
    assert response.json()["error"] == f"Data Demands only embeds charts from {settings.SITE_URL}, not this address."
    assert response["Access-Control-Allow-Origin"] == "*"


def test_an_unknown_chart_or_page_is_a_404(client: Client, demo_chart: ChartSpec) -> None:
    assert oembed(client, f"{settings.SITE_URL}/companies/amazon/#chart-nope").status_code == 404
    assert oembed(client, f"{settings.SITE_URL}/embed/nope").status_code == 404
    response = oembed(client, f"{settings.SITE_URL}/no/such/page/")
    assert response.status_code == 404
    assert "There is no page at /no/such/page/" in response.json()["error"]


def test_xml_is_not_implemented(client: Client, demo_chart: ChartSpec) -> None:
    response = oembed(client, PERMALINK, format="xml")
    assert response.status_code == 501
    assert response.json()["error"] == "Only format=json is served, not “xml”."


def test_a_missing_url_is_a_400(client: Client) -> None:
    response = client.get("/oembed?format=json")
    assert response.status_code == 400
    assert "url parameter is required" in response.json()["error"]


def test_a_maxwidth_that_is_not_a_number_is_a_400(client: Client, demo_chart: ChartSpec) -> None:
    response = oembed(client, PERMALINK, maxwidth="wide")
    assert response.status_code == 400
    assert response.json()["error"] == "maxwidth must be a whole number of pixels from 1 to 10000, not “wide”."


def test_a_page_that_shows_a_chart_advertises_its_oembed_and_preview_image(client: Client, bundled_data: None) -> None:
    page = client.get("/companies/amazon/").content.decode()
    link = re.search(r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)"', page)
    assert link, "no oEmbed discovery link"
    href = unescape(link.group(1))
    assert href.startswith(f"{settings.SITE_URL}/oembed?url=") and href.endswith("&format=json")
    answer = client.get(href.removeprefix(settings.SITE_URL))
    assert answer.status_code == 200
    assert answer.json()["title"] == unescape(re.search(r'<meta property="og:title" content="([^"]+)"', page).group(1))
    image = unescape(re.search(r'<meta property="og:image" content="([^"]+)"', page).group(1))
    assert image.startswith(f"{settings.SITE_URL}/charts/company-requests.png?company=amazon&")


def test_a_page_without_a_chart_advertises_no_oembed(client: Client) -> None:
    assert "json+oembed" not in client.get("/methodology/").content.decode()


@pytest.mark.parametrize("path", ["/emergency-disclosures/", "/request-types/"])
def test_a_page_address_without_a_chart_anchor_is_found_or_refused_never_an_error(client, path: str) -> None:
    from django.conf import settings

    response = client.get("/oembed", {"url": settings.SITE_URL + path})
    assert response.status_code in (200, 404)
