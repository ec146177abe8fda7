"""Staff enter, correct and publish data in the admin; bad entries get sentences, not errors."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from reports.models import EmergencyDisclosure, Figure, ReportingPeriod
from tests.factories import CompanyFactory, EmergencyDisclosureFactory, ReportingPeriodFactory, SourceDocumentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client: Client) -> Client:
    user = User.objects.create_superuser("editor", "editor@example.org", "a long enough password")
    client.force_login(user)
    return client


def period_form(company_id: int, source_id: int, figures: list[dict[str, str]], **overrides: str) -> dict[str, str]:
    data = {
        "company": str(company_id),
        "scope": "total",
        "start": "2021-01-01",
        "end": "2021-06-30",
        "source": str(source_id),
        "status": "draft",
        "notes": "",
        "change_reason": "",
        "figures-TOTAL_FORMS": str(len(figures)),
        "figures-INITIAL_FORMS": "0",
        "figures-MIN_NUM_FORMS": "0",
        "figures-MAX_NUM_FORMS": "1000",
    }
    for index, figure in enumerate(figures):
        base = {"jurisdiction": "US", "request_type": "subpoena", "measure": "requests", "value": "", "value_min": ""}
        base |= {"value_max": "", "note": ""}
        data |= {f"figures-{index}-{key}": value for key, value in (base | figure).items()}
    return data | overrides


def test_the_admin_is_for_staff_only(client: Client) -> None:
    response = client.get("/admin/reports/reportingperiod/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_enter_a_period_with_exact_band_and_not_reported_figures(staff: Client) -> None:
    company, source = CompanyFactory(slug="amazon", name="Amazon"), SourceDocumentFactory()
    figures = [
        {"value": "2416"},
        {"request_type": "national-security", "value_min": "0", "value_max": "249"},
        {"request_type": "search-warrant", "note": "drawn as an image"},
    ]
    response = staff.post("/admin/reports/reportingperiod/add/", period_form(company.pk, source.pk, figures))
    assert response.status_code == 302, response.content.decode()[:2000]
    period = ReportingPeriod.objects.get()
    assert sorted(f.kind for f in period.figures.all()) == ["band", "exact", "not-reported"]
    assert period.history.first().history_user.username == "editor"


def test_a_band_whose_min_exceeds_max_gets_a_sentence_naming_the_field(staff: Client) -> None:
    company, source = CompanyFactory(), SourceDocumentFactory()
    figures = [{"request_type": "nsl", "value_min": "500", "value_max": "249"}]
    response = staff.post("/admin/reports/reportingperiod/add/", period_form(company.pk, source.pk, figures))
    assert response.status_code == 200
    assert "The band minimum (500) is above its maximum (249)." in response.content.decode()
    assert not ReportingPeriod.objects.exists()


def test_a_response_count_above_its_total_is_refused_in_the_form(staff: Client) -> None:
    company, source = CompanyFactory(), SourceDocumentFactory()
    figures = [{"value": "10"}, {"measure": "full-response", "value": "11"}]
    response = staff.post("/admin/reports/reportingperiod/add/", period_form(company.pk, source.pk, figures))
    assert "is above the requests total (10)" in response.content.decode()
    assert not Figure.objects.exists()


def test_a_period_that_ends_before_it_starts_is_refused(staff: Client) -> None:
    company, source = CompanyFactory(), SourceDocumentFactory()
    data = period_form(company.pk, source.pk, [], end="2020-01-01")
    response = staff.post("/admin/reports/reportingperiod/add/", data)
    assert "The period cannot end before it starts." in response.content.decode()


def test_changing_a_published_period_asks_why_and_records_the_reason(staff: Client) -> None:
    period = ReportingPeriodFactory(notes="")
    url = f"/admin/reports/reportingperiod/{period.pk}/change/"
    data = period_form(
        period.company_id, period.source_id, [], start="2020-01-01", end="2020-06-30", status="published"
    )
    data["notes"] = "Counts now include AWS."
    response = staff.post(url, data)
    assert "say why you are changing it" in response.content.decode()
    response = staff.post(url, data | {"change_reason": "Amazon restated its method"})
    assert response.status_code == 302
    assert period.history.first().history_change_reason == "Amazon restated its method"


def test_staff_publish_drafts_with_the_action(staff: Client) -> None:
    draft = ReportingPeriodFactory(status="draft")
    response = staff.post(
        "/admin/reports/reportingperiod/", {"action": "publish", "_selected_action": [str(draft.pk)]}, follow=True
    )
    assert "Published 1 period." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "published"


def test_a_batch_without_a_source_is_refused(staff: Client) -> None:
    company = CompanyFactory()
    data = {
        "company": str(company.pk),
        "kind": "batch",
        "title": "Footage given 3 times",
        "date_start": "2022-01-01",
        "date_end": "2022-03-01",
        "count": "3",
        "jurisdiction": "US",
        "basis": "good-faith",
        "warrant": "no",
        "user_consent": "no",
        "user_notified": "unknown",
        "data_category": "video",
        "summary": "Three times.",
        "status": "draft",
        "requester": "law-enforcement",
        "evidence": "company-statement",
        "excerpts-TOTAL_FORMS": "0",
        "excerpts-INITIAL_FORMS": "0",
        "excerpts-MIN_NUM_FORMS": "0",
        "excerpts-MAX_NUM_FORMS": "1000",
    }
    response = staff.post("/admin/reports/emergencydisclosure/add/", data)
    assert "must cite the document that admits it" in response.content.decode()
    source = SourceDocumentFactory()
    response = staff.post("/admin/reports/emergencydisclosure/add/", data | {"sources": [str(source.pk)]})
    assert response.status_code == 302
    assert EmergencyDisclosure.objects.get().count == 3


def test_publishing_a_disclosure_without_sources_is_refused(staff: Client) -> None:
    item = EmergencyDisclosureFactory(status="draft", sources=[])
    response = staff.post(
        "/admin/reports/emergencydisclosure/", {"action": "publish", "_selected_action": [str(item.pk)]}, follow=True
    )
    assert "needs at least one" in response.content.decode()
    item.refresh_from_db()
    assert item.status == "draft"
