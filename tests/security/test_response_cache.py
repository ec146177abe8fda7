"""Public responses are cached whole per data generation, answer 304s, and move on when data changes."""

from __future__ import annotations

import gzip
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.http import http_date

from dashboard.caching import cached_public
from reports import services
from reports.models import DataGeneration
from tests.factories import CompanyFactory, FigureFactory

pytestmark = pytest.mark.django_db

#: Routes that must never be cached: the health check answers live, the admin is private.
NOT_CACHED = {"healthz"}
#: Every function cached_public makes shares this code object: how a wrapped view is recognised.
CACHED_PUBLIC_CODE = cached_public()(lambda request: None).__code__


def publish(name: str) -> None:
    FigureFactory(period__company=CompanyFactory(slug=name.lower(), name=name))


#: One route of each cached class: pages, an embed, the API, a CSV download.
CACHED_ROUTES = {
    "page": "/",
    "company page": "/companies/amazon/",
    "embed": "/embed/company-requests?company=amazon",
    "API": "/api/v1/figures?company=amazon",
    "CSV": "/data/figures.csv",
}


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("route", CACHED_ROUTES.values(), ids=CACHED_ROUTES.keys())
def test_a_response_is_served_from_the_cache_the_second_time_without_a_query(
    client: Client, django_assert_num_queries: Any, route: str
) -> None:
    publish("Amazon")
    first = client.get(route)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        second = client.get(route)
        assert second.status_code == 200 and body(second) == body(first)


@pytest.mark.parametrize("route", CACHED_ROUTES.values(), ids=CACHED_ROUTES.keys())
def test_a_matching_etag_gets_a_304_on_every_cached_route(client: Client, route: str) -> None:
    publish("Amazon")
    etag = client.get(route)["ETag"]
    assert client.get(route, headers={"If-None-Match": etag}).status_code == 304


def test_a_cold_cache_asks_the_database_for_the_generation_once(client: Client, django_assert_num_queries: Any):
    publish("Oldco")
    client.get("/")
    from django.core.cache import cache

    cache.delete("data-generation")
    with django_assert_num_queries(1):
        assert client.get("/").status_code == 200


def test_new_data_appears_only_once_the_generation_moves_on(client: Client) -> None:
    publish("Oldco")
    assert "Oldco" in client.get("/").content.decode()
    publish("Newco")
    assert "Newco" not in client.get("/").content.decode()  # still the cached page of the old generation
    services.bump_generation()
    assert "Newco" in client.get("/").content.decode()


def test_a_matching_etag_gets_a_304_without_a_query(client: Client, django_assert_num_queries: Any) -> None:
    publish("Oldco")
    services.bump_generation()
    first = client.get("/")
    changed_at = DataGeneration.objects.get(id=1).changed_at
    assert first["Last-Modified"] == http_date(changed_at.timestamp())
    with django_assert_num_queries(0):
        again = client.get("/", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"]
    services.bump_generation()
    assert client.get("/", headers={"If-None-Match": first["ETag"]}).status_code == 200


def test_each_state_a_view_reads_is_its_own_cache_entry_and_etag(client: Client) -> None:
    publish("Oldco")
    publish("Newco")
    assert client.get("/api/v1/figures?company=oldco")["ETag"] != client.get("/api/v1/figures?company=newco")["ETag"]
    assert (
        client.get("/embed/company-requests?company=oldco")["ETag"]
        != client.get("/embed/company-requests?company=newco")["ETag"]
    )


def test_public_responses_may_be_kept_by_shared_caches(client: Client) -> None:
    publish("Oldco")
    cache_control = {part.strip() for part in client.get("/")["Cache-Control"].split(",")}
    assert {"public", "max-age=300", "s-maxage=600"} <= cache_control


def test_with_page_caching_off_every_request_renders(client: Client, settings: Any) -> None:
    settings.PAGE_CACHE_SECONDS = 0
    publish("Oldco")
    client.get("/")
    publish("Newco")
    assert "Newco" in client.get("/").content.decode()


@pytest.fixture
def redis_cache(settings: Any) -> Iterator[None]:
    """The production cache backend against a real Redis, its keys under a prefix of their own."""
    from tests.conftest import missing

    url = getattr(settings, "TEST_BROKER_URL", "") or ""
    if not url.startswith("redis://"):
        missing("needs Redis: set CELERY_BROKER_URL=redis://... (CI does)")
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {"default": {"BACKEND": "dashboard.caching.RedisCache", "LOCATION": url, "KEY_PREFIX": prefix}}
    yield
    import redis

    connection = redis.Redis.from_url(url)
    for key in connection.scan_iter(f"{prefix}:*"):
        connection.delete(key)


def test_pages_are_cached_in_redis_across_processes(
    client: Client, redis_cache: None, django_assert_num_queries: Any
) -> None:
    publish("Oldco")
    first = client.get("/")
    with django_assert_num_queries(0):
        assert client.get("/").content == first.content
    services.bump_generation()
    publish("Newco")
    services.bump_generation()
    assert "Newco" in client.get("/").content.decode()


# --- Every public route goes through the cache -------------------------------------------------


def routes(
    patterns: list[URLPattern | URLResolver] | None = None, prefix: str = ""
) -> Iterator[tuple[str, str, Callable[..., Any]]]:
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            yield from routes(entry.url_patterns, prefix + str(entry.pattern))
        else:
            yield entry.name or "", prefix + str(entry.pattern), entry.callback


def is_cached_public(view: Callable[..., Any] | None) -> bool:
    while view is not None:
        if getattr(view, "__code__", None) is CACHED_PUBLIC_CODE:
            return True
        view = getattr(view, "__wrapped__", None)
    return False


def test_every_public_route_is_wrapped_with_cached_public() -> None:
    uncached = [
        f"{name} ({pattern})"
        for name, pattern, view in routes()
        if name not in NOT_CACHED and not is_cached_public(view)
    ]
    assert not uncached, f"public routes without @cached_public: {uncached}"


# --- A process's own short-lived copy in front of Redis ------------------------------------------


class CountingCache:
    """The real cache, counting the reads that reach it; with the clock the process copies go by."""

    def __init__(self, real: Any) -> None:
        self.real, self.gets, self.now = real, 0, 1000.0

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def get(self, key: str, default: Any = None) -> Any:
        self.gets += 1
        return self.real.get(key, default)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


@pytest.fixture
def local_copies(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingCache]:
    from django.core.cache import cache

    from dashboard import caching

    settings.PAGE_CACHE_LOCAL_SECONDS = 1
    counting = CountingCache(cache)
    monkeypatch.setattr(caching, "cache", counting)
    monkeypatch.setattr(caching, "_clock", lambda: counting.now)
    caching.forget_local()
    yield counting
    caching.forget_local()


def test_a_hot_page_is_served_from_the_process_copy_without_asking_the_shared_cache(
    client: Client, local_copies: CountingCache
) -> None:
    publish("Oldco")
    first = client.get("/")
    reads = local_copies.gets
    again = client.get("/")
    assert again.content == first.content and local_copies.gets == reads
    local_copies.advance(1.5)
    client.get("/")
    assert local_copies.gets == reads + 2  # the generation and the page, fetched afresh


def test_another_process_bump_is_seen_once_the_process_copy_expires(
    client: Client, local_copies: CountingCache
) -> None:
    from dashboard import caching

    publish("Oldco")
    client.get("/")
    publish("Newco")
    # Another process bumps: the database and the shared cache move on, this process's copy does not.
    DataGeneration.objects.update_or_create(id=1, defaults={"number": 99})
    local_copies.real.delete(caching.GENERATION_KEY)
    assert "Newco" not in client.get("/").content.decode()
    local_copies.advance(1.5)
    assert "Newco" in client.get("/").content.decode()


def test_a_bump_in_this_process_is_seen_at_once(client: Client, local_copies: CountingCache) -> None:
    publish("Oldco")
    client.get("/")
    publish("Newco")
    services.bump_generation()
    assert "Newco" in client.get("/").content.decode()


def test_each_request_gets_its_own_response_object_from_the_process_copy(
    client: Client, local_copies: CountingCache
) -> None:
    from dashboard.caching import shared_get

    publish("Oldco")
    client.get("/")
    keys = [key for key in _local_keys() if key.startswith("page:")]
    assert keys and shared_get(keys[0]) is not shared_get(keys[0])


def test_the_process_copy_stays_under_its_size_and_drops_the_oldest_first(
    local_copies: CountingCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard import caching

    monkeypatch.setattr(caching, "LOCAL_MAX_BYTES", 250)
    for n in range(5):
        caching.shared_set(f"k{n}", bytes(100), 60)
    caching.shared_set("k3", bytes(100), 60)  # set again: counted once, and now the newest
    assert _local_keys() == ["k4", "k3"]
    assert caching._local_bytes == 200
    caching.shared_set("big", {"rows": list(range(10))}, 60)  # pickled: its pickled size is what counts
    assert caching._local_bytes == sum(len(held[1].data) for held in caching._local.values()) <= 250


def test_a_value_kept_comes_back_equal_but_never_the_same_object(local_copies: CountingCache) -> None:
    from dashboard.caching import shared_get, shared_set

    value = {"rows": [1, 2, 3]}
    shared_set("kept:test", value, 60)
    assert shared_get("kept:test") == value and shared_get("kept:test") is not value
    local_copies.advance(1.5)  # from the shared cache this time
    assert shared_get("kept:test") == value
    shared_set("bytes:test", b"\x1f\x8b", 60)
    local_copies.advance(1.5)
    assert shared_get("bytes:test") == b"\x1f\x8b"


def test_a_value_cached_before_values_were_packed_is_still_read(local_copies: CountingCache) -> None:
    from dashboard.caching import shared_get

    local_copies.real.set("old:test", {"plain": True}, 60)
    assert shared_get("old:test") == {"plain": True}


def test_the_redis_backend_reuses_one_client_per_pool_across_threads(redis_cache: None) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from django.core.cache import cache

    client = cache._cache  # type: ignore[attr-defined]
    assert client.get_client() is client.get_client(write=True)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: cache.set(f"thread-{n}", n, 30), range(64)))
        assert list(pool.map(lambda n: cache.get(f"thread-{n}"), range(64))) == list(range(64))


def _local_keys() -> list[str]:
    from dashboard import caching

    return list(caching._local)


# --- Compression, once per generation ------------------------------------------------------------

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


@pytest.fixture
def any_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests' data is a few figures: compress answers however small."""
    from dashboard import caching

    monkeypatch.setattr(caching, "GZIP_MIN_BYTES", 1)


@pytest.mark.parametrize("route", CACHED_ROUTES.values(), ids=CACHED_ROUTES.keys())
def test_text_answers_go_out_gzipped_to_clients_that_accept_it(client: Client, any_size: None, route: str) -> None:
    publish("Amazon")
    plain = client.get(route)
    packed = client.get(route, headers=GZIP)
    plain_body, packed_body = body(plain), body(packed)
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed_body) == plain_body
    assert int(packed["Content-Length"]) == len(packed_body)
    assert "Accept-Encoding" in plain["Vary"] and "Accept-Encoding" in packed["Vary"]
    assert packed["ETag"] != plain["ETag"]
    assert client.get(route, headers=GZIP | {"If-None-Match": packed["ETag"]}).status_code == 304


def test_an_answer_is_compressed_once_per_generation(
    client: Client, any_size: None, monkeypatch: pytest.MonkeyPatch, django_assert_num_queries: Any
) -> None:
    publish("Amazon")
    calls = []
    real = gzip.compress
    monkeypatch.setattr(gzip, "compress", lambda data, **kw: calls.append(1) or real(data, **kw))
    first = client.get("/data/figures.csv", headers=GZIP)
    with django_assert_num_queries(0):
        again = client.get("/data/figures.csv", headers=GZIP)
    assert body(again) == body(first) and len(calls) == 1
    services.bump_generation()
    client.get("/data/figures.csv", headers=GZIP)
    assert len(calls) == 2


def test_images_and_small_answers_are_sent_as_they_are(rf: Any) -> None:
    @cached_public()
    def png(request: Any) -> HttpResponse:
        return HttpResponse(b"\x89PNG" + b"0" * 5000, content_type="image/png")

    @cached_public()
    def tiny(request: Any) -> HttpResponse:
        return HttpResponse(b"ok", content_type="text/plain")

    for view in (png, tiny):
        response = view(rf.get("/", headers=GZIP))
        assert not response.has_header("Content-Encoding")


def test_a_response_that_sets_a_cookie_is_never_cached(rf: Any) -> None:
    renders = []

    @cached_public()
    def view(request: Any) -> HttpResponse:
        renders.append(1)
        response = HttpResponse("hello")
        response.set_cookie("tracking", "1")
        return response

    view(rf.get("/cookie"))
    view(rf.get("/cookie"))
    assert len(renders) == 2
