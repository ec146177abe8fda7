"""The open-data downloads under /data/: CSV and JSON of every published figure and emergency disclosure,
a Frictionless data package describing them, and the /data/ page that documents it all.

The files are built once per data generation and kept as bytes in the cache: ``cached_public`` stores
only non-streaming responses, and a response object per query string would hold copies of megabytes.
The views stream those bytes out; ``cached_public`` still answers ETag / Last-Modified / 304.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_safe

from dashboard.caching import cached_public, current_generation, shared_get, shared_set
from dashboard.opendata.http import open_data
from dashboard.opendata.openapi import DISCLOSURE_FIELD_DESCRIPTIONS, FIGURE_FIELD_DESCRIPTIONS, definitions
from dashboard.opendata.params import LICENSE, MAX_PAGE_SIZE, Query
from dashboard.opendata.records import absolute, disclosure_record, figure_records
from reports.formatting import csv_text_cell
from reports.models import Company, EmergencyDisclosure, Figure, SourceDocument, TriState
from reports.opendata import (
    DISCLOSURE_COLUMNS,
    DISCLOSURE_EXTRA_COLUMNS,
    FIGURE_COLUMNS,
    FIGURE_EXTRA_COLUMNS,
    FIGURE_VALUE_FIELDS,
    disclosure_rows,
    figure_value_rows,
)
from reports.vocabulary import MEASURE_DEFINITIONS, REQUEST_TYPE_DEFINITIONS, Scope

CSV_TYPE = "text/csv; charset=utf-8"
JSON_TYPE = "application/json"
CHUNK_ROWS = 2000
STREAM_BYTES = 64 * 1024
FIGURE_KEY = ("company", "scope", "period_start", "period_end", "jurisdiction", "request_type", "measure")


# --- Bytes, once per generation -----------------------------------------------------------------


def generation_bytes(name: str, build: Callable[[], bytes]) -> bytes:
    """The file ``name`` of the current data generation, built by ``build`` on the first request."""
    number, _ = current_generation()
    key = f"download:{number}:{name}"
    data: bytes | None = shared_get(key) if settings.PAGE_CACHE_SECONDS else None
    if data is None:
        data = build()
        if settings.PAGE_CACHE_SECONDS:
            shared_set(key, data, settings.PAGE_CACHE_SECONDS)
    return data


def _csv(header: tuple[str, ...], rows: Iterator[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # RFC 4180: quoted as needed, CRLF line ends
    writer.writerow(header)
    # Every cell a spreadsheet could run as a formula is neutralised (docs/data.md, "Opening the CSVs").
    writer.writerows([csv_text_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def build_figures_csv() -> bytes:
    """figures.csv: the open-data contract's columns, then the extra ones, one query in chunks."""
    rows = Figure.objects.for_open_data().values_list(*FIGURE_VALUE_FIELDS).iterator(chunk_size=CHUNK_ROWS)
    return _csv(FIGURE_COLUMNS + FIGURE_EXTRA_COLUMNS, figure_value_rows(rows))


def build_disclosures_csv() -> bytes:
    disclosures = EmergencyDisclosure.objects.for_open_data().iterator(chunk_size=CHUNK_ROWS)
    return _csv((*DISCLOSURE_COLUMNS, *DISCLOSURE_EXTRA_COLUMNS), disclosure_rows(disclosures))


def _json(name: str, records: list[dict[str, Any]]) -> bytes:
    document = {
        "name": name,
        "license": LICENSE,
        "documentation": absolute(reverse("data")),
        "count": len(records),
        "results": records,
    }
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def build_figures_json() -> bytes:
    """figures.json: the API's figure objects (numbers as numbers, an explicit kind), all of them."""
    rows = Figure.objects.for_open_data().values_list(*FIGURE_VALUE_FIELDS).iterator(chunk_size=CHUNK_ROWS)
    return _json("figures", list(figure_records(rows)))


def build_disclosures_json() -> bytes:
    disclosures = EmergencyDisclosure.objects.for_open_data().iterator(chunk_size=CHUNK_ROWS)
    return _json("emergency-disclosures", [disclosure_record(item) for item in disclosures])


def stream(data: bytes, *, content_type: str, filename: str) -> StreamingHttpResponse:
    chunks = (data[start : start + STREAM_BYTES] for start in range(0, len(data), STREAM_BYTES))
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Length"] = str(len(data))
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- The data package ---------------------------------------------------------------------------


def _field(name: str, kind: str, descriptions: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": kind, "description": descriptions[name], **extra}


def _enum(values: list[str], *, required: bool = True) -> dict[str, Any]:
    return {"constraints": {"required": required, "enum": values}}


def figure_fields(companies: list[str]) -> list[dict[str, Any]]:
    """Table Schema fields of figures.csv, in column order."""
    d = FIGURE_FIELD_DESCRIPTIONS
    amount = {"constraints": {"minimum": 0}}
    fields = [
        _field("company", "string", d, **_enum(companies)),
        _field("scope", "string", d, **_enum(list(Scope.values))),
        _field("period_start", "date", d, constraints={"required": True}),
        _field("period_end", "date", d, constraints={"required": True}),
        _field("jurisdiction", "string", d, constraints={"required": True, "pattern": "[A-Z]{2}|NON-US|WW|OTHER"}),
        {
            **_field("request_type", "string", d, **_enum(list(REQUEST_TYPE_DEFINITIONS))),
            "description": d["request_type"] + "\n" + definitions(REQUEST_TYPE_DEFINITIONS),
        },
        {
            **_field("measure", "string", d, **_enum(list(MEASURE_DEFINITIONS))),
            "description": d["measure"] + "\n" + definitions(MEASURE_DEFINITIONS),
        },
        _field("value", "number", d, **amount),
        _field("value_min", "number", d, **amount),
        _field("value_max", "number", d, **amount),
        _field("source_url", "string", d, format="uri"),
        _field("note", "string", d),
        _field("kind", "string", d, **_enum(["exact", "band", "not-reported"])),
        _field("source_kind", "string", d, **_enum(list(SourceDocument.Kind.values))),
        _field("chart_image", "string", d, constraints={"pattern": "[0-9a-f]{64}"}),
    ]
    assert [f["name"] for f in fields] == [*FIGURE_COLUMNS, *FIGURE_EXTRA_COLUMNS], "keep in step with opendata"
    return fields


def disclosure_fields(companies: list[str]) -> list[dict[str, Any]]:
    d = DISCLOSURE_FIELD_DESCRIPTIONS
    tristate = _enum(list(TriState.values))
    fields = [
        _field("company", "string", d, **_enum(companies)),
        _field("date_start", "date", d, constraints={"required": True}),
        _field("date_end", "date", d, constraints={"required": True}),
        _field("count", "integer", d, constraints={"required": False, "minimum": 1}),
        _field("agency", "string", d),
        _field("jurisdiction", "string", d),
        _field("basis", "string", d, **_enum(list(EmergencyDisclosure.Basis.values))),
        _field("warrant", "string", d, **tristate),
        _field("user_consent", "string", d, **tristate),
        _field("user_notified", "string", d, **tristate),
        _field("data_disclosed", "string", d),
        _field("summary", "string", d),
        _field("source_url", "string", d),
        _field("title", "string", d),
        _field("count_is_minimum", "string", d, **_enum(["yes", "no"])),
        _field("requester", "string", d, **_enum(list(EmergencyDisclosure.Requester.values))),
        _field("evidence", "string", d, **_enum(list(EmergencyDisclosure.Evidence.values))),
        _field("contested", "string", d, **_enum(["yes", "no"])),
        _field("contested_note", "string", d),
        _field("date_note", "string", d),
    ]
    assert [f["name"] for f in fields] == [*DISCLOSURE_COLUMNS, *DISCLOSURE_EXTRA_COLUMNS], "in step with opendata"
    return fields


def _resource(name: str, title: str, data: bytes, fields: list[dict[str, Any]], **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "title": title,
        "path": absolute(reverse(f"data-{name}-csv")),
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "bytes": len(data),
        "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
        "schema": {"fields": fields, "missingValues": [""], **schema},
    }


def build_datapackage() -> bytes:
    """A Frictionless tabular data package: both CSVs with their schemas, licence and sources."""
    companies = list(Company.objects.with_published_data().order_by("slug").values_list("slug", flat=True))
    _, changed_at = current_generation()
    package = {
        "profile": "tabular-data-package",
        "name": "data-demands",
        "title": "Data Demands: government demands for user data made to tech companies",
        "description": "Every published figure of the companies' transparency reports in long form (one number of "
        "one period per row: exact, a band, or not reported), and every known emergency disclosure of user data "
        "to police without a warrant or the user's consent. Definitions: " + absolute("/methodology/"),
        "homepage": absolute(reverse("data")),
        "created": dt.datetime.fromtimestamp(changed_at, tz=dt.UTC).isoformat() if changed_at else None,
        "licenses": [LICENSE],
        "contributors": [{"title": "Data Demands", "path": absolute("/"), "role": "publisher"}],
        "keywords": ["transparency reports", "government requests", "user data", "surveillance", "law enforcement"],
        "sources": [{"title": doc.title, "path": doc.url} for doc in SourceDocument.objects.public()],
        "resources": [
            _resource(
                "figures",
                "Figures",
                generation_bytes("figures.csv", build_figures_csv),
                figure_fields(companies),
                primaryKey=list(FIGURE_KEY),
            ),
            _resource(
                "emergency-disclosures",
                "Emergency disclosures",
                generation_bytes("emergency-disclosures.csv", build_disclosures_csv),
                disclosure_fields(companies),
            ),
        ],
    }
    return json.dumps(package, ensure_ascii=False, indent=2).encode("utf-8")


# --- Views --------------------------------------------------------------------------------------


@open_data(paginated=False)
def figures_csv(request: HttpRequest, query: Query) -> StreamingHttpResponse:
    data = generation_bytes("figures.csv", build_figures_csv)
    return stream(data, content_type=CSV_TYPE, filename="figures.csv")


@open_data(paginated=False)
def disclosures_csv(request: HttpRequest, query: Query) -> StreamingHttpResponse:
    data = generation_bytes("emergency-disclosures.csv", build_disclosures_csv)
    return stream(data, content_type=CSV_TYPE, filename="emergency-disclosures.csv")


@open_data(paginated=False)
def figures_json(request: HttpRequest, query: Query) -> StreamingHttpResponse:
    data = generation_bytes("figures.json", build_figures_json)
    return stream(data, content_type=JSON_TYPE, filename="figures.json")


@open_data(paginated=False)
def disclosures_json(request: HttpRequest, query: Query) -> StreamingHttpResponse:
    data = generation_bytes("emergency-disclosures.json", build_disclosures_json)
    return stream(data, content_type=JSON_TYPE, filename="emergency-disclosures.json")


@open_data(paginated=False)
def datapackage(request: HttpRequest, query: Query) -> StreamingHttpResponse:
    data = generation_bytes("datapackage.json", build_datapackage)
    return stream(data, content_type=JSON_TYPE, filename="datapackage.json")


@require_safe
@cached_public()
def data_index(request: HttpRequest) -> HttpResponse:
    """The /data/ page: downloads, the API with examples, the licence and how to cite."""
    changed_at = current_generation()[1]
    context = {
        "figure_count": Figure.objects.published().count(),
        "disclosure_count": EmergencyDisclosure.objects.published().count(),
        "companies": Company.objects.with_published_data().order_by("name"),
        "license": LICENSE,
        "updated": dt.datetime.fromtimestamp(changed_at, tz=dt.UTC) if changed_at else None,
        "site_url": absolute(""),
        "max_page_size": MAX_PAGE_SIZE,
        "contract_columns": FIGURE_COLUMNS,
        "figure_columns": [(name, FIGURE_FIELD_DESCRIPTIONS[name]) for name in FIGURE_COLUMNS + FIGURE_EXTRA_COLUMNS],
        "disclosure_columns": [
            (name, DISCLOSURE_FIELD_DESCRIPTIONS[name]) for name in (*DISCLOSURE_COLUMNS, *DISCLOSURE_EXTRA_COLUMNS)
        ],
    }
    return render(request, "data/index.html", context)


urlpatterns = [
    path("data/", data_index, name="data"),
    path("data/figures.csv", figures_csv, name="data-figures-csv"),
    path("data/figures.json", figures_json, name="data-figures-json"),
    path("data/emergency-disclosures.csv", disclosures_csv, name="data-emergency-disclosures-csv"),
    path("data/emergency-disclosures.json", disclosures_json, name="data-emergency-disclosures-json"),
    path("data/datapackage.json", datapackage, name="data-datapackage"),
]
