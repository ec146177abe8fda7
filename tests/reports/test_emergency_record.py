"""The emergency-disclosure record (reports/data/emergency-*.json): what it holds, what it says it does not know,
and the companies' own emergency-request counts the press quotes, checked against the bundled figures."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db.models import Sum
from django.test import Client

from reports import bundled
from reports.models import EmergencyDisclosure, EmergencyStatement, Figure, SourceDocument, SourceExcerpt
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db
TRACKER = "/emergency-disclosures/"


def emergency_sum(company: str, start: str, measure: str) -> Decimal:
    return Figure.objects.published().filter(
        period__company__slug=company,
        period__scope="total",
        period__start=start,
        request_type="emergency",
        measure=measure,
        value__isnull=False,
    ).exclude(jurisdiction__in=["WW", "NON-US"]).aggregate(total=Sum("value"))["total"] or Decimal(0)


# --- The companies' published emergency-request counts, as the press quotes them -----------------


def test_apple_h2_2020_gives_1162_emergency_requests_from_29_countries_with_data_in_93_percent(
    bundled_data: None,
) -> None:
    requests = Figure.objects.published().filter(
        period__company__slug="apple", period__start="2020-07-01", request_type="emergency", measure="requests"
    )
    assert emergency_sum("apple", "2020-07-01", "requests") == 1162
    assert requests.filter(value__gt=0).count() == 29
    assert round(emergency_sum("apple", "2020-07-01", "some-data") / Decimal(1162) * 100) == 93


def test_meta_h1_2021_emergency_requests_agree_with_the_quoted_21700_and_77_percent_within_meta_rounding(
    bundled_data: None,
) -> None:
    # Meta's country rows add up to 21,651; Meta's own headline, which the press quotes, rounds to 21,700.
    total = emergency_sum("meta", "2021-01-01", "requests")
    assert total == 21651 and round(total, -2) == 21700
    weighted = (
        sum(
            Decimal(f.value)
            * next(
                (
                    p.value
                    for p in Figure.objects.filter(
                        period=f.period, jurisdiction=f.jurisdiction, request_type="emergency", measure="some-data-pct"
                    )
                    if p.value is not None
                ),
                Decimal(0),
            )
            for f in Figure.objects.filter(
                period__company__slug="meta",
                period__start="2021-01-01",
                request_type="emergency",
                measure="requests",
                value__isnull=False,
            )
        )
        / total
    )
    assert round(weighted) == 77


def test_facebook_h1_2016_gives_3016_emergency_requests_and_the_accounts_differ_by_belize(bundled_data: None) -> None:
    assert emergency_sum("meta", "2016-01-01", "requests") == 3016
    # Facebook's post says 4,192 accounts; its file's rows give 4,188, and Belize's row gives 0 accounts for one
    # request, which is read as not reported (the methodology page says so).
    assert emergency_sum("meta", "2016-01-01", "accounts") == 4188
    belize = Figure.objects.get(
        period__company__slug="meta",
        period__start="2016-01-01",
        jurisdiction="BZ",
        request_type="emergency",
        measure="accounts",
    )
    assert belize.value is None and "not reported" in belize.note


def test_google_h1_2013_gives_119_emergency_requests_affecting_175_users(bundled_data: None) -> None:
    us = {
        f.measure: f.value
        for f in Figure.objects.filter(
            period__company__slug="google", period__start="2013-01-01", jurisdiction="US", request_type="emergency"
        )
    }
    assert (us["requests"], us["accounts"]) == (119, 175)


def test_the_methodology_page_explains_where_the_quoted_counts_differ(client: Client, bundled_data: None) -> None:
    page = client.get("/methodology/").content.decode()
    assert "21,651" in page and "21,700" in page
    assert "4,188" in page and "4,192" in page


# --- What the record holds and says it does not know ----------------------------------------------


def test_every_bundled_record_cites_sources_with_short_quoted_excerpts(bundled_data: None) -> None:
    for item in EmergencyDisclosure.objects.published():
        excerpts = list(item.excerpts.all())
        assert excerpts, item.title
        assert {e.source_id for e in excerpts} <= set(item.sources.values_list("pk", flat=True))
        assert all(len(e.quote.split()) <= 40 for e in excerpts), item.title


def test_unknown_counts_stay_unknown_and_totals_say_at_least(client: Client, bundled_data: None) -> None:
    apple = EmergencyDisclosure.objects.get(
        company__slug="apple", requester="impersonator", title__startswith="Apple gave"
    )
    assert apple.count is None and apple.count_text == "unknown"
    html = client.get(TRACKER).content.decode()
    assert "At least 18 disclosures are on record" in html
    detail = client.get(apple.get_absolute_url()).content.decode()
    assert "Unknown: the sources do not say how many" in detail
    assert "impostors" in detail


def test_contested_records_say_so_with_the_note(client: Client, bundled_data: None) -> None:
    snap = EmergencyDisclosure.objects.get(company__slug="snap")
    assert snap.contested and snap.evidence == "anonymous-source-reporting"
    html = client.get(snap.get_absolute_url()).content.decode()
    assert "<strong>Contested.</strong>" in html
    assert "Reporting from anonymous sources" in html


def test_a_source_known_only_through_a_re_publication_says_so(client: Client, bundled_data: None) -> None:
    meta = EmergencyDisclosure.objects.get(company__slug="meta", title__startswith="Meta gave hackers")
    html = client.get(meta.get_absolute_url()).content.decode()
    assert "A later copy of Bloomberg News" in html


def test_court_records_are_told_apart_and_the_unconfirmed_basis_is_not_stated_as_emergency(
    bundled_data: None,
) -> None:
    court = EmergencyDisclosure.objects.filter(evidence="court-record")
    assert court.count() == 3
    bledsoe = court.get(title__contains="Bledsoe")
    assert (bledsoe.count, bledsoe.basis) == (3, "unknown")


def test_statements_are_shown_as_statements_not_counted_as_disclosures(client: Client, bundled_data: None) -> None:
    assert EmergencyStatement.objects.filter(kind="government-notice", company=None).exists()
    html = client.get(TRACKER).content.decode()
    said = html.split("What companies and governments have said", 1)[1]
    assert "Google said it had never given Nest data to police" in said
    assert "FBI warns of fraudulent emergency data requests" in said
    assert "rare occasions" in said


def test_a_company_known_only_through_disclosures_says_which_reports_are_held(
    client: Client, bundled_data: None
) -> None:
    html = client.get("/companies/discord/").content.decode()
    assert "The project holds no transparency report of Discord" in html
    assert "chart-frame" not in html
    assert "Discord fulfilled a forged request" in html


def test_the_ring_company_page_links_its_warrantless_disclosures(client: Client, bundled_data: None) -> None:
    ring = EmergencyDisclosure.objects.get(company__slug="ring")
    html = client.get("/companies/ring/").content.decode()
    assert ring.get_absolute_url() in html


def test_the_api_and_csv_carry_who_asked_and_what_it_rests_on(client: Client, bundled_data: None) -> None:
    forged = client.get("/api/v1/emergency-disclosures?requester=impersonator").json()
    assert forged["count"] == 9
    assert {item["evidence"] for item in forged["results"]} <= {"anonymous-source-reporting", "company-statement"}
    assert any(item["count"] is None for item in forged["results"])
    csv_text = b"".join(client.get("/data/emergency-disclosures.csv").streaming_content).decode()
    header = csv_text.splitlines()[0]
    assert header.endswith("title,count_is_minimum,requester,evidence,contested,contested_note,date_note")


def test_the_record_loads_once(bundled_data: None) -> None:
    result = bundled.load()
    assert (result.disclosures_created, result.disclosures_updated) == (0, 0)
    assert (result.statements_created, result.statements_updated) == (0, 0)
    items = json.loads(bundled.DISCLOSURES_JSON.read_text(encoding="utf-8"))
    assert EmergencyDisclosure.objects.count() == len(items)


# --- Staff propose a record from a link -------------------------------------------------------------


def test_staff_propose_a_record_from_a_link_and_it_stays_a_draft_until_published(client: Client) -> None:
    company = CompanyFactory(slug="snap", name="Snap")
    client.force_login(User.objects.create_superuser("staff", "staff@example.org", "pw"))
    response = client.post(
        "/admin/reports/emergencydisclosure/propose/",
        {
            "url": "https://news.example/2026/snap-emergency",
            "title": "Snap disclosed data in an emergency",
            "publisher": "News Example",
            "company": str(company.pk),
        },
    )
    source = SourceDocument.objects.get(url="https://news.example/2026/snap-emergency")
    assert source.kind == "secondary"
    assert response.status_code == 302 and f"sources={source.pk}" in response["Location"]
    form = client.get(response["Location"]).content.decode()
    assert f'value="{source.pk}" selected' in form
    assert not SourceExcerpt.objects.exists()


def test_a_filtered_tracker_says_the_whole_record_is_a_floor_where_counts_are_unknown(
    client: Client, bundled_data: None
) -> None:
    html = client.get(TRACKER + "?company=ring").content.decode()

    assert "At least 18 disclosures on record in all, in 13 records." in html
