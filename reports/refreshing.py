"""Refreshing a data feed: fetch (conditionally), import what changed through ``reports.services``, and record
every outcome, including a worker that died mid-import, as an ImportRun.

A feed is one document at a fixed address, or a company's transparency page whose links to report
documents are discovered (``reports.discovery``); a document that is a zip of documents is unpacked
(``reports.importers.bundles``). A page or a zip is one run, with one run per document or member as its
parts, each imported all or nothing by ``services.import_document``.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import PurePath
from urllib.parse import urlsplit

from django.utils import timezone

from reports import discovery, fetching
from reports.importers import bundles
from reports.importers.base import DocumentError
from reports.models import DataFeed, DiscoveredDocument, ImportRun
from reports.services import fail_interrupted_runs, finish_run, import_document

log = logging.getLogger(__name__)


# --- Refreshing a feed ---------------------------------------------------------------------------


def refresh_feed(*, feed_id: int, triggered_by: str) -> ImportRun:
    """Fetch a feed and import what changed; every outcome is recorded as an ImportRun.

    Raises fetching.TransientFetchError (with the failed run recorded first) when a retry may help.
    """
    feed = DataFeed.objects.get(pk=feed_id)
    fail_interrupted_runs(feed=feed)
    is_page = feed.kind == DataFeed.Kind.PAGE
    try:
        fetched = fetching.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified, page=is_page)
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
    unchanged = fetched.not_modified or digest == feed.last_sha256
    if is_page:
        run = _refresh_page(feed, fetched, digest=digest, unchanged=unchanged, triggered_by=triggered_by)
    elif unchanged:
        run = _unchanged(feed, fetched, digest=digest, triggered_by=triggered_by)
    else:
        run = import_fetched(
            feed, data=fetched.data, filename=fetched.filename, url=feed.url, triggered_by=triggered_by
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


def import_fetched(
    feed: DataFeed, *, data: bytes, filename: str, url: str, triggered_by: str, parent: ImportRun | None = None
) -> ImportRun:
    """Import a fetched document, or each document of a zip bundle, as the feed says (draft or published)."""
    if bundles.is_bundle(data):
        return _import_bundle(feed, data=data, filename=filename, triggered_by=triggered_by, parent=parent)
    return import_document(
        data=data,
        filename=filename,
        fmt=feed.format or None,
        source_url=url,
        feed=feed,
        publish=feed.publish_on_import,
        triggered_by=triggered_by,
        parent=parent,
    )


def _unchanged(feed: DataFeed, fetched: fetching.FetchResult, *, digest: str, triggered_by: str) -> ImportRun:
    reason = "the server says the document has not changed (304)" if fetched.not_modified else None
    return ImportRun.objects.create(
        feed=feed,
        filename=fetched.filename,
        format=feed.format,
        triggered_by=triggered_by,
        payload_sha256=digest,
        outcome=ImportRun.Outcome.UNCHANGED,
        message=reason or "the document is byte for byte the one imported last time",
        finished_at=timezone.now(),
    )


def _refresh_failed(feed: DataFeed, *, triggered_by: str, message: str) -> ImportRun:
    return ImportRun.objects.create(
        feed=feed,
        filename=PurePath(urlsplit(feed.url).path).name,
        format="page" if feed.kind == DataFeed.Kind.PAGE else feed.format,
        triggered_by=triggered_by,
        outcome=ImportRun.Outcome.FAILED,
        message=message,
        errors=[message],
        finished_at=timezone.now(),
    )


# --- Zip bundles ---------------------------------------------------------------------------------


def _import_bundle(
    feed: DataFeed, *, data: bytes, filename: str, triggered_by: str, parent: ImportRun | None
) -> ImportRun:
    """One run for the zip, with one part per member an importer recognises; a zip refused whole imports nothing."""
    run = ImportRun.objects.create(
        feed=feed,
        parent=parent,
        filename=PurePath(filename).name,
        format="zip",
        triggered_by=triggered_by,
        payload_sha256=hashlib.sha256(data).hexdigest(),
    )
    try:
        bundle = bundles.unpack(data, filename=run.filename)
    except DocumentError as error:
        run.errors = error.errors
        return finish_run(run, ImportRun.Outcome.FAILED, f"{error.describe()}; nothing was imported")
    run.unknowns = [unknown.as_dict() for unknown in bundle.unknowns]
    run.warnings = bundle.notes
    parts = [
        import_document(
            data=member.data,
            filename=member.filename,
            fmt=member.format,
            feed=feed,
            publish=feed.publish_on_import,
            triggered_by=triggered_by,
            parent=run,
        )
        for member in bundle.members
    ]
    return _finish_parts(run, parts, found=len(bundle.members), noun="file")


# --- Discovery: a page linking to documents ------------------------------------------------------


def _refresh_page(
    feed: DataFeed, fetched: fetching.FetchResult, *, digest: str, unchanged: bool, triggered_by: str
) -> ImportRun:
    """One run for the page, with one part per linked document whose bytes changed (a new one, or a known one
    re-published at its address).

    An unchanged page still has its known documents asked for conditionally: a company re-publishes a zip at
    the same address. A page on which the feed's rules find no link is a failed run: it changed shape."""
    run = ImportRun.objects.create(
        feed=feed, filename=fetched.filename, format="page", triggered_by=triggered_by, payload_sha256=digest
    )
    try:
        rules = discovery.LinkRules.parse(feed.link_types, feed.link_pattern)
    except discovery.RuleError as error:
        run.errors = [str(error)]
        return finish_run(run, ImportRun.Outcome.FAILED, str(error))
    if unchanged:
        links = [discovery.Link(url=d.url, filename=d.filename) for d in feed.documents.order_by("id")]
    else:
        links = discovery.find_links(fetched.data, base_url=fetched.url, rules=rules)
    if not links:
        message = (
            f"the page {feed.url} links to no document ({rules.describe()}): has it changed shape? "
            "Nothing was imported; check the page and the feed's link rules"
        )
        run.errors = [message]
        return finish_run(run, ImportRun.Outcome.FAILED, message)
    parts = [part for link in links if (part := _refresh_document(feed, link, parent=run, triggered_by=triggered_by))]
    page_said = "the page has not changed" if unchanged else "the page was read"
    return _finish_parts(run, parts, found=len(links), noun="document", preface=page_said)


def _refresh_document(
    feed: DataFeed, link: discovery.Link, *, parent: ImportRun, triggered_by: str
) -> ImportRun | None:
    """Fetch one linked document (conditionally once known) and import it if its bytes changed; None if not."""
    known = DiscoveredDocument.objects.filter(feed=feed, url=link.url).first()
    try:
        fetched = fetching.fetch(
            link.url, etag=known.etag if known else "", last_modified=known.last_modified if known else ""
        )
    except Exception as error:
        # A 404 or a timeout fails this document's part (tried again next refresh), not the whole page.
        if not isinstance(error, fetching.FetchError):
            log.exception("fetching %s for feed %s failed", link.url, feed.pk)
        message = (
            error.message if isinstance(error, fetching.FetchError) else f"internal error while fetching: {error!r}"
        )
        run = ImportRun.objects.create(
            feed=feed,
            parent=parent,
            filename=link.filename,
            triggered_by=triggered_by,
            outcome=ImportRun.Outcome.FAILED,
            message=message,
            errors=[message],
            finished_at=timezone.now(),
        )
        _remember(feed, link, run=run)
        return run
    if fetched.not_modified:
        return None
    digest = hashlib.sha256(fetched.data).hexdigest()
    if known is not None and digest == known.sha256:
        if (fetched.etag, fetched.last_modified) != (known.etag, known.last_modified):
            _remember(feed, link, run=known.run, fetched=fetched, digest=digest)
        return None
    run = import_fetched(
        feed,
        data=fetched.data,
        filename=fetched.filename or link.filename,
        url=link.url,
        triggered_by=triggered_by,
        parent=parent,
    )
    _remember(feed, link, run=run, fetched=fetched, digest=digest)
    return run


def _remember(
    feed: DataFeed,
    link: discovery.Link,
    *,
    run: ImportRun | None,
    fetched: fetching.FetchResult | None = None,
    digest: str = "",
) -> None:
    """Record the document and its last run; what a failed run fetched is forgotten, so it is fetched again."""
    kept = fetched is not None and run is not None and run.outcome != ImportRun.Outcome.FAILED
    DiscoveredDocument.objects.update_or_create(
        feed=feed,
        url=link.url,
        defaults={
            "filename": link.filename,
            "run": run,
            "etag": fetched.etag if kept and fetched else "",
            "last_modified": fetched.last_modified if kept and fetched else "",
            "sha256": digest if kept else "",
        },
    )


# --- Summing up a run of parts -------------------------------------------------------------------


def _finish_parts(run: ImportRun, parts: list[ImportRun], *, found: int, noun: str, preface: str = "") -> ImportRun:
    """The parent's counts are its parts' sums; it failed if any part failed, and says which and why."""
    failed = [part for part in parts if part.outcome == ImportRun.Outcome.FAILED]
    imported = [part for part in parts if part.outcome == ImportRun.Outcome.SUCCEEDED]
    for name in ("created", "updated", "unchanged", "rejected"):
        setattr(run, name, sum(getattr(part, name) for part in parts))
    run.errors = [
        part.message if part.message.startswith(part.filename) else f"{part.filename}: {part.message}"
        for part in failed
    ]
    plural = "s" if found != 1 else ""
    said = [f"{len(imported)} imported"] + ([f"{len(failed)} failed"] if failed else [])
    said.append(f"{found - len(imported) - len(failed)} unchanged")
    message = f"{found} {noun}{plural}: {', '.join(said)}; figures: {run.created} created, {run.updated} updated"
    if run.unknowns:
        message += (
            f"; {len(run.unknowns)} file{'s' if len(run.unknowns) != 1 else ''} not understood (listed for staff)"
        )
    if failed:
        message += f". Failed: {run.errors[0]}" + (f" (and {len(failed) - 1} more)" if len(failed) > 1 else "")
    outcome = (
        ImportRun.Outcome.FAILED if failed else ImportRun.Outcome.SUCCEEDED if imported else ImportRun.Outcome.UNCHANGED
    )
    return finish_run(run, outcome, f"{preface}; {message}" if preface else message)
