"""Writes from structured rows rather than documents: source documents, period details and emergency
disclosures (the bundled dataset, staff bulk loads). Each is one transaction and moves the data generation on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from reports.importers.base import DocumentError
from reports.models import (
    EmergencyDisclosure,
    ReportingPeriod,
    SourceDocument,
    Status,
)
from reports.services import bump_generation_on_commit, ensure_companies, set_if_changed

# --- Source documents and disclosures from structured data (the bundled dataset, staff bulk loads) ---


def upsert_source_documents(*, rows: Iterable[dict[str, str]], reason: str) -> dict[str, SourceDocument]:
    """Create or update SourceDocuments by URL from plain rows; returns them by URL."""
    rows = list(rows)
    companies = ensure_companies({row["company"] for row in rows if row.get("company")})
    existing = {s.url: s for s in SourceDocument.objects.filter(url__in=[row["url"] for row in rows])}
    result: dict[str, SourceDocument] = {}
    for row in rows:
        source = existing.get(row["url"]) or SourceDocument(url=row["url"])
        changed = set_if_changed(
            source,
            title=row["title"],
            publisher=row["publisher"],
            kind=row.get("kind") or SourceDocument.Kind.PRIMARY,
            company=companies.get(row.get("company", "")),
            published_on=dt.date.fromisoformat(row["published_on"]) if row.get("published_on") else None,
            notes=row.get("notes", ""),
        )
        if row.get("sha256") and not source.archive:
            changed |= set_if_changed(source, sha256=row["sha256"], size=int(row["size"]) if row.get("size") else None)
        if source.pk is None or changed:
            source._change_reason = reason  # type: ignore[attr-defined]
            source.save()
        result[source.url] = source
    return result


def upsert_period_details(*, rows: Iterable[dict[str, str]], reason: str) -> int:
    """Set publication dates and methodology notes of existing periods from plain rows (company, scope,
    period_start, period_end, published_on, notes); notes already there are kept. Returns how many changed."""
    changed_count = 0
    with transaction.atomic():
        for row in rows:
            key = (row["company"], row["scope"], row["period_start"], row["period_end"])
            period = ReportingPeriod.objects.filter(
                company__slug=key[0], scope=key[1], start=key[2], end=key[3]
            ).first()
            if period is None:
                raise DocumentError(f"no period {' '.join(key)}: import its figures first")
            published_on = dt.date.fromisoformat(row["published_on"]) if row.get("published_on") else None
            changed = set_if_changed(period, published_on=published_on or period.published_on)
            notes = (row.get("notes") or "").strip()
            if notes and notes not in period.notes:
                period.notes = (period.notes + "\n" + notes).strip()
                changed = True
            if changed:
                period._change_reason = reason  # type: ignore[attr-defined]
                period.save()
                changed_count += 1
        if changed_count:
            bump_generation_on_commit()
    return changed_count


def upsert_disclosures(*, items: Iterable[dict[str, Any]], publish: bool, reason: str) -> tuple[int, int]:
    """Create or update disclosures by (company, title); returns (created, updated)."""
    created = updated = 0
    with transaction.atomic():
        for item in items:
            fields = dict(item)
            urls = fields.pop("sources")
            company = ensure_companies([fields.pop("company")])
            sources = list(SourceDocument.objects.filter(url__in=urls))
            if len(sources) != len(set(urls)):
                missing = set(urls) - {s.url for s in sources}
                raise DocumentError(
                    f"disclosure “{fields['title']}” cites unknown sources: {', '.join(sorted(missing))}"
                )
            disclosure = EmergencyDisclosure.objects.filter(company__in=company.values(), title=fields["title"]).first()
            disclosure = disclosure or EmergencyDisclosure(company=next(iter(company.values())))
            fields["date_start"] = dt.date.fromisoformat(fields["date_start"])
            fields["date_end"] = dt.date.fromisoformat(fields["date_end"])
            if publish:
                fields["status"] = Status.PUBLISHED
            is_new = disclosure.pk is None
            if set_if_changed(disclosure, **fields) or is_new:
                disclosure.full_clean(exclude=["sources"])
                disclosure._change_reason = reason  # type: ignore[attr-defined]
                disclosure.save()
                created, updated = created + is_new, updated + (not is_new)
            if set(disclosure.sources.all()) != set(sources):
                disclosure.sources.set(sources)
        if created or updated:
            bump_generation_on_commit()
    return created, updated
