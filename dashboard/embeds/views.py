"""Embeddable charts: the chromeless ``/embed/<slug>`` page, its embed code, and ``/oembed``.

Embeds are framed by any site (``frame-ancestors *``, no X-Frame-Options); every other page keeps
``frame-ancestors 'none'``. They set no cookie, load nothing from another host, and are cached by
the data generation like every public page, so a CDN can keep them until the data changes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any
from urllib.parse import urlencode, urlsplit

from csp.decorators import csp_replace
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotFound, JsonResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, Resolver404, path, resolve
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from dashboard.caching import cached_public, query_names
from dashboard.charts import previews as images
from dashboard.charts.answers import plain_bad_request
from dashboard.charts.frame import Chart
from dashboard.charts.registry import CHARTS, ChartParamError, Param, UnknownChart, build_chart, chart_query

THEMES = ("auto", "light", "dark")
THEME = Param("theme", "Theme", "auto", tuple((theme, theme) for theme in THEMES))
#: Width oEmbed answers when the consumer sets no maxwidth: a typical article column.
DEFAULT_WIDTH = 680
#: Height of the title, subtitle, summary and source line around the plot, and of each note, by embed
#: width (wide, narrow), measured on the bundled charts in Chromium.
TEXT_HEIGHT, NOTE_HEIGHT = (170, 260), (24, 60)
PROVIDER_NAME = "Data Demands"
_OEMBED_NAMES = query_names("url", "format", "maxwidth", "maxheight", defaults={"format": "json"})


def oembed_query(request: HttpRequest, path_args: Mapping[str, Any]) -> dict[str, str] | None:
    """The oEmbed parameters, with ``url`` replaced by the one address of the chart state it names (its embed
    URL, every parameter cleaned, in declared order): a permalink, an embed or CSV link, tracking tags or another
    order of the same chart are one answer. A url that names no chart goes to the view as given (its 400/404)."""
    query = _OEMBED_NAMES(request, path_args)
    if query is None or "url" not in query:
        return query
    try:
        slug, state = chart_for_url(query["url"])
        spec = CHARTS[slug]
        query["url"] = f"{settings.SITE_URL}/embed/{slug}?{urlencode(spec.clean(state))}"
    except (ValueError, LookupError):  # NotServed, UnknownChart, ChartParamError
        return None
    return query


class NotServed(LookupError):
    """An oEmbed url this site has no chart for: another host, an unknown page or chart (404)."""


# --- Embed code ----------------------------------------------------------------------------------


def estimated_height(chart: Chart, width: int | None = None) -> int:
    """Roughly how tall the embed is at ``width``: the iframe's first height before it reports its own."""
    plot = int((chart.figure.get("layout") or {}).get("height") or 420) if chart.has_data else 0
    narrow = int(width is not None and width < 500)
    return plot + TEXT_HEIGHT[narrow] + NOTE_HEIGHT[narrow] * len(chart.notes)


def embed_code(chart: Chart, *, width: int | None = None, height: int | None = None) -> str:
    """The HTML a site pastes: an iframe plus the tiny script that sizes it to its content."""
    # The same template fills the Embed tab of every chart frame (templates/charts/_embed.html).
    context = {"chart": chart, "SITE_URL": settings.SITE_URL, "width": width, "height": height}
    return render_to_string("embeds/_code.html", context).strip()


# --- Views ---------------------------------------------------------------------------------------


def embeddable(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Let any site frame this view; outermost, so cached and 304 responses are marked too."""
    return xframe_options_exempt(csp_replace({"frame-ancestors": ["*"]})(view))


@require_safe
@embeddable
@cached_public(max_age=300, s_maxage=3600, query=chart_query(also=[THEME]))
def embed(request: HttpRequest, slug: str) -> HttpResponse:
    """The chart alone, for an iframe on another site: title, plot, summary, source, a link back."""
    theme = request.GET.get("theme", "auto")
    if theme not in THEMES:
        return plain_bad_request(f"theme must be one of {', '.join(THEMES)}; “{theme[:40]}” is not.")
    try:
        chart = build_chart(slug, request.GET)
    except UnknownChart as error:  # answered here, not raised, so the host page shows the sentence
        return HttpResponseNotFound(str(error), content_type="text/plain; charset=utf-8")
    except ChartParamError as error:
        return plain_bad_request(str(error))
    sources = publishers(chart)
    context = {"chart": chart, "theme": theme, "publishers": sources, "documents": sum(n for *_, n in sources)}
    return render(request, "embeds/embed.html", context)


def open_cors(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Any site's editor may read the answer from the browser: it is public and carries no cookie."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapped


@require_safe
@open_cors
@cached_public(max_age=3600, query=oembed_query)
def oembed(request: HttpRequest) -> HttpResponse:
    """oEmbed 1.0 for chart pages: ``type: rich`` whose html is the embed code."""
    url, fmt = request.GET.get("url", "").strip(), request.GET.get("format", "json")
    if not url:
        return _oembed_error(400, "The url parameter is required: the address of a chart on this site.")
    if fmt != "json":
        return _oembed_error(501, f"Only format=json is served, not “{fmt[:20]}”.")
    try:
        maxwidth, maxheight = _dimension(request, "maxwidth"), _dimension(request, "maxheight")
        chart = build_chart(*chart_for_url(url))
    except ValueError as error:  # a bad maxwidth/maxheight, or a chart state that cannot be drawn
        return _oembed_error(400, str(error))
    except (NotServed, UnknownChart) as error:
        return _oembed_error(404, str(error))
    return JsonResponse(oembed_payload(chart, maxwidth=maxwidth, maxheight=maxheight))


def oembed_payload(chart: Chart, *, maxwidth: int | None = None, maxheight: int | None = None) -> dict[str, Any]:
    width = min(DEFAULT_WIDTH, maxwidth) if maxwidth else DEFAULT_WIDTH
    height = estimated_height(chart, width)
    if maxheight:
        height = min(height, maxheight)
    payload: dict[str, Any] = {
        "version": "1.0",
        "type": "rich",
        "title": chart.title,
        "provider_name": PROVIDER_NAME,
        "provider_url": settings.SITE_URL + "/",
        "html": embed_code(chart, width=width, height=height),
        "width": width,
        "height": height,
        "cache_age": 3600,
    }
    # The thumbnail is offered only when it fits the consumer's limits too.
    if (not maxwidth or maxwidth >= images.PNG_WIDTH) and (not maxheight or maxheight >= images.PNG_HEIGHT):
        payload |= {
            "thumbnail_url": settings.SITE_URL + chart.image_url("png"),
            "thumbnail_width": images.PNG_WIDTH,
            "thumbnail_height": images.PNG_HEIGHT,
        }
    return payload


# --- From a URL back to a chart --------------------------------------------------------------------


def chart_for_url(url: str) -> tuple[str, QueryDict]:
    """The chart slug and state a URL of this site shows: an embed, image or CSV URL, or a chart's
    permalink (a page address ending in ``#chart-<slug>``; without the anchor, a page with one chart)."""
    parts = urlsplit(url)
    site = urlsplit(settings.SITE_URL)
    if parts.scheme not in ("http", "https") or parts.netloc.lower() != site.netloc.lower():
        raise NotServed(f"{PROVIDER_NAME} only embeds charts from {settings.SITE_URL}, not this address.")
    query = QueryDict(parts.query, mutable=True)
    path = parts.path or "/"
    for prefix in ("/embed/", "/charts/"):
        if path.startswith(prefix):
            slug = path[len(prefix) :].rsplit(".", 1)[0] if prefix == "/charts/" else path[len(prefix) :]
            if slug.strip("/") in CHARTS:
                return slug.strip("/"), query
    try:
        match = resolve(path)
    except Resolver404:
        raise NotServed(f"There is no page at {path[:100]} on {PROVIDER_NAME}.") from None
    candidates = [parts.fragment.removeprefix("chart-")] if parts.fragment.startswith("chart-") else list(CHARTS)
    found = [(slug, state) for slug in candidates if (state := _state_on_page(slug, path, query, match.kwargs))]
    if len(found) != 1:
        several = "several charts; use the link of one chart (it ends in #chart-…)"
        raise NotServed(f"The page {path[:100]} shows {several if found else 'no chart that can be embedded'}.")
    return found[0]


def _state_on_page(slug: str, path: str, query: QueryDict, path_kwargs: dict[str, Any]) -> QueryDict | None:
    # A page carries some of a chart's state in its path (the company of a company page): take it
    # from the resolved kwargs, then keep the chart only if its own page for that state is this path.
    spec = CHARTS.get(slug)
    if spec is None:
        return None
    state = query.copy()
    in_path = [param for param in spec.params if param.in_path]
    for param in in_path:
        if param.name in path_kwargs:
            state[param.name] = str(path_kwargs[param.name])
        elif len(in_path) == 1 and len(path_kwargs) == 1:
            state[param.name] = str(next(iter(path_kwargs.values())))
    try:
        page = spec.page(spec.clean(state))
    except (ChartParamError, LookupError, NoReverseMatch):
        # A chart whose page needs state this path does not give (a company chart on an index page).
        return None
    return state if urlsplit(page).path == path else None


# --- Small helpers ---------------------------------------------------------------------------------


def publishers(chart: Chart) -> list[tuple[str, Any, int]]:
    """Who published the chart's sources: (publisher, its first document, how many documents), in order."""
    documents: dict[str, list[Any]] = {}
    for source in {source.pk: source for source in chart.sources}.values():
        documents.setdefault(source.publisher, []).append(source)
    return [(name, docs[0], len(docs)) for name, docs in documents.items()]


def _dimension(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) <= 10000:
        raise ValueError(f"{name} must be a whole number of pixels from 1 to 10000, not “{raw[:20]}”.")
    return int(raw)


def _oembed_error(status: int, message: str) -> HttpResponse:
    return JsonResponse({"error": message}, status=status)


urlpatterns = [
    path("embed/<slug:slug>", embed, name="embed"),
    path("oembed", oembed, name="oembed"),
    path("charts/<slug:slug>.png", images.chart_image, {"fmt": "png"}, name="chart_png"),
    path("charts/<slug:slug>.svg", images.chart_image, {"fmt": "svg"}, name="chart_svg"),
    path("charts/<slug:slug>/preview.svg", images.chart_preview, name="chart_preview"),
]
