"""``manage.py refresh_feeds [--feed ID]``: refresh the data feeds now and say what each did."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reports import refreshing
from reports.fetching import TransientFetchError
from reports.models import DataFeed, ImportRun

POLL_SECONDS = 0.5


class Command(BaseCommand):
    help = (
        "Refresh every enabled data feed (or the ones named with --feed, enabled or not): through the Celery "
        "worker when a broker is configured, in this process otherwise. Exits non-zero if any failed."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--feed", type=int, action="append", dest="feeds", metavar="ID", help="Only this feed.")
        parser.add_argument(
            "--timeout",
            type=float,
            default=float(settings.CELERY_TASK_TIME_LIMIT),
            help="With a worker: seconds to wait for the runs to finish (default: the task's hard time limit).",
        )
        parser.add_argument("--queue", default=None, help="With a worker: the Celery queue to use.")

    def handle(self, *args: Any, **options: Any) -> None:
        feeds = self._feeds(options["feeds"])
        if not feeds:
            self.stdout.write("No enabled feed to refresh.")
            return
        from celery import current_app as app  # the project's app, configured in dashboard/celery.py

        if app.conf.task_always_eager:
            runs = {feed.pk: self._run_here(feed) for feed in feeds}
        else:
            queue = options["queue"] or app.conf.task_default_queue
            runs = self._run_on_worker(feeds, timeout=options["timeout"], queue=queue)
        failed: list[str] = []
        for feed in feeds:
            run = runs.get(feed.pk)
            if run is None:
                failed.append(f"{feed}: no run finished within {options['timeout']:g} s (is a worker running?)")
                self.stdout.write(f"{feed} (feed {feed.pk}): not finished")
                continue
            self.stdout.write(f"{feed} (feed {feed.pk}): {run.outcome}: {run.message}")
            if run.outcome == ImportRun.Outcome.FAILED:
                failed.append(f"{feed}: {run.message}")
        if failed:
            raise CommandError(f"{len(failed)} of {len(feeds)} feeds failed: " + "; ".join(failed))

    def _feeds(self, ids: list[int] | None) -> list[DataFeed]:
        if not ids:
            return list(DataFeed.objects.filter(enabled=True).select_related("company"))
        found = {feed.pk: feed for feed in DataFeed.objects.filter(pk__in=ids).select_related("company")}
        unknown = sorted(set(ids) - found.keys())
        if unknown:
            raise CommandError(f"no data feed with id {', '.join(map(str, unknown))}")
        return [found[pk] for pk in dict.fromkeys(ids)]

    def _run_here(self, feed: DataFeed) -> ImportRun:
        try:
            return refreshing.refresh_feed(feed_id=feed.pk, triggered_by="command")
        except TransientFetchError as error:
            # The failed run is recorded; in this process nobody retries, so report it as it is.
            if error.run is None:
                raise CommandError(error.message) from error
            return error.run

    def _run_on_worker(self, feeds: list[DataFeed], *, timeout: float, queue: str) -> dict[int, ImportRun]:
        """Enqueue each feed, then wait for the first run each one records (a retry would be a later one)."""
        from reports.tasks import refresh_feed

        after = ImportRun.objects.order_by("-id").values_list("id", flat=True).first() or 0
        for feed in feeds:
            refresh_feed.apply_async((feed.pk,), {"triggered_by": "command"}, queue=queue)
        deadline = time.monotonic() + timeout
        runs: dict[int, ImportRun] = {}
        while len(runs) < len(feeds) and time.monotonic() < deadline:
            # A refresh's own run, not the parts (documents of a page, files of a zip) it is made of.
            mine = ImportRun.objects.filter(feed__in=feeds, id__gt=after, parent__isnull=True)
            for run in mine.exclude(outcome="running").order_by("id"):
                runs.setdefault(run.feed_id, run)  # type: ignore[arg-type]
            if len(runs) < len(feeds):
                time.sleep(POLL_SECONDS)
        return runs
