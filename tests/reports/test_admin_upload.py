"""Staff upload a document in the admin, preview what it would change, then apply it or cancel."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from reports import admin_upload, importers, services
from reports.models import Figure, ImportRun, ReportingPeriod

pytestmark = pytest.mark.django_db

UPLOAD = "/admin/reports/importrun/upload/"
HEADER = (
    "company,scope,period_start,period_end,jurisdiction,request_type,measure,value,value_min,value_max,source_url\n"
)
URL = "https://www.amazon.com/report.pdf"
RING = Path(__file__).resolve().parent.parent / "fixtures" / "ring" / "h1_2022.txt"


def canonical(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


GOOD = canonical(
    f"amazon,total,2019-07-01,2019-12-31,US,subpoena,requests,1841,,,{URL}",
    f"amazon,total,2019-07-01,2019-12-31,US,national-security,requests,,0,249,{URL}",
)


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def staff(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("editor", "editor@example.org", "a long enough password"))
    return client


def preview(client: Client, data: bytes, name: str = "figures.csv", **fields: str) -> str:
    response = client.post(UPLOAD, {"document": SimpleUploadedFile(name, data), "format": "", **fields})
    assert response.status_code == 200
    return response.content.decode()


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


def kept_uploads() -> list[Path]:
    directory = admin_upload.upload_dir()
    return sorted(directory.iterdir()) if directory.exists() else []


def test_the_import_runs_list_links_to_the_upload_form(staff: Client) -> None:
    page = staff.get("/admin/reports/importrun/").content.decode()
    assert f'href="{UPLOAD}"' in page
    form = staff.get(UPLOAD).content.decode()
    assert 'type="file" name="document"' in form and "Detect from the content" in form


def test_a_preview_shows_the_new_period_and_figures_and_writes_nothing(staff: Client) -> None:
    html = preview(staff, GOOD)
    assert "new period" in html and "amazon H2 2019" in html
    assert "1,841" in html and "0–249" in html
    assert (ReportingPeriod.objects.count(), Figure.objects.count()) == (0, 0)
    assert ImportRun.objects.count() == 0
    assert [path.name for path in kept_uploads()] == [hidden_fields(html)["sha256"]]


def test_applying_a_preview_imports_it_as_the_staff_user_and_forgets_the_upload(staff: Client) -> None:
    fields = hidden_fields(preview(staff, GOOD, publish="on"))
    assert fields["format"] == "canonical_csv"
    response = staff.post(UPLOAD, {**fields, "apply": "Apply this import"})
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/admin/reports/importrun/{run.pk}/change/"
    assert (run.outcome, run.created, run.triggered_by) == ("succeeded", 2, "editor")
    assert ReportingPeriod.objects.get().status == "published"
    assert Figure.objects.get(request_type="subpoena").history.get().history_user.username == "editor"
    assert kept_uploads() == []


def test_a_preview_shows_a_changed_figure_old_to_new(staff: Client) -> None:
    services.import_document(data=GOOD, filename="figures.csv", publish=True)
    html = preview(staff, GOOD.replace(b"1841", b"1900"))
    changed = html.split("Changed figures (old → new)", 1)[1].split("</table>", 1)[0]
    assert "subpoena" in changed and "1,841" in changed and "1,900" in changed
    assert "leave <strong>1</strong> as they are" in html
    assert Figure.objects.get(request_type="subpoena", measure="requests").value == Decimal(1841)


def test_a_pdf_preview_lists_the_documents_warnings(staff: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    # The Ring fixture is the report's text; the PDF reader is replaced so no real PDF is needed.
    from reports.importers import pdf, ring_pdf

    def text(data: bytes, **kwargs: object) -> str:
        return RING.read_text(encoding="utf-8")

    monkeypatch.setattr(pdf, "extract_text", text)  # the sniffer's reading of page one
    monkeypatch.setattr(ring_pdf, "extract_text", text)
    html = preview(staff, b"%PDF-1.7 stand-in\n%%EOF", name="Ring_H1_22.pdf")
    assert "ring_pdf" in html and "ring H1 2022" in html
    assert "content + non-content" in html  # the report's own disagreement, shown as a warning


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"<!doctype html><html><body>Sign in</body></html>", "got an HTML page"),
        (b"a,b,c\n1,2,3\n", "matches no known format"),
        (canonical(f"amazon,total,2019-07-01,2019-12-31,US,subpoena,requests,-4,,,{URL}"), "cannot be negative"),
        (b"%PDF-1.4\n garbage", "figures.pdf"),
    ],
)
def test_a_bad_document_gets_its_error_on_the_form_and_nothing_is_kept(
    staff: Client, data: bytes, expected: str
) -> None:
    name = "figures.pdf" if data.startswith(b"%PDF") else "figures.csv"
    html = preview(staff, data, name=name)
    assert "errornote" in html and expected in html
    assert kept_uploads() == [] and ImportRun.objects.count() == 0


def test_a_document_over_the_size_limit_is_refused_on_the_form(staff: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importers, "MAX_DOCUMENT_BYTES", 100)
    html = preview(staff, GOOD)
    assert f"The document is {len(GOOD):,} bytes, over the 100-byte limit." in html
    assert kept_uploads() == []


def test_cancelling_a_preview_imports_nothing_and_forgets_the_upload(staff: Client) -> None:
    fields = hidden_fields(preview(staff, GOOD))
    response = staff.post(UPLOAD, {**fields, "cancel": "Cancel"}, follow=True)
    assert "Cancelled: nothing was imported from figures.csv." in response.content.decode()
    assert kept_uploads() == [] and Figure.objects.count() == 0 and ImportRun.objects.count() == 0


def test_applying_an_upload_that_is_gone_or_was_altered_says_so_and_imports_nothing(staff: Client) -> None:
    fields = hidden_fields(preview(staff, GOOD))
    (admin_upload.upload_dir() / fields["sha256"]).write_bytes(GOOD.replace(b"1841", b"9999"))
    response = staff.post(UPLOAD, {**fields, "apply": "Apply this import"}, follow=True)
    assert "no longer here" in response.content.decode()
    assert Figure.objects.count() == 0
    response = staff.post(UPLOAD, {**fields, "sha256": "../" + "0" * 61, "apply": "Apply"}, follow=True)
    assert response.status_code == 200 and "upload the document again" in response.content.decode()


def test_staff_without_the_import_permissions_are_refused(client: Client) -> None:
    user = User.objects.create_user("reader", password="a long enough password", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_importrun"))
    client.force_login(user)
    assert client.get(UPLOAD).status_code == 403
    assert client.post(UPLOAD, {"document": SimpleUploadedFile("figures.csv", GOOD)}).status_code == 403
    assert Figure.objects.count() == 0


def test_the_upload_is_for_signed_in_staff_only(client: Client) -> None:
    response = client.get(UPLOAD)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# --- What staff see of what they did (issue: the upload on the home page, the preview by what readers see,
# counts that agree, and the apply ending on the draft with a publish button) -------------------------------

PRESS = "https://press.example/article"


def test_the_admin_home_offers_the_upload_and_lists_drafts_waiting_for_review(staff: Client) -> None:
    home = staff.get("/admin/").content.decode()
    assert f'href="{UPLOAD}"' in home and "Add a company's report" in home
    assert "Waiting for review" not in home
    services.import_document(data=GOOD, filename="figures.csv", publish=False)
    home = staff.get("/admin/").content.decode()
    assert "Waiting for review: 1 draft period" in home and "Amazon H2 2019" in home


def test_the_preview_summarises_what_readers_will_see_and_lists_headline_rows_first(staff: Client) -> None:
    services.import_document(
        data=canonical(f"amazon,total,2019-07-01,2019-12-31,US,subpoena,requests,1800,,,{URL}"),
        filename="old.csv",
        publish=True,
    )
    rows = [f"amazon,total,2019-07-01,2019-12-31,{code},subpoena,requests,5,,,{URL}" for code in ("AF", "AL", "DZ")]
    html = preview(
        staff,
        canonical(
            *rows,
            f"amazon,total,2019-07-01,2019-12-31,US,subpoena,requests,1841,,,{URL}",
            f"amazon,total,2019-07-01,2019-12-31,US,search-warrant,requests,500,,,{URL}",
        ),
    )
    start = html.index("What readers will see change")
    summary = html[start : html.index("</table>", start)]
    text = re.sub(r"<[^>]+>", " ", summary)
    text = re.sub(r"\s+", " ", text)
    assert "US subpoena 1,800 1,841" in text
    assert "US search-warrant — 500" in text
    assert "US all (total) 1,800 (sum) 2,341 (sum)" in text
    new_figures = html[html.index("New figures") :]
    assert new_figures.index(">US<") < new_figures.index(">AF<")  # not Afghanistan first


def test_the_preview_counts_what_the_apply_reports(staff: Client) -> None:
    """A press article's period taken over by the company's own report: figures the report does not give are
    re-cited by name, and the preview counts them with the changes, as the apply does."""
    services.import_document(
        data=canonical(
            f"amazon,total,2019-07-01,2019-12-31,US,subpoena,requests,1841,,,{PRESS}",
            f"amazon,total,2019-07-01,2019-12-31,US,search-warrant,requests,400,,,{PRESS}",
            f"amazon,total,2019-07-01,2019-12-31,US,other-court-order,requests,90,,,{PRESS}",
        ),
        filename="press.csv",
        publish=True,
    )
    from reports.models import SourceDocument

    SourceDocument.objects.filter(url=PRESS).update(kind=SourceDocument.Kind.SECONDARY)
    own = canonical(
        f"amazon,total,2019-07-01,2019-12-31,US,subpoena,requests,1841,,,{URL}",
        f"amazon,total,2019-07-01,2019-12-31,US,search-warrant,requests,410,,,{URL}",
    )
    html = preview(staff, own)
    changed = int(re.search(r"change <strong>(\d+)</strong>", html).group(1))
    fields = hidden_fields(html)
    staff.post(UPLOAD, {**fields, "apply": "Apply this import"})
    run = ImportRun.objects.latest("pk")
    assert (changed, run.updated) == (3, 3)  # 1,841 re-cited, 400 → 410, and the court orders pinned to the press


def test_the_apply_ends_on_the_draft_with_a_button_that_publishes_it(staff: Client) -> None:
    fields = hidden_fields(preview(staff, GOOD))
    response = staff.post(UPLOAD, {**fields, "apply": "Apply this import"}, follow=True)
    page = response.content.decode()
    assert "Waiting for review: 1 draft period" in page and "readers see nothing of it until you publish" in page
    run = ImportRun.objects.latest("pk")
    assert staff.get(f"/admin/reports/importrun/{run.pk}/publish/").status_code == 405
    response = staff.post(f"/admin/reports/importrun/{run.pk}/publish/", follow=True)
    assert "Published 1 period" in response.content.decode()
    assert ReportingPeriod.objects.get().status == "published"
    assert "Waiting for review" not in response.content.decode()
    assert staff.get("/companies/amazon/").status_code == 200
