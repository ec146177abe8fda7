"""Celery tasks of the public site: draw the charts' preview pictures before the first readers ask."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

log = logging.getLogger(__name__)


@shared_task(
    name="dashboard.warm_chart_previews",
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def warm_chart_previews() -> dict[str, int]:
    """Draw the light preview pictures of the home page's and company pages' charts for the current data."""
    from dashboard.charts.defaults import front_charts
    from dashboard.charts.previews import warm_previews

    try:
        counts = warm_previews(front_charts())
    except SoftTimeLimitExceeded:
        # What was drawn stays on disk; the rest is drawn when a reader first asks for it.
        log.warning("chart previews: stopped at the time limit")
        return {}
    log.info("chart previews: %(drawn)s drawn, %(kept)s already there, %(failed)s failed", counts)
    return counts


def queue_warming() -> None:
    """Queue the warming (called once the data change is committed). Only with a worker: in the embedded default
    (eager tasks) it would hold up the request that changed the data for minutes; readers draw them then."""
    if settings.CHART_PREVIEWS and not settings.CELERY_TASK_ALWAYS_EAGER:
        warm_chart_previews.delay()
