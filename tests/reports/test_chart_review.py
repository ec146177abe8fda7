"""A real Amazon report whose AWS content donut OCR cannot read (H2 2020: "508" read as "S08"): the reading is
kept with its image and failed checks, its figures stay not reported, and staff publish it from the review
screen only once what they type passes the same checks. The readings that passed are published at once,
with their image one click away."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from reports import services
from reports.models import ChartReading, Figure, ImportRun

pytestmark = pytest.mark.django_db

H2_2020 = "Information_Request_Report_December_2020.pdf"


@pytest.fixture
def imported(shared_data: Path, tesseract: str, settings: object, tmp_path: Path) -> ImportRun:
    settings.MEDIA_ROOT = str(tmp_path)  # type: ignore[attr-defined]
    data = (shared_data / "reports" / "amazon" / H2_2020).read_bytes()
    run = services.import_document(data=data, filename=H2_2020, publish=True, triggered_by="test")
    assert run.outcome == ImportRun.Outcome.SUCCEEDED, run.message
    return run


@pytest.fixture
def staff(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("editor", "editor@example.org", "a long enough password"))
    return client


def aws_content() -> ChartReading:
    return ChartReading.objects.get(period__scope="aws", kind="content")


def aws_figure(measure: str) -> Figure:
    return Figure.objects.get(period__scope="aws", jurisdiction="WW", request_type="all", measure=measure)


def test_the_run_records_the_ocr_engine_and_every_chart_is_kept_with_its_image(imported: ImportRun) -> None:
    readings = ChartReading.objects.all()

    assert imported.ocr_engine.startswith("tesseract ")
    assert readings.count() == 4
    assert all(reading.image and reading.image.name.endswith(f"{reading.image_sha256}.png") for reading in readings)
    assert sorted(readings.values_list("status", flat=True)) == ["published", "published", "published", "review"]


def test_a_failed_reading_publishes_nothing_it_read(imported: ImportRun, client: Client) -> None:
    reading = aws_content()

    assert [check["name"] for check in reading.failed_checks] == ["paired", "sum"]
    assert aws_figure("non-content-disclosed").value is None
    assert aws_figure("content-disclosed").value is None
    assert client.get(f"/sources/charts/{reading.image_sha256}.png").status_code == 404


def test_a_passed_reading_is_published_with_its_image_a_click_away(imported: ImportRun, client: Client) -> None:
    germany = Figure.objects.get(period__scope="excluding-aws", jurisdiction="DE", measure="requests")
    answer = client.get(f"/sources/charts/{germany.chart_image}.png")
    api = client.get("/api/v1/figures?company=amazon&jurisdiction=DE").json()["results"]

    assert germany.value == 11735
    assert answer.status_code == 200 and answer["Content-Type"] == "image/png"
    assert b"".join(answer.streaming_content).startswith(b"\x89PNG")
    (record,) = [item for item in api if item["scope"] == "excluding-aws"]
    assert record["chart_image_url"].endswith(f"/sources/charts/{germany.chart_image}.png")
    source_page = client.get(germany.period.source.get_absolute_url()).content.decode()
    assert "Figures read from its chart images" in source_page
    assert source_page.count('<img src="/sources/charts/') == 3  # the fourth waits for staff
    report_page = client.get(germany.period.get_absolute_url()).content.decode()
    assert f'href="/sources/charts/{germany.chart_image}.png"' in report_page


def test_the_review_screen_shows_the_image_beside_the_numbers_read(imported: ImportRun, staff: Client) -> None:
    reading = aws_content()

    page = staff.get(f"/admin/reports/chartreading/{reading.pk}/change/").content.decode()

    assert f'src="/admin/reports/chartreading/{reading.pk}/image.png"' in page
    assert 'value="Content"' in page and 'value="15"' in page and 'value="523"' in page
    assert "the parts add up to 15; the total is 523" in page
    assert staff.get(f"/admin/reports/chartreading/{reading.pk}/image.png")["Content-Type"] == "image/png"


def review_form(*rows: tuple[str, str, str], total: str) -> dict[str, str]:
    data = {"parts-TOTAL_FORMS": str(len(rows)), "parts-INITIAL_FORMS": "0", "total": total}
    for index, (label, count, share) in enumerate(rows):
        data |= {f"parts-{index}-label": label, f"parts-{index}-count": count, f"parts-{index}-share": share}
    return data


def test_numbers_that_do_not_add_up_are_refused_and_change_nothing(imported: ImportRun, staff: Client) -> None:
    reading = aws_content()
    form = review_form(("Content", "15", "3"), ("Non-Content", "509", "97"), total="523")

    page = staff.post(f"/admin/reports/chartreading/{reading.pk}/change/", form, follow=True).content.decode()

    assert "the parts add up to 524; the total is 523" in page
    assert aws_figure("non-content-disclosed").value is None
    assert aws_content().status == ChartReading.Status.AWAITING_REVIEW


def test_staff_correct_the_reading_and_publish_it(imported: ImportRun, staff: Client, client: Client) -> None:
    reading = aws_content()
    form = review_form(("Content", "15", "3"), ("Non-Content", "508", "97"), ("", "", ""), total="523")

    answer = staff.post(f"/admin/reports/chartreading/{reading.pk}/change/", form)

    assert answer.status_code == 302
    assert (aws_figure("content-disclosed").value, aws_figure("non-content-disclosed").value) == (15, 508)
    assert aws_figure("content-disclosed-pct").value == 3
    assert "Read by staff from the chart image on page 3" in aws_figure("non-content-disclosed").note
    assert aws_content().status == ChartReading.Status.CORRECTED and aws_content().reviewed_by == "editor"
    assert client.get(f"/sources/charts/{reading.image_sha256}.png").status_code == 200


def test_staffs_reading_outlives_a_forced_reimport(imported: ImportRun, staff: Client, shared_data: Path) -> None:
    reading = aws_content()
    form = review_form(("Content", "15", "3"), ("Non-Content", "508", "97"), total="523")
    staff.post(f"/admin/reports/chartreading/{reading.pk}/change/", form)
    data = (shared_data / "reports" / "amazon" / H2_2020).read_bytes()

    again = services.import_document(data=data, filename=H2_2020, publish=True, force=True)

    assert again.outcome == ImportRun.Outcome.SUCCEEDED and (again.created, again.updated) == (0, 0)
    assert aws_figure("non-content-disclosed").value == 508
    assert aws_content().status == ChartReading.Status.CORRECTED and aws_content().reading["total"] == 523
