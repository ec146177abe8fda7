"""Staff enter a reporting period with an exact figure, a band and a not-reported figure in the admin,
in Debian's Chromium, publish it, and readers find it on the report page; a bad band gets a sentence."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User

from reports.models import Figure, ReportingPeriod
from tests.factories import CompanyFactory, SourceDocumentFactory
from tests.reports.test_fetching import feed_server

__all__ = ["feed_server"]  # the local HTTP server fixture, shared with the fetching tests

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "a long enough password for tests"
#: Where the browser tests leave pictures of what staff see, to look at (not compared).
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", tempfile.gettempdir()))


def sign_in(page: Any, base: str) -> None:
    User.objects.create_superuser("editor", "editor@example.org", PASSWORD)
    page.goto(base + "/admin/login/?next=/admin/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(base + "/admin/")


def fill_figure(page: Any, index: int, request_type: str, **values: str) -> None:
    page.fill(f"#id_figures-{index}-jurisdiction", "US")
    page.select_option(f"#id_figures-{index}-request_type", request_type)
    page.select_option(f"#id_figures-{index}-measure", "requests")
    for name, value in values.items():
        page.fill(f"#id_figures-{index}-{name}", value)


def test_staff_enter_and_publish_a_period_with_an_exact_figure_a_band_and_a_gap(live_server: Any, page: Any) -> None:
    base = live_server.url
    CompanyFactory(slug="amazon", name="Amazon")
    source = SourceDocumentFactory(title="Amazon Information Request Report H1 2021")
    sign_in(page, base)

    page.goto(base + "/admin/reports/reportingperiod/add/")
    page.select_option("#id_company", label="Amazon")
    page.select_option("#id_scope", "total")
    page.fill("#id_start", "2021-01-01")
    page.fill("#id_end", "2021-06-30")
    # The source is an autocomplete field: search for the document and pick it, as staff do.
    page.click(".field-source .select2-selection")
    page.fill(".select2-search__field", "H1 2021")
    page.click(f".select2-results__option:has-text('{source.title}')")
    fill_figure(page, 0, "subpoena", value="2416")
    fill_figure(page, 1, "national-security", value_min="500", value_max="249")
    fill_figure(page, 2, "search-warrant", note="Drawn as an image in the report")
    page.click("input[name=_save]")
    page.wait_for_selector(".errornote")
    assert "The band minimum (500) is above its maximum (249)." in page.inner_text("#content")
    assert not ReportingPeriod.objects.exists()

    page.fill("#id_figures-1-value_min", "0")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    period = ReportingPeriod.objects.get()
    assert period.status == "draft"
    assert sorted(f.kind for f in Figure.objects.filter(period=period)) == ["band", "exact", "not-reported"]
    report_url = base + "/reports/amazon/total/2021-01-01/2021-06-30/"
    assert page.request.get(report_url).status == 404

    page.goto(base + "/admin/reports/reportingperiod/")
    page.check(f"input[name=_selected_action][value='{period.pk}']")
    page.select_option("select[name=action]", "publish")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist .success")
    assert "Published 1 period." in page.content()

    page.goto(report_url)
    text = page.inner_text("main")
    assert "2,416" in text and "0–249" in text and "not reported" in text


def test_staff_teach_the_importer_a_label_from_an_import_runs_unknowns(live_server: Any, page: Any) -> None:
    from reports import services
    from reports.models import ImporterAlias

    data = (
        b"Period Ending,Country/Region,CLDR Territory Code,Legal Process,User Data Requests,Percentage disclosed,"
        b"Accounts\n2022-12-31,United Kingdom,GB,CLOUD ACT - OPOs,3,100,4\n2022-12-31,Germany,DE,Subpoenas,7,80,9\n"
    )
    run = services.import_document(data=data, filename="google-global-user-data-requests.csv")
    base = live_server.url
    sign_in(page, base)

    page.goto(f"{base}/admin/reports/importrun/{run.pk}/change/")
    table = page.inner_text("table.unknowns")
    assert "row 2, column Legal Process" in table and "CLOUD ACT - OPOs" in table
    page.screenshot(path=str(SCREENSHOTS / "admin-unknowns.png"), full_page=True)
    page.click("text=Teach the importer: map to a request type")
    assert page.input_value("#id_text") == "CLOUD ACT - OPOs"
    page.fill("#id_target", "other-court-order")
    page.fill("#id_note", "UK overseas production orders under the CLOUD Act agreement: court orders.")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")

    assert ImporterAlias.objects.get().target == "other-court-order"
    again = services.import_document(data=data, filename="google-global-user-data-requests.csv", force=True)
    assert again.unknowns == []
    assert Figure.objects.filter(jurisdiction="GB", request_type="other-court-order").exists()


def test_staff_review_and_publish_what_a_page_feed_found(live_server: Any, page: Any, feed_server: Any) -> None:
    from reports import refreshing
    from tests.reports.test_discovery import meta_feed_at

    feed = meta_feed_at(feed_server)
    refreshing.refresh_feed(feed_id=feed.pk, triggered_by="staff editor")
    base = live_server.url
    sign_in(page, base)
    page.goto(base + f"/admin/reports/datafeed/{feed.pk}/change/", wait_until="domcontentloaded")
    page.screenshot(path=str(SCREENSHOTS / "admin-page-feed.png"), full_page=True)
    page.click("text=1 document found on the page: review them")
    assert page.locator(".field-review strong").inner_text() == "1 draft"
    page.screenshot(path=str(SCREENSHOTS / "admin-discovered-documents.png"), full_page=True)
    page.check("input[name=_selected_action]")
    page.select_option("select[name=action]", "publish")
    page.click("button[name=index]")
    assert "Published 1 period." in page.locator(".messagelist").inner_text()
    assert page.locator(".field-review").inner_text() == "1 published"
    assert set(ReportingPeriod.objects.values_list("status", flat=True)) == {"published"}


def test_staff_read_a_failed_chart_off_its_image_and_publish_it(
    live_server: Any, page: Any, shared_data: Path, tesseract: str, settings: Any, tmp_path: Path
) -> None:
    """Amazon H2 2020's AWS content donut, which OCR misreads ("S08"): staff see the image beside the numbers
    read, a wrong correction is refused with the failed check, the right one is published."""
    from reports import services
    from reports.models import ChartReading

    settings.MEDIA_ROOT = str(tmp_path)
    name = "Information_Request_Report_December_2020.pdf"
    data = (shared_data / "reports" / "amazon" / name).read_bytes()
    assert services.import_document(data=data, filename=name, publish=True).outcome == "succeeded"
    reading = ChartReading.objects.get(status="review")
    base = live_server.url
    sign_in(page, base)

    page.goto(base + "/admin/reports/chartreading/?status__exact=review")
    page.click(f"#result_list a[href*='/{reading.pk}/change/']")
    image = page.wait_for_selector(".chart-review-image img")
    # The image really loads (waited for: a busy machine may still be fetching it when the page is ready).
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=image, timeout=15000)
    assert page.evaluate("(img) => img.naturalWidth", image) > 300
    assert "the parts add up to 15; the total is 523" in page.inner_text(".errornote")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SCREENSHOTS / "chart-review.png"), full_page=True)

    page.fill("#id_parts-1-label", "Non-Content")
    page.fill("#id_parts-1-count", "580")
    page.fill("#id_parts-1-share", "97")
    page.click("input[value='Check and publish']")
    page.wait_for_selector(".messagelist .error")
    assert "the parts add up to 595; the total is 523" in page.inner_text(".messagelist")
    assert Figure.objects.get(period__scope="aws", measure="non-content-disclosed").value is None

    page.fill("#id_parts-1-count", "508")
    page.click("input[value='Check and publish']")
    page.wait_for_selector(".messagelist .success")
    assert Figure.objects.get(period__scope="aws", measure="non-content-disclosed").value == 508
    report = page.request.get(base + "/reports/amazon/aws/2020-07-01/2020-12-31/").text()
    assert "Read by staff from the chart image on page 3" in report
