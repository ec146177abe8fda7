"""The OpenAPI 3.1 document of /api/v1/openapi.json, built from the parameters the API views declare.

Field descriptions live here once and also describe the columns of the downloads' data package.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import path, reverse

from dashboard.opendata import params as api
from dashboard.opendata.http import open_data
from dashboard.opendata.params import Param, Query
from dashboard.opendata.records import absolute
from reports.models import Company, EmergencyDisclosure, SourceDocument, TriState
from reports.vocabulary import MEASURE_DEFINITIONS, REQUEST_TYPE_DEFINITIONS, Measure, RequestType, Scope

#: What each column of figures.csv (and field of a figure in the API) means.
FIGURE_FIELD_DESCRIPTIONS = {
    "company": "The company's slug, e.g. amazon, ring, google, meta, apple, microsoft.",
    "scope": "What part of the company the figure covers: total where it reports one figure for everything; "
    "for Amazon total (AWS included), aws and excluding-aws; for Google its enterprise cloud products apart.",
    "period_start": "First day the reporting period covers (ISO 8601 date).",
    "period_end": "Last day the reporting period covers (ISO 8601 date).",
    "jurisdiction": "The government the demands came from: ISO 3166-1 alpha-2 (US, DE), NON-US for all "
    "non-U.S. governments reported together, WW for a worldwide total, OTHER for the governments a chart groups "
    "as 'Others' (a remainder, not a country).",
    "request_type": "The kind of demand, as defined in the data dictionary (/methodology/).",
    "measure": "What is counted, as defined in the data dictionary (/methodology/).",
    "value": "The exact figure; empty (null) for a band or a figure the document does not report.",
    "value_min": "Lower end of a band (national-security demands are published only as ranges such as 0-249); "
    "empty (null) otherwise.",
    "value_max": "Upper end of a band; empty (null) otherwise.",
    "source_url": "The document the figure comes from: the company's report, or the press for secondary figures.",
    "note": "Why a figure is not reported, or a caveat.",
    "kind": "exact, band or not-reported. A figure not reported is never zero.",
    "unit": "count, or percent for the measures that are percentages (0-100).",
    "report_url": "The report's page on this site, with every figure of the period and its source.",
    "source_kind": "What kind of document backs the figure: primary (the company's own), transcribed (a third "
    "party's text copy of the company's file) or secondary (the press).",
    "chart_image": "Empty, unless the report only draws this figure in a chart image: then the SHA-256 of that "
    "image, which this site read by OCR, checked (the parts add up to the chart's total, each printed share "
    "matches) and archived at /sources/charts/<sha256>.png.",
    "chart_image_url": "The chart image the figure was read from by OCR and checked, archived by this site; null "
    "when the figure was read from the document's text or data.",
}

#: What each column of computed-figures.csv (and field of a computed figure in the API) means.
COMPUTED_FIELD_DESCRIPTIONS = {
    **{name: FIGURE_FIELD_DESCRIPTIONS[name] for name in ("company", "scope", "period_start", "period_end")},
    "jurisdiction": FIGURE_FIELD_DESCRIPTIONS["jurisdiction"],
    "request_type": "all for a period total; for a calendar year, the request type of the two halves summed.",
    "measure": "What is counted (requests for a period total); never a percentage.",
    "value": "The exact sum; empty (null) when a band is part of the sum.",
    "value_min": "The lowest sum the published ranges allow, when a band is part of the sum; else empty (null).",
    "value_max": "The highest sum the published ranges allow, when a band is part of the sum; else empty (null).",
    "kind": "exact, or band when a published range is part of the sum.",
    "unit": "count: sums are never made of percentages.",
    "computation": "period-total: all of a period's requests where the company gives no total of its own, the sum "
    "of every kind it lists (none may be unreported); calendar-year: the first half plus the second half of a "
    "year, where the company reports both and does not publish the year itself.",
    "method": "How, in words: the kinds summed, or the two halves (H1 2021 + H2 2021).",
    "source_urls": "The documents the summed figures come from (space-separated in the CSV, a list in JSON).",
}

#: What each column of emergency-disclosures.csv (and field of a disclosure in the API) means.
DISCLOSURE_FIELD_DESCRIPTIONS = {
    "id": "This site's identifier of the record.",
    "company": "The company's slug.",
    "kind": "event (a single documented disclosure) or batch (several a company admitted in aggregate).",
    "title": "A short headline.",
    "date_start": "The day of the event, or the first day of the batch's date range (ISO 8601 date).",
    "date_end": "The same day for an event, or the last day of the batch's range (ISO 8601 date).",
    "count": "How many disclosures the record stands for: 1 for an event, the admitted number for a batch; "
    "empty (null) when the sources do not say. Never a guess.",
    "count_is_minimum": "yes (true) when the count is only a floor: “at least 1”.",
    "requester": "Who asked: law-enforcement (an agency), impersonator (someone who forged an emergency request "
    "posing as one), or unknown.",
    "evidence": "What the record rests on: court-record, company-statement, government-notice, "
    "named-source-reporting or anonymous-source-reporting.",
    "contested": "yes (true) when sources disagree or the company disputes the record; contested_note says who "
    "says what.",
    "contested_note": "Who disputes the record, and what each side's sources say.",
    "date_note": "What the dates are when the sources give no exact ones.",
    "agency": "The police force or agency that asked, when known.",
    "jurisdiction": "ISO 3166-1 alpha-2 code of the country.",
    "basis": "The exception the company claimed: emergency, good-faith, exigent, other, or unknown (not stated).",
    "company_standard": "The standard the company says it applies, quoted.",
    "warrant": "Whether there was a warrant: yes, no or unknown.",
    "user_consent": "Whether the user consented: yes, no or unknown.",
    "user_notified": "Whether the user was told: yes, no or unknown.",
    "data_category": "What kind of data: video, audio, location, subscriber, content or other.",
    "data_disclosed": "What was handed over, in words.",
    "summary": "What happened, as the sources say it.",
    "source_url": "The sources' URLs, separated by spaces.",
    "sources": "The documents that report the disclosure.",
    "url": "The record's page on this site.",
}


def definitions(codes: dict[str, str]) -> str:
    """'code: definition' lines, for the descriptions of request_type and measure."""
    return "\n".join(f"{code}: {text}" for code, text in codes.items())


# --- Schemas ------------------------------------------------------------------------------------

STRING = {"type": "string"}
DATE = {"type": "string", "format": "date"}
URI = {"type": "string", "format": "uri"}
COUNT = {"type": "integer", "minimum": 0}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "type": [schema["type"], "null"]}


def _object(properties: dict[str, Any], descriptions: dict[str, str], **extra: Any) -> dict[str, Any]:
    """A closed object: every property required, no other allowed, each described."""
    described = {
        name: {**schema, "description": descriptions[name]} if name in descriptions else schema
        for name, schema in properties.items()
    }
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(properties),
        "properties": described,
        **extra,
    }


def _figure_kind(kind: str, value: str, band: str) -> dict[str, Any]:
    return {
        "properties": {
            "kind": {"const": kind},
            "value": {"type": value},
            "value_min": {"type": band},
            "value_max": {"type": band},
        }
    }


def schemas() -> dict[str, Any]:
    number = {"type": "number", "minimum": 0}
    # The natural key of a figure, published or computed.
    key = {
        "company": STRING,
        "scope": {"type": "string", "enum": list(Scope.values)},
        "period_start": DATE,
        "period_end": DATE,
        "jurisdiction": {"type": "string", "pattern": api.JURISDICTION_PATTERN.pattern},
        "request_type": {"type": "string", "enum": list(RequestType.values)},
        "measure": {"type": "string", "enum": list(Measure.values)},
    }
    source = _object(
        {"url": URI, "title": STRING, "publisher": STRING, "kind": {"type": "string", "enum": SOURCE_KINDS}},
        {"kind": "primary (the company's own document) or secondary (press, letters reported by press)."},
    )
    return {
        "Error": _object(
            {"error": STRING, "parameter": STRING},
            {"error": "What is wrong, in words.", "parameter": "The query parameter at fault."},
        ),
        "Source": source,
        "Company": _object(
            {
                "slug": STRING,
                "name": STRING,
                "parent": _nullable(STRING),
                "website": STRING,
                "transparency_url": STRING,
                "published_periods": COUNT,
                "latest_period_end": _nullable(DATE),
                "emergency_disclosures": COUNT,
                "url": URI,
                "figures_url": URI,
            },
            {
                "slug": "Identifier used in URLs, the API and the CSVs.",
                "parent": "The slug of the company that owns this one (Ring: amazon).",
                "website": "The company's website, or empty.",
                "transparency_url": "Where the company publishes its reports, or empty.",
                "published_periods": "How many reporting periods of the company are published.",
                "latest_period_end": "The last day of its latest published period.",
                "emergency_disclosures": "Known emergency disclosures (a batch of 11 counts 11).",
                "url": "The company's page on this site.",
                "figures_url": "Its figures in this API.",
            },
        ),
        "Period": _object(
            {
                "company": STRING,
                "scope": {"type": "string", "enum": list(Scope.values)},
                "period_start": DATE,
                "period_end": DATE,
                "label": STRING,
                "published_on": _nullable(DATE),
                "figure_count": COUNT,
                "notes": STRING,
                "source": {"oneOf": [{"$ref": "#/components/schemas/Source"}, {"type": "null"}]},
                "report_url": URI,
            },
            {
                **FIGURE_FIELD_DESCRIPTIONS,
                "label": "How journalists write the period: H1 2020, 2021, or its dates when irregular.",
                "published_on": "When the company published the report, when known.",
                "figure_count": "How many figures the period has.",
                "notes": "Methodology notes: what changed in how the company counts.",
                "source": "The document the period's figures come from.",
            },
        ),
        **_figure_schemas(key, number),
        "EmergencyDisclosure": _object(
            {
                "id": {"type": "integer"},
                "company": STRING,
                "kind": {"type": "string", "enum": list(EmergencyDisclosure.Kind.values)},
                "title": STRING,
                "date_start": DATE,
                "date_end": DATE,
                "count": _nullable({"type": "integer", "minimum": 1}),
                "count_is_minimum": {"type": "boolean"},
                "requester": {"type": "string", "enum": list(EmergencyDisclosure.Requester.values)},
                "evidence": {"type": "string", "enum": list(EmergencyDisclosure.Evidence.values)},
                "contested": {"type": "boolean"},
                "contested_note": STRING,
                "date_note": STRING,
                "agency": STRING,
                "jurisdiction": STRING,
                "basis": {"type": "string", "enum": list(EmergencyDisclosure.Basis.values)},
                "company_standard": STRING,
                "warrant": {"type": "string", "enum": list(TriState.values)},
                "user_consent": {"type": "string", "enum": list(TriState.values)},
                "user_notified": {"type": "string", "enum": list(TriState.values)},
                "data_category": {"type": "string", "enum": list(EmergencyDisclosure.DataCategory.values)},
                "data_disclosed": STRING,
                "summary": STRING,
                "sources": {"type": "array", "items": {"$ref": "#/components/schemas/Source"}},
                "url": URI,
            },
            DISCLOSURE_FIELD_DESCRIPTIONS,
        ),
        "Index": _object(
            {
                "name": STRING,
                "version": STRING,
                "description": STRING,
                "documentation": URI,
                "openapi": URI,
                "license": _object({"name": STRING, "title": STRING, "path": URI}, {}),
                "endpoints": {
                    "type": "array",
                    "items": _object({"name": STRING, "url": URI, "description": STRING}, {}),
                },
            },
            {"documentation": "The /data/ page: downloads, examples, licence, how to cite."},
        ),
    }


def _figure_schemas(key: dict[str, Any], number: dict[str, Any]) -> dict[str, Any]:
    """A published figure and a computed one: the same natural key, different value columns."""
    return {
        "Figure": _object(
            {
                **key,
                "kind": {"type": "string", "enum": list(api.FIGURE_KINDS)},
                "value": _nullable(number),
                "value_min": _nullable(number),
                "value_max": _nullable(number),
                "unit": {"type": "string", "enum": ["count", "percent"]},
                "note": STRING,
                "source_url": _nullable(URI),
                "source_kind": _nullable({"type": "string", "enum": SOURCE_KINDS}),
                "report_url": URI,
                "chart_image_url": _nullable(URI),
            },
            FIGURE_FIELD_DESCRIPTIONS,
            # The kind says which numbers are present: never a value and a band, never zero for "not reported".
            oneOf=[
                _figure_kind("exact", "number", "null"),
                _figure_kind("band", "null", "number"),
                _figure_kind("not-reported", "null", "null"),
            ],
        ),
        "ComputedFigure": _object(
            {
                **key,
                "kind": {"type": "string", "enum": ["exact", "band"]},
                "value": _nullable(number),
                "value_min": _nullable(number),
                "value_max": _nullable(number),
                "unit": {"type": "string", "enum": ["count"]},
                "computation": {"type": "string", "enum": list(api.COMPUTATIONS)},
                "method": STRING,
                "source_urls": {"type": "array", "items": URI},
            },
            COMPUTED_FIELD_DESCRIPTIONS,
            oneOf=[_figure_kind("exact", "number", "null"), _figure_kind("band", "null", "number")],
        ),
    }


SOURCE_KINDS = list(SourceDocument.Kind.values)


def _page_schema(item: str) -> dict[str, Any]:
    return _object(
        {
            "count": COUNT,
            "page": {"type": "integer", "minimum": 1},
            "page_size": {"type": "integer", "minimum": 1, "maximum": api.MAX_PAGE_SIZE},
            "pages": {"type": "integer", "minimum": 1},
            "next": _nullable(URI),
            "previous": _nullable(URI),
            "results": {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}},
        },
        {
            "count": "How many items match, over all pages.",
            "pages": "How many pages there are at this page size.",
            "next": "The next page, or null on the last.",
            "previous": "The previous page, or null on the first.",
        },
    )


# --- Parameters ---------------------------------------------------------------------------------


def _parameter(param: Param, companies: list[str]) -> dict[str, Any]:
    if param.kind == "date":
        schema: dict[str, Any] = {**DATE, "pattern": api.DATE_PATTERN.pattern}
        return _query(param.name, param.description, schema, param.example)
    item: dict[str, Any] = {"type": "string"}
    if param.choices:
        item["enum"] = list(param.choices)
    elif param.known and companies:
        item["enum"] = companies  # the published companies of this data generation
    elif param.pattern:
        item["pattern"] = param.pattern.pattern
    array = {"type": "array", "minItems": 1, "items": item}
    return {**_query(param.name, param.description, array, param.example), "style": "form", "explode": False}


def _query(name: str, description: str, schema: dict[str, Any], example: str = "") -> dict[str, Any]:
    parameter = {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
    if example:
        parameter["example"] = example
    return parameter


PAGINATION = [
    _query("page", "Which page, from 1; a page past the last is a 400.", {"type": "integer", "minimum": 1}),
    _query(
        "page_size",
        f"Items per page, at most {api.MAX_PAGE_SIZE}.",
        {"type": "integer", "minimum": 1, "maximum": api.MAX_PAGE_SIZE, "default": api.DEFAULT_PAGE_SIZE},
    ),
]

HEADERS = {
    "ETag": {"description": "Changes when the published data changes.", "required": True, "schema": STRING},
    "Last-Modified": {"description": "When the published data last changed.", "schema": STRING},
    "Access-Control-Allow-Origin": {"description": "Always *: any site may read it.", "schema": STRING},
}


def _operation(name: str, summary: str, schema: str, params: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "get": {
            "operationId": name.replace("-", "_"),
            "summary": summary,
            "parameters": params,
            "responses": {
                "200": {
                    "description": "OK",
                    "headers": HEADERS,
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
                },
                "304": {"description": "Not modified: the ETag given in If-None-Match is current."},
                "400": {
                    "description": "A bad query parameter: unknown, malformed, unknown value, page out of range.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
            },
        }
    }


def build_spec() -> dict[str, Any]:
    """The OpenAPI 3.1 document of this data generation (company slugs are listed as an enum)."""
    companies = list(Company.objects.with_published_data().order_by("slug").values_list("slug", flat=True))
    params = {
        "companies": [],
        "periods": api.PERIOD_PARAMS,
        "figures": api.FIGURE_PARAMS,
        "computed-figures": api.COMPUTED_PARAMS,
        "emergency-disclosures": api.DISCLOSURE_PARAMS,
    }
    paths: dict[str, Any] = {reverse("api-index"): _operation("index", "What the API offers.", "Index", [])}
    for name, route, summary in api.ENDPOINTS:
        if name == "openapi":
            paths[reverse(route)] = _operation("openapi", summary, "OpenApiDocument", [])
            continue
        parameters = [_parameter(param, companies) for param in params[name]] + PAGINATION
        paths[reverse(route)] = _operation(name, summary, f"{_item_schema(name)}Page", parameters)
    components = schemas()
    for item in ("Company", "Period", "Figure", "ComputedFigure", "EmergencyDisclosure"):
        components[f"{item}Page"] = _page_schema(item)
    components["OpenApiDocument"] = {
        "type": "object",
        "required": ["openapi", "info", "paths"],
        "description": "This document.",
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Data Demands API",
            "version": "1",
            "description": "Read-only, published data only: government demands for user data made to tech "
            "companies, from their transparency reports. Values are JSON numbers or null with an explicit kind "
            "(exact, band, not-reported). Lists are paginated in natural-key order. Several values of a filter "
            "are separated by commas. Any site may read it (CORS *). Request types and measures are defined in "
            "the data dictionary.\n\nRequest types:\n"
            + definitions(REQUEST_TYPE_DEFINITIONS)
            + "\n\nMeasures:\n"
            + definitions(MEASURE_DEFINITIONS),
            "license": {"name": api.LICENSE["title"], "identifier": api.LICENSE["name"]},
        },
        "servers": [{"url": absolute("")}],
        "paths": paths,
        "components": {"schemas": components},
    }


def _item_schema(name: str) -> str:
    return {
        "companies": "Company",
        "periods": "Period",
        "figures": "Figure",
        "computed-figures": "ComputedFigure",
        "emergency-disclosures": "EmergencyDisclosure",
    }[name]


@open_data(paginated=False)
def openapi_json(request: HttpRequest, query: Query) -> JsonResponse:
    return JsonResponse(build_spec(), json_dumps_params={"ensure_ascii": False})


urlpatterns = [path("api/v1/openapi.json", openapi_json, name="api-openapi")]
