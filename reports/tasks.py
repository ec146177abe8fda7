"""Celery tasks: refresh the data feeds. Each loads by id, calls a service and logs what happened."""

from __future__ import annotations

import logging
from functools import partial

from celery import shared_task
from django.conf import settings
from django.db import transaction

from reports import refreshing
from reports.fetching import TransientFetchError
from reports.models import DataFeed

log = logging.getLogger(__name__)


@shared_task(
    name="reports.refresh_feed",
    # Only the network's failures are retried; a 404 or a malformed document fails once, recorded.
    autoretry_for=(TransientFetchError,),
    retry_backoff=True,
    max_retries=3,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def refresh_feed(feed_id: int, triggered_by: str = "worker") -> str:
    """Fetch one feed and import it if it changed; returns the run's outcome."""
    if not DataFeed.objects.filter(pk=feed_id).exists():
        log.warning("feed %s no longer exists: nothing to refresh", feed_id)
        return "missing"
    run = refreshing.refresh_feed(feed_id=feed_id, triggered_by=triggered_by)
    log.info("feed %s: run %s %s: %s", feed_id, run.pk, run.outcome, run.message)
    return str(run.outcome)


@shared_task(name="reports.refresh_all_feeds", soft_time_limit=60, time_limit=90)
def refresh_all_feeds(triggered_by: str = "beat") -> int:
    """Enqueue a refresh of every enabled feed; returns how many."""
    feed_ids = list(DataFeed.objects.filter(enabled=True).values_list("pk", flat=True))
    for feed_id in feed_ids:
        transaction.on_commit(partial(refresh_feed.delay, feed_id, triggered_by=triggered_by))
    log.info("enqueued a refresh of %s feeds", len(feed_ids))
    return len(feed_ids)
