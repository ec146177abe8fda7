"""The Chart object: the finding as a title, a computed summary sentence (also the alt text), the Plotly
figure as a JSON-able dict, the table behind it (exactly what its CSV gives), notes, sources, the data date
and the URLs of its CSV, pictures, embed and permalink; and the parts of its frame, rendered once."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import html
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from dashboard.charts.registry import CHARTS, ChartSpec
from dashboard.charts.themes import PREVIEW_WIDTHS, Preview, themed_height
from reports.formatting import csv_number, csv_text_cell, format_number

if TYPE_CHECKING:
    from reports.models import SourceDocument

# --- The chart -----------------------------------------------------------------------------------

#: The parts worked out once that a page copy of a chart keeps (Chart.page_copy); the others are in its panels.
PAGE_KEEPS = frozenset(("_panels_html", "_permalink"))


@dataclass(frozen=True)
class Column:
    """A column of a chart's table and CSV. ``kind``: text, number, percent, date or url."""

    key: str
    label: str
    kind: str = "text"


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Control:
    """A filter a page shows for a chart parameter, with the options the data allows."""

    name: str
    label: str
    options: tuple[Option, ...]
    selected: str

    def options_html(self) -> SafeString:
        """The <option>s, escaped; built here because a government filter lists some 250 of them, and once per
        control (a chart kept in the cache carries them)."""
        if "_options_html" not in self.__dict__:
            value = f'<option value="{html.escape(self.selected)}">'
            chosen = _options_html(self.options).replace(value, value[:-1] + " selected>")
            self.__dict__["_options_html"] = mark_safe(chosen)  # every value and label escaped  # nosec B308 B703
        return cast(SafeString, self.__dict__["_options_html"])


@lru_cache(maxsize=512)
def _options_html(options: tuple[Option, ...]) -> str:
    """The <option>s of a list, none selected, escaped once per process: a government filter's list is the same
    in every state of a chart but the one selected."""
    return "".join(f'<option value="{html.escape(o.value)}">{html.escape(o.label)}</option>' for o in options)


@cache
def _source_url_pattern(name: str) -> str:
    """The path of a source's page or archived copy with 0 for its id, resolved once per process."""
    return reverse(name, args=[0])


@dataclass(frozen=True)
class SourceEntry:
    """A source document as a chart lists it."""

    title: str
    publisher: str
    published: str
    #: In words: the company's own document, a transcribed copy of it (and whose), or the press.
    provenance: str
    page_url: str
    archive_url: str
    original_url: str
    #: Where the chart images some of its figures were read from by OCR are listed ("" when none are).
    chart_images_url: str = ""

    @classmethod
    def of(cls, document: SourceDocument) -> SourceEntry:
        return cls(
            title=document.title,
            publisher=document.publisher,
            published=f"{document.published_on:%-d %B %Y}" if document.published_on else "",
            provenance=document.provenance,
            page_url=_source_url_pattern("source").replace("/0/", f"/{document.pk}/"),
            # Only a copy the site holds is offered: a digest alone (the bundled data's) is no file to serve.
            archive_url=_source_url_pattern("source_archive").replace("/0/", f"/{document.pk}/")
            if document.archive
            else "",
            original_url=document.url,
            chart_images_url=_source_url_pattern("source").replace("/0/", f"/{document.pk}/") + "#chart-images"
            if getattr(document, "reads_chart_images", False)
            else "",
        )


@dataclass
class Chart:
    slug: str
    params: dict[str, str]
    title: str
    subtitle: str
    summary: str
    figure: dict[str, Any]
    columns: list[Column]
    rows: list[list[Any]]
    notes: list[str] = field(default_factory=list)
    sources: list[SourceDocument] = field(default_factory=list)
    data_updated: dt.datetime | None = None
    #: The filters a page may show; a callable when listing their options costs a query that a page
    #: without filters (the home page) should not pay.
    controls: list[Control] | Callable[[], list[Control]] = field(default_factory=list)
    #: False when nothing matched: pages show the message instead of an empty plot.
    has_data: bool = True
    #: The filters a page shows beside this chart only (set by the page; shared ones go above all charts).
    local_controls: list[Control] = field(default_factory=list)
    #: The latest point of each series, for the headline numbers a page shows above its charts.
    highlights: list[Any] = field(default_factory=list)

    def filter_controls(self) -> list[Control]:
        if callable(self.controls):
            self.controls = self.controls()
        return self.controls

    @property
    def spec(self) -> ChartSpec:
        return CHARTS[self.slug]

    @property
    def dom_id(self) -> str:
        return f"chart-{self.slug}"

    def query_string(self) -> str:
        """The whole state, every parameter in declared order, so a link keeps meaning the same."""
        return urlencode(self.params)

    def csv_url(self) -> str:
        return f"/charts/{self.slug}.csv?{self.query_string()}"

    def embed_url(self) -> str:
        return f"/embed/{self.slug}?{self.query_string()}"

    def image_url(self, fmt: str) -> str:
        return f"/charts/{self.slug}.{fmt}?{self.query_string()}"

    @property
    def png_url(self) -> str:
        return self.image_url("png")

    @property
    def svg_url(self) -> str:
        return self.image_url("svg")

    def permalink(self) -> str:
        """The page showing this chart in this state, anchored on the chart."""
        if "_permalink" not in self.__dict__:  # a page asks several times; reverse() is not free
            in_path = {param.name for param in self.spec.params if param.in_path}
            query = urlencode({k: v for k, v in self.params.items() if k not in in_path})
            self.__dict__["_permalink"] = f"{self.spec.page(self.params)}{'?' + query if query else ''}#{self.dom_id}"
        return str(self.__dict__["_permalink"])

    @property
    def source_entries(self) -> list[SourceEntry]:
        """The sources as the frame lists them, with their links and dates ready (no reverse() per link)."""
        if "_sources" not in self.__dict__:
            self.__dict__["_sources"] = [SourceEntry.of(document) for document in self.sources]
        return list(self.__dict__["_sources"])

    def absolute_permalink(self) -> str:
        return settings.SITE_URL + self.permalink()

    def citation(self) -> str:
        """A ready citation: title, site, permalink and the date of the data."""
        updated = f"data as of {self.data_updated:%-d %B %Y}" if self.data_updated else "data as published"
        return f"Data Demands, “{self.title}”, {self.absolute_permalink()} ({updated})."

    def csv_text(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([column.key for column in self.columns])
        for row in self.rows:
            writer.writerow([csv_text_cell(csv_cell(value)) for value in row])
        return buffer.getvalue()

    def table(self) -> list[list[str]]:
        """The rows as a reader sees them: thousands separators, dates, nothing left as None."""
        return [
            [table_cell(value, column) for value, column in zip(row, self.columns, strict=True)] for row in self.rows
        ]

    def table_cells(self) -> list[list[tuple[str, bool]]]:
        """The table for a template: each cell's text and whether it is a number (aligned right)."""
        numeric = [column.kind in ("number", "percent") for column in self.columns]
        return [list(zip(cells, numeric, strict=True)) for cells in self.table()]

    @property
    def numeric_columns(self) -> list[tuple[Column, bool]]:
        return [(column, column.kind in ("number", "percent")) for column in self.columns]

    def table_html(self) -> SafeString:
        """The table's head and body, every cell escaped. Built here rather than in a template loop
        because a company's table can hold thousands of cells and the template engine is slow at that;
        built once per chart, so a chart kept in the cache carries it."""
        if "_table_html" not in self.__dict__:
            self.__dict__["_table_html"] = self._build_table_html()
        return cast(SafeString, self.__dict__["_table_html"])  # made safe where it was built

    def _build_table_html(self) -> SafeString:
        numeric = [' class="num"' if column.kind in ("number", "percent") else "" for column in self.columns]
        head = "".join(
            f'<th scope="col"{css}>{html.escape(column.label)}</th>'
            for column, css in zip(self.columns, numeric, strict=True)
        )
        body = "".join(
            "<tr>"
            + "".join(f"<td{css}>{html.escape(text)}</td>" for text, css in zip(cells, numeric, strict=True))
            + "</tr>"
            for cells in self.table()
        )
        return mark_safe(f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody>")  # every cell escaped  # nosec B308 B703

    @property
    def figure_id(self) -> str:
        return f"{self.dom_id}-figure"

    @property
    def figure_script(self) -> SafeString:
        """The figure as the page's ``<script type="application/json">`` for charts.js, made once per chart."""
        if "_figure_script" not in self.__dict__:
            self.__dict__["_figure_script"] = figure_json_script(self.figure, self.figure_id)
        return cast(SafeString, self.__dict__["_figure_script"])  # made safe where it was built

    @property
    def sources_html(self) -> SafeString:
        """The Sources panel's list (templates/charts/_sources.html), rendered once per chart: the home
        chart cites some forty documents, and a template loop over them costs more than the rest of the page."""
        if "_sources_html" not in self.__dict__:
            self.__dict__["_sources_html"] = render_to_string("charts/_sources.html", {"chart": self})
        return cast(SafeString, self.__dict__["_sources_html"])  # made safe where it was built

    @property
    def panels_html(self) -> SafeString:
        """The frame under its head (templates/charts/_panels.html: the tabs' panels, table, sources, download,
        embed and cite code, notes and source line), rendered once per chart: the same on every page that
        shows it, and most of what a page's template would otherwise render per request."""
        if "_panels_html" not in self.__dict__:
            context = {"chart": self, "id": self.dom_id, "SITE_URL": settings.SITE_URL}
            self.__dict__["_panels_html"] = render_to_string("charts/_panels.html", context)
        return cast(SafeString, self.__dict__["_panels_html"])  # made safe where it was built

    def prime(self) -> None:
        """Work out now what every page shows of the chart, so that a chart kept in the cache carries it:
        its filters (a deferred listing, a closure, could not be kept anyway), table, figure script,
        sources, permalink and the frame's panels."""
        for control in self.filter_controls():
            control.options_html()
        _ = self.panels_html, self.permalink()

    def page_copy(self) -> Chart:
        """The primed chart as a page shows it: its frame's panels already rendered, so without the figure, rows
        and sources behind them (a fraction of the bytes to keep and unpickle on every render of a page)."""
        self.prime()
        light = copy.copy(self)
        light.__dict__ = {
            key: value for key, value in vars(self).items() if not key.startswith("_") or key in PAGE_KEEPS
        }
        light.figure, light.rows, light.sources = {}, [], []
        return light

    @property
    def previews(self) -> list[Preview]:
        """The chart as pictures, narrowest first, drawn before (and instead of) plotly.js until the
        reader reaches for the chart; empty when CHART_PREVIEWS is off."""
        if not (settings.CHART_PREVIEWS and self.has_data):
            return []
        if "_previews" in self.__dict__:
            return list(self.__dict__["_previews"])
        base = f"/charts/{self.slug}/preview.svg?{self.query_string()}"
        self.__dict__["_previews"] = [
            Preview(
                width=width,
                height=themed_height(self.figure, width),
                max_viewport=max_viewport,
                light_url=f"{base}&width={width}&theme=light",
                dark_url=f"{base}&width={width}&theme=dark",
            )
            for width, max_viewport in PREVIEW_WIDTHS
        ]
        return list(self.__dict__["_previews"])


def figure_json_script(figure: Any, element_id: str) -> SafeString:
    """What ``django.utils.html.json_script`` gives, byte for byte, in a twentieth of the time: it escapes ``<``,
    ``>`` and ``&`` with ``str.translate``, which took 2 ms of a Google chart's 20 KB; three replaces take 0.05."""
    text = json.dumps(figure, cls=DjangoJSONEncoder)
    text = text.replace("&", "\\u0026").replace("<", "\\u003C").replace(">", "\\u003E")
    return format_html('<script id="{}" type="application/json">{}</script>', element_id, mark_safe(text))  # nosec B308 B703


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return csv_number(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def table_cell(value: Any, column: Column) -> str:
    if value.__class__ is str:  # most cells: a name, a label, a status
        return value  # type: ignore[no-any-return]
    if value is None:
        return ""
    if isinstance(value, Decimal | int | float) and column.kind in ("number", "percent"):
        return format_number(value) + ("%" if column.kind == "percent" else "")
    if isinstance(value, dt.date):
        return f"{value:%-d %b %Y}"
    return str(value)
