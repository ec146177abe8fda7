"""Refreshing a data feed: import what changed, skip what did not, and fail cleanly on every bad case.

Every bad case ends in a failed ImportRun with its reason while the published data stays exactly
as it was, proved by checksums of the whole tables before and after.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Model
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.celery import app as celery_app
from reports import refreshing, tasks
from reports.fetching import TransientFetchError
from reports.models import DataFeed, Figure, ImportRun, ReportingPeriod, SourceDocument, Status
from tests.factories import CompanyFactory
from tests.reports import test_fetching as served
from tests.reports.test_fetching import GOOD, SMALL_LIMIT, URL, FeedServer, Response, canonical

# The local HTTP server and a port where nothing listens, shared with the fetching tests.
feed_server = served.feed_server
closed_port = served.closed_port

pytestmark = pytest.mark.django_db

#: Valid rows that would change a figure, and one row that breaks an invariant: all or nothing.
HALF_BAD = canonical(
    f"amazon,total,2019-01-01,2019-06-30,US,subpoena,requests,1900,,,{URL}",
    f"amazon,total,2020-01-01,2020-06-30,US,subpoena,requests,2416,,,{URL}",
    f"amazon,total,2019-01-01,2019-06-30,US,nsl,requests,,300,249,{URL}",
)


@pytest.fixture
def feed(feed_server: FeedServer) -> DataFeed:
    feed_server.documents["/half-bad.csv"] = Response(200, HALF_BAD, {"Content-Type": "text/csv"})
    company = CompanyFactory(slug="amazon", name="Amazon")
    return DataFeed.objects.create(
        name="Amazon figures", company=company, url=feed_server.url("/figures.csv"), publish_on_import=True
    )


def checksum(model: type[Model]) -> str:
    """SHA-256 over every column of every row, in primary-key order."""
    columns = [f.attname for f in model._meta.concrete_fields]
    rows = list(model._default_manager.order_by("pk").values_list(*columns))
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def published_state() -> dict[str, str]:
    models = (ReportingPeriod, Figure, SourceDocument, ReportingPeriod.history.model, Figure.history.model)
    return {model.__name__: checksum(model) for model in models}


def remembered(feed: DataFeed) -> tuple[str, str, str, dt.datetime | None]:
    feed.refresh_from_db()
    return (feed.etag, feed.last_modified, feed.last_sha256, feed.last_checked_at)


def refresh(feed: DataFeed) -> ImportRun:
    return refreshing.refresh_feed(feed_id=feed.pk, triggered_by="test")


def test_a_first_refresh_imports_the_document_and_remembers_it(feed: DataFeed, feed_server: FeedServer) -> None:
    run = refresh(feed)
    assert (run.outcome, run.created, run.updated, run.feed_id, run.triggered_by) == (
        "succeeded",
        6,
        0,
        feed.pk,
        "test",
    )
    assert run.payload_sha256 == hashlib.sha256(GOOD).hexdigest()
    assert list(ReportingPeriod.objects.values_list("status", flat=True)) == [Status.PUBLISHED] * 2
    etag, last_modified, sha256, checked_at = remembered(feed)
    assert (etag, last_modified, sha256) == (feed_server.etag, "Wed, 01 Jan 2020 00:00:00 GMT", run.payload_sha256)
    assert checked_at is not None


def test_a_second_refresh_gets_a_304_and_writes_no_row_but_its_run(feed: DataFeed, feed_server: FeedServer) -> None:
    refresh(feed)
    before = published_state()
    with CaptureQueriesContext(connection) as queries:
        run = refresh(feed)
    assert (run.outcome, run.created, run.updated, run.unchanged) == ("unchanged", 0, 0, 0)
    assert "has not changed (304)" in run.message
    assert feed_server.requests[-1][1]["If-None-Match"] == feed_server.etag
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))]
    assert {sql.split('"')[1] for sql in writes} == {"reports_importrun", "reports_datafeed"}
    assert published_state() == before


def test_the_same_bytes_under_a_new_etag_are_unchanged_by_their_checksum(feed: DataFeed) -> None:
    refresh(feed)
    DataFeed.objects.filter(pk=feed.pk).update(etag='"an-etag-the-server-forgot"')
    before = published_state()
    run = refresh(feed)
    assert (run.outcome, run.message) == ("unchanged", "the document is byte for byte the one imported last time")
    assert published_state() == before


def test_a_changed_document_updates_only_the_changed_figure(feed: DataFeed, feed_server: FeedServer) -> None:
    refresh(feed)
    feed_server.good = GOOD.replace(b"1841", b"1900")
    run = refresh(feed)
    assert (run.outcome, run.created, run.updated, run.unchanged) == ("succeeded", 0, 1, 5)
    assert Figure.objects.get(period__start="2019-01-01", request_type="subpoena", measure="requests").value == 1900
    assert remembered(feed)[2] == hashlib.sha256(feed_server.good).hexdigest()


BAD_FEEDS = [
    pytest.param("/missing.csv", "", "the server answered 404 Not Found", False, id="404"),
    pytest.param("/broken.csv", "", "the server answered 500 Internal Server Error", True, id="500"),
    pytest.param("/slow.csv", "", "did not answer within 0.3 s", True, id="timeout"),
    pytest.param("refused", "", "Connection refused", True, id="connection-refused"),
    pytest.param("/cut-short.csv", "", "broke before the whole document arrived", True, id="cut-short-transfer"),
    pytest.param("/empty.csv", "", "the server sent an empty document", False, id="empty"),
    pytest.param("/huge.csv", "", "over the 4,096-byte limit (not downloaded)", False, id="oversize"),
    pytest.param("/endless.csv", "", "over the 4,096-byte limit (stopped reading there)", False, id="oversize-stream"),
    pytest.param("/error-page.csv", "", "expected a report, got an HTML page", False, id="html-error-page"),
    pytest.param("/truncated.pdf", "amazon_pdf", "the PDF is truncated", False, id="truncated-pdf"),
    pytest.param("/half-bad.csv", "", "band minimum 300 is above its maximum 249", False, id="invariant-broken"),
]


@override_settings(FEED_TIMEOUT_SECONDS=0.3, FEED_MAX_BYTES=SMALL_LIMIT)
@pytest.mark.parametrize(("path", "fmt", "reason", "transient"), BAD_FEEDS)
def test_a_bad_feed_fails_its_run_with_the_reason_and_changes_nothing(
    feed: DataFeed, feed_server: FeedServer, closed_port: int, path: str, fmt: str, reason: str, transient: bool
) -> None:
    assert refresh(feed).outcome == "succeeded"
    state, feed_state = published_state(), remembered(feed)
    url = f"http://127.0.0.1:{closed_port}/figures.csv" if path == "refused" else feed_server.url(path)
    DataFeed.objects.filter(pk=feed.pk).update(url=url, format=fmt)
    if transient:
        with pytest.raises(TransientFetchError) as raised:
            refresh(feed)
        run = raised.value.run
    else:
        run = refresh(feed)
    assert run is not None and run.pk
    run.refresh_from_db()
    assert run.outcome == "failed" and run.finished_at is not None
    assert reason in run.message and reason in run.errors[0]
    assert published_state() == state
    assert remembered(feed) == feed_state


def test_a_real_report_cut_short_is_recognised_and_refused(
    feed: DataFeed, feed_server: FeedServer, shared_data: Path
) -> None:
    report = (shared_data / "reports" / "amazon" / "Information_Request_Report_December_2019.pdf").read_bytes()
    feed_server.documents["/report.pdf"] = Response(
        200, report[: len(report) // 2], {"Content-Type": "application/pdf"}
    )
    refresh(feed)
    state = published_state()
    DataFeed.objects.filter(pk=feed.pk).update(url=feed_server.url("/report.pdf"), format="amazon_pdf")
    run = refresh(feed)
    assert run.outcome == "failed"
    assert run.message == "report.pdf: the PDF is truncated: it does not end with the %%EOF marker"
    assert published_state() == state


def test_a_document_that_failed_is_fetched_in_full_again_next_time(feed: DataFeed, feed_server: FeedServer) -> None:
    feed_server.good = HALF_BAD
    assert refresh(feed).outcome == "failed"
    feed_server.good = GOOD
    assert refresh(feed).outcome == "succeeded"
    assert "If-None-Match" not in feed_server.requests[-1][1]


def test_a_run_left_running_past_the_hard_time_limit_is_marked_interrupted_by_the_next(
    feed: DataFeed, settings: Any, tmp_path: Path
) -> None:
    # Marking it sweeps the archive of files no source points to: not the session's shared test media, whose
    # files the bundled-data snapshot restores rows for (an xdist worker's earlier tests archived them).
    settings.MEDIA_ROOT = str(tmp_path)
    stale, recent = ImportRun.objects.create(feed=feed), ImportRun.objects.create(feed=feed)
    long_ago = timezone.now() - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 1)
    ImportRun.objects.filter(pk=stale.pk).update(started_at=long_ago)
    refresh(feed)
    stale.refresh_from_db()
    recent.refresh_from_db()
    assert (stale.outcome, stale.message) == ("failed", "interrupted: the process stopped mid-import")
    assert stale.finished_at is not None
    assert recent.outcome == "running"


@pytest.fixture
def eager_retries() -> Iterator[None]:
    """Eagerly, Celery runs each retry at once (no backoff wait), unless the first failure propagates."""
    propagates = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    try:
        yield
    finally:
        celery_app.conf.task_eager_propagates = propagates


@pytest.mark.usefixtures("eager_retries")
def test_the_task_retries_a_server_error_three_times_then_gives_up(feed: DataFeed, feed_server: FeedServer) -> None:
    DataFeed.objects.filter(pk=feed.pk).update(url=feed_server.url("/broken.csv"))
    result = tasks.refresh_feed.apply(args=[feed.pk])
    assert result.failed() and isinstance(result.result, TransientFetchError)
    assert list(ImportRun.objects.values_list("outcome", flat=True)) == ["failed"] * 4
    assert feed_server.paths() == ["/broken.csv"] * 4


def test_the_task_does_not_retry_a_missing_document(feed: DataFeed, feed_server: FeedServer) -> None:
    DataFeed.objects.filter(pk=feed.pk).update(url=feed_server.url("/missing.csv"))
    assert tasks.refresh_feed.delay(feed.pk).get() == "failed"
    assert ImportRun.objects.count() == 1 and feed_server.paths() == ["/missing.csv"]


def test_the_task_shrugs_at_a_feed_deleted_while_it_waited(feed: DataFeed) -> None:
    feed_id = feed.pk
    feed.delete()
    assert tasks.refresh_feed.delay(feed_id).get() == "missing"
    assert not ImportRun.objects.exists()


def test_refresh_all_feeds_enqueues_every_enabled_feed_and_only_those(
    feed: DataFeed, feed_server: FeedServer, django_capture_on_commit_callbacks
) -> None:
    other = DataFeed.objects.create(name="Gone", company=feed.company, url=feed_server.url("/missing.csv"))
    DataFeed.objects.create(name="Off", company=feed.company, url=feed_server.url("/broken.csv"), enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.refresh_all_feeds.delay().get() == 2
    runs = dict(ImportRun.objects.values_list("feed_id", "outcome"))
    assert runs == {feed.pk: "succeeded", other.pk: "failed"}
    assert set(ImportRun.objects.values_list("triggered_by", flat=True)) == {"beat"}


def test_the_command_refreshes_every_enabled_feed_and_says_what_each_did(feed: DataFeed, capsys) -> None:
    call_command("refresh_feeds")
    assert capsys.readouterr().out == f"Amazon figures (feed {feed.pk}): succeeded: 6 created, 0 updated, 0 unchanged\n"
    call_command("refresh_feeds", feed=[feed.pk])
    assert capsys.readouterr().out.startswith(f"Amazon figures (feed {feed.pk}): unchanged: the server says")


@override_settings(FEED_TIMEOUT_SECONDS=0.3)
def test_the_command_exits_with_one_line_when_a_feed_failed(feed: DataFeed, feed_server: FeedServer, capsys) -> None:
    broken = DataFeed.objects.create(name="Broken", company=feed.company, url=feed_server.url("/broken.csv"))
    with pytest.raises(CommandError) as raised:
        call_command("refresh_feeds")
    message = str(raised.value)
    assert message.startswith("1 of 2 feeds failed: Broken: the server answered 500") and "\n" not in message
    out = capsys.readouterr().out
    assert f"(feed {feed.pk}): succeeded" in out and f"(feed {broken.pk}): failed" in out
    assert ImportRun.objects.filter(feed=broken).count() == 1  # run here, nobody retries


def test_the_command_refuses_an_unknown_feed_id(feed: DataFeed) -> None:
    with pytest.raises(CommandError, match="no data feed with id 999999"):
        call_command("refresh_feeds", feed=[999999])
    assert not ImportRun.objects.exists()


@pytest.fixture
def staff(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("editor", "editor@example.org", "a long enough password"))
    return client


def test_staff_run_selected_feeds_now_from_the_admin(
    feed: DataFeed, staff: Client, django_capture_on_commit_callbacks
) -> None:
    form = {"action": "run_now", "_selected_action": [str(feed.pk)]}
    with django_capture_on_commit_callbacks() as callbacks:
        response = staff.post("/admin/reports/datafeed/", form, follow=True)
    assert "Refresh started for 1 feed;" in response.content.decode()
    assert len(callbacks) == 1 and not ImportRun.objects.exists()  # enqueued only once the transaction commits
    callbacks[0]()
    run = ImportRun.objects.get()
    assert (run.outcome, run.triggered_by) == ("succeeded", "staff editor")


def test_a_feed_page_lists_its_recent_runs_with_their_errors(feed: DataFeed, staff: Client) -> None:
    failed = ImportRun.objects.create(
        feed=feed, outcome="failed", message="2 problems", errors=["figures.csv, row 3: <b>bad</b> band", "row 4"]
    )
    page = staff.get(f"/admin/reports/datafeed/{feed.pk}/change/").content.decode()
    assert f'href="/admin/reports/importrun/{failed.pk}/change/"' in page
    assert "<li>figures.csv, row 3: &lt;b&gt;bad&lt;/b&gt; band</li><li>row 4</li>" in page
    assert f"/admin/reports/importrun/?feed__id__exact={feed.pk}" in page


def test_an_import_run_page_shows_errors_and_warnings_as_lists_and_allows_no_edit(
    feed: DataFeed, staff: Client
) -> None:
    run = ImportRun.objects.create(
        feed=feed, outcome="failed", message="bad", errors=["row 2: expected a number"], warnings=["parts differ"]
    )
    response = staff.get(f"/admin/reports/importrun/{run.pk}/change/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<ol><li>row 2: expected a number</li></ol>" in page and "<ol><li>parts differ</li></ol>" in page
    assert 'name="_save"' not in page
    assert staff.post(f"/admin/reports/importrun/{run.pk}/change/", {"message": "edited"}).status_code == 403
