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
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_safe

from dashboard.caching import cached_public, current_generation, shared_get, shared_set
from dashboard.opendata.computed import computed, computed_records, computed_rows
from dashboard.opendata.http import open_data
from dashboard.opendata.openapi import (
    COMPUTED_FIELD_DESCRIPTIONS,
    DISCLOSURE_FIELD_DESCRIPTIONS,
    FIGURE_FIELD_DESCRIPTIONS,
    definitions,
)
from dashboard.opendata.params import COMPUTATIONS, LICENSE, MAX_PAGE_SIZE, Query
from dashboard.opendata.records import absolute, disclosure_record, figure_records
from reports.formatting import csv_text_cell
from reports.models import Company, EmergencyDisclosure, Figure, SourceDocument, TriState
from reports.opendata import (
    COMPUTED_COLUMNS,
    DISCLOSURE_COLUMNS,
    DISCLOSURE_EXTRA_COLUMNS,
    FIGURE_COLUMNS,
    FIGURE_EXTRA_COLUMNS,
    FIGURE_VALUE_FIELDS,
    disclosure_rows,
    figure_value_rows,
)
from reports.vocabulary import MEASURE_DEFINITIONS, PERCENT_MEASURES, REQUEST_TYPE_DEFINITIONS, Scope

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


def build_computed_csv() -> bytes:
    """computed-figures.csv: the totals and calendar years the site works out, each saying how."""
    return _csv(COMPUTED_COLUMNS, computed_rows(computed()))


def build_computed_json() -> bytes:
    result = computed()
    return _json("computed-figures", list(computed_records(result, result.figures)))


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


def computed_fields(companies: list[str]) -> list[dict[str, Any]]:
    """Table Schema fields of computed-figures.csv, in column order."""
    d = COMPUTED_FIELD_DESCRIPTIONS
    key = figure_fields(companies)[: FIGURE_COLUMNS.index("measure")]
    amount = {"constraints": {"minimum": 0}}
    fields = [
        *({**field, "description": d[field["name"]]} for field in key),
        _field("measure", "string", d, **_enum(sorted(set(MEASURE_DEFINITIONS) - PERCENT_MEASURES))),
        _field("value", "number", d, **amount),
        _field("value_min", "number", d, **amount),
        _field("value_max", "number", d, **amount),
        _field("kind", "string", d, **_enum(["exact", "band"])),
        _field("computation", "string", d, **_enum(list(COMPUTATIONS))),
        _field("method", "string", d, constraints={"required": True}),
        _field("source_urls", "string", d),
    ]
    assert [f["name"] for f in fields] == list(COMPUTED_COLUMNS), "keep in step with opendata"
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
                "computed-figures",
                "Computed figures",
                generation_bytes("computed-figures.csv", build_computed_csv),
                computed_fields(companies),
                primaryKey=[*FIGURE_KEY, "computation"],
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


def download(filename: str, build: Callable[[], bytes]) -> Callable[..., HttpResponseBase]:
    """A view that streams the file ``filename`` of the current data generation, built by ``build``."""
    content_type = CSV_TYPE if filename.endswith(".csv") else JSON_TYPE

    @open_data(paginated=False)
    def view(request: HttpRequest, query: Query) -> StreamingHttpResponse:
        return stream(generation_bytes(filename, build), content_type=content_type, filename=filename)

    view.__name__ = view.__qualname__ = filename.replace("-", "_").replace(".", "_")
    return view


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
        "computed_columns": [(name, COMPUTED_FIELD_DESCRIPTIONS[name]) for name in COMPUTED_COLUMNS],
        "disclosure_columns": [
            (name, DISCLOSURE_FIELD_DESCRIPTIONS[name]) for name in (*DISCLOSURE_COLUMNS, *DISCLOSURE_EXTRA_COLUMNS)
        ],
    }
    return render(request, "data/index.html", context)


#: The downloads of figures and disclosures, each named ``data-<file name with dashes>`` (data-figures-csv).
FILES: tuple[tuple[str, Callable[[], bytes]], ...] = (
    ("figures.csv", build_figures_csv),
    ("figures.json", build_figures_json),
    ("computed-figures.csv", build_computed_csv),
    ("computed-figures.json", build_computed_json),
    ("emergency-disclosures.csv", build_disclosures_csv),
    ("emergency-disclosures.json", build_disclosures_json),
)

urlpatterns = [
    path("data/", data_index, name="data"),
    *(path(f"data/{name}", download(name, build), name="data-" + name.replace(".", "-")) for name, build in FILES),
    path("data/datapackage.json", download("datapackage.json", build_datapackage), name="data-datapackage"),
]
