"""Whole-response caching keyed by the data generation, with ETag / Last-Modified and 304s.

A finished refresh or a publish bumps the generation (``reports.services.bump_generation``), so
every cached page, embed, CSV and API answer moves on at once and no page mixes old and new data.

With Redis as the cache each process also keeps what it fetched for ``PAGE_CACHE_LOCAL_SECONDS``
(1 s): a hot page then costs no network round trip, and another process's bump reaches this one
within that second (a bump in this process is seen at once).

One view of the data has one cached answer: each cached view says which query parameters it reads
(``query=``, a :data:`Canonical`), and its answer is keyed by those alone, normalised (the view's own order,
defaults and empty values left out). Parameters it does not read (``utm_*``, ``fbclid``, a crawler's or a
hostile client's random ones) are ignored rather than redirected: a shared link keeps working with no extra
round trip and costs no render. The view itself then sees only the normalised query (``request.GET`` and
``QUERY_STRING`` are replaced), so no answer can depend on something its key does not hold. A query that
cannot be normalised (a value the view refuses) goes to the view as it came, which answers its 400.

Text answers go out gzipped to clients that accept it, compressed once per generation and cached
beside the plain copy: a page shrinks about ninefold and figures.csv from 8.8 MB to 0.3 MB, with no
per-request compression cost. Public answers carry no secret, so compression leaks nothing (BREACH).
"""

from __future__ import annotations

import gzip
import hashlib
import pickle  # nosec B403
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, NamedTuple, TypeVar, cast

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends import redis as redis_cache
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified, QueryDict
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date, parse_etags

GENERATION_KEY = "data-generation"
#: A process's copies never hold more than this; the oldest go first.
LOCAL_MAX_BYTES = 64 * 1024 * 1024
#: Answers worth compressing: text of some size (images, PDFs and archives are compressed already).
GZIP_TYPES = re.compile(r"^(text/|application/(json|xml|atom\+xml|javascript)|image/svg\+xml)")
GZIP_MIN_BYTES, GZIP_MAX_BYTES = 1024, 64 * 1024 * 1024
_ACCEPTS_GZIP = re.compile(r"\bgzip\b")

#: key -> (expires at, what shared_set stored); their bytes add up to _local_bytes
_local: OrderedDict[str, tuple[float, Packed]] = OrderedDict()
_local_bytes = 0
_local_lock = threading.Lock()
_clock = time.monotonic
Kept = TypeVar("Kept")


class Packed(NamedTuple):
    """What ``shared_set`` stores: bytes as given, or the value pickled once. The cache pickles this pair again,
    which costs a copy of the bytes; a process's own copy keeps the same bytes, so a value is pickled once when
    it is set and unpickled once per reader, never pickled again on its way from Redis to the local copy."""

    pickled: bool
    data: bytes


def shared_get(key: str) -> Any:
    """``cache.get`` through this process's short-lived copy; each caller gets its own object."""
    seconds = settings.PAGE_CACHE_LOCAL_SECONDS
    if seconds:
        with _local_lock:
            held = _local.get(key)
        if held is not None and held[0] > _clock():
            return _unpacked(held[1])
    stored = cache.get(key)
    if not isinstance(stored, Packed):
        return stored  # nothing, or a value set before values were packed
    if seconds:
        _remember(key, stored, seconds)
    return _unpacked(stored)


def shared_set(key: str, value: Any, timeout: int | None) -> None:
    if isinstance(value, bytes):
        stored = Packed(False, value)
    else:
        stored = Packed(True, pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
    cache.set(key, stored, timeout)
    if settings.PAGE_CACHE_LOCAL_SECONDS:
        _remember(key, stored, settings.PAGE_CACHE_LOCAL_SECONDS)


def _unpacked(stored: Packed) -> Any:
    # A response is unpickled per request since middleware edits its headers: none may be shared. Only what
    # shared_set pickled is ever unpickled here, from this site's own cache.
    return pickle.loads(stored.data) if stored.pickled else stored.data  # noqa: S301  # nosec B301


def _remember(key: str, stored: Packed, seconds: int) -> None:
    global _local_bytes
    with _local_lock:
        old = _local.pop(key, None)
        if old is not None:
            _local_bytes -= len(old[1].data)
        _local[key] = (_clock() + seconds, stored)
        _local_bytes += len(stored.data)
        while _local_bytes > LOCAL_MAX_BYTES and len(_local) > 1:
            _local_bytes -= len(_local.popitem(last=False)[1][1].data)


def forget_local() -> None:
    global _local_bytes
    with _local_lock:
        _local.clear()
        _local_bytes = 0


def current_generation() -> tuple[int, float]:
    """(number, changed-at timestamp) of the data generation, cached until the next bump."""
    value = shared_get(GENERATION_KEY)
    if value is None:
        from reports.models import DataGeneration

        row = DataGeneration.objects.filter(id=1).values_list("number", "changed_at").first()
        value = (row[0], row[1].timestamp()) if row else (0, 0.0)
        # Forgotten at once after every bump; the timeout only bounds how long a bump whose announcement was
        # lost (its process killed during COMMIT) goes unseen.
        shared_set(GENERATION_KEY, value, timeout=settings.GENERATION_RECHECK_SECONDS)
    return value


def kept_for_generation(name: str, build: Callable[[], Kept]) -> Kept:
    """``build()``'s value for the current data generation, built once and kept beside the pages for
    ``CHART_CACHE_SECONDS``: a chart in one state, or the part of a page no query parameter changes. Each caller
    gets its own copy. Nothing is kept with the setting at 0."""
    if not settings.CHART_CACHE_SECONDS:
        return build()
    number, _ = current_generation()
    key = f"kept:{number}:{name}"
    value: Kept | None = shared_get(key)
    if value is None:
        value = build()
        shared_set(key, value, settings.CHART_CACHE_SECONDS)
    return value


#: (generation number, name) -> value: see held_for_generation
_held: dict[tuple[int, str], Any] = {}
_held_lock = threading.Lock()


def held_for_generation(name: str, build: Callable[[], Kept]) -> Kept:
    """``build()``'s value for the current data generation, held in this process's memory: for small tables that
    every chart build reads (the published periods, the source documents), where even unpickling a kept copy
    would cost more than the work saved. Every caller gets the same object, so it must be read, never changed.
    Dropped as soon as the generation moves on. Nothing is held with ``CHART_CACHE_SECONDS`` at 0."""
    if not settings.CHART_CACHE_SECONDS:
        return build()
    number, _ = current_generation()
    held = _held.get((number, name), _held)
    if held is not _held:
        return cast(Kept, held)
    value = build()
    with _held_lock:
        for stale in [key for key in _held if key[0] != number]:
            del _held[stale]
        _held[(number, name)] = value
    return value


def forget_generation() -> None:
    cache.delete(GENERATION_KEY)
    forget_local()
    with _held_lock:
        _held.clear()


#: From a request and its path's arguments to the query its answer depends on, normalised (an ordered
#: mapping), or ``None`` when a value cannot be normalised: the view then answers the request as it came.
Canonical = Callable[[HttpRequest, Mapping[str, Any]], "dict[str, str] | None"]


def no_query(request: HttpRequest, path_args: Mapping[str, Any]) -> dict[str, str]:
    """A view that reads no query parameter: every query string gets the one answer."""
    return {}


def query_names(*names: str, defaults: Mapping[str, str] | None = None, strict: bool = False) -> Canonical:
    """A view that reads these parameters: they are kept in this order, stripped, without empty values or
    defaults (``defaults``); others are ignored, or with ``strict`` (the API, which refuses an unknown or
    repeated parameter with a 400) sent to the view as they came."""
    defaults = defaults or {}

    def canonical(request: HttpRequest, path_args: Mapping[str, Any]) -> dict[str, str] | None:
        if strict and any(name not in names or len(request.GET.getlist(name)) > 1 for name in request.GET):
            return None
        query = {}
        for name in names:
            value = request.GET.get(name)
            # A strict view checks the value as given (an empty or padded one is its 400 to answer).
            value = value if strict or value is None else value.strip()
            if (value or (strict and value is not None)) and value != defaults.get(name):
                query[name] = value
        return query

    return canonical


def _normalise(request: HttpRequest, query: Canonical, path_args: Mapping[str, Any]) -> str:
    """The path and normalised query the answer is keyed by; the request is left with that query alone."""
    canonical = query(request, path_args)
    if canonical is None:
        return request.get_full_path()
    query_string = QueryDict(mutable=True)
    query_string.update(canonical)
    encoded = query_string.urlencode()
    request.GET = QueryDict(encoded)
    request.META["QUERY_STRING"] = encoded
    return request.get_full_path()


def cached_public(
    *, max_age: int = 300, s_maxage: int | None = None, query: Canonical = no_query
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Cache a public GET view's whole response per generation, path and normalised query (``query``: the
    parameters the view reads; none by default); answer 304s."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            number, changed_at = current_generation()
            full_path = _normalise(request, query, kwargs)
            gzip_ok = bool(_ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")))
            digest = hashlib.sha256(f"{number}:{full_path}".encode()).hexdigest()[:32]
            # Each encoding is its own representation, with its own ETag.
            etag = f'"{digest}-gz"' if gzip_ok else f'"{digest}"'
            if etag in parse_etags(request.headers.get("If-None-Match", "")):
                response: HttpResponseBase = HttpResponseNotModified()
            else:
                key = f"page:{number}:{hashlib.sha256(full_path.encode()).hexdigest()}"
                cached: HttpResponseBase | None = shared_get(key) if settings.PAGE_CACHE_SECONDS else None
                if cached is not None:
                    response = cached
                else:
                    response = view(request, *args, **kwargs)
                    if isinstance(response, HttpResponse) and response.status_code == 200 and not response.cookies:
                        if hasattr(response, "render") and callable(response.render):
                            response.render()
                        shared_set(key, response, settings.PAGE_CACHE_SECONDS)
                if gzip_ok and _compressible(response):
                    _compress(response, f"{key}:gz")
            if response.status_code in (200, 304):
                patch_vary_headers(response, ["Accept-Encoding"])
                response["ETag"] = etag
                if changed_at:
                    response["Last-Modified"] = http_date(changed_at)
                patch_cache_control(response, public=True, max_age=max_age, s_maxage=s_maxage or max_age * 2)
            return response

        return wrapped

    return decorator


def _compressible(response: HttpResponseBase) -> bool:
    if response.status_code != 200 or response.has_header("Content-Encoding") or isinstance(response, FileResponse):
        return False
    if not GZIP_TYPES.match(response.get("Content-Type", "")):
        return False
    size = len(response.content) if isinstance(response, HttpResponse) else int(response.get("Content-Length") or 0)
    return GZIP_MIN_BYTES <= size <= GZIP_MAX_BYTES


def _compress(response: HttpResponseBase, key: str) -> None:
    """Swap the body for its gzip, made once per generation (mtime 0: the same bytes in every process)."""
    compressed = shared_get(key) if settings.PAGE_CACHE_SECONDS else None
    if compressed is None:
        body = response.content if isinstance(response, HttpResponse) else b"".join(response.streaming_content)  # type: ignore[attr-defined]
        compressed = gzip.compress(body, compresslevel=6, mtime=0)
        if settings.PAGE_CACHE_SECONDS:
            shared_set(key, compressed, settings.PAGE_CACHE_SECONDS)
    if isinstance(response, HttpResponse):
        response.content = compressed
    else:
        response.streaming_content = [compressed]  # type: ignore[attr-defined]
    response["Content-Length"] = str(len(compressed))
    response["Content-Encoding"] = "gzip"


class _ReusedClients(redis_cache.RedisCacheClient):
    """Django's Redis client, one ``redis.Redis`` per connection pool instead of a new one per call: building one
    (its table of some 200 reply callbacks) cost 0.25 ms, more than a cached page's round trip. A ``redis.Redis``
    is safe to share between threads; its connections come from the pool as before."""

    def __init__(self, servers: Any, **options: Any) -> None:
        super().__init__(servers, **options)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Both are Django's (django/core/cache/backends/redis.py), not in its type stubs.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))  # type: ignore[attr-defined]
        return client


class RedisCache(redis_cache.RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` with its clients reused (settings.CACHES)."""

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusedClients
