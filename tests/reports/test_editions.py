"""New editions of the companies' files: what an importer does not know reaches staff, staff teach it,
a newer edition's revisions are corrections with both documents, and transcribed copies give way to the
company's own file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from reports import refreshing, services
from reports.history import public_corrections
from reports.models import DataFeed, Figure, ImporterAlias, ReportingPeriod, SourceDocument, Status
from tests.factories import CompanyFactory
from tests.reports import test_fetching as served
from tests.reports.test_fetching import FeedServer, Response

pytestmark = pytest.mark.django_db
feed_server = served.feed_server

GOOGLE_HEADER = (
    "Period Ending,Country/Region,CLDR Territory Code,Legal Process,User Data Requests,Percentage disclosed,Accounts"
)
GOOGLE_ROWS = (
    "2022-12-31,United Kingdom,GB,Subpoenas,10,50,12\n"
    "2022-12-31,United Kingdom,GB,CLOUD ACT - OPOs,3,100,4\n"
    "2022-12-31,Germany,DE,Search Warrants,7,80,9\n"
)
GOOGLE_CSV = (GOOGLE_HEADER + "\n" + GOOGLE_ROWS).encode()


def figure(slug: str, start: str, jurisdiction: str, request_type: str, measure: str = "requests") -> Figure:
    return Figure.objects.get(
        period__company__slug=slug,
        period__scope="total",
        period__start=start,
        jurisdiction=jurisdiction,
        request_type=request_type,
        measure=measure,
    )


# --- Unknowns reach staff, and staff teach the importer --------------------------------------------


def test_an_unknown_label_is_recorded_on_the_run_and_the_rest_imports() -> None:
    run = services.import_document(data=GOOGLE_CSV, filename="google-global-user-data-requests.csv", publish=True)

    assert run.outcome == "succeeded", run.message
    assert run.unknowns == [
        {
            "kind": "label",
            "place": "row 3, column Legal Process",
            "text": "CLOUD ACT - OPOs",
            "detail": "a legal process",
        }
    ]
    assert "1 not understood" in run.message
    assert Figure.objects.filter(period__company__slug="google").count() == 6  # 2 rows x 3 measures


def test_an_alias_staff_save_is_used_by_every_later_import() -> None:
    services.import_document(data=GOOGLE_CSV, filename="a.csv", publish=True)
    ImporterAlias.objects.create(format="google_csv", kind="label", text="CLOUD Act - OPOs", target="other-court-order")

    run = services.import_document(data=GOOGLE_CSV, filename="a.csv", publish=True, force=True)

    assert run.unknowns == []
    assert figure("google", "2022-07-01", "GB", "other-court-order").value == 3


def test_an_alias_marked_out_of_scope_leaves_the_row_out_knowingly() -> None:
    ImporterAlias.objects.create(format="google_csv", kind="label", text="cloud act opos", target="out-of-scope")

    run = services.import_document(data=GOOGLE_CSV, filename="a.csv", publish=True)

    assert run.unknowns == []
    assert not Figure.objects.filter(request_type="other-court-order").exists()


def test_an_alias_with_a_target_outside_the_vocabulary_is_refused_in_a_sentence() -> None:
    from django.core.exceptions import ValidationError

    alias = ImporterAlias(format="google_csv", kind="label", text="CLOUD Act - OPOs", target="cloud-orders")
    with pytest.raises(ValidationError, match="is not a"):
        alias.full_clean()


def test_a_feed_document_with_unknowns_lands_as_a_draft_even_where_the_feed_publishes(
    feed_server: FeedServer,
) -> None:
    feed_server.documents["/google.csv"] = Response(200, GOOGLE_CSV, {"Content-Type": "text/csv"})
    feed = DataFeed.objects.create(
        name="Google", company=CompanyFactory(slug="google", name="Google"), url=feed_server.url("/google.csv")
    )
    feed.publish_on_import = True
    feed.save()

    run = refreshing.refresh_feed(feed_id=feed.pk, triggered_by="test")

    assert run.outcome == "succeeded" and len(run.unknowns) == 1
    assert ReportingPeriod.objects.get(company__slug="google").status == Status.DRAFT


def test_staff_see_each_unknown_with_its_place_and_a_link_that_teaches_the_importer(client: Client) -> None:
    run = services.import_document(data=GOOGLE_CSV, filename="a.csv")
    client.force_login(User.objects.create_superuser("staff", "staff@example.org", "pw"))

    page = client.get(f"/admin/reports/importrun/{run.pk}/change/").content.decode()

    assert "row 3, column Legal Process" in page and "CLOUD ACT - OPOs" in page
    assert "/admin/reports/importeralias/add/?format=google_csv&amp;kind=label&amp;text=CLOUD+ACT+-+OPOs" in page
    form = client.get("/admin/reports/importeralias/add/?format=google_csv&kind=label&text=CLOUD+ACT+-+OPOs")
    assert 'value="CLOUD ACT - OPOs"' in form.content.decode()
    saved = client.post(
        "/admin/reports/importeralias/add/",
        {"format": "google_csv", "kind": "label", "text": "CLOUD ACT - OPOs", "target": "other-court-order"},
    )
    assert saved.status_code == 302
    assert ImporterAlias.objects.get().created_by.username == "staff"


def test_import_report_publishes_what_it_understood_and_prints_the_unknowns(tmp_path: Path) -> None:
    path = tmp_path / "google-global-user-data-requests.csv"
    path.write_bytes(GOOGLE_CSV)
    out = io.StringIO()

    call_command("import_report", str(path), "--publish", stdout=out)

    printed = out.getvalue()
    assert "not understood, not imported (1;" in printed
    assert "unknown label at row 3, column Legal Process: 'CLOUD ACT - OPOs' (a legal process)" in printed
    assert ReportingPeriod.objects.get().status == Status.PUBLISHED


# --- Editions: a newer one is a refresh, its revisions corrections with both documents --------------


def read(shared_data: Path, relative: str) -> bytes:
    return (shared_data / relative).read_bytes()


def test_importing_the_superseded_edition_then_the_newest_records_each_revision_as_a_correction(
    shared_data: Path,
) -> None:
    name = "google-usnationalsecurity-nsl-requests.csv"
    old = services.import_document(
        data=read(shared_data, f"superseded/google-to-2022-06/{name}"), filename=name, publish=True
    )
    assert old.outcome == "succeeded", old.message

    new = services.import_document(data=read(shared_data, f"reports/google/{name}"), filename=name, publish=True)

    assert new.outcome == "succeeded", new.message
    revised = figure("google", "2021-07-01", "US", "nsl")
    assert (revised.value_min, revised.value_max) == (8, 499)  # 2-499 in the superseded edition
    plan = new.plan  # type: ignore[attr-defined]
    changes = {(change.period, change.key): (change.old, change.new) for change in plan.changes if change.old}
    assert changes[("google total 2021-07-01..2021-12-31", ("US", "nsl", "requests"))] == ("2–499", "8–499")
    # Every revision is of a value (a band's lower end raised), none a mere change of citation.
    assert all("cited to" not in old for old, _new in changes.values())
    # Rows written equal figures that changed or are new; what the new edition repeats is rewritten nowhere.
    new_figures = sum(1 for change in plan.changes if not change.old)
    assert new.created == new_figures and new.updated == len(changes)
    # By hand, from a diff of the two files: 8 revised lower ends, 3 new half-years of 2 bands each.
    assert (new.created, new.updated) == (6, 8)
    assert new.unchanged == old.created - new.updated
    corrections = [c for c in public_corrections() if "National Security Letters · Requests" in c.subject]
    nsl_h2_2021 = next(c for c in corrections if "H2 2021" in c.subject)
    shown = {change.label: (change.old, change.new) for change in nsl_h2_2021.changes}
    assert shown["value"] == ("2–499", "8–499")
    old_doc, new_doc = SourceDocument.objects.order_by("pk")
    assert shown["source"] == (
        f"the company's own report, “{old_doc.title}” (copy {old_doc.sha256[:8]})",
        f"the company's own report, “{new_doc.title}” (copy {new_doc.sha256[:8]})",
    )


def test_the_same_edition_again_rewrites_nothing(shared_data: Path) -> None:
    name = "google-usnationalsecurity-nsl-requests.csv"
    data = read(shared_data, f"reports/google/{name}")
    services.import_document(data=data, filename=name, publish=True)
    history = Figure.history.count()  # type: ignore[attr-defined]

    again = services.import_document(data=data, filename=name, publish=True, force=True)

    assert (again.created, again.updated) == (0, 0)
    assert Figure.history.count() == history  # type: ignore[attr-defined]


# --- Transcribed copies ----------------------------------------------------------------------------


def test_a_transcribed_copy_says_so_and_the_companys_own_file_replaces_it(shared_data: Path) -> None:
    name = "google-usnationalsecurity-nsl-requests.csv"
    copy = services.import_document(
        data=read(shared_data, f"transcribed/google/{name}"),
        filename=name,
        publish=True,
        source_kind=SourceDocument.Kind.TRANSCRIBED,
    )
    assert copy.source.kind == SourceDocument.Kind.TRANSCRIBED
    assert copy.source.provenance.startswith("Transcribed copy of Google LLC's file, SHA-256 of the copy")
    assert figure("google", "2021-07-01", "US", "nsl").cited_source == copy.source

    own = services.import_document(data=read(shared_data, f"reports/google/{name}"), filename=name, publish=True)

    assert figure("google", "2021-07-01", "US", "nsl").cited_source == own.source
    # Periods the company's file does not cover keep the transcribed copy, which says what it is.
    assert figure("google", "2025-01-01", "US", "nsl").cited_source == copy.source


def test_a_transcribed_copy_never_overrides_the_companys_own_file(shared_data: Path) -> None:
    name = "google-usnationalsecurity-nsl-requests.csv"
    own = services.import_document(data=read(shared_data, f"reports/google/{name}"), filename=name, publish=True)
    before = {(f.pk, f.value_min, f.value_max, f.source_id) for f in Figure.objects.all()}

    copy = services.import_document(
        data=read(shared_data, f"transcribed/google/{name}"),
        filename=name,
        publish=True,
        source_kind=SourceDocument.Kind.TRANSCRIBED,
    )

    assert copy.outcome == "succeeded" and copy.updated == 0
    assert before <= {(f.pk, f.value_min, f.value_max, f.source_id) for f in Figure.objects.all()}
    assert own.source.kind == SourceDocument.Kind.PRIMARY


def test_readers_are_told_a_figure_comes_from_a_transcribed_copy(client: Client, shared_data: Path) -> None:
    name = "google-usnationalsecurity-nsl-requests.csv"
    copy = services.import_document(
        data=read(shared_data, f"transcribed/google/{name}"),
        filename=name,
        publish=True,
        source_kind=SourceDocument.Kind.TRANSCRIBED,
    )

    page = client.get(copy.source.get_absolute_url()).content.decode()

    assert "Transcribed copy of Google LLC&#x27;s file, SHA-256 of the copy" in page
    assert "not from the company's own download" in page
    listing = client.get("/sources/").content.decode()
    assert 'class="kind kind-transcribed">Transcribed copy</span>' in listing


def test_a_figure_moving_from_a_press_report_to_the_companys_own_reads_as_such() -> None:
    from reports import bulk

    url = "https://amazon.example/report.pdf"
    press = "https://press.example/story"
    bulk.upsert_source_documents(
        rows=[{"url": press, "title": "A story", "publisher": "Press", "kind": "secondary", "company": "amazon"}],
        reason="test",
    )
    header = "company,scope,period_start,period_end,jurisdiction,request_type,measure,value,value_min,value_max,"
    rows = header + "source_url\n" + "amazon,total,2020-01-01,2020-06-30,US,subpoena,requests,2416,,,{}\n"
    services.import_document(data=rows.format(press).encode(), filename="a.csv", fmt="canonical_csv", publish=True)
    bulk.upsert_source_documents(
        rows=[{"url": url, "title": "Amazon report", "publisher": "Amazon", "kind": "primary", "company": "amazon"}],
        reason="test",
    )
    services.import_document(data=rows.format(url).encode(), filename="b.csv", fmt="canonical_csv", publish=True)

    # The period moves to the company's report (its figures cite the period's document).
    sources = [f for c in public_corrections() for f in c.changes if f.label == "source"]
    assert [(f.old, f.new) for f in sources] == [
        ("a press report, “A story”", "the company's own report, “Amazon report”")
    ]
