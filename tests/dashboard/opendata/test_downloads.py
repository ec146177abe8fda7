"""The open-data downloads under /data/: the CSV contract of docs/data.md, JSON twins, the data package, the page."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from reports import bundled, services
from reports.models import Figure
from reports.opendata import (
    DISCLOSURE_COLUMNS,
    DISCLOSURE_EXTRA_COLUMNS,
    FIGURE_COLUMNS,
    FIGURE_VALUE_FIELDS,
    figure_rows,
    figure_value_rows,
)
from reports.vocabulary import REQUEST_TYPE_DEFINITIONS, Measure, RequestType
from tests.factories import EmergencyDisclosureFactory, FigureFactory, ReportingPeriodFactory, SourceDocumentFactory

pytestmark = pytest.mark.django_db

DOWNLOADS = [
    "/data/figures.csv",
    "/data/figures.json",
    "/data/emergency-disclosures.csv",
    "/data/emergency-disclosures.json",
    "/data/datapackage.json",
]


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def read_csv(response: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body(response).decode("utf-8"), newline="")))


@pytest.fixture
def amazon_h1_2020() -> Any:
    period = ReportingPeriodFactory(
        company__slug="amazon",
        start=dt.date(2020, 1, 1),
        end=dt.date(2020, 6, 30),
        source__url="https://amazon.example/h1-2020.pdf",
    )
    FigureFactory(period=period, request_type="subpoena", value=Decimal(2416))
    FigureFactory(period=period, request_type="subpoena", measure="some-data-pct", value=Decimal("81.5"))
    FigureFactory(period=period, request_type="national-security", value=None, value_min=0, value_max=249)
    FigureFactory(period=period, request_type="wiretap", value=None, note="Not in this report.")
    return period


# --- The bundled dataset, loaded once for these tests (it takes most of a minute) -------------------


@pytest.fixture(scope="class")
def bundled_once(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock(), transaction.atomic():
        result = bundled.load()
        assert not result.failed, [run.message for run in result.failed]
        services.bump_generation()  # on_commit never fires inside this transaction
        yield
        transaction.set_rollback(True)


@pytest.mark.usefixtures("bundled_once")
class TestTheBundledDataset:
    def test_figures_csv_reads_with_the_csv_module_and_holds_the_known_figures(
        self, client: Client, django_assert_num_queries: Any
    ) -> None:
        with django_assert_num_queries(2):  # the data generation, then every figure in one query
            response = client.get("/data/figures.csv")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == 'attachment; filename="figures.csv"'
        rows = read_csv(response)
        assert list(rows[0])[: len(FIGURE_COLUMNS)] == list(FIGURE_COLUMNS)
        assert list(rows[0]) == [*FIGURE_COLUMNS, "note", "kind", "source_kind", "chart_image"]
        by_key = {tuple(row[c] for c in FIGURE_COLUMNS[:7]): row for row in rows}
        amazon = ("amazon", "total", "2020-01-01", "2020-06-30", "US")
        assert by_key[(*amazon, "subpoena", "requests")]["value"] == "2416"
        band = by_key[(*amazon, "national-security", "requests")]
        assert (band["value"], band["value_min"], band["value_max"]) == ("", "0", "249")
        ring = by_key[("ring", "total", "2022-01-01", "2022-06-30", "US", "search-warrant", "requests")]
        assert ring["value"] == "1622"
        assert ring["source_url"].startswith("https://ring.com/")
        assert all(row["source_url"] for row in rows)
        assert len(rows) == Figure.objects.published().count()

        again = client.get("/data/figures.csv", headers={"If-None-Match": response["ETag"]})
        assert again.status_code == 304
        assert response["Last-Modified"]

    def test_figures_json_holds_the_same_figures_as_numbers(self, client: Client) -> None:
        document = json.loads(body(client.get("/data/figures.json")))
        assert document["count"] == len(document["results"]) == Figure.objects.published().count()
        (subpoenas,) = [
            r
            for r in document["results"]
            if (r["company"], r["period_start"], r["jurisdiction"], r["request_type"], r["measure"])
            == ("amazon", "2020-01-01", "US", "subpoena", "requests")
            and r["scope"] == "total"
        ]
        assert (subpoenas["value"], subpoenas["kind"]) == (2416, "exact")


# --- figures.csv and figures.json ------------------------------------------------------------------


def test_figures_csv_writes_exact_values_bands_and_figures_not_reported_apart(
    client: Client, amazon_h1_2020: Any
) -> None:
    rows = read_csv(client.get("/data/figures.csv"))
    values = {
        row["request_type"] + "/" + row["measure"]: (row["value"], row["value_min"], row["value_max"]) for row in rows
    }
    assert values == {
        "national-security/requests": ("", "0", "249"),
        "subpoena/requests": ("2416", "", ""),
        "subpoena/some-data-pct": ("81.5", "", ""),
        "wiretap/requests": ("", "", ""),
    }
    assert {row["source_url"] for row in rows} == {"https://amazon.example/h1-2020.pdf"}
    assert [row["note"] for row in rows if row["request_type"] == "wiretap"] == ["Not in this report."]


def test_the_fast_row_writer_agrees_with_the_contracts_row_writer(amazon_h1_2020: Any) -> None:
    FigureFactory(
        period=amazon_h1_2020, request_type="emergency", source=SourceDocumentFactory(url="https://own.example")
    )
    objects = list(figure_rows(Figure.objects.for_open_data()))
    values = list(figure_value_rows(Figure.objects.for_open_data().values_list(*FIGURE_VALUE_FIELDS)))
    assert values == objects
    assert "https://own.example" in [row[10] for row in values]


def test_drafts_never_reach_the_downloads(client: Client, amazon_h1_2020: Any) -> None:
    draft = ReportingPeriodFactory(status="draft", company__slug="secretco")
    # A value no digest or timestamp is likely to contain by chance ("777" once did).
    FigureFactory(period=draft, value=Decimal(987654321))
    EmergencyDisclosureFactory(status="draft", company=draft.company, summary="A secret summary.")
    for url in DOWNLOADS:
        text = body(client.get(url)).decode()
        assert "secretco" not in text and "987654321" not in text and "A secret summary." not in text, url


def test_the_json_download_holds_the_apis_figure_objects(client: Client, amazon_h1_2020: Any) -> None:
    document = json.loads(body(client.get("/data/figures.json")))
    api = client.get("/api/v1/figures").json()
    assert document["results"] == api["results"]
    assert document["license"]["name"] == "CC-BY-4.0"


# --- emergency-disclosures.csv and .json ---------------------------------------------------------------


def test_disclosures_csv_has_the_contract_columns_and_every_source(client: Client) -> None:
    sources = [
        SourceDocumentFactory(url="https://politico.example/"),
        SourceDocumentFactory(url="https://ipic.example/"),
    ]
    EmergencyDisclosureFactory(
        company__slug="ring",
        kind="batch",
        count=11,
        date_start=dt.date(2022, 1, 1),
        date_end=dt.date(2022, 7, 1),
        basis="good-faith",
        warrant="no",
        user_consent="no",
        summary='Ring said "11 times", in a letter.',
        sources=sources,
    )
    response = client.get("/data/emergency-disclosures.csv")
    assert response["Content-Disposition"] == 'attachment; filename="emergency-disclosures.csv"'
    (row,) = read_csv(response)
    assert list(row) == [*DISCLOSURE_COLUMNS, *DISCLOSURE_EXTRA_COLUMNS]
    assert (row["company"], row["date_start"], row["date_end"], row["count"]) == (
        "ring",
        "2022-01-01",
        "2022-07-01",
        "11",
    )
    assert (row["basis"], row["warrant"], row["user_consent"], row["user_notified"]) == (
        "good-faith",
        "no",
        "no",
        "unknown",
    )
    assert row["summary"] == 'Ring said "11 times", in a letter.'
    assert row["source_url"] == "https://ipic.example/ https://politico.example/"
    (item,) = json.loads(body(client.get("/data/emergency-disclosures.json")))["results"]
    assert [s["url"] for s in item["sources"]] == ["https://ipic.example/", "https://politico.example/"]


# --- The data package ----------------------------------------------------------------------------


def test_the_data_package_describes_both_csvs_with_types_definitions_and_allowed_values(
    client: Client, amazon_h1_2020: Any
) -> None:
    package = json.loads(body(client.get("/data/datapackage.json")))
    assert package["profile"] == "tabular-data-package"
    assert [license["name"] for license in package["licenses"]] == ["CC-BY-4.0"]
    assert {"title": amazon_h1_2020.source.title, "path": "https://amazon.example/h1-2020.pdf"} in package["sources"]
    figures, computed_figures, disclosures = package["resources"]
    assert computed_figures["name"] == "computed-figures"
    fields = {field["name"]: field for field in figures["schema"]["fields"]}
    assert list(fields) == [*FIGURE_COLUMNS, "note", "kind", "source_kind", "chart_image"]
    assert [field["name"] for field in disclosures["schema"]["fields"]] == [
        *DISCLOSURE_COLUMNS,
        *DISCLOSURE_EXTRA_COLUMNS,
    ]
    assert fields["request_type"]["constraints"]["enum"] == list(RequestType.values)
    assert fields["measure"]["constraints"]["enum"] == list(Measure.values)
    assert REQUEST_TYPE_DEFINITIONS["subpoena"] in fields["request_type"]["description"]
    assert fields["company"]["constraints"]["enum"] == ["amazon"]
    assert (fields["period_start"]["type"], fields["value"]["type"]) == ("date", "number")
    assert figures["schema"]["primaryKey"] == list(FIGURE_COLUMNS[:7])
    csv_bytes = body(client.get("/data/figures.csv"))
    assert figures["bytes"] == len(csv_bytes)
    assert figures["hash"] == "sha256:" + hashlib.sha256(csv_bytes).hexdigest()
    assert figures["path"] == "http://127.0.0.1:8000/data/figures.csv"


# --- HTTP: caching, 304, CORS, parameters -----------------------------------------------------------


@pytest.mark.parametrize("url", DOWNLOADS)
def test_every_download_has_an_etag_answers_304_and_any_site_may_read_it(
    client: Client, amazon_h1_2020: Any, url: str
) -> None:
    services.bump_generation()
    response = client.get(url, headers={"Origin": "https://advocacy.example"})
    assert response.status_code == 200
    assert response["ETag"] and response["Last-Modified"]
    assert response["Access-Control-Allow-Origin"] == "*"
    assert not response.cookies
    assert int(response["Content-Length"]) == len(body(response))
    assert client.get(url, headers={"If-None-Match": response["ETag"]}).status_code == 304


def test_a_download_is_built_once_per_data_generation(
    client: Client, amazon_h1_2020: Any, django_assert_num_queries: Any
) -> None:
    first = body(client.get("/data/figures.csv"))
    with django_assert_num_queries(0):
        assert body(client.get("/data/figures.csv")) == first
    FigureFactory(period=amazon_h1_2020, request_type="pen-register", value=Decimal(12))
    assert body(client.get("/data/figures.csv")) == first  # same generation: same file
    services.bump_generation()
    assert b"pen-register" in body(client.get("/data/figures.csv"))


@pytest.mark.parametrize("url", DOWNLOADS)
def test_downloads_take_no_query_parameters(client: Client, url: str) -> None:
    response = client.get(f"{url}?v=2")
    assert response.status_code == 400
    assert response.json()["parameter"] == "v"


@pytest.mark.parametrize("copies", [1, 10])
@pytest.mark.parametrize(
    ("url", "queries"), [("/data/figures.csv", 2), ("/data/figures.json", 2), ("/data/emergency-disclosures.csv", 3)]
)
def test_the_query_count_of_a_download_does_not_grow_with_the_data(
    client: Client, django_assert_num_queries: Any, copies: int, url: str, queries: int
) -> None:
    for n in range(copies):
        period = ReportingPeriodFactory(company__slug=f"co-{n}")
        FigureFactory(period=period, request_type="subpoena")
        FigureFactory(period=period, request_type="wiretap", source=SourceDocumentFactory())
        EmergencyDisclosureFactory(company=period.company)
    with django_assert_num_queries(queries):
        body(client.get(url))


# --- The /data/ page ------------------------------------------------------------------------------


def test_the_data_page_documents_downloads_the_api_the_licence_and_how_to_cite(
    client: Client, amazon_h1_2020: Any
) -> None:
    response = client.get("/data/")
    assert response.status_code == 200
    assert not response.cookies
    page = response.content.decode()
    for link in [*DOWNLOADS, "/api/v1/", "/api/v1/openapi.json", "/methodology/", "/feeds/updates.atom"]:
        assert f'href="{link}' in page, link
    assert "https://creativecommons.org/licenses/by/4.0/" in page
    assert "How to cite" in page
    assert "4 figures" in page
    assert all(f"<code>{column}</code>" in page for column in [*FIGURE_COLUMNS, *DISCLOSURE_COLUMNS])
