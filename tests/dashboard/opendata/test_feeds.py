"""/feeds/updates.atom: new reports, newly known emergency disclosures and corrections, for feed readers."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from reports import services
from tests.factories import EmergencyDisclosureFactory, FigureFactory, ReportingPeriodFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(client: Client) -> list[dict[str, str]]:
    response = client.get("/feeds/updates.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    return [
        {
            "title": entry.findtext(f"{ATOM}title", ""),
            "link": entry.find(f"{ATOM}link").get("href", ""),  # type: ignore[union-attr]
            "id": entry.findtext(f"{ATOM}id", ""),
            "summary": entry.findtext(f"{ATOM}summary", ""),
            "category": entry.find(f"{ATOM}category").get("term", ""),  # type: ignore[union-attr]
            "updated": entry.findtext(f"{ATOM}updated", ""),
        }
        for entry in feed.iter(f"{ATOM}entry")
    ]


@pytest.fixture
def amazon_h1_2020() -> Any:
    period = ReportingPeriodFactory(
        company__slug="amazon", company__name="Amazon", start=dt.date(2020, 1, 1), end=dt.date(2020, 6, 30)
    )
    FigureFactory(period=period, request_type="subpoena", value=Decimal(2416))
    return period


def test_the_feed_lists_new_reports_and_disclosures_with_absolute_links(client: Client, amazon_h1_2020: Any) -> None:
    EmergencyDisclosureFactory(company__slug="ring", title="Ring gave police footage 11 times", kind="batch", count=11)
    found = {entry["title"]: entry for entry in entries(client)}
    report = found["New report: Amazon H1 2020"]
    assert report["link"] == "http://127.0.0.1:8000/reports/amazon/total/2020-01-01/2020-06-30/"
    assert report["category"] == "report"
    assert "1 figures" in report["summary"] or "1 figure" in report["summary"]
    disclosure = found["Emergency disclosure: Ring gave police footage 11 times"]
    assert disclosure["link"].startswith("http://127.0.0.1:8000/emergency-disclosures/")
    assert disclosure["category"] == "emergency-disclosure"
    assert len({entry["id"] for entry in found.values()}) == len(found)


def test_a_correction_to_a_published_figure_appears_with_its_reason(client: Client, amazon_h1_2020: Any) -> None:
    figure = amazon_h1_2020.figures.get()
    figure.value = Decimal(2418)
    figure._change_reason = "Amazon revised its report on 1 March 2021."
    figure.save()
    (correction,) = [entry for entry in entries(client) if entry["category"] == "correction"]
    assert "2,416 → 2,418" in correction["title"]
    assert correction["summary"] == "Reason: Amazon revised its report on 1 March 2021."
    assert correction["link"] == "http://127.0.0.1:8000/reports/amazon/total/2020-01-01/2020-06-30/"


def test_publishing_a_draft_is_a_new_report_not_a_correction(client: Client) -> None:
    draft = ReportingPeriodFactory(status="draft", company__slug="ring", company__name="Ring")
    FigureFactory(period=draft)
    assert entries(client) == []
    services.publish_periods(periods=[draft], user=None, reason="reviewed")
    services.bump_generation()
    assert [(entry["category"], entry["title"]) for entry in entries(client)] == [
        ("report", "New report: Ring H1 2020")
    ]


def test_drafts_never_reach_the_feed(client: Client) -> None:
    draft = ReportingPeriodFactory(status="draft", company__slug="secretco", company__name="Secretco")
    figure = FigureFactory(period=draft, value=Decimal(5))
    figure.value = Decimal(6)
    figure.save()
    EmergencyDisclosureFactory(status="draft", title="Secret disclosure")
    text = client.get("/feeds/updates.atom").content.decode()
    assert "Secretco" not in text and "Secret disclosure" not in text
    assert "<entry>" not in text


def test_the_newest_update_comes_first(client: Client, amazon_h1_2020: Any) -> None:
    EmergencyDisclosureFactory(title="Later disclosure")
    updated = [entry["updated"] for entry in entries(client)]
    assert updated == sorted(updated, reverse=True)
    assert entries(client)[0]["title"] == "Emergency disclosure: Later disclosure"


def test_every_page_points_feed_readers_to_the_feed(client: Client) -> None:
    page = client.get("/data/").content.decode()
    assert '<link rel="alternate" type="application/atom+xml"' in page
    assert 'href="/feeds/updates.atom"' in page


def test_the_feed_answers_304_for_its_etag_and_sets_no_cookie(client: Client, amazon_h1_2020: Any) -> None:
    response = client.get("/feeds/updates.atom")
    assert not response.cookies
    assert client.get("/feeds/updates.atom", headers={"If-None-Match": response["ETag"]}).status_code == 304


@pytest.mark.parametrize("copies", [1, 10])
def test_the_feed_query_count_does_not_grow_with_the_data(
    client: Client, django_assert_num_queries: Any, copies: int
) -> None:
    for n in range(copies):
        period = ReportingPeriodFactory(company__slug=f"co-{n}")
        figure = FigureFactory(period=period)
        figure.value = Decimal(101)
        figure._change_reason = "revised"
        figure.save()
        EmergencyDisclosureFactory(company=period.company)
    # generation, new reports, new disclosures, corrections: their rows, history records and previous records,
    # and the titles of the documents the corrected figures cite (their periods' documents)
    with django_assert_num_queries(7):
        assert client.get("/feeds/updates.atom").status_code == 200
