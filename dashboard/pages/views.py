"""Public pages: home, companies, request types and countries, and the CSV behind every chart.

Views only read, through queryset methods and the chart registry (dashboard/charts/registry.py), and stay
short.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from dashboard.caching import cached_public, kept_for_generation
from dashboard.charts.answers import chart_errors_answered
from dashboard.charts.defaults import COMPANY_CHARTS, HOME_CHART
from dashboard.charts.frame import Chart, Control, Option, SourceEntry
from dashboard.charts.labels import TOTAL
from dashboard.charts.registry import ChartParamError, UnknownChart, build_chart, build_page_chart, chart_query
from dashboard.charts.shared import JURISDICTION_CODE, TYPE_CHOICES
from dashboard.pages.tracker import overall_tallies
from reports.models import Company, EmergencyDisclosure, EmergencyStatement, Figure, ReportingPeriod
from reports.periods import period_dates
from reports.statements import jurisdiction_name
from reports.vocabulary import REQUEST_TYPE_DEFINITIONS

log = logging.getLogger(__name__)

#: The charts of a request type's and a country's page.
COMPARISON_CHARTS = ("requests-over-time", "share-over-time")


def _bad_request_page(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "dashboard/bad_request.html", {"message": message}, status=400)


#: Pages answer a bad chart state with the site's own 400 page.
answers_bad_params = chart_errors_answered(_bad_request_page)


def charts_for(request: HttpRequest, slugs: Iterable[str], **fixed: str) -> list[Chart]:
    """Build each chart from the page's query string; values from the path win over the query."""
    params = {**request.GET.dict(), **fixed}
    return [build_page_chart(slug, params) for slug in slugs]


def filters(charts: Iterable[Chart], *, hide: Iterable[str] = ()) -> list[Control]:
    """The filters a page shows above its charts: those of a parameter several of its charts take. A filter of
    one chart only is put beside it (``chart.local_controls``); all belong to the page's one GET form."""
    charts = list(charts)
    hidden = set(hide)
    takers: dict[str, int] = {}
    for chart in charts:
        for param in chart.spec.params:
            takers[param.name] = takers.get(param.name, 0) + 1
    shared: dict[str, Control] = {}
    for chart in charts:
        for control in chart.filter_controls():
            if control.name in hidden or len(control.options) < 2:
                continue
            if takers.get(control.name, 0) > 1:
                shared.setdefault(control.name, control)
            else:
                chart.local_controls.append(control)
    return list(shared.values())


@require_safe
@cached_public()
def home(request: HttpRequest) -> HttpResponse:
    chart = build_page_chart("requests-over-time", HOME_CHART)
    context = {
        "chart": chart,
        "charts": [chart],
        "highlights": sorted(chart.highlights, key=lambda h: h.company_name),
        **kept_for_generation("home-page", _home_lists),
    }
    return render(request, "dashboard/home.html", context)


def _home_lists() -> dict[str, Any]:
    """What the home page lists beside its chart: the same for every reader until the data changes."""
    return {
        "reports": list(ReportingPeriod.objects.newest_reports(limit=8)),
        "disclosures": list(EmergencyDisclosure.objects.for_listing()[:5]),
        "disclosure_tallies": overall_tallies(),
    }


@require_safe
@cached_public(query=chart_query(*COMPANY_CHARTS, path={"company": "slug"}))
@answers_bad_params
def company(request: HttpRequest, slug: str) -> HttpResponse:
    context = kept_for_generation(f"company-page:{slug}", lambda: _company_parts(slug))
    charts = charts_for(request, COMPANY_CHARTS, company=slug) if context["has_reports"] else []
    context |= {
        "charts": [chart for chart in charts if chart.has_data or chart.slug == COMPANY_CHARTS[0]],
        "filters": filters(charts),
        # The government filter already lists them (for the scope shown): no second query.
        "jurisdictions": _governments(charts),
    }
    return render(request, "dashboard/company.html", context)


def _company_parts(slug: str) -> dict[str, Any]:
    """What a company page shows beside its charts, its records rendered: the same in every filter state until
    the data changes."""
    company = get_object_or_404(Company.objects.with_published_data().select_related("parent"), slug=slug)
    periods = list(ReportingPeriod.objects.for_company_page(company))
    records = {
        "company": company,
        "periods": periods,
        "reports": _reports(company, periods),
        "disclosures": list(EmergencyDisclosure.objects.for_company_page(company)),
        "statements": list(EmergencyStatement.objects.for_tracker().filter(company=company)),
    }
    return {
        "company": company,
        "has_reports": bool(periods),
        "has_records": bool(records["disclosures"] or records["statements"]),
        "scopes": _scopes(periods),
        "records_html": render_to_string("dashboard/_company_records.html", records),
    }


@require_safe
@cached_public()
def request_types(request: HttpRequest) -> HttpResponse:
    overview: dict[str, list[dict[str, Any]]] = {}
    for row in Figure.objects.request_type_overview():
        overview.setdefault(row["request_type"], []).append(row)
    # "All requests" lists who publishes a total of their own; the page also sums the kinds of the others.
    overview[TOTAL] = overview.pop("all", [])
    kinds = [
        (slug, label, REQUEST_TYPE_DEFINITIONS.get("all" if slug == TOTAL else slug, ""), overview[slug])
        for slug, label in TYPE_CHOICES
        if overview.get(slug)
    ]
    return render(request, "dashboard/request_types.html", {"kinds": kinds})


@require_safe
@cached_public(query=chart_query(*COMPARISON_CHARTS, path={"type": "slug"}))
@answers_bad_params
def request_type(request: HttpRequest, slug: str) -> HttpResponse:
    label = dict(TYPE_CHOICES).get(slug)
    if label is None:
        raise Http404("No such request type.")
    charts = charts_for(request, COMPARISON_CHARTS, type=slug)
    context = {
        "slug": slug,
        "label": label,
        "definition": REQUEST_TYPE_DEFINITIONS.get("all" if slug == TOTAL else slug, ""),
        "charts": [chart for chart in charts if chart.has_data or chart.slug == "requests-over-time"],
        "filters": filters(charts, hide=("type",)),
        "reporting": sorted(charts[0].highlights, key=lambda h: h.company_name),
        "silent": _without(charts[0].highlights),
    }
    return render(request, "dashboard/request_type.html", context)


@require_safe
@cached_public(query=chart_query("countries-ranking"))
@answers_bad_params
def countries(request: HttpRequest) -> HttpResponse:
    chart = build_page_chart("countries-ranking", request.GET)
    jurisdictions = kept_for_generation("countries-page", _jurisdictions)
    context = {"chart": chart, "charts": [chart], "filters": filters([chart]), "jurisdictions": jurisdictions}
    return render(request, "dashboard/countries.html", context)


def _jurisdictions() -> list[dict[str, Any]]:
    """Every government with published figures, by name, with its page: the same in every period shown."""
    overview = [
        {**row, "name": jurisdiction_name(row["jurisdiction"]), "url": country_url(row["jurisdiction"])}
        for row in Figure.objects.jurisdiction_overview()
        if has_country_page(row["jurisdiction"])
    ]
    return sorted(overview, key=lambda row: row["name"])


@require_safe
@cached_public(query=chart_query(*COMPARISON_CHARTS, path={"jurisdiction": "code"}))
@answers_bad_params
def country(request: HttpRequest, code: str) -> HttpResponse:
    if not has_country_page(code.upper()):
        raise Http404("No such country code.")
    if code != code.upper():
        # One address per government (/countries/DE/), so one cached answer: /countries/de/ is sent there.
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(reverse("country", args=[code.upper()]) + (f"?{query}" if query else ""))
    charts = charts_for(request, COMPARISON_CHARTS, jurisdiction=code)
    if not any(chart.has_data for chart in charts):
        raise Http404("No company publishes figures for this government.")
    context = {
        "code": code,
        "name": jurisdiction_name(code),
        "charts": [chart for chart in charts if chart.has_data],
        "filters": filters(charts, hide=("jurisdiction",)),
        "reporting": sorted(charts[0].highlights, key=lambda h: h.company_name),
    }
    return render(request, "dashboard/country.html", context)


@require_safe
@cached_public(query=chart_query())
def chart_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """Exactly the rows a chart shows, for its state in the query string."""
    try:
        chart = build_chart(slug, request.GET)
    except UnknownChart as error:
        raise Http404(str(error)) from error
    except ChartParamError as error:
        return HttpResponse(str(error) + "\n", status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(chart.csv_text(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}.csv"'
    return response


def _governments(charts: Iterable[Chart]) -> SafeString:
    """Links to the page of each government the charts' filter offers for the scope shown (no second query),
    escaped and joined here: a company may report on some 170 governments."""
    for chart in charts:
        for control in chart.filter_controls():
            if control.name == "jurisdiction":
                return _government_links(control.options)
    return mark_safe("")  # nosec B308 B703


@lru_cache(maxsize=256)
def _government_links(options: tuple[Option, ...]) -> SafeString:
    """Once per process and list: the same list in every state of a company's page (2.5 ms for Google's)."""
    return mark_safe(  # every url and name escaped  # nosec B308 B703
        " · ".join(
            f'<a href="{escape(country_url(option.value))}">{escape(option.label)}</a>'
            for option in options
            if has_country_page(option.value)
        )
    )


def has_country_page(code: str) -> bool:
    """Whether ``/countries/<code>/`` is a page: a country's code, NON-US or WW, as the country view takes them.
    Not OTHER, the rest of a chart's "Others", which names no one government (the countries index, a company
    page's government links and the page warming ask this too)."""
    return bool(JURISDICTION_CODE.match(code))


def country_url(code: str) -> str:
    # One reverse() for a list of some 250 links: resolving each one costs more than the rest of the page.
    return _url_pattern("country", "XX").replace("XX", code)


@cache
def _url_pattern(name: str, *placeholders: str) -> str:
    """A route's path with placeholders, resolved once per process (the URLconf does not change)."""
    return reverse(name, args=list(placeholders))


def _reports(company: Company, periods: list[ReportingPeriod]) -> list[dict[str, Any]]:
    """The company's reports as its table lists them, links built from one reverse() (a company has dozens)."""
    pattern = _url_pattern("report", "COMPANY", "SCOPE", "START", "END").replace("COMPANY", company.slug)
    return [
        {
            "url": pattern.replace("SCOPE", period.scope)
            .replace("START", f"{period.start}")
            .replace("END", f"{period.end}"),
            "label": period.label,
            "dates": period_dates(period.start, period.end),
            "scope": period.get_scope_display(),
            "figures": period.figure_count,  # type: ignore[attr-defined]
            "source": SourceEntry.of(period.source) if period.source else None,
        }
        for period in periods
    ]


def _scopes(periods: list[ReportingPeriod]) -> list[dict[str, Any]]:
    """Each scope the company reports, with how many reports and the dates they span."""
    scopes: dict[str, dict[str, Any]] = {}
    for period in periods:
        entry = scopes.setdefault(period.scope, {"scope": period.get_scope_display(), "code": period.scope, "count": 0})
        entry["count"] += 1
        entry["first"] = period  # newest first: the last one seen is the oldest
        entry.setdefault("last", period)
    return sorted(scopes.values(), key=lambda s: (s["code"] != "total", s["code"]))


def _without(highlights: Iterable[Any]) -> list[str]:
    """The companies with published reports that give no figure for a chart."""
    shown = {item.company for item in highlights}
    return [company.name for company in Company.objects.with_published_reports() if company.slug not in shown]


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Whether the database and the broker answer; 503 when either does not."""
    checks = {"database": _database_ok(), "broker": _broker_status()}
    healthy = all(value in ("ok", "eager") for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


def _database_ok() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as error:
        log.warning("health check: database: %s", error)
        return "error"


def _broker_status() -> str:
    if not settings.CELERY_BROKER_URL:
        return "eager"
    from dashboard.celery import app

    try:
        with app.connection_for_write(url=settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as error:
        log.warning("health check: broker: %s", error)
        return "error"
