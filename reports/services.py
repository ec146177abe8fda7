"""Every write of a document to the published record goes through here.

The one way in for data: archive the document, parse and validate it, then upsert every figure in
one transaction under advisory locks, record an ImportRun and bump the cache generation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import zlib
from collections.abc import Iterable, Iterator
from itertools import islice
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

from reports import importers
from reports.companies import KNOWN_COMPANIES
from reports.importers import amazon_charts
from reports.importers.base import DocumentError, FigureRecord, ParsedDocument, PeriodRecord
from reports.models import (
    ChartReading,
    Company,
    DataFeed,
    DataGeneration,
    EmergencyDisclosure,
    Figure,
    ImportRun,
    ReportingPeriod,
    SourceDocument,
    Status,
)
from reports.planning import FIGURE_FIELDS, SELF_SOURCED_FORMATS, ImportPlan, load_aliases, plan_import, takes_over
from reports.signals import data_changed

log = logging.getLogger(__name__)
#: Figures built and inserted per batch (with their history rows).
CREATE_BATCH = 2000


# --- Cache generation ---------------------------------------------------------------------------


def bump_generation() -> int:
    """Move every cache key on to a new generation, in the current transaction, and tell the site once it is
    committed. The number commits with the data or not at all: a process killed during COMMIT cannot leave new
    data under an old generation (the site re-reads the number within GENERATION_RECHECK_SECONDS)."""
    DataGeneration.objects.get_or_create(id=1)
    DataGeneration.objects.filter(id=1).update(number=F("number") + 1, changed_at=timezone.now())
    number = DataGeneration.objects.get(id=1).number
    # This process sees its own new number at once; everyone else once it is committed (``committed``).
    data_changed.send(sender=DataGeneration, generation=number, committed=False)
    transaction.on_commit(lambda: data_changed.send(sender=DataGeneration, generation=number, committed=True))
    return number


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
    parent: ImportRun | None = None,
) -> ImportRun:
    """Import one document. Always returns its ImportRun; on any failure nothing else changed.

    What the importer does not understand is recorded on the run (``unknowns``) and not imported; a feed's
    document with unknowns lands as a draft for staff review even where the feed publishes on import.
    ``parent``: the run of the page or zip this document came from (its run is one part of that one)."""
    digest = hashlib.sha256(data).hexdigest()
    fail_interrupted_runs()
    names = {"filename": PurePath(filename).name, "triggered_by": triggered_by, "format": fmt or ""}
    run = ImportRun.objects.create(feed=feed, parent=parent, payload_sha256=digest, **names)
    written: list[str] = []  # archive files this attempt wrote: removed again unless their row committed
    try:
        # Checked again under the locks below; this first look spares parsing a document already imported.
        if not force and _already_imported(digest, fmt):
            return finish_run(run, ImportRun.Outcome.UNCHANGED, "the same document was imported before")
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
                return finish_run(run, ImportRun.Outcome.UNCHANGED, "the same document was imported before")
            archive = {"data": data, "filename": filename, "source_url": source_url, "written": written}
            _import_in_transaction(run, document, archive, source_kind=source_kind, publish=publish, user=user)
    except DocumentError as error:
        run.errors = error.errors
        run.rejected = getattr(error, "rejected", 0) or len(error.errors)
        finish_run(run, ImportRun.Outcome.FAILED, error.describe())
    except (IntegrityError, DatabaseError) as error:
        finish_run(run, ImportRun.Outcome.FAILED, f"the database refused the figures: {_first_line(error)}")
    except Exception as error:
        log.exception("import of %s failed", filename)
        finish_run(run, ImportRun.Outcome.FAILED, f"internal error while importing: {type(error).__name__}: {error}")
    finally:
        if run.outcome != ImportRun.Outcome.SUCCEEDED:
            _discard_unreferenced(written)
    return run


#: The message of a run whose process stopped before it finished.
INTERRUPTED = "interrupted: the process stopped mid-import"


def fail_interrupted_runs(*, feed: DataFeed | None = None) -> int:
    """Mark runs still "running" after the Celery hard time limit (no import takes that long) as interrupted,
    every run or a feed's, and sweep the archive files their transactions left; returns how many."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    runs = ImportRun.objects.filter(outcome=ImportRun.Outcome.RUNNING, started_at__lt=cutoff)
    count = (runs.filter(feed=feed) if feed is not None else runs).update(
        outcome=ImportRun.Outcome.FAILED, message=INTERRUPTED, errors=[INTERRUPTED], finished_at=timezone.now()
    )
    if count:
        sweep_unreferenced_archives()
    return count


def sweep_unreferenced_archives() -> list[str]:
    """Delete archive files no SourceDocument points to (left by a process killed mid-import); returns them.
    Only files older than the hard time limit: a younger one may belong to an import still in its transaction."""
    storage = _archive_storage()
    try:
        folders, _ = storage.listdir("sources")
    except FileNotFoundError:
        return []
    cutoff = timezone.now() - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    files = [
        name
        for folder in folders
        for name in (f"sources/{folder}/{entry}" for entry in storage.listdir(f"sources/{folder}")[1])
        if storage.get_modified_time(name) < cutoff
    ]
    return _discard_unreferenced(files)


def _discard_unreferenced(names: list[str]) -> list[str]:
    if not names:
        return []
    referenced = set(SourceDocument.objects.filter(archive__in=names).values_list("archive", flat=True))
    referenced |= set(ChartReading.objects.filter(image__in=names).values_list("image", flat=True))
    gone = [name for name in names if name not in referenced]
    for name in gone:
        _archive_storage().delete(name)
    return gone


def _archive_storage() -> Any:
    return SourceDocument._meta.get_field("archive").storage  # type: ignore[attr-defined]


def _import_in_transaction(
    run: ImportRun,
    document: ParsedDocument,
    archive: dict[str, Any],
    *,
    source_kind: str,
    publish: bool,
    user: AbstractBaseUser | None,
) -> None:
    """Plan, archive and apply one parsed document inside the caller's transaction and locks."""
    _plan_per_row_on_postgresql()
    _keep_staff_readings(document)
    plan = plan_import(document, source_kind=source_kind)
    # Not stored: for callers that print what changed (import_report, the staff upload).
    run.plan, run.new_periods = plan, plan.new_periods  # type: ignore[attr-defined]
    source = None
    if document.format not in SELF_SOURCED_FORMATS:
        source = _archive(document=document, kind=source_kind, **archive)
    _apply(plan, run=run, source=source, publish=publish, reason=f"import of {run.filename}", user=user)
    run.periods.set([period for period in plan.periods.values() if period is not None])
    if document.charts and source is not None:
        run.ocr_engine = document.ocr_engine
        store_chart_readings(document, source=source, periods=plan.periods, written=archive["written"])
    run.source = source
    run.warnings = [*document.warnings, *plan.disagreements]
    finish_run(run, ImportRun.Outcome.SUCCEEDED, _summary(run))
    if run.created or run.updated or run.new_periods:  # type: ignore[attr-defined]
        bump_generation()


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
    *,
    data: bytes,
    filename: str,
    document: ParsedDocument,
    source_url: str,
    kind: str = SourceDocument.Kind.PRIMARY,
    written: list[str] | None = None,
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
        if written is not None:
            written.append(source.archive.name)
    source._change_reason = f"archived by the import of {name}"  # type: ignore[attr-defined]
    source.save()
    return source


def _keep_staff_readings(document: ParsedDocument) -> None:
    """A chart image staff read (OCR failed its checks) keeps their figures when the document comes again."""
    failed = [reading.sha256 for reading in document.charts if not reading.passed]
    if failed:
        corrected = ChartReading.objects.filter(image_sha256__in=failed, status=ChartReading.Status.CORRECTED)
        amazon_charts.apply_staff_readings(document, {c.image_sha256: c.reading for c in corrected})


def store_chart_readings(
    document: ParsedDocument, *, source: SourceDocument, periods: dict[Any, Any], written: list[str]
) -> None:
    """Keep each chart image read by OCR, with what was read and its checks, archived beside its document.
    A reading that passed is published with its figures; one that failed waits for staff review."""
    for reading in document.charts:
        period = next(p for key, p in periods.items() if key[1] == reading.scope)
        stored = ChartReading.objects.filter(image_sha256=reading.sha256).first() or ChartReading(
            image_sha256=reading.sha256
        )
        stored.source, stored.period, stored.page, stored.image_name = source, period, reading.page, reading.name
        stored.kind, stored.engine = reading.kind, document.ocr_engine
        if stored.status != ChartReading.Status.CORRECTED:  # a staff correction outlives a re-import
            stored.reading, stored.checks = reading.as_dict(), [check.as_dict() for check in reading.checks]
            passed = reading.passed
            stored.status = ChartReading.Status.PUBLISHED if passed else ChartReading.Status.AWAITING_REVIEW
        if not stored.image:
            stored.image.save(f"{reading.sha256}.png", ContentFile(reading.png), save=False)
            written.append(stored.image.name)
        stored.save()


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
    """Write what the plan says: the periods first (new ones, details, a better document), then the figures."""
    sources_by_url = _sources_for(plan.document) if source is None else {}

    def own_source(period: ReportingPeriod, record: PeriodRecord, figure: FigureRecord) -> SourceDocument | None:
        """The figure's document, when its period cites another (several documents can share a period)."""
        url = figure.source_url or record.source_url
        document = source or (sources_by_url[url] if url else None)
        return document if document is not None and document.pk != period.source_id else None

    pinned = _apply_periods(plan, source=source, sources_by_url=sources_by_url, publish=publish, reason=reason)
    by_period_id = {plan.periods[r.key].pk: (plan.periods[r.key], r) for r in plan.document.periods}  # type: ignore[union-attr]
    for figure, record_figure in plan.updates:
        for name in FIGURE_FIELDS:
            setattr(figure, name, getattr(record_figure, name))
        figure.source = own_source(*by_period_id[figure.period_id], record_figure)  # type: ignore[arg-type]
    created = _create_figures(plan, own_source, user=user, reason=reason)
    bulk_update_with_history(
        [*(f for f, _ in plan.updates), *pinned],
        Figure,
        [*FIGURE_FIELDS, "source"],
        batch_size=2000,
        default_user=user,
        default_change_reason=reason,
    )
    run.created, run.updated = created, len(plan.updates) + len(pinned)
    run.unchanged = plan.unchanged + plan.kept


def _apply_periods(
    plan: ImportPlan,
    *,
    source: SourceDocument | None,
    sources_by_url: dict[str, SourceDocument],
    publish: bool,
    reason: str,
) -> list[Figure]:
    """Create or update the plan's periods; returns the figures pinned to a document their period leaves."""
    companies = ensure_companies(key[0] for key in plan.periods)
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
        changed = set_if_changed(period, published_on=record.published_on or period.published_on)
        if period_source is not None and takes_over(period.source if period.source_id else None, period_source.kind):
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
    return pinned


def _create_figures(plan: ImportPlan, own_source: Any, *, user: AbstractBaseUser | None, reason: str) -> int:
    """Create the plan's new figures, built and written a batch at a time: a large import never holds every
    model instance at once. Returns how many."""

    def new_figures() -> Iterator[Figure]:
        for record, f in plan.creates:
            period = plan.periods[record.key]
            yield Figure(
                period=period,
                jurisdiction=f.jurisdiction,
                request_type=f.request_type,
                measure=f.measure,
                value=f.value,
                value_min=f.value_min,
                value_max=f.value_max,
                note=f.note,
                chart_image=f.chart_image,
                source=own_source(period, record, f),
            )

    created = 0
    figures = new_figures()
    while batch := list(islice(figures, CREATE_BATCH)):
        _create_with_history(batch, user=user, reason=reason)
        created += len(batch)
    return created


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


def set_if_changed(instance: Any, **values: Any) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


def finish_run(run: ImportRun, outcome: str, message: str) -> ImportRun:
    """Record how a run ended, and when."""
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
            bump_generation()
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
            bump_generation()
    return changed
