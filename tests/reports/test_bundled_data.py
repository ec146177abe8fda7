"""The bundled dataset (reports/data/): built from the companies' own documents, loaded through the pipeline,
and several documents per period each cited for their own figures."""

from __future__ import annotations

import csv
import functools
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from reports import bulk, bundled, services
from reports.models import DataFeed, Figure, ImportRun, ReportingPeriod, SourceDocument

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@functools.cache
def parsed(shared_data: Path) -> list[bundled.PrimaryDocument]:
    return bundled.parse_documents(shared_data)


# --- Built from ../shared/data --------------------------------------------------------------------


def test_the_bundled_figures_are_exactly_a_fresh_parse_of_the_shared_documents(shared_data: Path) -> None:
    fresh = bundled.figure_rows(parsed(shared_data))
    assert fresh == bundled.read_csv_rows(bundled.PRIMARY_FIGURES_CSV)
    assert len(fresh) > 50_000


def test_every_shared_document_has_its_source_row_with_its_digest_and_the_press_rows_are_kept(
    shared_data: Path,
) -> None:
    with bundled.SOURCES_CSV.open(newline="", encoding="utf-8") as handle:
        rows = {row["url"]: row for row in csv.DictReader(handle)}
    folder = bundled.parse_folder(shared_data)
    documents = folder.documents
    assert len(documents) + len(folder.unknown_files) == len(bundled.document_paths(shared_data))
    # Google's list of released NSLs (numbers and dates, no counts) is the one file no importer knows.
    assert [line.split(":")[0] for line in folder.unknown_files] == [
        "reports/google/google-usnationalsecurity-nsl-requests-released.csv"
    ]
    for item in documents:
        assert rows[item.url] == item.source_row()
    assert {row["kind"] for url, row in rows.items() if url not in {d.url for d in documents}} == {"secondary"}
    assert {row["kind"] for row in rows.values() if "transcribed-copy-of-" in row["url"]} == {"transcribed"}
    assert bundled.period_rows(documents) == bundled.read_csv_rows(bundled.PERIODS_CSV)


def test_building_again_gives_the_same_bytes(shared_data: Path, tmp_path: Path) -> None:
    (tmp_path / "sources.csv").write_bytes(bundled.SOURCES_CSV.read_bytes())
    result = bundled.build(shared_data=shared_data, data_dir=tmp_path, documents=parsed(shared_data))
    assert result.sources == len(bundled.read_csv_rows(bundled.SOURCES_CSV))
    for path in (bundled.PRIMARY_FIGURES_CSV, bundled.PERIODS_CSV, bundled.SOURCES_CSV):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


# --- Loaded (no shared data needed) ---------------------------------------------------------------

#: Figures looked up by hand in the documents (file, then the row or caption that gives it).
KNOWN = [
    # Ring_Information_Request_Report_H1_22.pdf: "Search Warrants (1622)", "Subpoenas (218)"
    ("ring", "total", "2022-01-01", "US", "search-warrant", "requests", 1622, "Ring_Information_Request_Report_H1_22"),
    ("ring", "total", "2022-01-01", "US", "subpoena", "requests", 218, "Ring_Information_Request_Report_H1_22"),
    # Information_Request_Report_December_2019.pdf: subpoenas 1,841 (609 full, 751 partial, 481 none)
    ("amazon", "total", "2019-07-01", "US", "subpoena", "requests", 1841, "Information_Request_Report_December_2019"),
    # google-global-user-data-requests.csv: 2021-12-31,United States,US,Subpoenas,18037,83,43299
    ("google", "total", "2021-07-01", "US", "subpoena", "requests", 18037, "google-global-user-data-requests"),
    # PRPL-Facebook-Government-Report-2021_H2.csv: United States, Total Requests "59,996"
    ("meta", "total", "2021-07-01", "US", "all", "requests", 59996, "PRPL-Facebook-Government-Report-2021_H2"),
    # account_requests.csv: 2021 H2,7/1/21,12/31/21,United States of America,6646,...
    ("apple", "total", "2021-07-01", "US", "account", "requests", 6646, "account_requests"),
    # Microsoft_LERR_2021_H2.xlsx, sheet Criminal, United States: =SUM(554, 2444, 2022, 581)
    ("microsoft", "total", "2021-07-01", "US", "legal-process", "requests", 5601, "Microsoft_LERR_2021_H2"),
]


def snapshot() -> dict[str, int]:
    """Row counts of the published record and its history: any write changes at least one."""
    models = [Figure, ReportingPeriod, SourceDocument]
    counts = {model.__name__: model.objects.count() for model in models}
    counts |= {f"history of {model.__name__}": model.history.count() for model in models}  # type: ignore[attr-defined]
    return counts


@pytest.mark.django_db
def test_loading_the_bundled_data_again_writes_nothing_and_the_known_figures_are_there() -> None:
    first = bundled.load()
    assert not first.failed, [run.message for run in first.failed]
    before = snapshot()
    second = bundled.load()
    assert [run.outcome for run in second.runs] == [ImportRun.Outcome.UNCHANGED] * 2
    assert (second.periods_updated, second.disclosures_created, second.disclosures_updated) == (0, 0, 0)
    assert snapshot() == before
    # Not only skipped by its digest: compared figure by figure, the bundled figures are all there already.
    forced = services.import_document(
        data=bundled.PRIMARY_FIGURES_CSV.read_bytes(), filename="figures.csv", fmt="canonical_csv", force=True
    )
    assert (forced.outcome, forced.created, forced.updated) == ("succeeded", 0, 0)
    assert snapshot() == before

    for company, scope, start, jurisdiction, request_type, measure, value, document in KNOWN:
        figure = Figure.objects.published().get(
            period__company__slug=company,
            period__scope=scope,
            period__start=start,
            jurisdiction=jurisdiction,
            request_type=request_type,
            measure=measure,
        )
        assert figure.value == Decimal(value), (company, request_type)
        assert figure.cited_source.url.endswith(f"#{document}.{figure.cited_source.url.rsplit('.', 1)[1]}")
        assert figure.cited_source.kind == SourceDocument.Kind.PRIMARY and len(figure.cited_source.sha256) == 64

    # Amazon's own H1 2020 report backs the counts the press article quoted (they agree); the shares the
    # article computed, which Amazon does not print, stay cited to the article.
    counts = Figure.objects.get(
        period__company__slug="amazon",
        period__scope="total",
        period__start="2020-01-01",
        request_type="subpoena",
        measure="requests",
    )
    assert (counts.value, counts.cited_source.kind) == (2416, SourceDocument.Kind.PRIMARY)
    share = Figure.objects.get(
        period__company__slug="amazon",
        period__scope="total",
        period__start="2020-01-01",
        request_type="subpoena",
        measure="some-data-pct",
    )
    assert (share.value, share.cited_source.kind) == (70, SourceDocument.Kind.SECONDARY)
    # Google's H2 2023 .. H1 2025 come from a transcribed copy of its file, and say so.
    transcribed = Figure.objects.get(
        period__company__slug="google",
        period__start="2025-01-01",
        jurisdiction="US",
        request_type="subpoena",
        measure="requests",
    )
    assert transcribed.cited_source.kind == SourceDocument.Kind.TRANSCRIBED
    assert "Transcribed copy of Google LLC's file" in transcribed.cited_source.notes
    band = Figure.objects.get(
        period__company__slug="google", period__start="2021-07-01", request_type="nsl", measure="requests"
    )
    # 8-499 in this edition (the superseded one said 2-499: Google raised the lower end as letters were released).
    assert (band.value, band.value_min, band.value_max) == (None, 8, 499)
    assert band.source is not None and band.source.url.endswith("#google-usnationalsecurity-nsl-requests.csv")
    # What a document only draws is read from its chart images, and says so (read by hand from H1 2022's image).
    image = ReportingPeriod.objects.get(company__slug="amazon", scope="excluding-aws", start="2022-01-01")
    read = {f.jurisdiction: f.value for f in image.figures.filter(measure="requests").exclude(chart_image="")}
    assert (read["WW"], read["DE"], read["US"], read["OTHER"]) == (26972, 12936, 3113, 177)
    assert "From H2 2020 Amazon reports requests by the country" in image.notes
    assert str(image.published_on) == "2022-07-29"


# --- Several documents, one period ----------------------------------------------------------------


def import_fixture(name: str, **kwargs: object) -> ImportRun:
    path = FIXTURES / name
    run = services.import_document(data=path.read_bytes(), filename=path.name, publish=True, **kwargs)  # type: ignore[arg-type]
    assert run.outcome in ("succeeded", "unchanged"), run.message
    return run


def cited(request_type: str, measure: str = "requests") -> SourceDocument:
    figure = Figure.objects.get(
        period__company__slug="apple",
        period__start="2021-07-01",
        jurisdiction="DE",
        request_type=request_type,
        measure=measure,
    )
    return figure.cited_source


@pytest.mark.django_db
def test_two_documents_that_share_a_period_each_stay_cited_for_their_own_figures() -> None:
    import_fixture("apple/account_requests.csv")
    import_fixture("apple/device_requests.csv")
    assert cited("account").url.endswith("#account_requests.csv")
    assert cited("device").url.endswith("#device_requests.csv")
    before = snapshot()
    for name in ("apple/account_requests.csv", "apple/device_requests.csv"):
        run = import_fixture(name, force=True)
        assert (run.created, run.updated) == (0, 0)
    assert snapshot() == before
    assert cited("account").url.endswith("#account_requests.csv")


@pytest.mark.django_db
def test_the_companys_own_document_takes_over_a_period_and_the_figures_a_press_article_gave() -> None:
    press = "https://news.example/apple-h2-2021"
    header = (
        "company,scope,period_start,period_end,jurisdiction,request_type,measure,value,value_min,value_max,source_url"
    )
    article = "\n".join(
        [
            header,
            f"apple,total,2021-07-01,2021-12-31,DE,account,requests,899,,,{press}",
            f"apple,total,2021-07-01,2021-12-31,DE,emergency,requests,7,,,{press}",
        ]
    )
    bulk.upsert_source_documents(
        rows=[{"url": press, "title": "Apple's report", "publisher": "News", "kind": "secondary"}], reason="test"
    )
    services.import_document(data=article.encode(), filename="press.csv", publish=True)
    assert cited("account").kind == SourceDocument.Kind.SECONDARY

    import_fixture("apple/account_requests.csv")
    period = ReportingPeriod.objects.get(company__slug="apple", start="2021-07-01")
    assert period.source.url.endswith("#account_requests.csv")
    assert cited("account").url.endswith("#account_requests.csv")  # the same 899, now from Apple itself
    assert cited("emergency").url == press  # only the press gave it: still cited to the press


def test_loading_beside_the_shared_documents_archives_them_so_every_archived_copy_link_works(
    client: Client, shared_data: Path, bundled_data: None
) -> None:
    primary = SourceDocument.objects.filter(kind__in=["primary", "transcribed"]).exclude(sha256="")
    assert primary.count() >= 69
    assert not primary.filter(archive="").exists()
    sample = primary.filter(url__endswith="#Information_Request_Report_June_2020.pdf").get()
    response = client.get(f"/sources/{sample.pk}/archive")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


# --- The companies' feeds -------------------------------------------------------------------------


def default_feed_rows() -> list[dict[str, str]]:
    with bundled.FEEDS_CSV.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_each_of_the_six_companies_has_a_feed_at_an_address_its_own_documents_are_cited_from() -> None:
    rows = default_feed_rows()
    assert sorted(row["company"] for row in rows) == ["amazon", "apple", "google", "meta", "microsoft", "ring"]
    with bundled.SOURCES_CSV.open(newline="", encoding="utf-8") as handle:
        primary_pages = {
            row["url"].split("#")[0] for row in csv.DictReader(handle) if row["kind"] == "primary" and row["company"]
        }
    # No address is made up: each is the page the bundled sources already cite the company's documents from.
    assert {row["url"] for row in rows} <= primary_pages
    assert {row["kind"] for row in rows} == {"page"}


@pytest.mark.django_db
def test_the_default_feeds_are_created_disabled_once_and_never_reset() -> None:
    assert bulk.add_default_feeds(rows=default_feed_rows()) == 6
    assert not DataFeed.objects.filter(enabled=True).exists()
    google = DataFeed.objects.get(company__slug="google")
    assert (google.link_types, google.link_pattern) == ("zip", r"google-user-data-requests\.zip")
    DataFeed.objects.filter(pk=google.pk).update(enabled=True, link_pattern="changed by staff")
    assert bulk.add_default_feeds(rows=default_feed_rows()) == 0
    google.refresh_from_db()
    assert (google.enabled, google.link_pattern) == (True, "changed by staff")


@pytest.mark.django_db
def test_staff_enable_every_default_feed_with_one_action(client: Client) -> None:
    bulk.add_default_feeds(rows=default_feed_rows())
    client.force_login(User.objects.create_superuser("editor", "editor@example.org", "a long enough password"))
    ids = list(DataFeed.objects.values_list("pk", flat=True))
    response = client.post(
        reverse("admin:reports_datafeed_changelist"), {"action": "enable", "_selected_action": ids}, follow=True
    )
    assert "Enabled 6 feeds." in response.content.decode()
    assert DataFeed.objects.filter(enabled=True).count() == 6
