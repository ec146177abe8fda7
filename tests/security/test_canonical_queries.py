"""One view of the data has one cached answer: parameters a view does not read are ignored, the ones it reads
are normalised (order, case, defaults), and a value it refuses is still a 400."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client

from tests.factories import CompanyFactory, EmergencyDisclosureFactory, FigureFactory

pytestmark = pytest.mark.django_db

#: A reader's view of every kind of public answer, in its default state.
DEFAULT_STATES = {
    "home": "/",
    "company page": "/companies/amazon/",
    "request types": "/request-types/",
    "request type page": "/request-types/subpoena/",
    "countries": "/countries/",
    "country page": "/countries/US/",
    "tracker": "/emergency-disclosures/",
    "sources": "/sources/",
    "corrections": "/corrections/",
    "methodology": "/methodology/",
    "chart CSV": "/charts/company-requests.csv?company=amazon",
    "embed": "/embed/company-requests?company=amazon",
    "oEmbed": "/oembed?url=http%3A%2F%2F127.0.0.1%3A8000%2Fembed%2Fcompany-requests%3Fcompany%3Damazon",
    "data page": "/data/",
    "updates feed": "/feeds/updates.atom",
}

#: What link shorteners, social sites and crawlers append.
NOISE = "utm_source=newsletter&utm_medium=email&fbclid=IwAR0abc&x=8f3a9c"


@pytest.fixture
def data() -> None:
    amazon = CompanyFactory(slug="amazon", name="Amazon")
    FigureFactory(period__company=amazon)
    EmergencyDisclosureFactory(company=amazon)


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def with_query(path: str, query: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}{query}"


@pytest.mark.parametrize("path", DEFAULT_STATES.values(), ids=DEFAULT_STATES.keys())
def test_parameters_a_view_does_not_read_cost_no_render(
    client: Client, data: None, django_assert_num_queries: Any, path: str
) -> None:
    first = client.get(path)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        noisy = client.get(with_query(path, NOISE))
    assert noisy.status_code == 200 and body(noisy) == body(first)
    assert noisy["ETag"] == first["ETag"]


@pytest.mark.parametrize(
    ("first", "same"),
    [
        # order, defaults, case and padding of the chart state
        ("/companies/amazon/?measure=accounts&jurisdiction=DE", "/companies/amazon/?jurisdiction=de&measure=accounts"),
        ("/companies/amazon/", "/companies/amazon/?scope=total&jurisdiction=US&measure=requests&type="),
        ("/countries/US/", "/countries/US/?jurisdiction=FR"),  # the path fixes the government
        ("/request-types/subpoena/?measure=accounts", "/request-types/subpoena/?measure=%20accounts%20"),
        ("/embed/company-requests?company=amazon", "/embed/company-requests?theme=auto&scope=total&company=amazon"),
        ("/charts/company-requests.csv?company=amazon&scope=total", "/charts/company-requests.csv?company=amazon"),
        (
            "/emergency-disclosures/?company=amazon&year=2022",
            "/emergency-disclosures/?year=2022&warrant=&company=amazon",
        ),
        ("/sources/?page=1", "/sources/"),
        ("/api/v1/figures?company=amazon&page=1", "/api/v1/figures?page_size=100&company=amazon"),
        # oEmbed: the chart a url names, however it is spelled (embed, permalink, CSV, tracking tags, order)
        (
            "/oembed?url=" + quote("http://127.0.0.1:8000/embed/company-requests?company=amazon"),
            "/oembed?url="
            + quote("http://127.0.0.1:8000/companies/amazon/?utm_source=x&scope=total#chart-company-requests"),
        ),
        (
            "/oembed?url=" + quote("http://127.0.0.1:8000/embed/company-requests?company=amazon&jurisdiction=US"),
            "/oembed?format=json&url="
            + quote("http://127.0.0.1:8000/charts/company-requests.csv?jurisdiction=us&company=amazon&theme=dark"),
        ),
    ],
)
def test_one_view_of_the_data_has_one_answer(
    client: Client, data: None, django_assert_num_queries: Any, first: str, same: str
) -> None:
    answer = client.get(first)
    assert answer.status_code == 200
    with django_assert_num_queries(0):
        again = client.get(same)
    assert again.status_code == 200 and body(again) == body(answer)


@pytest.mark.parametrize(
    "path",
    [
        "/companies/amazon/?scope=nowhere",
        "/companies/amazon/?measure=<script>",
        "/request-types/subpoena/?jurisdiction=not a code",
        "/request-types/no-such-kind/",
        "/embed/company-requests?company=amazon&theme=pink",
        "/charts/company-requests/preview.svg?company=amazon",
        "/charts/company-requests/preview.svg?company=amazon&width=360&theme=sepia",
        "/charts/company-requests.csv?company=amazon&unit=cats&scope=moon",
        "/emergency-disclosures/?year=1492",
        "/sources/?page=two",
        "/api/v1/figures?utm_source=newsletter",
        "/api/v1/figures?company=amazon&company=ring",
        "/api/v1/figures?company=",
        "/data/figures.csv?x=1",
    ],
)
def test_a_value_a_view_refuses_is_still_refused(client: Client, data: None, path: str) -> None:
    assert client.get(path).status_code in (400, 404)


def test_a_government_has_one_address_whatever_the_case_it_is_typed_in(client: Client, data: None) -> None:
    answer = client.get("/countries/us/?utm_source=x")
    assert answer.status_code == 301 and answer["Location"] == "/countries/US/"
    assert client.get(answer["Location"]).status_code == 200


def test_an_oembed_url_that_names_no_chart_is_still_refused(client: Client, data: None) -> None:
    for url, status in [
        ("http://127.0.0.1:8000/embed/no-such-chart", 404),
        ("https://example.org/embed/company-requests?company=amazon", 404),
        ("http://127.0.0.1:8000/embed/company-requests?company=amazon&scope=moon", 400),
    ]:
        assert client.get("/oembed?url=" + quote(url)).status_code == status, url


def test_a_view_sees_only_the_normalised_query(client: Client, data: None) -> None:
    """A page's og:url names the one address of its state, whatever the reader's link carried."""
    page = client.get("/companies/amazon/?fbclid=abc&measure=requests&jurisdiction=us").content.decode()
    assert 'og:url" content="http://127.0.0.1:8000/companies/amazon/"' in page
    assert "fbclid" not in page
