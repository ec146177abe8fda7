"""The companies' feeds end to end, with no network: a server on 127.0.0.1 publishes a mirror of ../shared/data
as the companies do (a page per company linking its documents; Google's and Apple's files zipped; ETags), and a
real Celery worker on Redis and PostgreSQL refreshes every feed, with the six default feeds' own link rules.

Everything imports; a second refresh only asks conditionally and writes no data; one new document imports
exactly that one; a page whose links vanished fails loudly; a zip bomb, a zip with ``../`` paths and a
document over the size limit are refused with the data unchanged. The figures it prints go in
docs/operations.md.
"""

from __future__ import annotations

import csv
import hashlib
import io
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from reports import bundled
from reports.models import DataFeed, Figure, ImportRun, ReportingPeriod
from tests.reports.test_fetching import QuietServer
from tests.reports.test_refresh import published_state as state
from tests.reports.test_worker_reliability import Worker, start_worker

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

__all__ = ["start_worker"]  # the fixture, shared with the worker reliability tests

#: How each company publishes in the mirror: the page's path, and where its documents are served.
GOOGLE_ZIP = "/downloads/google-user-data-requests.zip"
APPLE_ZIP = "/apple/transparency-report.zip"
#: Held back from Meta's page at first, then published: the one new document.
NEW_DOCUMENT = "PRPL-Facebook-Government-Report-2023_H1.csv"
#: In Google's zip, and no importer's format: listed for staff as an unknown file.
UNKNOWN_MEMBER = "google-usnationalsecurity-nsl-requests-released.csv"
REFRESH_TIMEOUT = 110


@dataclass
class Hit:
    path: str
    conditional: bool
    status: int


class Mirror:
    """Serves ``files`` (path -> bytes) with ETags, answering If-None-Match with 304, and logs every request."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.hits: list[Hit] = []
        self.lock = threading.Lock()
        self.httpd = QuietServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def page(self, path: str, links: list[str]) -> None:
        items = "".join(f'<li><a href="{link}">{link.rsplit("/", 1)[-1]}</a></li>' for link in links)
        body = "<!DOCTYPE html><html><body><h1>Transparency</h1><ul>{}</ul><a href='/privacy'>Privacy</a></body></html>"
        self.files[path] = body.format(items).encode()

    def hits_since(self, start: int) -> list[Hit]:
        with self.lock:
            return self.hits[start:]


def _handler(mirror: Mirror) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            body = mirror.files.get(self.path)
            etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"' if body is not None else ""
            asked = self.headers.get("If-None-Match")
            status = 404 if body is None else 304 if asked == etag else 200
            with mirror.lock:
                mirror.hits.append(Hit(self.path, asked is not None, status))
            self.send_response(status)
            if body is not None:
                self.send_header("ETag", etag)
            if status == 200 and body is not None:
                html = body.startswith(b"<!DOCTYPE html>")
                self.send_header("Content-Type", "text/html; charset=utf-8" if html else "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_header("Content-Length", "0")
                self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
    return buffer.getvalue()


def publish_mirror(mirror: Mirror, reports: Path) -> dict[str, str]:
    """Every company's page and documents, as each publishes them; returns the page's path by company."""
    pages = {}
    for company in ("amazon", "ring", "meta", "microsoft"):
        links = []
        for path in sorted((reports / company).iterdir()):
            mirror.files[f"/{company}/docs/{path.name}"] = path.read_bytes()
            if path.name != NEW_DOCUMENT:
                links.append(f"docs/{path.name}")  # relative to the page, as pages often link
        mirror.page(f"/{company}/", links)
        pages[company] = f"/{company}/"
    for company, zip_path in (("google", GOOGLE_ZIP), ("apple", APPLE_ZIP)):
        mirror.files[zip_path] = zipped({p.name: p.read_bytes() for p in (reports / company).iterdir()})
        mirror.page(f"/{company}/", [mirror.url(zip_path)])
        pages[company] = f"/{company}/"
    return pages


@pytest.fixture
def mirror(shared_data: Path) -> Iterator[Mirror]:
    server = Mirror()
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


@pytest.fixture
def feeds(transactional_db: None, mirror: Mirror, shared_data: Path) -> list[DataFeed]:
    """The six default feeds, with their own link rules, pointed at the mirror's pages and enabled."""
    pages = publish_mirror(mirror, shared_data / "reports")
    with bundled.FEEDS_CSV.open(newline="", encoding="utf-8") as handle:
        rows = [row | {"url": mirror.url(pages[row["company"]])} for row in csv.DictReader(handle)]
    bundled.bulk.add_default_feeds(rows=rows)
    DataFeed.objects.update(enabled=True)
    return list(DataFeed.objects.order_by("company__slug"))


def refresh_all(worker: Worker) -> None:
    call_command("refresh_feeds", queue=worker.queue, timeout=REFRESH_TIMEOUT)


def documents(runs: list[ImportRun]) -> list[str]:
    """The files imported: runs of one document (not a page's or a zip's own run) that succeeded."""
    return sorted(run.filename for run in runs if run.format not in ("page", "zip") and run.outcome == "succeeded")


def runs_after(last_id: int) -> list[ImportRun]:
    return list(ImportRun.objects.filter(id__gt=last_id).order_by("id"))


def last_run_id() -> int:
    return ImportRun.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_every_feed_refreshes_from_the_mirror_through_a_real_worker(
    start_worker: Callable[..., Worker], feeds: list[DataFeed], mirror: Mirror, shared_data: Path
) -> None:
    reports = shared_data / "reports"
    worker = start_worker(concurrency=2)
    started = time.monotonic()
    refresh_all(worker)
    first_seconds = time.monotonic() - started
    first = runs_after(0)
    expected = sorted(
        p.name for p in reports.rglob("*") if p.is_file() and p.name not in ("README.txt", UNKNOWN_MEMBER, NEW_DOCUMENT)
    )
    assert documents(first) == expected
    assert not [run.message for run in first if run.outcome == "failed"]
    google_zip = next(run for run in first if run.format == "zip" and run.filename.startswith("google"))
    assert [u["text"] for u in google_zip.unknowns] == [UNKNOWN_MEMBER]
    assert set(ReportingPeriod.objects.values_list("status", flat=True)) == {"draft"}  # staff review first
    slugs = set(ReportingPeriod.objects.values_list("company__slug", flat=True))
    assert slugs == {"amazon", "apple", "google", "meta", "microsoft", "ring"}
    figures, first_runs = Figure.objects.count(), len(first)

    # Again: every request is conditional and answered 304; only the six runs are written.
    before, since, last = state(), len(mirror.hits), last_run_id()
    started = time.monotonic()
    refresh_all(worker)
    second_seconds = time.monotonic() - started
    hits = mirror.hits_since(since)
    assert hits and all(hit.conditional and hit.status == 304 for hit in hits), hits
    second = runs_after(last)
    assert [(run.outcome, run.parent_id) for run in second] == [("unchanged", None)] * len(feeds)
    assert state() == before

    # Meta publishes a new report: exactly that one is fetched in full and imported.
    mirror.page("/meta/", [f"docs/{p.name}" for p in sorted((reports / "meta").iterdir())])
    last = last_run_id()
    since = len(mirror.hits)
    refresh_all(worker)
    assert documents(runs_after(last)) == [NEW_DOCUMENT]
    assert sorted(hit.path for hit in mirror.hits_since(since) if hit.status == 200) == [
        "/meta/",
        f"/meta/docs/{NEW_DOCUMENT}",
    ]
    after_new = state()
    assert Figure.objects.count() > figures

    print(
        f"\nfeeds end to end: {len(expected)} documents in {first_runs} runs, {figures:,} figures, "
        f"first refresh {first_seconds:.1f} s; second refresh {second_seconds:.1f} s, {len(hits)} requests "
        f"all conditional (304): {len(second)} run rows inserted and {len(feeds)} feeds' check times updated, "
        "0 rows of periods, figures, sources or their history"
    )
    refuse_bad_pages_and_documents(mirror, worker, feeds)
    assert state() == after_new


def refuse_bad_pages_and_documents(mirror: Mirror, worker: Worker, feeds: list[DataFeed]) -> None:
    """A page without its links, a zip bomb, a zip with ../ paths and a document over the limit: each fails
    its feed's run with the reason."""
    mirror.page("/ring/", [])
    mirror.files[APPLE_ZIP] = zipped({"account_requests.csv": b"0" * (8 * 1024 * 1024)})
    mirror.files[GOOGLE_ZIP] = zipped({"../google-global-user-data-requests.csv": b"x"})
    oversize = b"PK\x03\x04" + b"\x00" * settings.FEED_MAX_BYTES
    mirror.files["/microsoft/docs/Microsoft_LERR_2022_H1.xlsx"] = oversize
    mirror.page("/microsoft/", ["docs/Microsoft_LERR_2021_H2.xlsx", "docs/Microsoft_LERR_2022_H1.xlsx"])
    last = last_run_id()
    with pytest.raises(CommandError, match=r"^4 of 6 feeds failed"):
        refresh_all(worker)
    failed = {run.feed.company.slug: run.message for run in runs_after(last) if run.parent_id is None}
    assert "links to no document (pdf links matching 'Information_Request_Report')" in failed["ring"]
    assert "times larger than it is stored" in failed["apple"] and "zip bomb" in failed["apple"]
    assert "leads outside it ('../google-global-user-data-requests.csv')" in failed["google"]
    assert f"over the {settings.FEED_MAX_BYTES:,}-byte limit (not downloaded)" in failed["microsoft"]
    assert len(failed) == len(feeds)
