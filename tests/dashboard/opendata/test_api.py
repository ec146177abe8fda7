"""The JSON API under /api/v1/: published data only, stable order, pages, filters, clear 400s, CORS, caching."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from dashboard.opendata.params import FIGURE_PARAMS, MAX_PAGE_SIZE
from reports.models import EmergencyDisclosure
from tests.factories import (
    CompanyFactory,
    EmergencyDisclosureFactory,
    FigureFactory,
    ReportingPeriodFactory,
    SourceDocumentFactory,
)

pytestmark = pytest.mark.django_db


def get(client: Client, url: str, **headers: str) -> Any:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def amazon_h1_2020() -> Any:
    """Amazon's report for the first half of 2020: an exact figure, a band and a figure not reported."""
    period = ReportingPeriodFactory(
        company__slug="amazon",
        company__name="Amazon",
        start=dt.date(2020, 1, 1),
        end=dt.date(2020, 6, 30),
        source__url="https://amazon.example/report-2020-h1.pdf",
    )
    FigureFactory(period=period, request_type="subpoena", value=Decimal(2416))
    FigureFactory(period=period, request_type="national-security", value=None, value_min=0, value_max=249)
    FigureFactory(period=period, request_type="wiretap", value=None, note="Not in this report.")
    FigureFactory(period=period, request_type="subpoena", measure="some-data-pct", value=Decimal("70.5"))
    return period


def make_data(copies: int) -> None:
    """``copies`` companies, each with two periods of figures, a draft, and two disclosures."""
    for n in range(copies):
        company = CompanyFactory(slug=f"company-{n}")
        for start, end in ((dt.date(2020, 1, 1), dt.date(2020, 6, 30)), (dt.date(2020, 7, 1), dt.date(2020, 12, 31))):
            period = ReportingPeriodFactory(company=company, start=start, end=end)
            FigureFactory(period=period, request_type="subpoena")
            FigureFactory(period=period, request_type="nsl", value=None, value_min=0, value_max=499)
            FigureFactory(period=period, request_type="search-warrant", source=SourceDocumentFactory())
        ReportingPeriodFactory(company=company, start=dt.date(2021, 1, 1), end=dt.date(2021, 6, 30), status="draft")
        EmergencyDisclosureFactory.create_batch(2, company=company)


# --- Records ---------------------------------------------------------------------------------------


def test_figures_are_json_numbers_or_null_with_an_explicit_kind(client: Client, amazon_h1_2020: Any) -> None:
    results = get(client, "/api/v1/figures?company=amazon")["results"]
    by_type = {(r["request_type"], r["measure"]): r for r in results}
    assert by_type["subpoena", "requests"] | {"report_url": ""} == {
        "company": "amazon",
        "scope": "total",
        "period_start": "2020-01-01",
        "period_end": "2020-06-30",
        "jurisdiction": "US",
        "request_type": "subpoena",
        "measure": "requests",
        "kind": "exact",
        "value": 2416,
        "value_min": None,
        "value_max": None,
        "unit": "count",
        "note": "",
        "source_url": "https://amazon.example/report-2020-h1.pdf",
        "source_kind": "primary",
        "report_url": "",
        "chart_image_url": None,
    }
    band = by_type["national-security", "requests"]
    assert (band["kind"], band["value"], band["value_min"], band["value_max"]) == ("band", None, 0, 249)
    missing = by_type["wiretap", "requests"]
    assert (missing["kind"], missing["value"], missing["note"]) == ("not-reported", None, "Not in this report.")
    share = by_type["subpoena", "some-data-pct"]
    assert (share["value"], share["unit"]) == (70.5, "percent")
    assert by_type["subpoena", "requests"]["report_url"] == (
        "http://127.0.0.1:8000/reports/amazon/total/2020-01-01/2020-06-30/"
    )


def test_a_figure_with_its_own_document_cites_that_document(client: Client, amazon_h1_2020: Any) -> None:
    press = SourceDocumentFactory(url="https://press.example/story")
    FigureFactory(period=amazon_h1_2020, request_type="emergency", source=press)
    results = get(client, "/api/v1/figures?request_type=emergency")["results"]
    assert [r["source_url"] for r in results] == ["https://press.example/story"]


def test_companies_count_their_periods_and_disclosures_without_multiplying_them(client: Client) -> None:
    ring = CompanyFactory(slug="ring", name="Ring", parent=CompanyFactory(slug="amazon", name="Amazon"))
    ReportingPeriodFactory(company=ring, start=dt.date(2021, 1, 1), end=dt.date(2021, 12, 31))
    ReportingPeriodFactory(company=ring, start=dt.date(2022, 1, 1), end=dt.date(2022, 6, 30))
    EmergencyDisclosureFactory(company=ring, kind="batch", count=11)
    results = get(client, "/api/v1/companies")["results"]
    assert [c["slug"] for c in results] == ["ring"]  # Amazon has no published data of its own here
    assert results[0] | {"url": "", "figures_url": ""} == {
        "slug": "ring",
        "name": "Ring",
        "parent": "amazon",
        "website": "",
        "transparency_url": "",
        "published_periods": 2,
        "latest_period_end": "2022-06-30",
        "emergency_disclosures": 11,
        "url": "",
        "figures_url": "",
    }
    assert results[0]["figures_url"] == "http://127.0.0.1:8000/api/v1/figures?company=ring"


def test_periods_carry_their_label_figure_count_and_source(client: Client, amazon_h1_2020: Any) -> None:
    (period,) = get(client, "/api/v1/periods?company=amazon")["results"]
    assert period["label"] == "H1 2020"
    assert period["figure_count"] == 4
    assert period["source"]["url"] == "https://amazon.example/report-2020-h1.pdf"
    assert period["report_url"].endswith("/reports/amazon/total/2020-01-01/2020-06-30/")


def test_disclosures_list_every_source_of_a_record(client: Client) -> None:
    sources = [SourceDocumentFactory(url="https://b.example/"), SourceDocumentFactory(url="https://a.example/")]
    EmergencyDisclosureFactory(company__slug="ring", kind="batch", count=11, sources=sources, warrant="no")
    (item,) = get(client, "/api/v1/emergency-disclosures")["results"]
    assert (item["company"], item["count"], item["warrant"]) == ("ring", 11, "no")
    assert [s["url"] for s in item["sources"]] == ["https://a.example/", "https://b.example/"]


# --- Published only ------------------------------------------------------------------------------


def test_drafts_never_leak_into_any_endpoint(client: Client) -> None:
    draft = ReportingPeriodFactory(status="draft", company__slug="secretco", company__name="Secretco")
    FigureFactory(period=draft, value=Decimal(777))
    EmergencyDisclosureFactory(status="draft", company=draft.company, title="Secret disclosure")
    for url in (
        "/api/v1/companies",
        "/api/v1/periods",
        "/api/v1/figures",
        "/api/v1/computed-figures",
        "/api/v1/emergency-disclosures",
        "/api/v1/openapi.json",
    ):
        body = client.get(url).content.decode()
        assert "secretco" not in body and "Secret disclosure" not in body and "777" not in body, url
    assert client.get("/api/v1/figures?company=secretco").json()["parameter"] == "company"


# --- Order and pages -----------------------------------------------------------------------------


def test_figures_come_in_natural_key_order(client: Client) -> None:
    later = ReportingPeriodFactory(company__slug="a-co", start=dt.date(2021, 1, 1), end=dt.date(2021, 6, 30))
    earlier = ReportingPeriodFactory(company=later.company, start=dt.date(2020, 1, 1), end=dt.date(2020, 6, 30))
    other = ReportingPeriodFactory(company__slug="b-co")
    for period in (other, later, earlier):
        for request_type in ("wiretap", "subpoena"):
            FigureFactory(period=period, request_type=request_type, jurisdiction="US")
        FigureFactory(period=period, request_type="wiretap", jurisdiction="DE")
    keys = [
        (r["company"], r["period_start"], r["jurisdiction"], r["request_type"])
        for r in get(client, "/api/v1/figures")["results"]
    ]
    assert keys == sorted(keys)
    assert keys[0] == ("a-co", "2020-01-01", "DE", "wiretap")


def test_pages_give_the_total_count_and_links_to_the_next_and_previous_page(client: Client) -> None:
    period = ReportingPeriodFactory(company__slug="amazon")
    for request_type in ("subpoena", "search-warrant", "wiretap", "pen-register", "emergency"):
        FigureFactory(period=period, request_type=request_type)
    first = get(client, "/api/v1/figures?company=amazon&page_size=2")
    assert (first["count"], first["pages"], first["page"], first["previous"]) == (5, 3, 1, None)
    assert first["next"] == "http://127.0.0.1:8000/api/v1/figures?company=amazon&page_size=2&page=2"
    second = get(client, first["next"].removeprefix("http://127.0.0.1:8000"))
    assert second["previous"] == "http://127.0.0.1:8000/api/v1/figures?company=amazon&page=1&page_size=2"
    last = get(client, second["next"].removeprefix("http://127.0.0.1:8000"))
    assert last["next"] is None
    seen = [r["request_type"] for page in (first, second, last) for r in page["results"]]
    assert sorted(seen) == sorted(set(seen)) and len(seen) == 5


def test_an_empty_result_is_one_empty_page(client: Client) -> None:
    body = get(client, "/api/v1/figures?request_type=mlat")
    assert (body["count"], body["pages"], body["results"], body["next"]) == (0, 1, [], None)


# --- Filters -------------------------------------------------------------------------------------


@pytest.fixture
def two_companies() -> None:
    amazon = CompanyFactory(slug="amazon")
    for scope in ("total", "aws"):
        for start, end in ((dt.date(2019, 7, 1), dt.date(2019, 12, 31)), (dt.date(2020, 1, 1), dt.date(2020, 6, 30))):
            period = ReportingPeriodFactory(company=amazon, scope=scope, start=start, end=end)
            FigureFactory(period=period, request_type="subpoena", jurisdiction="US")
            FigureFactory(period=period, request_type="search-warrant", jurisdiction="US", measure="full-response")
            FigureFactory(period=period, request_type="all", jurisdiction="DE", value=None, value_min=0, value_max=9)
    ring = ReportingPeriodFactory(company__slug="ring", start=dt.date(2020, 1, 1), end=dt.date(2020, 12, 31))
    FigureFactory(period=ring, request_type="subpoena", jurisdiction="US", value=None)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("company=ring", 1),
        ("company=amazon,ring", 13),
        ("scope=aws", 6),
        ("period_start_from=2020-01-01", 7),
        ("period_end_to=2019-12-31", 6),
        ("period_start_from=2020-01-01&period_end_to=2020-06-30", 6),
        ("jurisdiction=DE", 4),
        ("request_type=subpoena", 5),
        ("request_type=subpoena,search-warrant", 9),
        ("measure=full-response", 4),
        ("kind=band", 4),
        ("kind=not-reported", 1),
        ("kind=exact,not-reported", 9),
        ("company=amazon&scope=total&request_type=subpoena&period_start_from=2020-01-01", 1),
    ],
)
def test_figures_filter_by_every_parameter(client: Client, two_companies: None, query: str, expected: int) -> None:
    assert get(client, f"/api/v1/figures?{query}")["count"] == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [("company=ring", 1), ("scope=aws", 2), ("period_start_from=2020-01-01", 3), ("period_end_to=2020-06-30", 4)],
)
def test_periods_filter_by_company_scope_and_dates(
    client: Client, two_companies: None, query: str, expected: int
) -> None:
    assert get(client, f"/api/v1/periods?{query}")["count"] == expected


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("company=ring", ["Ring batch", "Ring event"]),
        ("date_from=2022-06-01", ["Ring batch", "Google event"]),  # the batch's range reaches into June
        ("date_to=2022-02-28", ["Ring batch"]),
        ("date_from=2022-03-01&date_to=2022-03-01", ["Ring batch", "Ring event"]),
        ("basis=good-faith", ["Ring batch"]),
        ("warrant=no", ["Ring batch"]),
        ("warrant=no,unknown", ["Ring batch", "Ring event", "Google event"]),
        ("user_consent=yes", ["Google event"]),
        ("user_notified=unknown", ["Ring batch", "Ring event", "Google event"]),
    ],
)
def test_disclosures_filter_by_company_dates_basis_and_answers(client: Client, query: str, titles: list[str]) -> None:
    ring = CompanyFactory(slug="ring")
    EmergencyDisclosureFactory(
        company=ring,
        title="Ring batch",
        kind="batch",
        count=11,
        date_start=dt.date(2022, 1, 1),
        date_end=dt.date(2022, 7, 1),
        basis="good-faith",
        warrant="no",
        user_consent="no",
    )
    EmergencyDisclosureFactory(company=ring, title="Ring event", date_start=dt.date(2022, 3, 1))
    EmergencyDisclosureFactory(
        company__slug="google",
        title="Google event",
        date_start=dt.date(2022, 9, 1),
        date_end=dt.date(2022, 9, 1),
        user_consent="yes",
    )
    results = get(client, f"/api/v1/emergency-disclosures?{query}")["results"]
    assert sorted(r["title"] for r in results) == sorted(titles)


# --- Bad parameters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "parameter", "says"),
    [
        ("colour=red", "colour", "unknown parameter"),
        ("period_start_from=2020-13-01", "period_start_from", "not a date"),
        ("period_start_from=20200101", "period_start_from", "use YYYY-MM-DD"),
        ("period_end_to=yesterday", "period_end_to", "not a date"),
        ("company=nosuchco", "company", "unknown company 'nosuchco'"),
        ("company=amazon,", "company", "empty"),
        ("company=Amazon", "company", "not a valid company"),
        ("request_type=subpena", "request_type", "unknown request type 'subpena'; one of all, subpoena"),
        ("measure=request", "measure", "unknown measure 'request'"),
        ("scope=everything", "scope", "unknown scope"),
        ("jurisdiction=usa", "jurisdiction", "not a valid jurisdiction"),
        ("kind=zero", "kind", "unknown kind"),
        ("page=2", "page", "past the last page, 1"),
        ("page=0", "page", "whole number of 1 or more"),
        ("page=one", "page", "whole number"),
        (f"page_size={MAX_PAGE_SIZE + 1}", "page_size", f"at most {MAX_PAGE_SIZE}"),
        ("request_type=subpoena&request_type=wiretap", "request_type", "more than once"),
    ],
)
def test_a_bad_parameter_gets_a_400_that_says_which_and_why(
    client: Client, amazon_h1_2020: Any, query: str, parameter: str, says: str
) -> None:
    response = client.get(f"/api/v1/figures?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["parameter"] == parameter
    assert says in body["error"]
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/v1/?page=1", "page"),
        ("/api/v1/companies?company=amazon", "company"),
        ("/api/v1/periods?measure=requests", "measure"),
        ("/api/v1/emergency-disclosures?date_from=2022-02-30", "date_from"),
        ("/api/v1/emergency-disclosures?warrant=maybe", "warrant"),
        ("/api/v1/emergency-disclosures?basis=urgent", "basis"),
        ("/api/v1/openapi.json?format=yaml", "format"),
    ],
)
def test_every_endpoint_names_the_parameter_it_cannot_take(client: Client, url: str, parameter: str) -> None:
    response = client.get(url)
    assert response.status_code == 400
    assert response.json()["parameter"] == parameter


def test_the_api_is_read_only(client: Client) -> None:
    for method in (client.post, client.put, client.delete, client.patch):
        response = method("/api/v1/figures")
        assert response.status_code == 405
        assert "POST" not in response["Allow"]


# --- HTTP: CORS, caching, cookies ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/api/v1/", "/api/v1/figures", "/api/v1/emergency-disclosures", "/api/v1/openapi.json"]
)
def test_any_site_may_read_the_api_and_no_cookie_is_set(client: Client, url: str) -> None:
    response = client.get(url, headers={"Origin": "https://advocacy.example"})
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    assert not response.cookies
    assert client.head(url)["Access-Control-Allow-Origin"] == "*"


def test_a_preflight_is_answered_for_get_head_and_options(client: Client) -> None:
    response = client.options(
        "/api/v1/figures",
        headers={"Origin": "https://advocacy.example", "Access-Control-Request-Headers": "if-none-match"},
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "If-None-Match" in response["Access-Control-Allow-Headers"]


def test_an_unchanged_answer_is_a_304_for_its_etag_and_a_new_one_after_a_refresh(
    client: Client, amazon_h1_2020: Any
) -> None:
    from reports.services import bump_generation

    bump_generation()
    first = client.get("/api/v1/figures?company=amazon")
    assert first["Last-Modified"] and "public" in first["Cache-Control"]
    again = client.get("/api/v1/figures?company=amazon", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again["Access-Control-Allow-Origin"] == "*"
    bump_generation()
    assert client.get("/api/v1/figures?company=amazon", headers={"If-None-Match": first["ETag"]}).status_code == 200


# --- Query counts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        # generation + count + page (+ the company check; + sources prefetch for disclosures)
        ("/api/v1/companies", 3),
        ("/api/v1/periods?company=company-0", 4),
        ("/api/v1/figures?company=company-0,company-1&request_type=nsl", 4),
        ("/api/v1/emergency-disclosures?company=company-0", 5),
        ("/api/v1/openapi.json", 2),
    ],
)
@pytest.mark.parametrize("copies", [2, 20])
def test_the_query_count_does_not_grow_with_the_data(
    client: Client, django_assert_num_queries: Any, url: str, queries: int, copies: int
) -> None:
    make_data(copies)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


# --- The index and the OpenAPI document ------------------------------------------------------------


def test_the_index_links_every_endpoint_and_the_openapi_document(client: Client) -> None:
    body = get(client, "/api/v1/")
    urls = {endpoint["name"]: endpoint["url"] for endpoint in body["endpoints"]}
    assert urls == {
        "companies": "http://127.0.0.1:8000/api/v1/companies",
        "periods": "http://127.0.0.1:8000/api/v1/periods",
        "figures": "http://127.0.0.1:8000/api/v1/figures",
        "computed-figures": "http://127.0.0.1:8000/api/v1/computed-figures",
        "emergency-disclosures": "http://127.0.0.1:8000/api/v1/emergency-disclosures",
        "openapi": "http://127.0.0.1:8000/api/v1/openapi.json",
    }
    assert body["license"]["name"] == "CC-BY-4.0"
    for url in urls.values():
        assert client.get(url.removeprefix("http://127.0.0.1:8000")).status_code == 200


def test_the_openapi_document_describes_each_parameter_the_views_take(client: Client, amazon_h1_2020: Any) -> None:
    spec = get(client, "/api/v1/openapi.json")
    assert spec["openapi"].startswith("3.1")
    figures = spec["paths"]["/api/v1/figures"]["get"]
    names = [p["name"] for p in figures["parameters"]]
    assert names == [p.name for p in FIGURE_PARAMS] + ["page", "page_size"]
    company = next(p for p in figures["parameters"] if p["name"] == "company")
    assert company["schema"]["items"]["enum"] == ["amazon"]  # published companies only
    request_type = next(p for p in figures["parameters"] if p["name"] == "request_type")
    assert "national-security" in request_type["schema"]["items"]["enum"]
    assert set(figures["responses"]) == {"200", "304", "400"}
    assert set(spec["paths"]) == {
        "/api/v1/",
        "/api/v1/companies",
        "/api/v1/periods",
        "/api/v1/figures",
        "/api/v1/computed-figures",
        "/api/v1/emergency-disclosures",
        "/api/v1/openapi.json",
    }


def test_the_openapi_figure_schema_fits_a_real_answer(client: Client, amazon_h1_2020: Any) -> None:
    import jsonschema_rs  # schemathesis's validator

    spec = get(client, "/api/v1/openapi.json")
    validator = jsonschema_rs.Draft202012Validator({"$ref": "#/components/schemas/FigurePage", **spec})
    answer = get(client, "/api/v1/figures")
    validator.validate(answer)
    exact = next(figure for figure in answer["results"] if figure["kind"] == "exact")
    exact["value_min"] = 5  # a figure with a value and a band
    assert not validator.is_valid(answer)


def test_disclosure_drafts_stay_out_of_counts(client: Client) -> None:
    EmergencyDisclosureFactory(company__slug="ring", count=1)
    EmergencyDisclosureFactory(company__slug="ring", count=1, status="draft")
    assert get(client, "/api/v1/emergency-disclosures")["count"] == 1
    assert EmergencyDisclosure.objects.count() == 2
