"""Every write to the published record goes through here.

The one way in for data: archive the document, parse and validate it, then upsert every figure in
one transaction under advisory locks, record an ImportRun and bump the cache generation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from reports import fetching, importers
from reports.companies import KNOWN_COMPANIES
from reports.importers.base import DocumentError, FigureRecord, ParsedDocument, PeriodRecord
from reports.models import (
    Company,
    DataFeed,
    DataGeneration,
    EmergencyDisclosure,
    Figure,
    ImporterAlias,
    ImportRun,
    ReportingPeriod,
    SourceDocument,
    Status,
)
from reports.signals import data_changed

log = logging.getLogger(__name__)

#: Formats whose rows name their own sources: the file itself is not archived as a source.
SELF_SOURCED_FORMATS = frozenset({"canonical_csv"})
FIGURE_FIELDS = ("value", "value_min", "value_max", "note")
PeriodKey = tuple[str, str, dt.date, dt.date]
FigureKey = tuple[str, str, str]


# --- Cache generation ---------------------------------------------------------------------------


def bump_generation() -> int:
    """Move every cache key on to a new generation; called when published data changes."""
    DataGeneration.objects.get_or_create(id=1)
    DataGeneration.objects.filter(id=1).update(number=F("number") + 1, changed_at=timezone.now())
    number = DataGeneration.objects.get(id=1).number
    data_changed.send(sender=DataGeneration, generation=number)
    return number


def bump_generation_on_commit() -> None:
    transaction.on_commit(bump_generation)


# --- Planning an import (read-only: also the staff preview) -------------------------------------


@dataclass
class FigureChange:
    period: str
    key: FigureKey
    old: str
    new: str


@dataclass
class ImportPlan:
    """What applying a parsed document would change, figure by figure."""

    document: ParsedDocument
    periods: dict[PeriodKey, ReportingPeriod | None]
    creates: list[tuple[PeriodRecord, FigureRecord]] = field(default_factory=list)
    updates: list[tuple[Figure, FigureRecord]] = field(default_factory=list)
    unchanged: int = 0
    #: Figures staff entered that the document leaves "not reported": kept, never blanked.
    kept: int = 0
    changes: list[FigureChange] = field(default_factory=list)
    #: The kind of document the figures come from; a transcribed copy never overrides the company's own file.
    source_kind: str = SourceDocument.Kind.PRIMARY
    #: Figures a lesser source gives differently from the better one they cite (kept as they are).
    disagreements: list[str] = field(default_factory=list)
    #: For documents whose rows name their sources (canonical CSV): each source URL's kind.
    kinds_by_url: dict[str, str] = field(default_factory=dict)

    def kind_of(self, record: PeriodRecord, figure: FigureRecord) -> str:
        """The kind of source this figure of the document comes from."""
        if self.document.format in SELF_SOURCED_FORMATS:
            url = figure.source_url or record.source_url
            return self.kinds_by_url.get(url, SourceDocument.Kind.PRIMARY)
        return self.source_kind

    @property
    def new_periods(self) -> list[PeriodKey]:
        return [key for key, period in self.periods.items() if period is None]


def plan_import(document: ParsedDocument, *, source_kind: str = SourceDocument.Kind.PRIMARY) -> ImportPlan:
    """Compare a parsed document with the database in two queries, whatever its size."""
    keys = [record.key for record in document.periods]
    existing = {
        (p.company.slug, p.scope, p.start, p.end): p
        for p in ReportingPeriod.objects.select_related("company", "source").filter(
            company__slug__in={key[0] for key in keys}, start__in={key[2] for key in keys}
        )
    }
    plan = ImportPlan(document=document, periods={key: existing.get(key) for key in keys}, source_kind=source_kind)
    if document.format in SELF_SOURCED_FORMATS:
        urls = {f.source_url or r.source_url for r in document.periods for f in r.figures}
        plan.kinds_by_url = dict(SourceDocument.objects.filter(url__in=urls).values_list("url", "kind"))
    found = [p for p in plan.periods.values() if p is not None]
    # Only the request types the document gives: several documents share a period (Google's and Apple's tables).
    request_types = {figure.request_type for record in document.periods for figure in record.figures}
    stored: dict[tuple[int, str, str, str], Figure] = {
        (f.period_id, f.jurisdiction, f.request_type, f.measure): f
        for f in Figure.objects.filter(period__in=found, request_type__in=request_types).select_related("source")
    }
    for record in document.periods:
        period = plan.periods[record.key]
        label = f"{record.company} {record.scope} {record.start}..{record.end}"
        for figure in record.figures:
            current = stored.get((period.pk, *figure.key)) if period else None
            _plan_figure(plan, record, figure, current, period, label)
    return plan


def _plan_figure(
    plan: ImportPlan,
    record: PeriodRecord,
    figure: FigureRecord,
    current: Figure | None,
    period: ReportingPeriod | None,
    label: str,
) -> None:
    new_text = _describe(figure.value, figure.value_min, figure.value_max)
    if current is None:
        plan.creates.append((record, figure))
        plan.changes.append(FigureChange(label, figure.key, "", new_text))
    elif current.kind != "not-reported" and not figure.is_reported:
        plan.kept += 1
    elif _rank(plan.kind_of(record, figure)) < _rank(_cited_kind(current, period)):
        # The company's own file outranks a third party's copy of it, and both outrank the press.
        plan.kept += 1
        old_text = _describe(current.value, current.value_min, current.value_max)
        new_text = _describe(figure.value, figure.value_min, figure.value_max)
        if old_text != new_text:
            plan.disagreements.append(
                f"{label} {'/'.join(figure.key)}: this {plan.kind_of(record, figure)} source gives {new_text}, "
                f"the {_cited_kind(current, period)} one it cites {old_text}; the figure keeps its better source"
            )
    elif tuple(getattr(current, name) for name in FIGURE_FIELDS) == (
        figure.value,
        figure.value_min,
        figure.value_max,
        figure.note,
    ) and _keeps_citation(plan, record, figure, current.source or (period.source if period else None)):
        plan.unchanged += 1
    else:
        plan.updates.append((current, figure))
        old_text = _describe(current.value, current.value_min, current.value_max)
        if old_text == new_text:
            cited = current.source or (period.source if period else None)
            old_text, new_text = f"{old_text} (cited to {cited or 'no document'})", f"{new_text} (cited to this one)"
        plan.changes.append(FigureChange(label, figure.key, old_text, new_text))


def _keeps_citation(plan: ImportPlan, record: PeriodRecord, figure: FigureRecord, cited: SourceDocument | None) -> bool:
    """Whether an equal figure keeps the document it cites. A row that names its source must cite that one;
    a document takes over only a figure that a lower-ranked source (or nothing) backs so far: the company's own
    file over a transcribed copy or the press, a transcribed copy over the press."""
    if plan.document.format in SELF_SOURCED_FORMATS:
        url = figure.source_url or record.source_url
        return not url or (cited is not None and cited.url == url)
    return cited is not None and _rank(cited.kind) >= _rank(plan.source_kind)


#: How far a kind of source is trusted: a figure never moves to a source of a lower rank.
_SOURCE_RANK = {SourceDocument.Kind.SECONDARY: 0, SourceDocument.Kind.TRANSCRIBED: 1, SourceDocument.Kind.PRIMARY: 2}


def _rank(kind: str) -> int:
    return _SOURCE_RANK.get(kind, -1)  # type: ignore[call-overload]


def _cited_kind(figure: Figure, period: ReportingPeriod | None) -> str:
    cited = figure.source or (period.source if period else None)
    return cited.kind if cited is not None else ""


def load_aliases(fmt: str) -> importers.Aliases:
    """What staff taught the ``fmt`` importer (ImporterAlias rows), as the plain data importers take."""
    rows = ImporterAlias.objects.filter(format=fmt).values_list("kind", "normalised", "target")
    return importers.Aliases({(kind, text): target for kind, text, target in rows})


def _describe(value: Any, low: Any, high: Any) -> str:
    from reports.formatting import format_figure

    return format_figure(value, low, high)


def preview_document(*, data: bytes, filename: str, fmt: str | None = None) -> ImportPlan:
    """Parse and compare without writing anything: what staff see before they apply an upload."""
    fmt = fmt or importers.detect(data, filename=filename)
    document = importers.parse(data, filename=filename, fmt=fmt, aliases=load_aliases(fmt))
    return plan_import(document)


# --- Applying an import --------------------------------------------------------------------------


def import_document(
    *,
    data: bytes,
    filename: str,
    fmt: str | None = None,
    source_url: str = "",
    feed: DataFeed | None = None,
    triggered_by: str = "",
    user: AbstractBaseUser | None = None,
    publish: bool = False,
    force: bool = False,
    source_kind: str = SourceDocument.Kind.PRIMARY,
) -> ImportRun:
    """Import one document. Always returns its ImportRun; on any failure nothing else changed.

    What the importer does not understand is recorded on the run (``unknowns``) and not imported; a feed's
    document with unknowns lands as a draft for staff review even where the feed publishes on import."""
    digest = hashlib.sha256(data).hexdigest()
    run = ImportRun.objects.create(
        feed=feed, filename=PurePath(filename).name, triggered_by=triggered_by, payload_sha256=digest, format=fmt or ""
    )
    try:
        # Checked again under the locks below; this first look spares parsing a document already imported.
        if not force and _already_imported(digest, fmt):
            return _finish(run, ImportRun.Outcome.UNCHANGED, "the same document was imported before")
        fmt = fmt or importers.detect(data, filename=PurePath(filename).name)
        document = importers.parse(
            data, filename=PurePath(filename).name, fmt=fmt, source_url=source_url, aliases=load_aliases(fmt)
        )
        run.format = document.format
        run.unknowns = [unknown.as_dict() for unknown in document.unknowns]
        if feed is not None and document.unknowns:
            publish = False  # a person looks at what the importer did not understand before anything goes out
        with transaction.atomic():
            _lock([f"feed:{feed.pk}"] if feed else [])
            _lock(sorted({f"company:{p.company}" for p in document.periods}))
            if not force and _already_imported(digest, run.format):
                return _finish(run, ImportRun.Outcome.UNCHANGED, "the same document was imported before")
            _plan_per_row_on_postgresql()
            plan = plan_import(document, source_kind=source_kind)
            # Not stored: for callers that print what changed (import_report, the staff upload).
            run.plan, run.new_periods = plan, plan.new_periods  # type: ignore[attr-defined]
            source = None
            if document.format not in SELF_SOURCED_FORMATS:
                source = _archive(
                    data=data, filename=filename, document=document, source_url=source_url, kind=source_kind
                )
            _apply(plan, run=run, source=source, publish=publish, reason=f"import of {run.filename}", user=user)
            run.source = source
            run.warnings = [*document.warnings, *plan.disagreements]
            _finish(run, ImportRun.Outcome.SUCCEEDED, _summary(run))
            if run.created or run.updated or run.new_periods:  # type: ignore[attr-defined]
                bump_generation_on_commit()
    except DocumentError as error:
        run.errors = error.errors
        run.rejected = getattr(error, "rejected", 0) or len(error.errors)
        _finish(run, ImportRun.Outcome.FAILED, error.describe())
    except (IntegrityError, DatabaseError) as error:
        _finish(run, ImportRun.Outcome.FAILED, f"the database refused the figures: {_first_line(error)}")
    except Exception as error:
        log.exception("import of %s failed", filename)
        _finish(run, ImportRun.Outcome.FAILED, f"internal error while importing: {type(error).__name__}: {error}")
    return run


def _already_imported(digest: str, fmt: str | None) -> bool:
    """These exact bytes were imported before (as ``fmt``, when one is asked for: detection gives the same)."""
    runs = ImportRun.objects.filter(payload_sha256=digest, outcome=ImportRun.Outcome.SUCCEEDED)
    return (runs.filter(format=fmt) if fmt else runs).exists()


def _plan_per_row_on_postgresql() -> None:
    """Have the deferred parts-not-above-total trigger plan its lookup for the table as it is now.

    A session that first imported into a small table keeps a generic plan that scans the whole table, and
    the trigger runs once per figure at commit: quadratic on a large import (measured in docs/benchmarks.md).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")


def _lock(keys: Iterable[str]) -> None:
    """PostgreSQL advisory locks held to the end of the transaction; SQLite serialises writers itself."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(key.encode())])


def _archive(
    *, data: bytes, filename: str, document: ParsedDocument, source_url: str, kind: str = SourceDocument.Kind.PRIMARY
) -> SourceDocument:
    """The SourceDocument for these bytes: found by SHA-256, given its archived copy if it lacks one."""
    digest = hashlib.sha256(data).hexdigest()
    name = PurePath(filename).name
    page = document.periods[0].source_url if document.periods else ""
    url = source_url or (page + (f"#{name}" if name else ""))
    slugs = {p.company for p in document.periods}
    company = ensure_companies(slugs)[next(iter(slugs))] if len(slugs) == 1 else None
    source = SourceDocument.objects.filter(sha256=digest).first()
    if source is None:
        source = SourceDocument(
            url=url,
            title=document.title or name,
            publisher=document.publisher or (company.name if company else ""),
            kind=kind,
            company=company,
            published_on=document.published_on,
            sha256=digest,
            size=len(data),
        )
    if source.pk and source.archive and source.retrieved_at:
        return source  # archived already: an unchanged re-import writes nothing
    source.retrieved_at = source.retrieved_at or timezone.now()
    if not source.archive:
        source.archive.save(name or f"{digest}.bin", ContentFile(data), save=False)
    source._change_reason = f"archived by the import of {name}"  # type: ignore[attr-defined]
    source.save()
    return source


def ensure_companies(slugs: Iterable[str]) -> dict[str, Company]:
    """Companies by slug, creating the known ones (with their parents) on first use."""
    wanted = set(slugs)
    found = {c.slug: c for c in Company.objects.filter(slug__in=wanted)}
    for slug in sorted(wanted - found.keys()):
        info = KNOWN_COMPANIES.get(slug)
        if info is None:
            raise DocumentError(f"unknown company {slug!r}: add it in the admin first")
        parent = ensure_companies([info["parent"]])[info["parent"]] if info["parent"] else None
        found[slug] = Company.objects.create(
            slug=slug,
            name=info["name"],
            parent=parent,
            website=info["website"],
            transparency_url=info["transparency_url"],
        )
    return found


def _apply(
    plan: ImportPlan,
    *,
    run: ImportRun,
    source: SourceDocument | None,
    publish: bool,
    reason: str,
    user: AbstractBaseUser | None,
) -> None:
    companies = ensure_companies(key[0] for key in plan.periods)
    sources_by_url = _sources_for(plan.document) if source is None else {}

    def own_source(period: ReportingPeriod, record: PeriodRecord, figure: FigureRecord) -> SourceDocument | None:
        """The figure's document, when its period cites another (several documents can share a period)."""
        url = figure.source_url or record.source_url
        document = source or (sources_by_url[url] if url else None)
        return document if document is not None and document.pk != period.source_id else None

    updated_ids = {figure.pk for figure, _ in plan.updates}
    pinned: list[Figure] = []
    for record in plan.document.periods:
        period = plan.periods[record.key]
        period_source = source or sources_by_url.get(record.source_url)
        if period is None:
            period = ReportingPeriod(
                company=companies[record.company],
                scope=record.scope,
                start=record.start,
                end=record.end,
                status=Status.PUBLISHED if publish else Status.DRAFT,
            )
        changed = _set_if_changed(period, published_on=record.published_on or period.published_on)
        if period_source is not None and _takes_over(period.source if period.source_id else None, period_source):
            pinned += _pin_inherited(period, exclude=updated_ids)
            period.source = period_source
            changed = True
        if record.notes and record.notes not in period.notes:
            period.notes = (period.notes + "\n" + record.notes).strip()
            changed = True
        if period.pk is None or changed:
            period._change_reason = reason  # type: ignore[attr-defined]
            period.save()
        plan.periods[record.key] = period
    new_figures = [
        Figure(
            period=plan.periods[record.key],
            jurisdiction=f.jurisdiction,
            request_type=f.request_type,
            measure=f.measure,
            value=f.value,
            value_min=f.value_min,
            value_max=f.value_max,
            note=f.note,
            source=own_source(plan.periods[record.key], record, f),  # type: ignore[arg-type]
        )
        for record, f in plan.creates
    ]
    by_period_id = {plan.periods[r.key].pk: (plan.periods[r.key], r) for r in plan.document.periods}  # type: ignore[union-attr]
    for figure, record_figure in plan.updates:
        for name in FIGURE_FIELDS:
            setattr(figure, name, getattr(record_figure, name))
        figure.source = own_source(*by_period_id[figure.period_id], record_figure)  # type: ignore[arg-type]
    _create_with_history(new_figures, user=user, reason=reason)
    bulk_update_with_history(
        [*(f for f, _ in plan.updates), *pinned],
        Figure,
        [*FIGURE_FIELDS, "source"],
        batch_size=2000,
        default_user=user,
        default_change_reason=reason,
    )
    run.created, run.updated = len(new_figures), len(plan.updates) + len(pinned)
    run.unchanged = plan.unchanged + plan.kept


def _create_with_history(figures: list[Figure], *, user: AbstractBaseUser | None, reason: str) -> None:
    """bulk_create_with_history, with each "+" history row copied from its new figure by the database.

    Building a HistoricalFigure object per figure was half the time of a 55,000-figure import.
    """
    if not connection.features.can_return_rows_from_bulk_insert:  # no new ids to copy from (SQLite < 3.35)
        bulk_create_with_history(figures, Figure, batch_size=2000, default_user=user, default_change_reason=reason)
        return
    ids = [figure.pk for figure in Figure.objects.bulk_create(figures, batch_size=2000)]
    history = Figure.history.model  # type: ignore[attr-defined]
    quote = connection.ops.quote_name
    columns = [quote(field.column) for field in history.tracked_fields]
    names = ("history_date", "history_change_reason", "history_type", "history_user")
    extra = [quote(history._meta.get_field(name).column) for name in names]
    # Only model metadata is spliced in; every value is a bound parameter.
    sql = (
        f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(columns + extra)}) "  # noqa: S608  # nosec B608
        f"SELECT {', '.join(columns)}, %s, %s, %s, %s FROM {quote(Figure._meta.db_table)} WHERE id IN ({{}})"
    )
    now = timezone.now()
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 900):  # SQLite's default limit of bound parameters is 999
            batch = ids[start : start + 900]
            cursor.execute(
                sql.format(", ".join(["%s"] * len(batch))), [now, reason, "+", user.pk if user else None, *batch]
            )


def _takes_over(current: SourceDocument | None, new: SourceDocument) -> bool:
    """A period keeps the document it was first recorded from, unless that was a press article and this is
    the company's own: re-importing several documents that share a period must not swap its source each time."""
    if current is None:
        return True
    lesser = (SourceDocument.Kind.SECONDARY, SourceDocument.Kind.TRANSCRIBED)
    return current.kind in lesser and new.kind == SourceDocument.Kind.PRIMARY


def _pin_inherited(period: ReportingPeriod, *, exclude: set[int]) -> list[Figure]:
    """Before a period's document changes, its figures that cite it by inheritance are made to cite it themselves."""
    if period.pk is None or not period.source_id:
        return []
    figures = list(Figure.objects.filter(period=period, source__isnull=True).exclude(pk__in=exclude))
    for figure in figures:
        figure.source_id = period.source_id
    return figures


def _sources_for(document: ParsedDocument) -> dict[str, SourceDocument]:
    """Self-sourced rows name their documents by URL: find each, or record it by its URL alone."""
    urls = {p.source_url for p in document.periods if p.source_url}
    urls |= {f.source_url for p in document.periods for f in p.figures if f.source_url}
    found: dict[str, SourceDocument] = {}
    for source in SourceDocument.objects.filter(url__in=urls).order_by("url", "-retrieved_at"):
        found.setdefault(source.url, source)
    for url in sorted(urls - found.keys()):
        found[url] = SourceDocument.objects.create(url=url, title=url, publisher=urlsplit(url).hostname or "")
    return found


def _set_if_changed(instance: Any, **values: Any) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


def _finish(run: ImportRun, outcome: str, message: str) -> ImportRun:
    run.outcome = outcome
    run.message = message
    run.finished_at = timezone.now()
    run.save()
    return run


def _summary(run: ImportRun) -> str:
    summary = f"{run.created} created, {run.updated} updated, {run.unchanged} unchanged"
    if run.unknowns:
        summary += f"; {len(run.unknowns)} not understood (not imported, listed for staff)"
    return summary


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


# --- Publishing ----------------------------------------------------------------------------------


def publish_periods(*, periods: Iterable[ReportingPeriod], user: AbstractBaseUser | None, reason: str) -> int:
    """Publish draft periods (each needs its source), recording who and why; returns how many changed."""
    changed = 0
    with transaction.atomic():
        for period in periods:
            if period.status == Status.PUBLISHED:
                continue
            if not period.source_id:
                raise DocumentError(f"{period} has no source document; add one before publishing")
            period.status = Status.PUBLISHED
            period._change_reason = reason  # type: ignore[attr-defined]
            period._history_user = user  # type: ignore[attr-defined]
            period.save()
            changed += 1
        if changed:
            bump_generation_on_commit()
    return changed


def publish_disclosures(
    *, disclosures: Iterable[EmergencyDisclosure], user: AbstractBaseUser | None, reason: str
) -> int:
    """Publish draft disclosures; each must cite at least one source."""
    changed = 0
    with transaction.atomic():
        for disclosure in disclosures:
            if disclosure.status == Status.PUBLISHED:
                continue
            if not disclosure.sources.exists():
                raise DocumentError(f"“{disclosure}” has no source; a published disclosure needs at least one")
            disclosure.status = Status.PUBLISHED
            disclosure._change_reason = reason  # type: ignore[attr-defined]
            disclosure._history_user = user  # type: ignore[attr-defined]
            disclosure.save()
            changed += 1
        if changed:
            bump_generation_on_commit()
    return changed


# --- Source documents and disclosures from structured data (the bundled dataset, staff bulk loads) ---


def upsert_source_documents(*, rows: Iterable[dict[str, str]], reason: str) -> dict[str, SourceDocument]:
    """Create or update SourceDocuments by URL from plain rows; returns them by URL."""
    rows = list(rows)
    companies = ensure_companies({row["company"] for row in rows if row.get("company")})
    existing = {s.url: s for s in SourceDocument.objects.filter(url__in=[row["url"] for row in rows])}
    result: dict[str, SourceDocument] = {}
    for row in rows:
        source = existing.get(row["url"]) or SourceDocument(url=row["url"])
        changed = _set_if_changed(
            source,
            title=row["title"],
            publisher=row["publisher"],
            kind=row.get("kind") or SourceDocument.Kind.PRIMARY,
            company=companies.get(row.get("company", "")),
            published_on=dt.date.fromisoformat(row["published_on"]) if row.get("published_on") else None,
            notes=row.get("notes", ""),
        )
        if row.get("sha256") and not source.archive:
            changed |= _set_if_changed(source, sha256=row["sha256"], size=int(row["size"]) if row.get("size") else None)
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
            changed = _set_if_changed(period, published_on=published_on or period.published_on)
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
            if _set_if_changed(disclosure, **fields) or is_new:
                disclosure.full_clean(exclude=["sources"])
                disclosure._change_reason = reason  # type: ignore[attr-defined]
                disclosure.save()
                created, updated = created + is_new, updated + (not is_new)
            if set(disclosure.sources.all()) != set(sources):
                disclosure.sources.set(sources)
        if created or updated:
            bump_generation_on_commit()
    return created, updated


# --- Refreshing a feed ---------------------------------------------------------------------------

INTERRUPTED = "interrupted: the worker stopped mid-import"


def refresh_feed(*, feed_id: int, triggered_by: str) -> ImportRun:
    """Fetch a feed and import its document when it changed; every outcome is recorded as an ImportRun.

    Raises fetching.TransientFetchError (with the failed run recorded first) when a retry may help.
    """
    feed = DataFeed.objects.get(pk=feed_id)
    fail_interrupted_runs(feed=feed)
    try:
        fetched = fetching.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified)
    except fetching.FetchError as error:
        run = _refresh_failed(feed, triggered_by=triggered_by, message=error.message)
        if isinstance(error, fetching.TransientFetchError):
            error.run = run
            raise
        return run
    except Exception as error:
        log.exception("fetching feed %s failed", feed.pk)
        return _refresh_failed(feed, triggered_by=triggered_by, message=f"internal error while fetching: {error!r}")
    digest = hashlib.sha256(fetched.data).hexdigest() if not fetched.not_modified else feed.last_sha256
    if fetched.not_modified or digest == feed.last_sha256:
        reason = "the server says the document has not changed (304)" if fetched.not_modified else None
        run = ImportRun.objects.create(
            feed=feed,
            filename=fetched.filename,
            format=feed.format,
            triggered_by=triggered_by,
            payload_sha256=digest,
            outcome=ImportRun.Outcome.UNCHANGED,
            message=reason or "the document is byte for byte the one imported last time",
            finished_at=timezone.now(),
        )
    else:
        run = import_document(
            data=fetched.data,
            filename=fetched.filename,
            fmt=feed.format or None,
            source_url=feed.url,
            feed=feed,
            publish=feed.publish_on_import,
            triggered_by=triggered_by,
        )
    if run.outcome != ImportRun.Outcome.FAILED:
        # Only a document that imported is remembered, so a failed one is fetched and tried again.
        DataFeed.objects.filter(pk=feed.pk).update(
            etag=fetched.etag or feed.etag,
            last_modified=fetched.last_modified or feed.last_modified,
            last_sha256=digest,
            last_checked_at=timezone.now(),
        )
    return run


def fail_interrupted_runs(*, feed: DataFeed) -> int:
    """Mark the feed's runs still "running" after the Celery hard time limit as interrupted; returns how many."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    return ImportRun.objects.filter(feed=feed, outcome=ImportRun.Outcome.RUNNING, started_at__lt=cutoff).update(
        outcome=ImportRun.Outcome.FAILED, message=INTERRUPTED, errors=[INTERRUPTED], finished_at=timezone.now()
    )


def _refresh_failed(feed: DataFeed, *, triggered_by: str, message: str) -> ImportRun:
    return ImportRun.objects.create(
        feed=feed,
        filename=PurePath(urlsplit(feed.url).path).name,
        format=feed.format,
        triggered_by=triggered_by,
        outcome=ImportRun.Outcome.FAILED,
        message=message,
        errors=[message],
        finished_at=timezone.now(),
    )
