"""What every open-data answer shares: CORS for any origin, query parameters checked before the view runs (a
bad one is a 400 naming it), and pages of results with their links."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import wraps
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.views.decorators.http import require_safe

from dashboard.caching import cached_public, query_names
from dashboard.opendata.params import DEFAULT_PAGE_SIZE, BadParameter, Param, Query, parse_query
from dashboard.opendata.records import absolute


def open_to_every_origin(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """CORS for open data: any site's scripts may read the answer; OPTIONS answers a preflight.

    ``*`` needs no ``Vary: Origin``, and no credentials are ever involved, so caches stay shared.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "OPTIONS":
            response: HttpResponseBase = HttpResponse(status=204)
            response["Allow"] = response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            # A conditional GET from a browser script is not a "simple" request, so it is preflighted.
            response["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
            response["Access-Control-Max-Age"] = "86400"
        else:
            response = view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = "ETag, Content-Disposition"
        return response

    return wrapped


def takes(
    *params: Param, paginated: bool = True
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Check the query string against ``params`` before the view runs; a bad parameter is a 400."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            try:
                return view(request, parse_query(request.GET, params, paginated=paginated), *args, **kwargs)
            except BadParameter as error:
                return error.response()

        return wrapped

    return decorator


def page_of(request: HttpRequest, queryset: QuerySet[Any], query: Query, records: Callable[..., Any]) -> JsonResponse:
    """One page of ``queryset`` filtered by ``query``, with the total count and next/previous links."""
    return page_of_items(request, queryset.filter(*query.filters), query, records)


def page_of_items(
    request: HttpRequest, items: QuerySet[Any] | list[Any], query: Query, records: Callable[..., Any]
) -> JsonResponse:
    """One page of ``items`` (already filtered), with the total count and next/previous links."""
    paginator = Paginator(items, query.page_size)
    if query.page > paginator.num_pages:
        raise BadParameter("page", f"page {query.page} is past the last page, {paginator.num_pages}")
    page = paginator.page(query.page)
    return JsonResponse(
        {
            "count": paginator.count,
            "page": query.page,
            "page_size": query.page_size,
            "pages": paginator.num_pages,
            "next": _page_link(request, query.page + 1) if page.has_next() else None,
            "previous": _page_link(request, query.page - 1) if page.has_previous() else None,
            "results": list(records(page.object_list)),
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _page_link(request: HttpRequest, number: int) -> str:
    query = request.GET.copy()
    query["page"] = str(number)
    return absolute(f"{request.path}?{query.urlencode(safe=',')}")


def each(record: Callable[[Any], dict[str, Any]]) -> Callable[[Iterable[Any]], Iterator[dict[str, Any]]]:
    return lambda items: (record(item) for item in items)


def open_data(
    *params: Param, paginated: bool = True
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Every open-data answer's decorators in one: readable from any origin, GET and HEAD only, cached per data
    generation, and its query string checked against ``params`` (the view receives the parsed ``Query``)."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        names = [param.name for param in params] + (["page", "page_size"] if paginated else [])
        query = query_names(*names, defaults={"page": "1", "page_size": str(DEFAULT_PAGE_SIZE)}, strict=True)
        return open_to_every_origin(require_safe(cached_public(query=query)(takes(*params, paginated=paginated)(view))))

    return decorator
