"""The home page lists what the database holds; /healthz says whether its services answer."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import ReportingPeriodFactory

pytestmark = pytest.mark.django_db


def test_the_home_page_lists_the_bundled_companies_reports_and_disclosures(client: Client, bundled_data: None) -> None:
    page = client.get("/").content.decode()
    assert "Amazon" in page and "Ring" in page
    assert "Ring gave police doorbell footage 11 times" in page
    assert "At least 18 known disclosures without a warrant or the user's consent, in 13 records" in page
    assert "8 records give no number" in page


def test_drafts_never_reach_the_home_page(client: Client) -> None:
    ReportingPeriodFactory(status="draft", company__name="Secretco", company__slug="secretco")
    assert "Secretco" not in client.get("/").content.decode()


def test_public_pages_set_no_cookie(client: Client, bundled_data: None) -> None:
    response = client.get("/")
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")


def test_healthz_reports_the_database_and_the_broker(client: Client, settings: object) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    broker = "ok" if settings.CELERY_BROKER_URL else "eager"  # type: ignore[attr-defined]
    assert response.json() == {"status": "ok", "database": "ok", "broker": broker}


def test_healthz_says_503_when_the_broker_does_not_answer(client: Client, settings: object) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # type: ignore[attr-defined]
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "error"


def test_a_company_summary_counts_each_disclosure_once_however_many_periods_it_has() -> None:
    from reports.models import Company
    from tests.factories import CompanyFactory, EmergencyDisclosureFactory, ReportingPeriodFactory

    ring = CompanyFactory(slug="ring", name="Ring")
    for year in (2020, 2021, 2022):
        ReportingPeriodFactory(company=ring, start=f"{year}-01-01", end=f"{year}-06-30")
    EmergencyDisclosureFactory(company=ring, kind="batch", count=11, date_end="2022-07-01", date_start="2022-01-01")
    summary = Company.objects.with_public_summary().get(slug="ring")
    assert (summary.published_periods, summary.published_disclosures) == (3, 11)
