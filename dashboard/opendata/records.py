"""What one item looks like in the API and the JSON downloads: companies, periods, figures, disclosures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse

from reports.models import Company, EmergencyDisclosure, ReportingPeriod, SourceDocument
from reports.opendata import value_kind
from reports.vocabulary import PERCENT_MEASURES


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
    for *key, value, low, high, own, shared, note, own_kind, shared_kind, chart in rows:
        company, scope, start, end, jurisdiction, request_type, measure = key
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
            "kind": value_kind(value, low),
            "value": json_number(value),
            "value_min": json_number(low),
            "value_max": json_number(high),
            "unit": "percent" if measure in PERCENT_MEASURES else "count",
            "note": note,
            "source_url": own or shared or None,
            "source_kind": (own_kind if own else shared_kind) or None,
            "report_url": report_urls[period],
            "chart_image_url": absolute(reverse("chart_image", args=[chart])) if chart else None,
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
        "count_is_minimum": item.count_is_minimum,
        "requester": item.requester,
        "evidence": item.evidence,
        "contested": item.contested,
        "contested_note": item.contested_note,
        "date_note": item.date_note,
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
