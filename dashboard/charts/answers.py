"""How a chart's errors are answered over HTTP: an unknown chart is a 404, a state that cannot be drawn a 400
with the sentence that says why. Pages answer with the site's page, pictures and embeds with plain text."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase

from dashboard.charts.registry import ChartParamError, UnknownChart


def chart_errors_answered(
    bad_request: Callable[[HttpRequest, str], HttpResponse],
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """A decorator: an unknown chart is a 404, and a chart state that cannot be drawn is the reader's
    mistake, answered by ``bad_request(request, sentence)`` (a 400), not a 500."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            try:
                return view(request, *args, **kwargs)
            except UnknownChart as error:
                raise Http404(str(error)) from error
            except ChartParamError as error:
                return bad_request(request, str(error))

        return wrapped

    return decorator


def plain_bad_request(message: str) -> HttpResponse:
    """A 400 in plain text, for answers that are not pages (pictures, embeds, oEmbed's host)."""
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
