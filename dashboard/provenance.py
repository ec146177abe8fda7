"""Provenance pages: one report with its sources, every source document, corrections, methodology."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from dashboard.caching import cached_public
from reports.models import ReportingPeriod, SourceDocument


@require_GET
@cached_public()
def report(request: HttpRequest, company: str, scope: str, start: str, end: str) -> HttpResponse:
    period = get_object_or_404(
        ReportingPeriod.objects.published().with_company_and_source(),
        company__slug=company,
        scope=scope,
        start=start,
        end=end,
    )
    figures = period.figures.order_by("jurisdiction", "request_type", "measure")
    return render(request, "dashboard/report.html", {"period": period, "figures": figures})


@require_GET
@cached_public()
def source(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_object_or_404(SourceDocument.objects.public(), pk=pk)
    return render(request, "dashboard/source.html", {"document": document})
