"""The public pages that show charts: home, companies, request types, countries, and each chart's CSV."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client

from reports.models import ReportingPeriod
from tests.factories import CompanyFactory, EmergencyDisclosureFactory, FigureFactory, ReportingPeriodFactory

pytestmark = pytest.mark.django_db

PAGES = (
    "/",
    "/companies/amazon/",
    "/companies/google/",
    "/companies/meta/",
    "/companies/apple/",
    "/companies/microsoft/",
    "/companies/ring/",
    "/request-types/",
    "/request-types/total/",
    "/request-types/subpoena/",
    "/request-types/nsl/",
    "/countries/",
    "/countries/DE/",
    "/countries/US/",
)


def figures_of(html: str) -> list[dict[str, object]]:
    """The Plotly figures a page sends to charts.js, from their <script type="application/json">."""
    found = re.findall(r'<script id="chart-[a-z-]+-figure" type="application/json">(.*?)</script>', html, re.S)
    return [json.loads(text) for text in found]


def a_company_with_two_years(slug: str = "amazon", name: str = "Amazon") -> None:
    company = CompanyFactory(slug=slug, name=name)
    for year, value in ((2019, 1964), (2020, 2416)):
        period = ReportingPeriodFactory(company=company, start=dt.date(year, 1, 1), end=dt.date(year, 6, 30))
        FigureFactory(period=period, value=value)
        FigureFactory(period=period, request_type="subpoena", measure="some-data-pct", value=70)
        FigureFactory(period=period, request_type="national-security", value=None, value_min=0, value_max=249)
        FigureFactory(period=period, request_type="all", jurisdiction="DE", value=5)


@pytest.mark.slow
def test_every_page_renders_its_charts_from_the_bundled_data(client: Client, bundled_data: None) -> None:
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        if path not in ("/request-types/",):
            assert figures_of(html), f"{path} has no chart"
            assert 'class="chart-plot"' in html and "js/charts.js" in html, path
        assert "<script>" not in html, f"{path} has inline script code"
        assert not response.cookies, path


def test_the_home_page_states_each_company_latest_figure_and_its_change(client: Client) -> None:
    a_company_with_two_years()
    html = client.get("/").content.decode()
    assert '<span class="stat-value">2,416</span>' in html
    assert "23% more than in H1 2019" in html
    assert "Amazon reported 2,416 requests from U.S. authorities in H1 2020, the only company to report them" in html
    assert "Data last updated" in html


def test_the_home_page_lists_the_newest_reports_and_emergency_disclosures(client: Client) -> None:
    a_company_with_two_years()
    EmergencyDisclosureFactory(title="Ring gave footage to police 11 times", kind="batch", count=11)
    html = client.get("/").content.decode()
    assert "Amazon H1 2020" in html
    assert "Ring gave footage to police 11 times" in html
    assert "11 known disclosures" in html


def test_a_company_page_shows_its_demands_outcomes_bands_and_governments(client: Client) -> None:
    a_company_with_two_years()
    html = client.get("/companies/amazon/").content.decode()
    titles = re.findall(r'class="chart-title" id="chart-([a-z-]+)-title">([^<]+)<', html)
    assert titles == [
        ("company-requests", "Amazon received 2,416 subpoenas in H1 2020, 23% more than in H1 2019"),
        ("company-outcomes", "Amazon handed over data for 70% of subpoenas from U.S. authorities in H1 2020"),
        (
            "company-national-security",
            "Amazon reported 0–249 national-security demands in H1 2020 — a range, as U.S. law requires",
        ),
        ("company-countries", "United States made the most requests in H1 2020: 2,416 to Amazon"),
    ]
    assert 'href="/countries/DE/"' in html


def test_a_filter_in_the_query_string_changes_the_chart_and_stays_in_its_links(client: Client) -> None:
    a_company_with_two_years()
    html = client.get("/companies/amazon/?jurisdiction=DE").content.decode()
    assert "Amazon received 5 requests from Germany in H1 2020" in html
    assert (
        "/charts/company-requests.csv?company=amazon&amp;scope=total&amp;jurisdiction=DE&amp;measure=requests" in html
    )
    assert '<option value="DE" selected>Germany</option>' in html


def test_a_page_asked_for_a_state_it_cannot_draw_answers_400_with_the_reason(client: Client) -> None:
    a_company_with_two_years()
    response = client.get("/companies/amazon/?scope=aws")
    assert response.status_code == 400
    assert "Amazon publishes no reports for the scope “aws”" in response.content.decode()
    assert client.get("/request-types/subpoena/?jurisdiction=Narnia").status_code == 400


def test_unknown_companies_kinds_and_countries_are_not_found(client: Client) -> None:
    a_company_with_two_years()
    assert client.get("/companies/nobody/").status_code == 404
    assert client.get("/request-types/all-of-them/").status_code == 404
    assert client.get("/countries/ZZ/").status_code == 404
    assert client.get("/countries/germany/").status_code == 404


def test_a_company_with_only_drafts_is_not_public(client: Client) -> None:
    FigureFactory(period=ReportingPeriodFactory(company=CompanyFactory(slug="secretco"), status="draft"))
    assert client.get("/companies/secretco/").status_code == 404
    assert "Secretco" not in client.get("/request-types/subpoena/").content.decode()


def test_a_request_type_page_compares_companies_and_names_those_without_the_figure(client: Client) -> None:
    a_company_with_two_years()
    FigureFactory(
        period=ReportingPeriodFactory(company=CompanyFactory(slug="apple", name="Apple")), request_type="device"
    )
    html = client.get("/request-types/subpoena/").content.decode()
    assert "Amazon reported 2,416 subpoenas from U.S. authorities in H1 2020, the only company to report them" in html
    assert "No figure of this kind from Apple" in html
    assert "Amazon handed over data for 70% of subpoenas from U.S. authorities in H1 2020" in html


def test_the_request_types_index_defines_each_kind_and_who_reports_it(client: Client) -> None:
    a_company_with_two_years()
    html = client.get("/request-types/").content.decode()
    assert 'href="/request-types/subpoena/"' in html
    assert "Demands issued by a prosecutor or agency without a judge" in html
    assert "Reported apart by Amazon (2 periods, 2019–2020)" in html


def test_a_country_page_shows_which_companies_its_government_asked(client: Client) -> None:
    a_company_with_two_years()
    response = client.get("/countries/de/", follow=True)  # sent to its one address, /countries/DE/
    assert response.redirect_chain == [("/countries/DE/", 301)]
    html = response.content.decode()
    assert "<h1>Germany</h1>" in html
    assert "Amazon reported 5 requests from Germany in H1 2020, the only company to report them for 2020" in html


def test_the_countries_index_ranks_governments_and_lists_every_one(client: Client) -> None:
    a_company_with_two_years()
    html = client.get("/countries/").content.decode()
    assert "United States made the most requests in H1 2020: 2,416 to Amazon" in html
    assert 'href="/countries/US/"' in html and 'href="/countries/DE/"' in html


def test_a_chart_csv_is_exactly_its_table_with_an_etag_and_304(client: Client) -> None:
    a_company_with_two_years()
    response = client.get("/charts/company-requests.csv?company=amazon")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0].split(",") == [
        "company",
        "period",
        "period_start",
        "period_end",
        "jurisdiction",
        "request_type",
        "measure",
        "value",
        "value_min",
        "value_max",
        "status",
        "basis",
        "source",
        "source_url",
    ]
    # Each row names its own period's document.
    cites = {p.start.year: f"{p.source.title},{p.source.url}" for p in ReportingPeriod.objects.select_related("source")}
    assert lines[1:] == [
        f"Amazon,H1 2019,2019-01-01,2019-06-30,US,subpoena,requests,1964,,,exact,as published,{cites[2019]}",
        f"Amazon,H1 2020,2020-01-01,2020-06-30,US,subpoena,requests,2416,,,exact,as published,{cites[2020]}",
    ]
    again = client.get("/charts/company-requests.csv?company=amazon", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert not response.cookies


def test_the_figure_sent_to_the_page_is_the_chart_figure(client: Client) -> None:
    a_company_with_two_years()
    html = client.get("/").content.decode()
    (figure,) = figures_of(html)
    assert figure["data"][0]["name"] == "Amazon"
    assert figure["data"][0]["y"] == [1964.0, None, 2416.0], "H2 2019 has no report: a gap"


def test_a_chart_s_others_slice_is_no_government_and_gets_no_country_link(client: Client) -> None:
    period = ReportingPeriodFactory(company__slug="amazon", company__name="Amazon")
    FigureFactory(period=period, jurisdiction="DE", request_type="all")
    FigureFactory(period=period, jurisdiction="OTHER", request_type="all")
    page = client.get("/companies/amazon/").content.decode()
    assert 'href="/countries/DE/"' in page
    assert "/countries/OTHER/" not in page
    index = client.get("/countries/").content.decode()
    assert 'href="/countries/DE/"' in index and "/countries/OTHER/" not in index
    from dashboard.pages.warming import default_pages

    assert "/countries/DE/" in default_pages() and "/countries/OTHER/" not in default_pages()
