"""The read-only JSON API under /api/v1/: companies, reporting periods, figures and emergency disclosures.

Plain Django views and ``JsonResponse``. Each endpoint declares its query parameters once, as ``Param``
objects: the same declarations check requests and write /api/v1/openapi.json (``dashboard.openapi``),
so the documentation cannot drift from what the views accept.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse, QueryDict
from django.urls import path, reverse
from django.views.decorators.http import require_safe

from dashboard.caching import cached_public
from reports.models import Company, EmergencyDisclosure, Figure, ReportingPeriod, SourceDocument, TriState
from reports.opendata import FIGURE_VALUE_FIELDS
from reports.vocabulary import PERCENT_MEASURES, Measure, RequestType, Scope

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
FIGURE_KINDS = ("exact", "band", "not-reported")
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
JURISDICTION_PATTERN = re.compile(r"^(?:[A-Z]{2}|NON-US|WW)$")
POSITIVE_INTEGER = re.compile(r"^[1-9][0-9]{0,8}$")


class BadParameter(Exception):
    """A query parameter the API cannot accept; answered with a 400 that names it."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message

    def response(self) -> JsonResponse:
        return JsonResponse({"error": self.message, "parameter": self.parameter}, status=400)


# --- Parameters --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """One query parameter: a comma-separated list of values, or an ISO date.

    ``lookup`` is the ORM lookup it filters on; ``choices`` the values the vocabulary allows;
    ``known`` a database check for values that only the data can confirm (company slugs).
    """

    name: str
    description: str
    lookup: str
    kind: str = "list"  # "list" or "date"
    choices: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None
    known: Callable[[list[str]], set[str]] | None = None
    to_q: Callable[[Any], Q] | None = None
    example: str = ""

    @property
    def label(self) -> str:
        return self.name.replace("_", " ")

    def parse(self, raw: str) -> Any:
        if self.kind == "date":
            return _parse_date(self.name, raw)
        values = raw.split(",")
        for value in values:
            if not value:
                raise BadParameter(self.name, "is empty; give one value, or several separated by commas")
            if self.choices and value not in self.choices:
                raise BadParameter(self.name, f"unknown {self.label} {value!r}; {_one_of(self.choices)}")
            if self.pattern and not self.pattern.match(value):
                raise BadParameter(self.name, f"{value!r} is not a valid {self.label}")
        if self.known:
            unknown = sorted(set(values) - self.known(values))
            if unknown:
                raise BadParameter(self.name, f"unknown {self.label} {', '.join(map(repr, unknown))}")
        return values

    def q(self, value: Any) -> Q:
        if self.to_q:
            return self.to_q(value)
        return Q(**{f"{self.lookup}__in" if self.kind == "list" else self.lookup: value})


def _parse_date(name: str, raw: str) -> dt.date:
    # date.fromisoformat also takes "20200101" and week dates; the API promises YYYY-MM-DD only.
    try:
        if DATE_PATTERN.match(raw):
            return dt.date.fromisoformat(raw)
    except ValueError:
        pass
    raise BadParameter(name, f"{raw!r} is not a date; use YYYY-MM-DD, e.g. 2020-01-01")


def _one_of(choices: Iterable[str]) -> str:
    return "one of " + ", ".join(choices)


def published_company_slugs(values: list[str]) -> set[str]:
    """Which of ``values`` name a company with published data (a draft-only company stays unknown)."""
    return set(Company.objects.with_published_data().filter(slug__in=values).values_list("slug", flat=True))


def _company(lookup: str) -> Param:
    return Param(
        "company",
        "Company slugs, comma-separated (amazon, ring, google, ...); see /api/v1/companies.",
        lookup,
        pattern=SLUG_PATTERN,
        known=published_company_slugs,
        example="amazon",
    )


def _tristate(name: str, what: str) -> Param:
    return Param(name, f"Whether {what}: yes, no or unknown; comma-separated.", name, choices=tuple(TriState.values))


def _figure_kind_q(kinds: list[str]) -> Q:
    parts = {
        "exact": Q(value__isnull=False),
        "band": Q(value_min__isnull=False),
        "not-reported": Q(value__isnull=True, value_min__isnull=True, value_max__isnull=True),
    }
    combined = Q(pk__in=[])
    for kind in kinds:
        combined |= parts[kind]
    return combined


SCOPE = Param(
    "scope",
    "Scopes, comma-separated: 'total' unless a company reports parts apart (Amazon: aws, excluding-aws).",
    "period__scope",
    choices=tuple(Scope.values),
)
PERIOD_START_FROM = Param(
    "period_start_from",
    "Only reporting periods that start on or after this date (YYYY-MM-DD).",
    "period__start__gte",
    kind="date",
    example="2020-01-01",
)
PERIOD_END_TO = Param(
    "period_end_to",
    "Only reporting periods that end on or before this date (YYYY-MM-DD).",
    "period__end__lte",
    kind="date",
    example="2020-12-31",
)

FIGURE_PARAMS = (
    _company("period__company__slug"),
    SCOPE,
    PERIOD_START_FROM,
    PERIOD_END_TO,
    Param(
        "jurisdiction",
        "Jurisdictions, comma-separated: ISO 3166-1 alpha-2 codes (US, DE), NON-US for all non-U.S. "
        "governments together, WW for a worldwide total.",
        "jurisdiction",
        pattern=JURISDICTION_PATTERN,
        example="US",
    ),
    Param(
        "request_type",
        "Request types, comma-separated; defined in the data dictionary (/methodology/).",
        "request_type",
        choices=tuple(RequestType.values),
        example="subpoena",
    ),
    Param(
        "measure",
        "Measures, comma-separated; defined in the data dictionary (/methodology/).",
        "measure",
        choices=tuple(Measure.values),
        example="requests",
    ),
    Param(
        "kind",
        "Kinds of value, comma-separated: exact, band (a published range such as 0-249) or not-reported.",
        "kind",
        choices=FIGURE_KINDS,
        to_q=_figure_kind_q,
    ),
)
PERIOD_PARAMS = (
    _company("company__slug"),
    Param("scope", SCOPE.description, "scope", choices=SCOPE.choices),
    Param("period_start_from", PERIOD_START_FROM.description, "start__gte", kind="date", example="2020-01-01"),
    Param("period_end_to", PERIOD_END_TO.description, "end__lte", kind="date", example="2020-12-31"),
)
DISCLOSURE_PARAMS = (
    _company("company__slug"),
    Param(
        "date_from",
        "Only disclosures whose dates reach this day or later (YYYY-MM-DD): a batch counts if its range overlaps.",
        "date_end__gte",
        kind="date",
        example="2022-01-01",
    ),
    Param(
        "date_to",
        "Only disclosures whose dates begin on or before this day (YYYY-MM-DD).",
        "date_start__lte",
        kind="date",
        example="2022-12-31",
    ),
    Param(
        "basis",
        "The legal basis the company claimed, comma-separated.",
        "basis",
        choices=tuple(EmergencyDisclosure.Basis.values),
    ),
    _tristate("warrant", "there was a warrant"),
    _tristate("user_consent", "the user consented"),
    _tristate("user_notified", "the user was told"),
)


@dataclass
class Query:
    filters: list[Q] = field(default_factory=list)
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


def parse_query(query: QueryDict, params: tuple[Param, ...], *, paginated: bool = True) -> Query:
    """Check every parameter of the query string; raise ``BadParameter`` on the first bad one."""
    accepted = [param.name for param in params] + (["page", "page_size"] if paginated else [])
    for name in query:
        if name not in accepted:
            takes = f"this endpoint takes {', '.join(accepted)}" if accepted else "this endpoint takes no parameters"
            raise BadParameter(name, f"unknown parameter; {takes}")
        if len(query.getlist(name)) > 1:
            raise BadParameter(name, "given more than once; separate several values with commas")
    result = Query()
    for param in params:
        raw = query.get(param.name)
        if raw is not None:
            result.filters.append(param.q(param.parse(raw)))
    if paginated:
        result.page = _positive_integer(query, "page", 1)
        result.page_size = _positive_integer(query, "page_size", DEFAULT_PAGE_SIZE)
        if result.page_size > MAX_PAGE_SIZE:
            raise BadParameter("page_size", f"{result.page_size} is too big; at most {MAX_PAGE_SIZE}")
    return result


def _positive_integer(query: QueryDict, name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    if not POSITIVE_INTEGER.match(raw):
        raise BadParameter(name, f"{raw!r} is not a whole number of 1 or more")
    return int(raw)


# --- Records: what one item looks like in the API and the JSON downloads -----------------------


def json_number(number: Decimal | None) -> int | float | None:
    """2416, 81.5 or None: JSON numbers, where DjangoJSONEncoder would write Decimals as strings."""
    if number is None:
        return None
    return int(number) if number == number.to_integral_value() else float(number)


def absolute(path: str) -> str:
    # SITE_URL, not the request's Host: cached responses are shared between every requester.
    return settings.SITE_URL + path


def source_record(source: SourceDocument | None) -> dict[str, Any] | None:
    if source is None:
        return None
    return {"url": source.url, "title": source.title, "publisher": source.publisher, "kind": source.kind}


def figure_records(rows: Iterable[tuple[Any, ...]]) -> Iterator[dict[str, Any]]:
    """Figures as JSON objects, from ``values_list(*FIGURE_VALUE_FIELDS)`` tuples: the CSV's columns and more."""
    report_urls: dict[tuple[Any, ...], str] = {}
    for company, scope, start, end, jurisdiction, request_type, measure, value, low, high, own, shared, note in rows:
        period = (company, scope, start.isoformat(), end.isoformat())
        if period not in report_urls:
            report_urls[period] = absolute(reverse("report", args=period))
        yield {
            "company": company,
            "scope": scope,
            "period_start": period[2],
            "period_end": period[3],
            "jurisdiction": jurisdiction,
            "request_type": request_type,
            "measure": measure,
            "kind": "exact" if value is not None else "band" if low is not None else "not-reported",
            "value": json_number(value),
            "value_min": json_number(low),
            "value_max": json_number(high),
            "unit": "percent" if measure in PERCENT_MEASURES else "count",
            "note": note,
            "source_url": own or shared or None,
            "report_url": report_urls[period],
        }


def period_record(period: ReportingPeriod) -> dict[str, Any]:
    return {
        "company": period.company.slug,
        "scope": period.scope,
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        "label": period.label,
        "published_on": period.published_on.isoformat() if period.published_on else None,
        "figure_count": period.figure_count,  # type: ignore[attr-defined]
        "notes": period.notes,
        "source": source_record(period.source),
        "report_url": absolute(period.get_absolute_url()),
    }


def company_record(company: Company) -> dict[str, Any]:
    latest: dt.date | None = company.latest_period_end  # type: ignore[attr-defined]
    return {
        "slug": company.slug,
        "name": company.name,
        "parent": company.parent.slug if company.parent else None,
        "website": company.website,
        "transparency_url": company.transparency_url,
        "published_periods": company.published_periods,  # type: ignore[attr-defined]
        "latest_period_end": latest.isoformat() if latest else None,
        "emergency_disclosures": company.published_disclosures,  # type: ignore[attr-defined]
        "url": absolute(company.get_absolute_url()),
        "figures_url": absolute(f"{reverse('api-figures')}?company={company.slug}"),
    }


def disclosure_record(item: EmergencyDisclosure) -> dict[str, Any]:
    return {
        "id": item.pk,
        "company": item.company.slug,
        "kind": item.kind,
        "title": item.title,
        "date_start": item.date_start.isoformat(),
        "date_end": item.date_end.isoformat(),
        "count": item.count,
        "agency": item.agency,
        "jurisdiction": item.jurisdiction,
        "basis": item.basis,
        "company_standard": item.company_standard,
        "warrant": item.warrant,
        "user_consent": item.user_consent,
        "user_notified": item.user_notified,
        "data_category": item.data_category,
        "data_disclosed": item.data_disclosed,
        "summary": item.summary,
        "sources": [source_record(source) for source in item.sources.all()],
        "url": absolute(item.get_absolute_url()),
    }


# --- Decorators shared with the downloads -------------------------------------------------------


def open_to_every_origin(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """CORS for open data: any site's scripts may read the answer; OPTIONS answers a preflight.

    ``*`` needs no ``Vary: Origin``, and no credentials are ever involved, so caches stay shared.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "OPTIONS":
            response: HttpResponseBase = HttpResponse(status=204)
            response["Allow"] = response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            # A conditional GET from a browser script is not a "simple" request, so it is preflighted.
            response["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
            response["Access-Control-Max-Age"] = "86400"
        else:
            response = view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = "ETag, Content-Disposition"
        return response

    return wrapped


def takes(
    *params: Param, paginated: bool = True
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Check the query string against ``params`` before the view runs; a bad parameter is a 400."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            try:
                return view(request, parse_query(request.GET, params, paginated=paginated), *args, **kwargs)
            except BadParameter as error:
                return error.response()

        return wrapped

    return decorator


def page_of(request: HttpRequest, queryset: QuerySet[Any], query: Query, records: Callable[..., Any]) -> JsonResponse:
    """One page of ``queryset`` filtered by ``query``, with the total count and next/previous links."""
    paginator = Paginator(queryset.filter(*query.filters), query.page_size)
    if query.page > paginator.num_pages:
        raise BadParameter("page", f"page {query.page} is past the last page, {paginator.num_pages}")
    page = paginator.page(query.page)
    return JsonResponse(
        {
            "count": paginator.count,
            "page": query.page,
            "page_size": query.page_size,
            "pages": paginator.num_pages,
            "next": _page_link(request, query.page + 1) if page.has_next() else None,
            "previous": _page_link(request, query.page - 1) if page.has_previous() else None,
            "results": list(records(page.object_list)),
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _page_link(request: HttpRequest, number: int) -> str:
    query = request.GET.copy()
    query["page"] = str(number)
    return absolute(f"{request.path}?{query.urlencode(safe=',')}")


def _each(record: Callable[[Any], dict[str, Any]]) -> Callable[[Iterable[Any]], Iterator[dict[str, Any]]]:
    return lambda items: (record(item) for item in items)


# --- Views --------------------------------------------------------------------------------------


@open_to_every_origin
@require_safe
@cached_public()
@takes(paginated=False)
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


@open_to_every_origin
@require_safe
@cached_public()
@takes()
def companies(request: HttpRequest, query: Query) -> JsonResponse:
    return page_of(request, Company.objects.for_open_data(), query, _each(company_record))


@open_to_every_origin
@require_safe
@cached_public()
@takes(*PERIOD_PARAMS)
def periods(request: HttpRequest, query: Query) -> JsonResponse:
    return page_of(request, ReportingPeriod.objects.for_open_data(), query, _each(period_record))


@open_to_every_origin
@require_safe
@cached_public()
@takes(*FIGURE_PARAMS)
def figures(request: HttpRequest, query: Query) -> JsonResponse:
    rows = Figure.objects.for_open_data().values_list(*FIGURE_VALUE_FIELDS)
    return page_of(request, rows, query, figure_records)


@open_to_every_origin
@require_safe
@cached_public()
@takes(*DISCLOSURE_PARAMS)
def emergency_disclosures(request: HttpRequest, query: Query) -> JsonResponse:
    return page_of(request, EmergencyDisclosure.objects.for_open_data(), query, _each(disclosure_record))


@open_to_every_origin
@require_safe
@cached_public()
@takes(paginated=False)
def openapi_json(request: HttpRequest, query: Query) -> JsonResponse:
    from dashboard.openapi import build_spec  # it reads this module's parameters, so it imports it

    return JsonResponse(build_spec(), json_dumps_params={"ensure_ascii": False})


LICENSE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0 International",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}

#: (name, route name, description) of every endpoint, for the index and the OpenAPI document.
ENDPOINTS = (
    ("companies", "api-companies", "Companies with published data, by slug."),
    ("periods", "api-periods", "Published reporting periods: one company, one scope, start and end dates."),
    ("figures", "api-figures", "Every published figure: one number of one period, exact, a band, or not reported."),
    ("emergency-disclosures", "api-emergency-disclosures", "Data handed to police without a warrant or consent."),
    ("openapi", "api-openapi", "This API described in OpenAPI 3.1."),
)

urlpatterns = [
    path("api/v1/", index, name="api-index"),
    path("api/v1/companies", companies, name="api-companies"),
    path("api/v1/periods", periods, name="api-periods"),
    path("api/v1/figures", figures, name="api-figures"),
    path("api/v1/emergency-disclosures", emergency_disclosures, name="api-emergency-disclosures"),
    path("api/v1/openapi.json", openapi_json, name="api-openapi"),
]
