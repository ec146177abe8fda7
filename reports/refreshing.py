"""Refreshing a data feed: fetch (conditionally), import what changed through ``reports.services``, and record
every outcome, including a worker that died mid-import, as an ImportRun."""

from __future__ import annotations

import hashlib
import logging
from pathlib import PurePath
from urllib.parse import urlsplit

from django.utils import timezone

from reports import fetching
from reports.models import (
    DataFeed,
    ImportRun,
)
from reports.services import fail_interrupted_runs, import_document

log = logging.getLogger(__name__)


# --- Refreshing a feed ---------------------------------------------------------------------------


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
