"""Celery tasks of the public site: after a data change, render every page's default state and draw the charts'
preview pictures before the first readers ask."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

log = logging.getLogger(__name__)


@shared_task(
    name="dashboard.warm_pages",
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def warm_pages() -> dict[str, int]:
    """Render every public page's default state for the current data, most-read first (dashboard.pages.warming)."""
    from dashboard.pages.warming import default_pages
    from dashboard.pages.warming import warm_pages as render_pages

    try:
        counts = render_pages(default_pages())
    except SoftTimeLimitExceeded:
        # What was rendered stays cached; the rest is rendered when a reader first asks for it.
        log.warning("page warming: stopped at the time limit")
        return {}
    log.info("page warming: %(warmed)s pages rendered, %(failed)s failed", counts)
    return counts


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
    """Queue the warming (called once the data change is committed, so the publication waits for none of it): the
    pages first, since the pictures take Chromium minutes. Only with a worker: in the embedded default (eager
    tasks) it would hold up the request that changed the data; readers render and draw them then."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    warm_pages.delay()
    if settings.CHART_PREVIEWS:
        warm_chart_previews.delay()
