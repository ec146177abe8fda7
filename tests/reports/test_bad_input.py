"""What got through when the pipeline was attacked (issue "Tried to break it"), each kept as the bad-input or
crash test it is. The table of every bad input the suite tries is in docs/security.md."""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.utils import timezone

from dashboard import checks
from reports import importers, services
from reports.importers import microsoft_xlsx
from reports.importers.base import DocumentError
from reports.models import DataGeneration, Figure, ImportRun, SourceDocument
from tests.factories import CompanyFactory, ReportingPeriodFactory
from tests.reports.importers.test_microsoft_xlsx import CRIMINAL, workbook

pytestmark = pytest.mark.django_db

HEADER = (
    "company,scope,period_start,period_end,jurisdiction,request_type,measure,value,value_min,value_max,source_url\n"
)
URL = "https://transparencyreport.google.com/user-data/overview"


def canonical(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


def import_rows(*rows: str, **options: Any) -> ImportRun:
    return services.import_document(data=canonical(*rows), filename="figures.csv", fmt="canonical_csv", **options)


# --- 1. Numbers a column cannot hold, or a report would never give ----------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1000000000000", "too large to be a figure"),
        ("1e9", "expected a number, found '1e9'"),
        ("Infinity", "expected a number, found 'Infinity'"),
        ("200000000", "is not a plausible count"),
        ("12.5", "a count is a whole number"),
    ],
)
def test_a_value_no_report_gives_is_refused_before_anything_is_written(value: str, message: str) -> None:
    run = import_rows(f"google,total,2009-07-01,2009-12-31,BE,all,requests,{value},,,{URL}", publish=True)

    assert run.outcome == "failed" and message in run.message
    assert not Figure.objects.exists()


def test_the_site_still_answers_after_such_a_file_was_refused(client: Client) -> None:
    import_rows(f"google,total,2009-07-01,2009-12-31,BE,all,requests,1000000000000,,,{URL}", publish=True)

    for url in ("/data/figures.csv", "/countries/", "/corrections/", "/feeds/updates.atom"):
        assert client.get(url).status_code == 200, url


# --- 2. The data generation commits with the data ------------------------------------------------------


def test_the_generation_moves_inside_the_importing_transaction_not_after_it(
    django_capture_on_commit_callbacks: Any,
) -> None:
    before = DataGeneration.objects.get_or_create(id=1)[0].number
    with django_capture_on_commit_callbacks(execute=False):  # the process dies before its commit hooks run
        run = import_rows(f"google,total,2009-07-01,2009-12-31,BE,all,requests,67,,,{URL}", publish=True)

    assert run.outcome == "succeeded"
    assert DataGeneration.objects.get(id=1).number == before + 1


def test_a_bump_nobody_announced_is_seen_within_the_recheck_time(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard import caching

    kept: dict[str, Any] = {}
    monkeypatch.setattr(caching, "shared_set", lambda key, value, timeout: kept.update(timeout=timeout))
    monkeypatch.setattr(caching, "shared_get", lambda key: None)

    caching.current_generation()

    assert kept["timeout"] == settings.GENERATION_RECHECK_SECONDS


# --- 3. Leftovers after a crash or a rollback -------------------------------------------------------------


def test_a_command_line_run_left_running_by_a_killed_process_is_marked_interrupted(
    settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)  # marking it sweeps unreferenced archives: not the shared test media
    stale = ImportRun.objects.create(filename="big.csv", triggered_by="import_report")
    ImportRun.objects.filter(pk=stale.pk).update(started_at=timezone.now() - dt.timedelta(days=1))

    import_rows(f"google,total,2009-07-01,2009-12-31,BE,all,requests,67,,,{URL}")

    stale.refresh_from_db()
    assert (stale.outcome, stale.message) == ("failed", services.INTERRUPTED)


def test_an_archive_written_in_a_transaction_that_rolls_back_is_removed(
    monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "apple"
    data = next(fixture.glob("*.csv")).read_bytes()

    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "_apply", fail)
    run = services.import_document(data=data, filename="account_requests.csv")

    assert run.outcome == "failed"
    assert not SourceDocument.objects.exists()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_sweep_removes_archive_files_no_row_points_to(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    kept = SourceDocument(url="https://example.org/a.pdf", title="A", publisher="A")
    kept.archive.save("a.pdf", ContentFile(b"%PDF-1.4 kept"), save=True)
    storage = SourceDocument._meta.get_field("archive").storage  # type: ignore[attr-defined]
    orphan = storage.save("sources/ab/orphan.pdf", ContentFile(b"%PDF-1.4 left by a killed process"))
    young = storage.save("sources/ab/young.pdf", ContentFile(b"%PDF-1.4 an import still in its transaction"))
    an_hour_ago = (timezone.now() - dt.timedelta(hours=1)).timestamp()
    os.utime(storage.path(orphan), (an_hour_ago, an_hour_ago))

    assert services.sweep_unreferenced_archives() == [orphan]
    assert storage.exists(young)
    assert storage.exists(kept.archive.name) and not storage.exists(orphan)


# --- 4 and 5. Workbooks: formulas without values, and zip bombs ---------------------------------------------


def test_a_workbook_of_formulas_without_computed_values_is_refused_not_published_as_not_reported() -> None:
    rows = [(country, "=1+1", *rest) for country, _requests, *rest in CRIMINAL]
    with pytest.raises(DocumentError, match="formulas the workbook carries no computed value for"):
        microsoft_xlsx.parse(workbook(criminal=rows), filename="Microsoft_LERR_2018_H1.xlsx")


def test_a_zip_bomb_dressed_as_a_workbook_is_refused_from_its_declared_sizes() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (40 * 1024 * 1024))
    with pytest.raises(DocumentError, match="times larger than it is stored"):
        microsoft_xlsx.parse(buffer.getvalue(), filename="bomb.xlsx")


# --- 6. Canonical rows trusted too far ---------------------------------------------------------------------


def test_a_source_address_that_is_not_a_web_address_is_refused() -> None:
    run = import_rows("google,total,2009-07-01,2009-12-31,BE,all,requests,67,,,javascript:alert(document.domain)")

    assert run.outcome == "failed" and "expected a web address" in run.message
    assert not SourceDocument.objects.exists()


def test_a_period_that_ends_after_today_is_refused() -> None:
    run = import_rows(f"google,total,2031-01-01,2031-06-30,BE,all,requests,67,,,{URL}")

    assert run.outcome == "failed" and "after today" in run.message


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_neutralised_in_the_served_csv(client: Client) -> None:
    data = (
        HEADER.strip()
        + ",note\n"
        + f'google,total,2009-07-01,2009-12-31,BE,all,requests,67,,,{URL},"=HYPERLINK(""x"")"\n'
    )
    services.import_document(data=data.encode(), filename="figures.csv", fmt="canonical_csv", publish=True)

    text = b"".join(client.get("/data/figures.csv").streaming_content).decode()

    assert "'=HYPERLINK" in text and ',"=HYPERLINK' not in text and ",=HYPERLINK" not in text


# --- 8. Small ones -------------------------------------------------------------------------------------------


def test_a_pdf_cut_short_is_called_truncated() -> None:
    with pytest.raises(DocumentError, match="the PDF is truncated"):
        importers.detect(b"%PDF-1.7\n1 0 obj << >> endobj\n" * 20, filename="report.pdf")


def test_turning_off_staff_two_factor_sign_in_is_a_deploy_warning(settings: Any) -> None:
    settings.ADMIN_REQUIRE_2FA = False
    assert [w.id for w in checks.staff_need_two_factors(None)] == ["dashboard.W001"]
    settings.ADMIN_REQUIRE_2FA = True
    assert checks.staff_need_two_factors(None) == []


def test_an_archive_download_keeps_the_documents_own_long_name(client: Client, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    name = "PRPL-Facebook-Government-Report-2021_H2-with-a-name-longer-than-the-old-limit-of-one-hundred.csv"
    source = SourceDocument(url="https://example.org/x", title="X", publisher="Meta", company=CompanyFactory())
    with transaction.atomic():
        source.archive.save(name, ContentFile(b"Country,Total Requests\n"), save=True)
    ReportingPeriodFactory(source=source, status="published")  # what makes a document public

    response = client.get(f"/sources/{source.pk}/archive")

    assert response.status_code == 200
    assert name in response["Content-Disposition"]
