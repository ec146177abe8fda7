"""Whole-response caching keyed by the data generation, with ETag / Last-Modified and 304s.

A finished refresh or a publish bumps the generation (``reports.services.bump_generation``), so
every cached page, embed, CSV and API answer moves on at once and no page mixes old and new data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.utils.cache import patch_cache_control
from django.utils.http import http_date, parse_etags

GENERATION_KEY = "data-generation"


def current_generation() -> tuple[int, float]:
    """(number, changed-at timestamp) of the data generation, cached until the next bump."""
    value = cache.get(GENERATION_KEY)
    if value is None:
        from reports.models import DataGeneration

        row = DataGeneration.objects.filter(id=1).values_list("number", "changed_at").first()
        value = (row[0], row[1].timestamp()) if row else (0, 0.0)
        cache.set(GENERATION_KEY, value, timeout=None)
    return value


def forget_generation() -> None:
    cache.delete(GENERATION_KEY)


def cached_public(
    *, max_age: int = 300, s_maxage: int | None = None
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Cache a public GET view's whole response per generation, path and query; answer 304s."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            number, changed_at = current_generation()
            full_path = request.get_full_path()
            etag = '"' + hashlib.sha256(f"{number}:{full_path}".encode()).hexdigest()[:32] + '"'
            if etag in parse_etags(request.headers.get("If-None-Match", "")):
                response: HttpResponseBase = HttpResponseNotModified()
            else:
                key = f"page:{number}:{hashlib.sha256(full_path.encode()).hexdigest()}"
                response = cache.get(key) if settings.PAGE_CACHE_SECONDS else None
                if response is None:
                    response = view(request, *args, **kwargs)
                    if isinstance(response, HttpResponse) and response.status_code == 200 and not response.cookies:
                        if hasattr(response, "render") and callable(response.render):
                            response.render()
                        cache.set(key, response, settings.PAGE_CACHE_SECONDS)
            if response.status_code in (200, 304):
                response["ETag"] = etag
                if changed_at:
                    response["Last-Modified"] = http_date(changed_at)
                patch_cache_control(response, public=True, max_age=max_age, s_maxage=s_maxage or max_age * 2)
            return response

        return wrapped

    return decorator
