"""Static PNG and SVG images of charts, for og:image, newsletters and readers without JavaScript.

kaleido draws the Plotly figure with Debian's Chromium (``CHROMIUM_PATH``) and the site's own
plotly.js bundle, never a downloaded browser or a CDN. Starting Chromium takes seconds, so each
image is kept on disk under ``MEDIA_ROOT/charts/<generation>/`` until the data changes, renders
are limited per process, and every render has a deadline: a missing, busy or stuck browser
becomes a clear 503, never a hung worker.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import logging
import os
import re
import shutil
import tempfile
import textwrap
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from queue import Empty, Queue
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from dashboard.caching import cached_public, current_generation
from dashboard.charts.answers import chart_errors_answered, plain_bad_request
from dashboard.charts.frame import Chart
from dashboard.charts.registry import Param, build_chart, chart_query
from dashboard.charts.themes import CHART_THEMES, PREVIEW_WIDTHS, themed_figure

log = logging.getLogger(__name__)

#: Content types of the formats a chart can be exported to.
FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
#: 1200 x 630 is what link previews (og:image) crop to; scale 2 keeps the PNG sharp on hi-dpi.
IMAGE_WIDTH, IMAGE_HEIGHT, PNG_SCALE = 1200, 630, 2
#: The PNG's size in pixels (og:image and oEmbed thumbnail sizes).
PNG_WIDTH, PNG_HEIGHT = IMAGE_WIDTH * PNG_SCALE, IMAGE_HEIGHT * PNG_SCALE
#: Left and right edge of the title and source lines, in pixels.
MARGIN_X = 24
PLOTLY_JS = Path(settings.BASE_DIR) / "static" / "vendor" / "plotly" / "plotly-basic-4.1.1.min.js"

_renders = threading.BoundedSemaphore(settings.CHART_IMAGE_CONCURRENCY)


class ImageUnavailable(Exception):
    """Chromium is missing, busy, too slow or failed: the route answers 503 with this message."""


def render_figure(figure: dict[str, Any], fmt: str, *, width: int = IMAGE_WIDTH, height: int = IMAGE_HEIGHT) -> bytes:
    """Draw one Plotly figure dict as PNG or SVG bytes with a fresh headless Chromium."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown image format {fmt!r}: use one of {', '.join(FORMATS)}")
    browser = settings.CHROMIUM_PATH
    if not (Path(browser).is_file() and os.access(browser, os.X_OK)):
        raise ImageUnavailable(f"Chart images need Chromium at {browser}, which is not installed on this server.")
    timeout = float(settings.CHART_IMAGE_TIMEOUT_SECONDS)
    # One render at a time per core or so: each one is a whole browser.
    if not _renders.acquire(timeout=timeout):
        raise ImageUnavailable("Every chart image renderer is busy; try again in a minute.")
    try:
        return _run_with_deadline(figure, fmt, width, height, browser, timeout)
    finally:
        _renders.release()


def _run_with_deadline(
    figure: dict[str, Any], fmt: str, width: int, height: int, browser: str, timeout: float
) -> bytes:
    # kaleido is asyncio code; its own thread and event loop keep it clear of whatever loop (ASGI,
    # Playwright) the calling thread may have, and the join bounds the wait even if Chromium hangs.
    results: Queue[bytes | BaseException] = Queue(maxsize=1)

    def run() -> None:
        try:
            results.put(asyncio.run(asyncio.wait_for(_calc(figure, fmt, width, height, browser, timeout), timeout)))
        except BaseException as error:  # handed to the caller's thread, which decides
            results.put(error)

    thread = threading.Thread(target=run, name="chart-image", daemon=True)
    thread.start()
    try:
        outcome = results.get(timeout=timeout + 10)
    except Empty:
        raise ImageUnavailable(f"Drawing the chart image took longer than {timeout:.0f} s.") from None
    if isinstance(outcome, TimeoutError):
        raise ImageUnavailable(f"Drawing the chart image took longer than {timeout:.0f} s.") from outcome
    if isinstance(outcome, BaseException):
        log.warning("chart image failed: %r", outcome)
        raise ImageUnavailable("The chart image could not be drawn.") from outcome
    return outcome


async def _calc(figure: dict[str, Any], fmt: str, width: int, height: int, browser: str, timeout: float) -> bytes:
    import kaleido

    # mathjax=False: kaleido would otherwise load MathJax from a CDN.
    kopts = {"path": browser, "plotlyjs": str(PLOTLY_JS), "mathjax": False, "timeout": timeout}
    opts = {"format": fmt, "width": width, "height": height, "scale": PNG_SCALE if fmt == "png" else 1}
    data = await kaleido.calc_fig(figure, opts=opts, kopts=kopts)
    if not data:
        raise ImageUnavailable("Chromium returned an empty image.")
    return data


# --- Files kept per data generation -------------------------------------------------------------


def image_dir(generation: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "charts" / str(generation)


def image_path(generation: int, key: str, fmt: str) -> Path:
    """Where the image for one chart state lives in one data generation."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return image_dir(generation) / f"{digest}.{fmt}"


def cached_render(
    generation: int, key: str, fmt: str, figure: dict[str, Any], *, width: int = IMAGE_WIDTH, height: int = IMAGE_HEIGHT
) -> bytes:
    """The image for ``key`` in this generation: read from disk, or drawn once and written atomically."""
    path = image_path(generation, key, fmt)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data = render_figure(figure, fmt, width=width, height=height)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a concurrent reader never sees half a file.
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".part", delete=False) as handle:
        handle.write(data)
    os.replace(handle.name, path)
    _forget_old_generations(generation)
    return data


def _forget_old_generations(generation: int) -> None:
    # The previous generation stays: a worker that has not yet seen the bump may still ask for it.
    root = image_dir(generation).parent
    for child in root.iterdir():
        if child.is_dir() and child.name.isdigit() and int(child.name) < generation - 1:
            shutil.rmtree(child, ignore_errors=True)


def image_figure(
    figure: dict[str, Any],
    *,
    title: str,
    subtitle: str = "",
    source: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> dict[str, Any]:
    """A copy of a page's figure made to stand alone as a picture: the title, subtitle, the notes of its numbered
    break markers and the source lines drawn in (wrapped, since Plotly does not wrap), the legend on top, a fixed
    size, light colours."""
    fig = copy.deepcopy(figure)
    layout = fig.setdefault("layout", {})
    title_lines = textwrap.wrap(title, 78) or [""]
    subtitle_lines = textwrap.wrap(subtitle, 125)
    heading = "<br>".join(f"<b>{_escape(line)}</b>" for line in title_lines)
    if subtitle_lines:
        heading += "<br><span style='font-size:15px'>" + "<br>".join(map(_escape, subtitle_lines)) + "</span>"
    header = 28 + 30 * len(title_lines) + 22 * len(subtitle_lines)
    # plotly.js puts a one-line title's baseline 0.7em under y, but a several-line one's on y itself.
    baseline = 40 - (0 if len(title_lines) + len(subtitle_lines) > 1 else 15)
    layout["title"] = {
        "text": heading,
        "x": MARGIN_X / IMAGE_WIDTH,
        "xanchor": "left",
        "yref": "container",
        "y": 1 - baseline / IMAGE_HEIGHT,
        "yanchor": "top",
        "font": {"size": 22},
    }
    layout["width"], layout["height"], layout["autosize"] = IMAGE_WIDTH, IMAGE_HEIGHT, False
    traces = fig.get("data") or []
    legend = layout.get("showlegend", len(traces) > 1 or any(trace.get("showlegend") for trace in traces))
    # The legend goes above the plot, under the subtitle: the bottom is the source's.
    layout["legend"] = {**(layout.get("legend") or {}), "orientation": "h", "x": 0, "xanchor": "left"}
    layout["legend"].update({"y": 1.02, "yanchor": "bottom"})
    footer = [*(line for note in notes for line in textwrap.wrap(note, 170)), *source]
    margin = {**(layout.get("margin") or {}), "l": 70, "r": MARGIN_X, "b": max(120, 84 + 17 * len(footer))}
    margin["t"] = header + (44 if legend else 16)
    layout["margin"] = margin
    layout["paper_bgcolor"], layout["plot_bgcolor"] = "#ffffff", "#ffffff"
    layout["font"] = {**(layout.get("font") or {}), "color": "#1d1d1f"}
    if footer:
        note = {
            "text": "<br>".join(_escape(line) for line in footer),
            "xref": "paper",
            "yref": "paper",
            "x": 0,
            "y": 0,
            "xanchor": "left",
            "yanchor": "bottom",
            # From the plot's bottom-left corner to the picture's, less the margins.
            "xshift": MARGIN_X - margin["l"],
            "yshift": 14 - margin["b"],
            "showarrow": False,
            "align": "left",
            "font": {"size": 12, "color": "#5b5b66"},
        }
        layout["annotations"] = [*(layout.get("annotations") or []), note]
    return fig


def _escape(text: str) -> str:
    # Plotly renders a small HTML subset in text; data never should be read as markup.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- The route ------------------------------------------------------------------------------------


#: A preview's own parameters; no default, so a missing one is the view's 400 to answer.
PREVIEW_QUERY = chart_query(
    also=[
        Param("width", "Width", choices=tuple((str(width), str(width)) for width, _ in PREVIEW_WIDTHS)),
        Param("theme", "Theme", choices=tuple((theme, theme) for theme in CHART_THEMES)),
    ]
)

#: Pictures answer a bad chart state in plain text: no page would show the HTML one.
_answers_bad_states = chart_errors_answered(lambda request, message: plain_bad_request(message))


@require_safe
@cached_public(max_age=3600, s_maxage=86400, query=chart_query())
@_answers_bad_states
def chart_image(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """``/charts/<slug>.png|.svg?<state>``: the chart as a picture, drawn once per data generation."""
    chart = build_chart(slug, request.GET)
    figure = image_figure(
        chart.figure, title=chart.title, subtitle=chart.subtitle, source=source_lines(chart), notes=break_notes(chart)
    )
    key = f"{slug}?{chart.query_string()}"
    response = _rendered(lambda generation: cached_render(generation, key, fmt, figure), fmt)
    if response.status_code == 200:
        response["Content-Disposition"] = f'inline; filename="data-demands-{slug}.{fmt}"'
    return response


@require_safe
@cached_public(max_age=3600, s_maxage=86400, query=PREVIEW_QUERY)
@_answers_bad_states
def chart_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """``/charts/<slug>/preview.svg?<state>&width=&theme=``: the plot alone as a page draws it at one of
    the PREVIEW_WIDTHS in one theme, shown until plotly.js takes over (templates/charts/_plot.html)."""
    widths = [str(width) for width, _ in PREVIEW_WIDTHS]
    width, theme = request.GET.get("width", ""), request.GET.get("theme", "")
    if width not in widths:
        return plain_bad_request(f"width must be one of {', '.join(widths)}; “{width[:20]}” is not.")
    if theme not in CHART_THEMES:
        return plain_bad_request(f"theme must be one of {', '.join(CHART_THEMES)}; “{theme[:20]}” is not.")
    chart = build_chart(slug, request.GET)
    return _rendered(lambda generation: preview_picture(generation, chart, width=int(width), theme=theme), "svg")


def preview_picture(generation: int, chart: Chart, *, width: int, theme: str) -> bytes:
    """The SVG preview of ``chart`` at ``width`` in ``theme`` for this generation, drawn if not on disk yet."""
    figure = themed_figure(chart.figure, width=width, theme=theme)
    key = preview_key(chart, width, theme)
    return cached_render(generation, key, "svg", figure, width=width, height=figure["layout"]["height"])


def preview_key(chart: Chart, width: int, theme: str) -> str:
    return f"{chart.slug}?{chart.query_string()}#preview-{width}-{theme}"


def warm_previews(charts: Iterable[Chart], *, themes: Sequence[str] = ("light",)) -> dict[str, int]:
    """Draw the preview pictures of ``charts`` for the current generation before readers ask for them.
    Pictures already on disk are kept; returns how many were drawn, kept and failed."""
    generation, _ = current_generation()
    counts = {"drawn": 0, "kept": 0, "failed": 0}
    for chart in charts:
        for width, _ in PREVIEW_WIDTHS if chart.has_data else ():
            for theme in themes:
                key = preview_key(chart, width, theme)
                if image_path(generation, key, "svg").exists():
                    counts["kept"] += 1
                    continue
                try:
                    preview_picture(generation, chart, width=width, theme=theme)
                except ImageUnavailable as error:
                    log.warning("preview of %s at %s px (%s) not drawn: %s", key, width, theme, error)
                    counts["failed"] += 1
                else:
                    counts["drawn"] += 1
    return counts


def _rendered(draw: Callable[[int], bytes], fmt: str) -> HttpResponse:
    """The picture ``draw`` gives for this data generation, or a 503 a cache must not keep."""
    generation, _ = current_generation()
    try:
        data = draw(generation)
    except ImageUnavailable as error:
        response = HttpResponse(str(error), status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = "60"
        response["Cache-Control"] = "no-store"  # a CDN must not keep the outage
        return response
    return HttpResponse(data, content_type=FORMATS[fmt])


def break_notes(chart: Chart) -> list[str]:
    """The notes of the numbered markers a chart draws ("1. From H1 2016, …"): a picture carries them with it."""
    return [note for note in chart.notes if BREAK_NOTE.match(note)]


BREAK_NOTE = re.compile(r"^\d+\. ")


def source_lines(chart: Chart) -> list[str]:
    """'Source: Amazon · Data as of 3 Mar 2025', then 'Data Demands · <permalink>', under the picture."""
    publishers = list(dict.fromkeys(source.publisher for source in chart.sources))
    first = [f"Source: {', '.join(publishers[:3])}{' and others' if len(publishers) > 3 else ''}"] if publishers else []
    if chart.data_updated:
        first.append(f"Data as of {chart.data_updated:%-d %b %Y}")
    return [line for line in (" · ".join(first), f"Data Demands · {chart.absolute_permalink()}") if line]
