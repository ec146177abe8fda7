"""The emergency-disclosure tracker in Debian's Chromium: a staff member enters and publishes a
disclosure in the admin and a reader finds it on the tracker, in the CSV and in the Atom feed; a
draft appears nowhere public; axe finds no serious or critical violation at desktop and phone widths."""

from __future__ import annotations

import csv
import io
import os
import re
from typing import Any

import pytest
from django.contrib.auth.models import User

from reports.models import EmergencyDisclosure
from tests.factories import CompanyFactory, EmergencyDisclosureFactory, SourceDocumentFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "a long enough password for tests"
PUBLISHED_TITLE = "Doorbell footage given to Springfield police"
PUBLISHED_SUMMARY = "A test record: footage handed over on an emergency request, without a warrant."
DRAFT_TITLE = "Unconfirmed report of location data given to a sheriff"
DRAFT_SUMMARY = "A test draft that must stay private until a source confirms it."


def serious_violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def sign_in(page: Any, base: str) -> None:
    User.objects.create_superuser("editor", "editor@example.org", PASSWORD)
    page.goto(base + "/admin/login/?next=/admin/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(base + "/admin/")


def enter_disclosure(page: Any, base: str, *, title: str, summary: str, source: str, category: str) -> None:
    """Fill the admin's add form as staff do, choosing the source in the two-box selector, and save a draft."""
    page.goto(base + "/admin/reports/emergencydisclosure/add/")
    page.select_option("#id_company", label="Ring")
    page.select_option("#id_kind", "event")
    page.fill("#id_title", title)
    page.fill("#id_date_start", "2023-02-14")
    page.fill("#id_date_end", "2023-02-14")
    page.fill("#id_count", "1")
    page.fill("#id_agency", "Springfield Police Department")
    page.select_option("#id_basis", "emergency")
    page.select_option("#id_warrant", "no")
    page.select_option("#id_user_consent", "no")
    page.select_option("#id_user_notified", "unknown")
    page.select_option("#id_data_category", category)
    page.fill("#id_summary", summary)
    page.select_option("#id_sources_from", label=source)
    page.click("#id_sources_add")
    page.select_option("#id_status", "draft")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")


def public_text(page: Any, url: str) -> tuple[int, str]:
    response = page.request.get(url)
    return response.status, response.text()


def test_staff_publish_a_disclosure_that_then_appears_everywhere_public_while_a_draft_stays_hidden(
    live_server: Any, page: Any, settings: Any
) -> None:
    settings.SITE_URL = base = live_server.url
    CompanyFactory(slug="ring", name="Ring")
    SourceDocumentFactory(title="Springfield Gazette report", publisher="Springfield Gazette", kind="secondary")
    sign_in(page, base)
    for title, summary, category in (
        (PUBLISHED_TITLE, PUBLISHED_SUMMARY, "video"),
        (DRAFT_TITLE, DRAFT_SUMMARY, "location"),
    ):
        enter_disclosure(
            page, base, title=title, summary=summary, source="Springfield Gazette report", category=category
        )
    published = EmergencyDisclosure.objects.get(title=PUBLISHED_TITLE)
    draft = EmergencyDisclosure.objects.get(title=DRAFT_TITLE)

    # Nothing public before publishing (the tracker is fetched, so cached, now).
    assert PUBLISHED_TITLE not in public_text(page, base + "/emergency-disclosures/")[1]

    page.goto(base + "/admin/reports/emergencydisclosure/")
    page.check(f"input[name=_selected_action][value='{published.pk}']")
    page.select_option("select[name=action]", "publish")
    page.click("button[name=index]")
    assert "Published 1 disclosure." in page.locator(".messagelist").inner_text()

    page.goto(base + "/emergency-disclosures/?company=ring&year=2023")
    assert page.get_by_role("link", name=PUBLISHED_TITLE).is_visible()
    assert "1 disclosure matches these filters" in page.locator("#totals").inner_text()
    page.get_by_role("link", name=PUBLISHED_TITLE).click()
    assert page.get_by_role("heading", level=1).inner_text() == PUBLISHED_TITLE
    assert "Springfield Gazette report" in page.locator("ul.sources").inner_text()

    status, text = public_text(page, base + "/data/emergency-disclosures.csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert status == 200 and [row["summary"] for row in rows] == [PUBLISHED_SUMMARY]
    assert rows[0]["company"] == "ring" and rows[0]["count"] == "1" and rows[0]["warrant"] == "no"

    status, feed = public_text(page, base + "/feeds/updates.atom")
    assert status == 200 and f"Emergency disclosure: {PUBLISHED_TITLE}" in feed

    # The draft is nowhere public: tracker (any filter), chart CSV, detail page, open-data CSV, feed.
    for url in (
        "/emergency-disclosures/",
        "/emergency-disclosures/?data=location",
        "/charts/emergency-disclosures.csv?company=ring",
        "/data/emergency-disclosures.csv",
        "/feeds/updates.atom",
    ):
        status, text = public_text(page, base + url)
        assert status == 200, url
        assert "sheriff" not in text and DRAFT_SUMMARY not in text, url
    assert public_text(page, base + f"/emergency-disclosures/{draft.pk}/")[0] == 404


@pytest.mark.parametrize("width", [1280, 375])
def test_the_tracker_reads_well_draws_its_timeline_and_passes_axe(live_server: Any, page: Any, width: int) -> None:
    ring, google = CompanyFactory(slug="ring", name="Ring"), CompanyFactory(slug="google", name="Google")
    EmergencyDisclosureFactory(company=ring, kind="batch", count=11, title="Ring batch", company_standard="A standard")
    EmergencyDisclosureFactory(company=google, title="Google event", data_category="location")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + "/emergency-disclosures/")
    assert page.get_by_role("heading", level=1).inner_text() == "Emergency disclosures to police"
    # The number a visitor came for is above the fold, on a phone too.
    totals = page.locator("#totals")
    assert "12 disclosures are on record" in totals.inner_text()
    assert totals.bounding_box()["y"] + totals.bounding_box()["height"] < 900
    # charts.js drew the timeline with plotly: one row per company, the batch's count as its label.
    page.locator(".chart-plot").first.scroll_into_view_if_needed()  # drawn when it nears the viewport
    page.wait_for_selector(".chart-plot .main-svg")
    assert page.locator(".chart-plot .ytick text").all_text_contents() == ["Google", "Ring"]
    assert "11" in page.locator(".chart-plot .textpoint").all_text_contents()
    # The page never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_violations(page) == []
    # Filters apply from the form and land in the address.
    page.select_option("#id_company", "google")
    page.wait_for_url(re.compile(r"company=google"))
    assert "1 disclosure matches these filters" in page.locator("#totals").inner_text()
    assert serious_violations(page) == []
    page.get_by_role("link", name="Google event").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Google event"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_violations(page) == []
