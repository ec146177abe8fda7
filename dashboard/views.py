"""Public pages. Views only read, through queryset methods, and stay short."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dashboard.caching import cached_public
from reports.models import Company, EmergencyDisclosure, ReportingPeriod

log = logging.getLogger(__name__)


@require_GET
@cached_public()
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "companies": Company.objects.with_published_data().with_public_summary(),
        "reports": ReportingPeriod.objects.newest_reports(limit=10),
        "disclosures": EmergencyDisclosure.objects.for_listing()[:5],
        "disclosure_total": EmergencyDisclosure.objects.published().total_disclosures(),
    }
    return render(request, "dashboard/home.html", context)


@require_GET
@cached_public()
def company(request: HttpRequest, slug: str) -> HttpResponse:
    company = get_object_or_404(Company.objects.with_published_data(), slug=slug)
    periods = ReportingPeriod.objects.published().with_company_and_source().filter(company=company)
    return render(request, "dashboard/company.html", {"company": company, "periods": periods})


@require_GET
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
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as error:
        log.warning("health check: broker: %s", error)
        return "error"
