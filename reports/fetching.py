"""Fetch a feed's document over HTTP: bounded in time and size, conditional, and refusing error pages.

Failures raise :class:`FetchError`; the ones worth trying again later (timeouts, refused or dropped
connections, 5xx, 429) raise its subclass :class:`TransientFetchError`, so a Celery task retries
only those. Nothing here touches the database.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

import requests
import urllib3.exceptions
from django.conf import settings

from reports.importers import DocumentError, check_payload

if TYPE_CHECKING:
    from reports.models import ImportRun

#: The whole download must end within this many read timeouts, so a server that trickles one byte
#: at a time cannot hold a worker until its hard time limit.
TOTAL_TIMEOUT_FACTOR = 4
MAX_REDIRECTS = 5
CHUNK_BYTES = 64 * 1024
#: Statuses that say "not now" rather than "never": retried.
TRANSIENT_STATUSES = frozenset({408, 425, 429})
ACCEPT = (
    "text/csv, application/pdf, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, "
    "application/octet-stream;q=0.8, */*;q=0.5"
)
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


class FetchError(Exception):
    """The document could not be fetched, and fetching it again will not help (404, an HTML page...)."""

    def __init__(self, message: str, *, url: str = "", status: int | None = None) -> None:
        self.message = message
        self.url = url
        self.status = status
        #: The failed ImportRun, once ``reports.refreshing.refresh_feed`` has recorded it.
        self.run: ImportRun | None = None
        super().__init__(message)


class TransientFetchError(FetchError):
    """The network or the server failed this time (timeout, refused connection, 5xx): worth a retry."""


@dataclass(frozen=True)
class FetchResult:
    """What the server sent: the document, or ``not_modified`` after a conditional GET answered 304."""

    url: str
    status: int
    data: bytes
    filename: str
    etag: str = ""
    last_modified: str = ""
    content_type: str = ""

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def fetch(url: str, *, etag: str = "", last_modified: str = "", page: bool = False) -> FetchResult:
    """GET ``url`` within settings.FEED_TIMEOUT_SECONDS and settings.FEED_MAX_BYTES.

    Sends If-None-Match / If-Modified-Since when given; a 304 comes back as ``not_modified``. A ``page`` (a
    company's transparency page, read for its links) is expected to be HTML; a document must not be.
    """
    if urlsplit(url).scheme not in ("http", "https"):
        raise FetchError(f"{url!r} is not an http:// or https:// address", url=url)
    timeout = settings.FEED_TIMEOUT_SECONDS
    headers = {"User-Agent": f"DataDemands/1 (+{settings.SITE_URL})", "Accept": PAGE_ACCEPT if page else ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with requests.Session() as session:
            session.max_redirects = MAX_REDIRECTS
            with session.get(url, headers=headers, timeout=(timeout, timeout), stream=True) as response:
                deadline = time.monotonic() + timeout * TOTAL_TIMEOUT_FACTOR
                return _read(response, url=url, deadline=deadline, page=page)
    except FetchError:
        raise
    except requests.exceptions.SSLError as error:
        # A certificate that does not verify will not verify on the next attempt either.
        raise FetchError(f"the TLS connection to {_host(url)} failed: {_reason(error)}", url=url) from None
    except requests.exceptions.Timeout:
        raise TransientFetchError(f"{_host(url)} did not answer within {timeout} s", url=url) from None
    except requests.exceptions.TooManyRedirects:
        raise FetchError(f"{url} redirects more than {MAX_REDIRECTS} times", url=url) from None
    except (
        requests.exceptions.ChunkedEncodingError,
        requests.exceptions.ContentDecodingError,
        urllib3.exceptions.ProtocolError,
        urllib3.exceptions.DecodeError,
    ) as error:
        raise TransientFetchError(
            f"the connection to {_host(url)} broke before the whole document arrived ({_reason(error)})", url=url
        ) from None
    except urllib3.exceptions.ReadTimeoutError:
        raise TransientFetchError(f"{_host(url)} did not answer within {timeout} s", url=url) from None
    except requests.exceptions.ConnectionError as error:
        reason = _reason(error)
        if "timed out" in reason.lower():
            raise TransientFetchError(f"{_host(url)} did not answer within {timeout} s", url=url) from None
        raise TransientFetchError(f"cannot connect to {_host(url)}: {reason}", url=url) from None
    except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema, requests.exceptions.MissingSchema):
        raise FetchError(f"{url!r} is not an address that can be fetched", url=url) from None
    except requests.exceptions.RequestException as error:
        raise TransientFetchError(f"fetching {url} failed: {_reason(error)}", url=url) from None


def _read(response: requests.Response, *, url: str, deadline: float, page: bool = False) -> FetchResult:
    status = response.status_code
    if status == 304:
        return _result(response, url=url, data=b"")
    if status >= 400:
        described = f"the server answered {status} {response.reason or ''}".rstrip()
        if status >= 500 or status in TRANSIENT_STATUSES:
            raise TransientFetchError(f"{described} for {url}", url=url, status=status)
        if status in (404, 410):
            raise FetchError(f"{described}: there is no document at {url} (moved or removed?)", url=url, status=status)
        raise FetchError(f"{described} for {url}", url=url, status=status)
    limit = settings.FEED_MAX_BYTES
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FetchError(
            f"the document is {int(declared):,} bytes, over the {limit:,}-byte limit (not downloaded)", url=url
        )
    chunks: list[bytes] = []
    size = 0
    for chunk in _chunks(response):
        size += len(chunk)
        if size > limit:
            # Stop here: a server that lies about its size (or sends none) cannot fill the memory.
            raise FetchError(f"the document is over the {limit:,}-byte limit (stopped reading there)", url=url)
        if time.monotonic() > deadline:
            raise TransientFetchError(
                f"{_host(url)} sent the document too slowly (not done after "
                f"{settings.FEED_TIMEOUT_SECONDS * TOTAL_TIMEOUT_FACTOR} s)",
                url=url,
            )
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data:
        raise FetchError(f"the server sent an empty document for {url}", url=url, status=status)
    result = _result(response, url=url, data=data)
    if page:
        return result
    try:
        check_payload(data, filename=result.filename)
    except DocumentError as error:
        raise FetchError(error.message, url=url, status=status) from None
    if result.content_type in HTML_TYPES and data.lstrip()[:1] == b"<":
        raise FetchError(
            f"expected a report, got an HTML page ({result.content_type}: an error page or a login wall?)",
            url=url,
            status=status,
        )
    return result


def _chunks(response: requests.Response) -> Iterator[bytes]:
    """The body as it arrives: ``read1`` returns what the socket has, where ``iter_content`` would wait for
    whole chunks, so the deadline is checked even while a server trickles a byte at a time."""
    raw = response.raw
    if not hasattr(raw, "read1"):  # urllib3 < 2
        yield from response.iter_content(CHUNK_BYTES)
        return
    while chunk := raw.read1(CHUNK_BYTES, decode_content=True):
        yield chunk


def _result(response: requests.Response, *, url: str, data: bytes) -> FetchResult:
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    return FetchResult(
        url=response.url or url,
        status=response.status_code,
        data=data,
        filename=_filename(response, url),
        etag=response.headers.get("ETag", "")[:300],
        last_modified=response.headers.get("Last-Modified", "")[:100],
        content_type=content_type,
    )


def _filename(response: requests.Response, url: str) -> str:
    """The name the server gives (Content-Disposition), else the last segment of the address."""
    disposition = response.headers.get("Content-Disposition", "")
    if disposition:
        message = Message()
        message["Content-Disposition"] = disposition
        name = message.get_filename()
        if name:
            return PurePosixPath(name.replace("\\", "/")).name
    path = unquote(urlsplit(response.url or url).path)
    return PurePosixPath(path).name or "feed"


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def _reason(error: BaseException) -> str:
    """The innermost useful words of a requests/urllib3 error, e.g. "Connection refused"."""
    text = str(error)
    match = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", text)
    if match:
        return match.group(1).strip()
    return text.strip().splitlines()[0][:200] if text.strip() else type(error).__name__
