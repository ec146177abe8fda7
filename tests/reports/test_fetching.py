"""Fetching a feed: bounded in time and size, conditional, refusing error pages, transient vs permanent.

The ``feed_server`` fixture here (a real HTTP server on 127.0.0.1) is shared with test_refresh.py
and test_worker_reliability.py, which import it.
"""

from __future__ import annotations

import gzip
import hashlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import override_settings

from reports.fetching import FetchError, TransientFetchError, fetch

HEADER = (
    "company,scope,period_start,period_end,jurisdiction,request_type,measure,value,value_min,value_max,source_url\n"
)
URL = "https://www.amazon.com/report.pdf"


def canonical(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


#: A good feed document: two periods, exact, band and not-reported figures.
GOOD = canonical(
    f"amazon,total,2019-01-01,2019-06-30,US,subpoena,requests,1841,,,{URL}",
    f"amazon,total,2019-01-01,2019-06-30,US,subpoena,full-response,814,,,{URL}",
    f"amazon,total,2019-01-01,2019-06-30,US,national-security,requests,,0,249,{URL}",
    f"amazon,total,2019-01-01,2019-06-30,US,search-warrant,no-response,,,,{URL}",
    f"amazon,total,2019-07-01,2019-12-31,US,subpoena,requests,1856,,,{URL}",
    f"amazon,total,2019-07-01,2019-12-31,US,national-security,requests,,0,249,{URL}",
)
HTML_ERROR_PAGE = b"<!DOCTYPE html><html><head><title>Error</title></head><body>Something went wrong</body></html>"
#: The start of a PDF whose end (and %%EOF marker) never arrived.
TRUNCATED_PDF = (
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pa"
)
#: Small enough for tests to set as settings.FEED_MAX_BYTES; /huge.csv and /endless.csv exceed it.
SMALL_LIMIT = 4096
#: How long a slow response may keep its handler waiting before it gives up by itself.
SLOW_HANDLER_MAX_SECONDS = 10
ENDLESS_BYTES = 64 * 1024 * 1024
#: Pause between the bytes of /trickle.csv: far below the read timeout its test sets.
TRICKLE_SECONDS = 0.02


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hangs up early (a timeout, the size limit) is what these tests cause


class FeedServer:
    """A real HTTP server on 127.0.0.1 with every case a feed meets; ``documents`` maps paths to responses
    (tests add their own), and a few paths behave specially: see ``Handler.do_GET``."""

    def __init__(self) -> None:
        self.good = GOOD
        self.documents: dict[str, Response] = {
            "/missing.csv": Response(404, b"<html><body>Not Found</body></html>", {"Content-Type": "text/html"}),
            "/broken.csv": Response(500, b"Internal Server Error", {"Content-Type": "text/plain"}),
            "/unavailable.csv": Response(503, b"", {"Retry-After": "120"}),
            "/forbidden.csv": Response(403, b"Forbidden"),
            "/empty.csv": Response(200, b"", {"Content-Type": "text/csv"}),
            "/huge.csv": Response(200, GOOD + b"\n" * (2 * SMALL_LIMIT), {"Content-Type": "text/csv"}),
            "/error-page.csv": Response(200, HTML_ERROR_PAGE, {"Content-Type": "text/html; charset=utf-8"}),
            "/html-fragment.csv": Response(200, b"<div>Maintenance</div>", {"Content-Type": "text/html"}),
            "/truncated.pdf": Response(200, TRUNCATED_PDF, {"Content-Type": "application/pdf"}),
            "/gzipped.csv": Response(200, gzip.compress(GOOD), {"Content-Encoding": "gzip"}),
            # A few hundred bytes on the wire, a megabyte once decompressed.
            "/gzip-bomb.csv": Response(200, gzip.compress(GOOD + b"\n" * 2**20), {"Content-Encoding": "gzip"}),
        }
        #: (path, request headers) of every request, in order.
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.endless_bytes_sent = 0
        self.endless_done = threading.Event()
        self.release = threading.Event()
        self.httpd = QuietServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), name="feed-server", daemon=True)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.good).hexdigest()[:16] + '"'

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]

    def start(self) -> FeedServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()  # frees a handler still holding a slow response
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def _handler(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            server.requests.append((path, dict(self.headers.items())))
            if path == "/figures.csv":
                self._good()
            elif path == "/slow.csv":
                server.release.wait(SLOW_HANDLER_MAX_SECONDS)
                self._send(Response(200, server.good, {"Content-Type": "text/csv"}))
            elif path == "/endless.csv":
                self._endless()
            elif path == "/trickle.csv":
                self._trickle()
            elif path == "/chunked.csv":
                self._chunked()
            elif path == "/cut-short.csv":
                # Promises more than it sends, then hangs up: a transfer broken midway.
                self.send_response(200)
                self.send_header("Content-Type", "text/csv")
                self.send_header("Content-Length", str(len(server.good) + 1000))
                self.end_headers()
                self.wfile.write(server.good)
                self.close_connection = True
            elif path in server.documents:
                self._send(server.documents[path])
            else:
                self._send(Response(404, b"no such test document"))

        def _good(self) -> None:
            if self.headers.get("If-None-Match") == server.etag:
                self.send_response(304)
                self.send_header("ETag", server.etag)
                self.end_headers()
                return
            headers = {
                "Content-Type": "text/csv; charset=utf-8",
                "ETag": server.etag,
                "Last-Modified": "Wed, 01 Jan 2020 00:00:00 GMT",
            }
            self._send(Response(200, server.good, headers))

        def _endless(self) -> None:
            # No Content-Length: only the reader can decide when enough is enough.
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            chunk = b"amazon,total,2019-01-01,2019-06-30,US,subpoena,requests,1,,,x\n" * 1024
            try:
                self.wfile.write(HEADER.encode())
                while server.endless_bytes_sent < ENDLESS_BYTES:
                    self.wfile.write(chunk)
                    server.endless_bytes_sent += len(chunk)
            except OSError:
                pass  # the reader hung up, as it should
            finally:
                server.endless_done.set()

        def _chunked(self) -> None:
            # How many real servers send a document: in pieces, without a length.
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(server.good), 100):
                piece = server.good[start : start + 100]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")

        def _trickle(self) -> None:
            # A byte at a time, never pausing long enough for a read timeout.
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(len(server.good)))
            self.end_headers()
            for byte in server.good:
                if server.release.wait(TRICKLE_SECONDS):
                    return
                self.wfile.write(bytes([byte]))
                self.wfile.flush()

        def _send(self, response: Response) -> None:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output for failures

    return Handler


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (it was just free)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_it_fetches_a_document_with_its_etag_and_last_modified(feed_server: FeedServer) -> None:
    result = fetch(feed_server.url("/figures.csv"))
    assert (result.status, result.data, result.filename) == (200, GOOD, "figures.csv")
    assert (result.etag, result.last_modified) == (feed_server.etag, "Wed, 01 Jan 2020 00:00:00 GMT")
    assert result.content_type == "text/csv" and not result.not_modified


def test_it_asks_conditionally_and_a_304_means_not_modified(feed_server: FeedServer) -> None:
    result = fetch(
        feed_server.url("/figures.csv"), etag=feed_server.etag, last_modified="Wed, 01 Jan 2020 00:00:00 GMT"
    )
    assert result.not_modified and result.data == b""
    sent = feed_server.requests[-1][1]
    assert (sent["If-None-Match"], sent["If-Modified-Since"]) == (feed_server.etag, "Wed, 01 Jan 2020 00:00:00 GMT")


def test_it_reads_a_document_sent_in_chunks(feed_server: FeedServer) -> None:
    assert fetch(feed_server.url("/chunked.csv")).data == GOOD


def test_a_stale_etag_gets_the_whole_document(feed_server: FeedServer) -> None:
    result = fetch(feed_server.url("/figures.csv"), etag='"an-old-version"')
    assert result.status == 200 and result.data == GOOD


def test_it_names_the_file_the_server_gives(feed_server: FeedServer) -> None:
    disposition = {"Content-Disposition": 'attachment; filename="Transparency_H1_2020.csv"'}
    feed_server.documents["/download"] = Response(200, GOOD, disposition)
    assert fetch(feed_server.url("/download?id=7")).filename == "Transparency_H1_2020.csv"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/missing.csv", "the server answered 404 Not Found: there is no document at"),
        ("/forbidden.csv", "the server answered 403 Forbidden"),
        ("/empty.csv", "the server sent an empty document"),
        ("/error-page.csv", "expected a report, got an HTML page"),
        ("/html-fragment.csv", "expected a report, got an HTML page (text/html"),
    ],
)
def test_a_permanent_failure_is_not_worth_a_retry(feed_server: FeedServer, path: str, expected: str) -> None:
    with pytest.raises(FetchError) as raised:
        fetch(feed_server.url(path))
    assert not isinstance(raised.value, TransientFetchError)
    assert expected in raised.value.message


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/broken.csv", "the server answered 500 Internal Server Error for"),
        ("/unavailable.csv", "the server answered 503 Service Unavailable"),
        ("/cut-short.csv", "broke before the whole document arrived"),
    ],
)
def test_a_server_error_or_a_broken_transfer_is_transient(feed_server: FeedServer, path: str, expected: str) -> None:
    with pytest.raises(TransientFetchError) as raised:
        fetch(feed_server.url(path))
    assert expected in raised.value.message


@override_settings(FEED_TIMEOUT_SECONDS=0.3)
def test_a_server_that_does_not_answer_in_time_is_a_transient_timeout(feed_server: FeedServer) -> None:
    with pytest.raises(TransientFetchError) as raised:
        fetch(feed_server.url("/slow.csv"))
    assert "did not answer within 0.3 s" in raised.value.message


@override_settings(FEED_TIMEOUT_SECONDS=0.5)
def test_a_server_that_trickles_bytes_cannot_hold_the_fetch_past_its_deadline(feed_server: FeedServer) -> None:
    with pytest.raises(TransientFetchError) as raised:
        fetch(feed_server.url("/trickle.csv"))
    assert "sent the document too slowly (not done after 2.0 s)" in raised.value.message


def test_a_refused_connection_is_transient(closed_port: int) -> None:
    with pytest.raises(TransientFetchError) as raised:
        fetch(f"http://127.0.0.1:{closed_port}/figures.csv")
    assert raised.value.message == f"cannot connect to 127.0.0.1:{closed_port}: Connection refused"


@override_settings(FEED_MAX_BYTES=SMALL_LIMIT)
def test_a_document_announced_over_the_size_limit_is_refused(feed_server: FeedServer) -> None:
    with pytest.raises(FetchError) as raised:
        fetch(feed_server.url("/huge.csv"))
    assert not isinstance(raised.value, TransientFetchError)
    assert "over the 4,096-byte limit (not downloaded)" in raised.value.message


@override_settings(FEED_MAX_BYTES=SMALL_LIMIT)
def test_it_stops_reading_a_document_without_length_once_past_the_limit(feed_server: FeedServer) -> None:
    with pytest.raises(FetchError) as raised:
        fetch(feed_server.url("/endless.csv"))
    assert "over the 4,096-byte limit (stopped reading there)" in raised.value.message
    assert feed_server.endless_done.wait(timeout=10), "the server still writes: the reader did not hang up"
    assert feed_server.endless_bytes_sent < ENDLESS_BYTES


def test_a_compressed_document_is_decompressed(feed_server: FeedServer) -> None:
    assert fetch(feed_server.url("/gzipped.csv")).data == GOOD


@override_settings(FEED_MAX_BYTES=SMALL_LIMIT)
def test_the_size_limit_applies_to_the_decompressed_document(feed_server: FeedServer) -> None:
    with pytest.raises(FetchError) as raised:
        fetch(feed_server.url("/gzip-bomb.csv"))
    assert "over the 4,096-byte limit (stopped reading there)" in raised.value.message


@pytest.mark.parametrize("url", ["ftp://example.org/report.csv", "file:///etc/passwd", "not a url"])
def test_only_http_addresses_are_fetched(url: str) -> None:
    with pytest.raises(FetchError) as raised:
        fetch(url)
    assert not isinstance(raised.value, TransientFetchError)
    assert "is not an http:// or https:// address" in raised.value.message
