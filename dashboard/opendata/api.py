"""The read-only JSON API under /api/v1/: companies, reporting periods, figures, the figures this site computes
from them, and emergency disclosures.

Plain Django views and ``JsonResponse``. Each endpoint declares its query parameters once, as ``Param``
objects: the same declarations check requests and write /api/v1/openapi.json (``dashboard.opendata.openapi``),
so the documentation cannot drift from what the views accept.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path, reverse

from dashboard.opendata.computed import computed, computed_records, matching
from dashboard.opendata.http import each, open_data, page_of, page_of_items
from dashboard.opendata.params import (
    COMPUTED_PARAMS,
    DISCLOSURE_PARAMS,
    ENDPOINTS,
    FIGURE_PARAMS,
    LICENSE,
    PERIOD_PARAMS,
    Query,
)
from dashboard.opendata.records import absolute, company_record, disclosure_record, figure_records, period_record
from reports.models import Company, EmergencyDisclosure, Figure, ReportingPeriod
from reports.opendata import FIGURE_VALUE_FIELDS

# --- Views --------------------------------------------------------------------------------------


@open_data(paginated=False)
def index(request: HttpRequest, query: Query) -> JsonResponse:
    """What the API offers, with links; the details are in /api/v1/openapi.json."""
    endpoints = [
        {"name": name, "url": absolute(reverse(route)), "description": description}
        for name, route, description in ENDPOINTS
    ]
    return JsonResponse(
        {
            "name": "Data Demands API",
            "version": "1",
            "description": "Government demands for user data made to tech companies, from their transparency reports.",
            "documentation": absolute(reverse("data")),
            "openapi": absolute(reverse("api-openapi")),
            "license": LICENSE,
            "endpoints": endpoints,
        }
    )


@open_data()
def companies(request: HttpRequest, query: Query) -> JsonResponse:
    return page_of(request, Company.objects.for_open_data(), query, each(company_record))


@open_data(*PERIOD_PARAMS)
def periods(request: HttpRequest, query: Query) -> JsonResponse:
    return page_of(request, ReportingPeriod.objects.for_open_data(), query, each(period_record))


@open_data(*FIGURE_PARAMS)
def figures(request: HttpRequest, query: Query) -> JsonResponse:
    rows = Figure.objects.for_open_data().values_list(*FIGURE_VALUE_FIELDS)
    return page_of(request, rows, query, figure_records)


@open_data(*COMPUTED_PARAMS)
def computed_figures(request: HttpRequest, query: Query) -> JsonResponse:
    result = computed()
    items = matching(result.figures, query.values)
    return page_of_items(request, items, query, lambda page: computed_records(result, page))


@open_data(*DISCLOSURE_PARAMS)
def emergency_disclosures(request: HttpRequest, query: Query) -> JsonResponse:
    return page_of(request, EmergencyDisclosure.objects.for_open_data(), query, each(disclosure_record))


urlpatterns = [
    path("api/v1/", index, name="api-index"),
    path("api/v1/companies", companies, name="api-companies"),
    path("api/v1/periods", periods, name="api-periods"),
    path("api/v1/figures", figures, name="api-figures"),
    path("api/v1/computed-figures", computed_figures, name="api-computed-figures"),
    path("api/v1/emergency-disclosures", emergency_disclosures, name="api-emergency-disclosures"),
]
