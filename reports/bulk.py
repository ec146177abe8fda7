"""Writes from structured rows rather than documents: source documents, period details and emergency
disclosures (the bundled dataset, staff bulk loads). Each is one transaction and moves the data generation on."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from reports.importers import charts
from reports.importers.base import DocumentError
from reports.models import (
    ChartReading,
    Company,
    DataFeed,
    EmergencyDisclosure,
    EmergencyStatement,
    ReportingPeriod,
    SourceDocument,
    SourceExcerpt,
    Status,
)
from reports.services import bump_generation, ensure_companies, set_if_changed

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
            bump_generation()
    return changed_count


def upsert_disclosures(*, items: Iterable[dict[str, Any]], publish: bool, reason: str) -> tuple[int, int]:
    """Create or update disclosures by (company, title), with their sources and the quoted excerpts that show
    what each source says; returns (created, updated). ``sources`` may be URLs of documents already recorded,
    or records with the document's details and an excerpt (``url``, ``title``, ``publisher``, ``quote``...)."""
    created = updated = 0
    with transaction.atomic():
        for item in items:
            fields = dict(item)
            cited = fields.pop("sources")
            company = ensure_companies([fields.pop("company")])
            sources, excerpts = _cited(cited, company=next(iter(company.values())), what=fields["title"], reason=reason)
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
            _set_excerpts(disclosure, excerpts)
        if created or updated:
            bump_generation()
    return created, updated


def upsert_statements(*, items: Iterable[dict[str, Any]], publish: bool, reason: str) -> tuple[int, int]:
    """Create or update what companies and governments said (standards, statements, notices) by kind, company
    and title, with their sources; returns (created, updated)."""
    created = updated = 0
    with transaction.atomic():
        for item in items:
            fields = dict(item)
            cited = fields.pop("sources")
            slug = fields.pop("company")
            company = ensure_companies([slug])[slug] if slug else None
            sources, _ = _cited(cited, company=company, what=fields["title"], reason=reason)
            fields["date"] = dt.date.fromisoformat(fields["date"]) if fields.get("date") else None
            if publish:
                fields["status"] = Status.PUBLISHED
            statement = EmergencyStatement.objects.filter(
                company=company, kind=fields["kind"], title=fields["title"], quote=fields["quote"]
            ).first() or EmergencyStatement(company=company)
            is_new = statement.pk is None
            if set_if_changed(statement, **fields) or is_new:
                statement.full_clean(exclude=["sources"])
                statement._change_reason = reason  # type: ignore[attr-defined]
                statement.save()
                created, updated = created + is_new, updated + (not is_new)
            if set(statement.sources.all()) != set(sources):
                statement.sources.set(sources)
        if created or updated:
            bump_generation()
    return created, updated


def _cited(
    cited: Iterable[str | dict[str, str]], *, company: Company | None, what: str, reason: str
) -> tuple[list[SourceDocument], list[tuple[SourceDocument, dict[str, str]]]]:
    """The documents a record cites, recorded from their details when new, and the excerpts quoted from them."""
    by_url: dict[str, SourceDocument] = {}
    excerpts: list[tuple[SourceDocument, dict[str, str]]] = []
    for entry in cited:
        details = {"url": entry} if isinstance(entry, str) else entry
        url = details["url"]
        source = by_url.get(url) or SourceDocument.objects.filter(url=url).order_by("pk").first()
        if source is None:
            if isinstance(entry, str):
                raise DocumentError(f"“{what}” cites an unknown source: {url}")
            source = _new_source(details, company=company, reason=reason)
        by_url[url] = source
        if details.get("quote"):
            excerpts.append((source, details))
    return list(by_url.values()), excerpts


def _new_source(details: dict[str, str], *, company: Company | None, reason: str) -> SourceDocument:
    """A document known by its address and what the record says of it: the company's own when it published it."""
    publisher = details.get("publisher", "")
    own = (
        company is not None and company.name.casefold() in publisher.casefold() and not details.get("republication_of")
    )
    source = SourceDocument(
        url=details["url"],
        title=details.get("title") or details["url"],
        publisher=publisher,
        kind=SourceDocument.Kind.PRIMARY if own else SourceDocument.Kind.SECONDARY,
        company=company if own else None,
        published_on=dt.date.fromisoformat(details["published_on"]) if details.get("published_on") else None,
        republication_of=details.get("republication_of", ""),
        notes=details.get("notes", ""),
    )
    source.full_clean(exclude=["archive", "sha256"])
    source._change_reason = reason  # type: ignore[attr-defined]
    source.save()
    return source


def _set_excerpts(disclosure: EmergencyDisclosure, excerpts: list[tuple[SourceDocument, dict[str, str]]]) -> None:
    """Replace the disclosure's excerpts when they differ from these: a second load of the same data writes none."""
    wanted = [
        (
            source.pk,
            details["quote"],
            details.get("supports", ""),
            details.get("stance") or SourceExcerpt.Stance.SUPPORTS,
        )
        for source, details in excerpts
    ]
    have = list(disclosure.excerpts.order_by("pk").values_list("source_id", "quote", "supports", "stance"))
    if have == wanted:
        return
    disclosure.excerpts.all().delete()
    for source_id, quote, supports, stance in wanted:
        excerpt = SourceExcerpt(
            disclosure=disclosure, source_id=source_id, quote=quote, supports=supports, stance=stance
        )
        excerpt.full_clean()
        excerpt.save()


def source_from_link(
    *,
    url: str,
    title: str,
    publisher: str,
    published_on: dt.date | None = None,
    republication_of: str = "",
    company: Company | None = None,
    reason: str,
) -> SourceDocument:
    """The SourceDocument for an address staff paste to propose a record: found by URL, else recorded."""
    existing = SourceDocument.objects.filter(url=url).order_by("pk").first()
    if existing is not None:
        return existing
    details = {"url": url, "title": title, "publisher": publisher, "republication_of": republication_of}
    if published_on:
        details["published_on"] = published_on.isoformat()
    return _new_source(details, company=company, reason=reason)


def archive_local_copies(*, paths: Iterable[Path], reason: str) -> int:
    """Archive each file whose SHA-256 a recorded source names but whose copy the site does not hold (the
    bundled dataset records the digests of the documents it was built from); returns how many were archived."""
    wanted = {source.sha256: source for source in SourceDocument.objects.filter(archive="").exclude(sha256="")}
    archived = 0
    for path in paths:
        if not wanted:
            break
        data = path.read_bytes()
        source = wanted.pop(hashlib.sha256(data).hexdigest(), None)
        if source is None:
            continue
        with transaction.atomic():
            source.archive.save(path.name, ContentFile(data), save=False)
            source._change_reason = reason  # type: ignore[attr-defined]
            source.save()
        archived += 1
    return archived


def add_default_feeds(*, rows: Iterable[dict[str, str]]) -> int:
    """Create each company's feed that does not exist yet (by address), disabled until staff enable it: a new
    install knows where every company publishes, and fetches nothing by itself. Existing feeds are left as
    staff set them. Returns how many were created."""
    rows = list(rows)
    companies = ensure_companies(row["company"] for row in rows)
    created = 0
    for row in rows:
        _, new = DataFeed.objects.get_or_create(
            url=row["url"],
            defaults={
                "name": row["name"],
                "company": companies[row["company"]],
                "kind": row["kind"],
                "link_types": row["link_types"],
                "link_pattern": row["link_pattern"],
                "enabled": False,
            },
        )
        created += new
    return created


def upsert_chart_readings(*, items: Iterable[dict[str, Any]]) -> int:
    """Chart readings of the bundled dataset, each with its image cut again from its archived document where
    the site holds one (no OCR: the image is found by its SHA-256); returns how many were written."""
    written = 0
    images: dict[str, dict[str, bytes]] = {}
    for item in items:
        source = SourceDocument.objects.filter(sha256=item["document_sha256"]).first()
        if source is None:
            continue
        period = ReportingPeriod.objects.filter(
            company__slug=item["company"], scope=item["scope"], start=item["period_start"], end=item["period_end"]
        ).first()
        reading = ChartReading.objects.filter(image_sha256=item["image_sha256"]).first() or ChartReading(
            image_sha256=item["image_sha256"], status=item["status"]
        )
        reading.source, reading.period, reading.page = source, period, item["page"]
        reading.image_name, reading.kind, reading.engine = item["image_name"], item["kind"], item["engine"]
        if reading.status != ChartReading.Status.CORRECTED:
            reading.reading, reading.checks, reading.status = item["reading"], item["checks"], item["status"]
        if not reading.image and source.archive:
            if source.sha256 not in images:
                images[source.sha256] = _images_by_digest(source)
            if png := images[source.sha256].get(item["image_sha256"]):
                reading.image.save(f"{item['image_sha256']}.png", ContentFile(png), save=False)
        reading.save()
        written += 1
    return written


def _images_by_digest(source: SourceDocument) -> dict[str, bytes]:
    with source.archive.open("rb") as handle:
        data = handle.read()
    return {hashlib.sha256(png).hexdigest(): png for _, _, png in charts.page_images(data)}
