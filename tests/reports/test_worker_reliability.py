"""A real Celery worker on real Redis and PostgreSQL: a worker killed mid-import leaves no partial write
and the task is delivered again; refreshes at once or one after the other give the rows of one clean run.

"The middle" of an import is made deterministic with locks this test holds from its own connection: the
worker's import blocks after writing its periods but before its figures, and is killed there.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
import redis
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from dashboard.celery import app as celery_app
from reports import refreshing, services, tasks
from reports.models import DataFeed, Figure, ImportRun, ReportingPeriod, SourceDocument
from tests.factories import CompanyFactory
from tests.reports import test_fetching as served
from tests.reports.test_fetching import FeedServer

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

feed_server = served.feed_server

PROJECT_DIR = Path(__file__).resolve().parents[2]
CELERY = PROJECT_DIR / ".venv" / "bin" / "celery"
#: Upper bounds of every wait; on a quiet machine each takes well under a second or two.
START_TIMEOUT = 60
WAIT_TIMEOUT = 45
POLL_SECONDS = 0.1


class Worker:
    """One `celery worker` subprocess consuming a queue of its own, its output in a log file."""

    def __init__(self, *, queue: str, env: dict[str, str], log_path: Path, concurrency: int) -> None:
        self.queue = queue
        self.log_path = log_path
        command = [str(CELERY), "-A", "dashboard", "worker", "--pool=prefork", f"--concurrency={concurrency}"]
        command += ["-Q", queue, "-n", f"{queue}@%h", "--loglevel=INFO", "--without-gossip", "--without-mingle"]
        command += ["--without-heartbeat", "--prefetch-multiplier=1"]
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until_ready(self) -> None:
        wait_for(lambda: " ready." in self.log(), "the worker to be ready", self, timeout=START_TIMEOUT)

    def tasks_done(self, count: int) -> bool:
        """Whether ``count`` tasks returned: their runs are recorded and their feeds updated."""
        return self.log().count("] succeeded in ") >= count

    def pool_children(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    def stop(self) -> None:
        """SIGKILL to the whole process group: even idle, a clean shutdown takes celery seconds. A message it
        still held (only when a test failed midway) stays unacknowledged in Redis, for a queue nobody reads."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def wait_for(
    condition: Callable[[], Any], what: str, worker: Worker | None = None, timeout: float = WAIT_TIMEOUT
) -> Any:
    """Poll until ``condition()`` is truthy; fail with the worker's log after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if worker is not None and worker.process.poll() is not None:
            pytest.fail(f"the worker exited ({worker.process.returncode}) while waiting for {what}:\n{worker.log()}")
        time.sleep(POLL_SECONDS)
    pytest.fail(f"gave up after {timeout} s waiting for {what}" + (f"; worker log:\n{worker.log()}" if worker else ""))


def database_url() -> str:
    """The URL of the test database pytest-django created, for the worker subprocess."""
    conf = connection.settings_dict
    credentials = quote(conf["USER"] or "") + (f":{quote(conf['PASSWORD'])}" if conf["PASSWORD"] else "")
    return f"postgresql://{credentials}@{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}/{conf['NAME']}"


def other_backends() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def lock_waits() -> list[tuple[str, str]]:
    """(lock type, relation) of every lock some session of this database is waiting for."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT locktype, coalesce(relation::regclass::text, '') FROM pg_locks "
            "WHERE NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return sorted(cursor.fetchall())


@contextmanager
def figures_table_locked() -> Iterator[psycopg.Connection]:
    """Hold SHARE on reports_figure from a connection of our own: imports may read figures, not write them."""
    conf = connection.settings_dict
    params = {"dbname": conf["NAME"], "user": conf["USER"], "host": conf["HOST"] or "127.0.0.1"}
    params |= {"port": conf["PORT"] or 5432, "password": conf["PASSWORD"] or None, "connect_timeout": 10}
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as locker:
        locker.execute("LOCK TABLE reports_figure IN SHARE MODE")
        try:
            yield locker
        finally:
            locker.rollback()


def state() -> dict[str, Any]:
    """Everything an import writes, by natural keys (ids differ between runs)."""
    return {
        "periods": sorted(
            ReportingPeriod.objects.values_list("company__slug", "scope", "start", "end", "status", "source__url")
        ),
        "figures": sorted(
            Figure.objects.values_list(
                "period__company__slug",
                "period__start",
                "period__end",
                "jurisdiction",
                "request_type",
                "measure",
                "value",
                "value_min",
                "value_max",
                "note",
                "source__url",
            )
        ),
        "sources": sorted(SourceDocument.objects.values_list("url", "title", "kind")),
        "history": (
            sorted(
                ReportingPeriod.history.values("history_type")
                .annotate(n=Count("history_id"))
                .values_list("history_type", "n")
            ),
            sorted(
                Figure.history.values("history_type").annotate(n=Count("history_id")).values_list("history_type", "n")
            ),
        ),
    }


def clean_run_state(feed: DataFeed) -> dict[str, Any]:
    """What one refresh on an empty database writes: done in this process, then rolled back."""
    with transaction.atomic():
        run = refreshing.refresh_feed(feed_id=feed.pk, triggered_by="clean run")
        assert run.outcome == "succeeded", run.message
        clean = state()
        transaction.set_rollback(True)
    assert not ReportingPeriod.objects.exists() and not ImportRun.objects.exists()
    return clean


@pytest.fixture
def feed(transactional_db: None, feed_server: FeedServer) -> DataFeed:
    company = CompanyFactory(slug="amazon", name="Amazon")
    return DataFeed.objects.create(
        name="Amazon figures", company=company, url=feed_server.url("/figures.csv"), publish_on_import=True
    )


@pytest.fixture
def start_worker(
    postgres: None, broker_url: str, transactional_db: None, tmp_path: Path
) -> Iterator[Callable[..., Worker]]:
    """Start workers on a queue unique to the test; always stopped, their log printed when the test fails."""
    queue = f"test-refresh-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dashboard.settings",
        "DATABASE_URL": database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": broker_url,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PYTHONUNBUFFERED": "1",
    }
    workers: list[Worker] = []
    # Tasks sent from this process go to the broker, not run in it.
    always_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False

    def start(concurrency: int = 1) -> Worker:
        worker = Worker(queue=queue, env=env, log_path=tmp_path / f"worker-{len(workers)}.log", concurrency=concurrency)
        workers.append(worker)
        worker.wait_until_ready()
        return worker

    try:
        yield start
    finally:
        celery_app.conf.task_always_eager = always_eager
        for worker in workers:
            worker.stop()
            print(f"--- {worker.log_path.name}\n{worker.log()}")  # shown by pytest only when the test fails
        # A backend whose worker was killed may still hold a transaction; the flush after the test must not wait.
        with connection.cursor() as cursor:
            for pid in other_backends():
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        broker = redis.Redis.from_url(broker_url)
        broker.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


def enqueue(feed: DataFeed, worker: Worker) -> None:
    tasks.refresh_feed.apply_async((feed.pk,), {"triggered_by": "worker test"}, queue=worker.queue)


def finished_runs(worker: Worker, count: int) -> list[ImportRun]:
    """The finished runs, once ``count`` tasks have returned (a run is finished just before its feed is updated)."""
    wait_for(lambda: worker.tasks_done(count), f"{count} tasks to return", worker)
    return list(ImportRun.objects.exclude(outcome="running").order_by("id"))


def test_a_worker_killed_mid_import_leaves_no_partial_write_and_the_task_is_delivered_again(
    feed: DataFeed, start_worker: Callable[..., Worker]
) -> None:
    clean = clean_run_state(feed)
    worker = start_worker(concurrency=1)
    with figures_table_locked():
        enqueue(feed, worker)
        wait_for(lambda: ("relation", "reports_figure") in lock_waits(), "the import to block on figures", worker)
        # Its periods are written, in a transaction that never committed: none is visible.
        assert not ReportingPeriod.objects.exists() and not Figure.objects.exists()
        [child] = worker.pool_children()
        os.kill(child, signal.SIGKILL)
        wait_for(lambda: "WorkerLostError" in worker.log(), "the worker to see its child die", worker)
        # Delivered again to a new child, the task waits for the dead one's transaction to end.
        wait_for(lambda: ImportRun.objects.count() == 2, "the task to be delivered again", worker)
        wait_for(lambda: ("advisory", "") in lock_waits(), "the second delivery to wait for the feed's lock", worker)
        assert not ReportingPeriod.objects.exists() and not Figure.objects.exists()
    [redelivered] = finished_runs(worker, 1)
    assert redelivered.outcome == "succeeded", (redelivered.message, worker.log())
    # It created every figure: nothing of the killed import survived.
    assert (redelivered.created, redelivered.updated, redelivered.unchanged) == (6, 0, 0)
    assert state() == clean
    # The killed run stays "running" until, older than the hard time limit, the next refresh marks it.
    killed = ImportRun.objects.get(outcome="running")
    assert killed.pk < redelivered.pk
    long_ago = timezone.now() - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 1)
    ImportRun.objects.filter(pk=killed.pk).update(started_at=long_ago)
    enqueue(feed, worker)
    assert finished_runs(worker, 2)[-1].outcome == "unchanged"
    killed.refresh_from_db()
    assert (killed.outcome, killed.message) == ("failed", services.INTERRUPTED)
    assert state() == clean


def test_refreshes_at_once_and_one_after_the_other_give_the_rows_of_one_clean_run(
    feed: DataFeed, start_worker: Callable[..., Worker], feed_server: FeedServer
) -> None:
    clean = clean_run_state(feed)
    worker = start_worker(concurrency=2)
    with figures_table_locked():
        enqueue(feed, worker)
        enqueue(feed, worker)
        # Both at once: one writes and waits on the figures, the other waits for the feed's lock.
        both_waiting = [("advisory", ""), ("relation", "reports_figure")]
        wait_for(lambda: lock_waits() == both_waiting, "both refreshes to be under way", worker)
    first, second = finished_runs(worker, 2)
    assert sorted([first.outcome, second.outcome]) == ["succeeded", "unchanged"], worker.log()
    assert state() == clean
    # One after the other, the feed forgotten so that the document is downloaded and imported again.
    DataFeed.objects.filter(pk=feed.pk).update(etag="", last_modified="", last_sha256="")
    enqueue(feed, worker)
    third = finished_runs(worker, 3)[2]
    assert (third.outcome, third.message) == ("unchanged", "the same document was imported before")
    assert state() == clean
    # And the command, through the worker: it waits for each run and exits non-zero naming the failure.
    DataFeed.objects.create(name="Gone", company=feed.company, url=feed_server.url("/missing.csv"))
    with pytest.raises(CommandError, match=r"^1 of 2 feeds failed: Gone: the server answered 404 Not Found"):
        call_command("refresh_feeds", queue=worker.queue, timeout=WAIT_TIMEOUT)
    assert state() == clean
