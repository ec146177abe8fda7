"""Provenance pages: one report with every figure's source, the archived sources, corrections, methodology.

A journalist checks a claim here: the figure, the derived share with its base, the change against a
year earlier, and one click to the archived document that proves it.
"""

from __future__ import annotations

import datetime as dt
import logging
import mimetypes
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from dashboard.caching import cached_public, query_names
from reports import statements
from reports.history import public_corrections
from reports.holdings import holdings
from reports.importers import format_choices
from reports.models import ChartReading, Company, EmergencyDisclosure, Figure, ReportingPeriod, SourceDocument
from reports.periods import length_in_months, period_dates, period_label, same_period_a_year_earlier
from reports.vocabulary import (
    MEASURE_DEFINITIONS,
    PERCENT_MEASURES,
    REQUEST_TYPE_DEFINITIONS,
    SPECIAL_JURISDICTIONS,
    Measure,
    RequestType,
    Scope,
)

#: Reading order of request types and measures, as the vocabulary lists them.
TYPE_RANK = {code: rank for rank, code in enumerate(RequestType.values)}
MEASURE_RANK = {code: rank for rank, code in enumerate(Measure.values)}
SOURCES_PER_PAGE = 50
CORRECTIONS_PER_PAGE = 25
#: Up to this many figures a report lists each one with its note; above it, only those with a note.
FULL_FIGURE_LIST = 60

log = logging.getLogger(__name__)


class BadParameters(Exception):
    """A query string the page cannot answer: shown as a 400 with the reason."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def _bad_request(request: HttpRequest, error: BadParameters, *, back: str, back_label: str) -> HttpResponse:
    context = {"messages_": error.messages, "back": back, "back_label": back_label}
    return render(request, "provenance/bad_request.html", context, status=400)


def _page(request: HttpRequest, items: Any, per_page: int) -> Page:
    try:
        return Paginator(items, per_page).page(request.GET.get("page", 1))
    except PageNotAnInteger:
        raise BadParameters(["page: must be a whole number such as 2"]) from None
    except EmptyPage:
        raise BadParameters([f"page: there is no page {request.GET.get('page')}"]) from None


# --- One report -----------------------------------------------------------------------------------


@dataclass
class Cell:
    figure: Figure
    ref: int

    @property
    def text(self) -> str:
        return self.figure.display_value


@dataclass
class Row:
    jurisdiction: str
    request_type: str
    cells: list[Cell | None]

    @property
    def label(self) -> str:
        return _choice_label(RequestType, self.request_type)

    @property
    def jurisdiction_name(self) -> str:
        return statements.jurisdiction_name(self.jurisdiction)


@dataclass
class Table:
    """Figures of one jurisdiction (or of every other country), request types as rows, measures as columns."""

    title: str
    slug: str
    measures: list[tuple[str, str]]
    rows: list[Row] = field(default_factory=list)
    by_country: bool = False


@dataclass
class SourceRef:
    number: int
    document: SourceDocument
    figures: int = 0


class SourceIndex:
    """The documents a report's figures cite, numbered in order of use; a figure's own source wins."""

    def __init__(self, period: ReportingPeriod, figures: list[Figure]) -> None:
        self.refs: dict[int, SourceRef] = {}
        if period.source:
            self._ref(period.source)
        for figure in figures:
            document = figure.source or period.source
            if document is not None:
                self._ref(document).figures += 1

    def _ref(self, document: SourceDocument) -> SourceRef:
        if document.pk not in self.refs:
            self.refs[document.pk] = SourceRef(len(self.refs) + 1, document)
        return self.refs[document.pk]

    def number(self, figure: Figure, period: ReportingPeriod) -> int:
        document = figure.source or period.source
        return self.refs[document.pk].number if document else 0

    @property
    def all_secondary(self) -> bool:
        return bool(self.refs) and all(r.document.kind == SourceDocument.Kind.SECONDARY for r in self.refs.values())


def _choice_label(choices: type[Any], value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def _tables(period: ReportingPeriod, figures: list[Figure], index: SourceIndex) -> list[Table]:
    groups: dict[str, list[Figure]] = {}
    for figure in figures:
        group = figure.jurisdiction if figure.jurisdiction in statements.HEADLINE_JURISDICTIONS else "countries"
        groups.setdefault(group, []).append(figure)
    order = [*statements.HEADLINE_JURISDICTIONS, "countries"]
    return [_table(group, groups[group], period, index) for group in order if group in groups]


def _table(group: str, figures: list[Figure], period: ReportingPeriod, index: SourceIndex) -> Table:
    measures = sorted({f.measure for f in figures}, key=lambda m: MEASURE_RANK.get(m, 99))
    by_country = group == "countries"
    title = "Other countries" if by_country else statements.jurisdiction_name(group)
    table = Table(title, group.lower(), [(m, _choice_label(Measure, m)) for m in measures], by_country=by_country)
    cells: dict[tuple[str, str], dict[str, Figure]] = {}
    for figure in figures:  # already in reading order, so rows come out in it too
        cells.setdefault((figure.jurisdiction, figure.request_type), {})[figure.measure] = figure
    for key, row in cells.items():
        found = [row.get(m) for m in measures]
        table.rows.append(Row(*key, [Cell(f, index.number(f, period)) if f is not None else None for f in found]))
    return table


def _reading_order(figure: Figure) -> tuple[int, str, int, int]:
    """Headline jurisdictions first, then countries by name; request types and measures as the vocabulary lists them."""
    headline = statements.HEADLINE_JURISDICTIONS
    where = headline.index(figure.jurisdiction) if figure.jurisdiction in headline else len(headline)
    name = "" if where < len(headline) else statements.jurisdiction_name(figure.jurisdiction)
    return where, name, TYPE_RANK.get(figure.request_type, 99), MEASURE_RANK.get(figure.measure, 99)


def _missing_earlier(period: ReportingPeriod, timeline: list[ReportingPeriod], dates: tuple[dt.date, dt.date]) -> str:
    """Why there is no change against a year earlier, said plainly."""
    label = period_label(*dates)
    who = period.company.name + ("" if period.scope == Scope.TOTAL else f" ({period.get_scope_display()})")
    same_scope = [p for p in timeline if p.scope == period.scope]
    overlapping = [p for p in same_scope if p.start <= dates[1] and p.end >= dates[0]]
    if overlapping:
        reported = ", ".join(p.label for p in overlapping)
        months = length_in_months(period.start, period.end)
        return (
            f"{label} is not in the dataset as a period of its own: {who} reported {reported} then, "
            f"which cannot be compared with a {months}-month period."
        )
    if same_scope and same_scope[0].start > dates[1]:
        return (
            f"{label} is earlier than the first {who} report in the dataset ({same_scope[0].label}), "
            "so there is no year-earlier figure to compare with."
        )
    return (
        f"{label} is not in the dataset: {who}'s report for it is not among the documents we hold, "
        "so no change against it is given."
    )


def _neighbours(period: ReportingPeriod, timeline: list[ReportingPeriod]) -> dict[str, Any]:
    same_scope = [p for p in timeline if p.scope == period.scope]
    at = next(i for i, p in enumerate(same_scope) if p.pk == period.pk)
    return {
        "previous": same_scope[at - 1] if at > 0 else None,
        "next": same_scope[at + 1] if at + 1 < len(same_scope) else None,
        "same_dates": [p for p in timeline if (p.start, p.end) == (period.start, period.end) and p.pk != period.pk],
    }


def _report_context(period: ReportingPeriod) -> dict[str, Any]:
    timeline = list(ReportingPeriod.objects.timeline_of(period.company))
    for other in timeline:
        other.company = period.company  # one company for every link: no query per period
    if not any(p.pk == period.pk for p in timeline):
        timeline.append(period)
    earlier_dates = same_period_a_year_earlier(period.start, period.end)
    earlier = next((p for p in timeline if (p.scope, p.start, p.end) == (period.scope, *earlier_dates)), None)
    figures = list(Figure.objects.of_periods([period, earlier] if earlier else [period]))
    own = sorted((f for f in figures if f.period_id == period.pk), key=_reading_order)
    index = SourceIndex(period, own)
    refs: dict[tuple[str, str], set[int]] = {}
    for figure in own:
        refs.setdefault((figure.jurisdiction, figure.request_type), set()).add(index.number(figure, period))
    shares = [(share, sorted(refs[statements.share_key(share)])) for share in statements.shares(own)]
    earlier_label = period_label(*earlier_dates)
    before = [f for f in figures if earlier is not None and f.period_id == earlier.pk]
    return {
        "period": period,
        "dates": period_dates(period.start, period.end),
        "sources": list(index.refs.values()),
        "all_secondary": index.all_secondary,
        "tables": _tables(period, own, index),
        # A long report lists only the figures that carry a note: its tables already cite every figure's source.
        "figure_list": [
            (f, statements.jurisdiction_name(f.jurisdiction), [index.number(f, period)])
            for f in own
            if len(own) <= FULL_FIGURE_LIST or f.note
        ],
        "figure_list_complete": len(own) <= FULL_FIGURE_LIST,
        "figure_count": len(own),
        "shares": shares,
        "bands": [(sentence, sorted(refs[key])) for key, sentence in statements.bands(own)],
        "earlier": earlier,
        "earlier_label": earlier_label,
        "changes": statements.changes(own, before, earlier_label=earlier_label) if earlier else [],
        "earlier_missing": "" if earlier else _missing_earlier(period, timeline, earlier_dates),
        **_neighbours(period, timeline),
    }


@require_safe
@cached_public()
def report(request: HttpRequest, company: str, scope: str, start: str, end: str) -> HttpResponse:
    try:
        start_date, end_date = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    except ValueError:
        raise Http404("Dates in a report address are ISO dates such as 2020-06-30.") from None
    period = get_object_or_404(
        ReportingPeriod.objects.published().with_company_and_source(),
        company__slug=company,
        scope=scope,
        start=start_date,
        end=end_date,
    )
    return render(request, "provenance/report.html", _report_context(period))


# --- Sources --------------------------------------------------------------------------------------


class SourceFilters(forms.Form):
    company = forms.ChoiceField(required=False)
    kind = forms.ChoiceField(required=False, choices=[("", "Any"), *SourceDocument.Kind.choices])
    q = forms.CharField(required=False, max_length=100, strip=True, label="Search titles, publishers and addresses")

    def __init__(self, data: Any, *, companies: list[tuple[str, str]]) -> None:
        super().__init__(data)
        self.fields["company"].choices = [("", "Any"), *companies]  # type: ignore[attr-defined]

    def lookups(self) -> dict[str, str]:
        return {
            "company": self.cleaned_data["company"],
            "kind": self.cleaned_data["kind"],
            "text": self.cleaned_data["q"],
        }

    def errors_in_words(self) -> list[str]:
        return [f"{name}: {error}" for name, errors in self.errors.items() for error in errors]


@require_safe
@cached_public(query=query_names("company", "kind", "q", "page", defaults={"page": "1"}))
def sources(request: HttpRequest) -> HttpResponse:
    companies = list(Company.objects.with_published_data().values_list("slug", "name"))
    form = SourceFilters(request.GET, companies=companies)
    try:
        if not form.is_valid():
            raise BadParameters(form.errors_in_words())
        page = _page(request, SourceDocument.objects.for_sources_page(**form.lookups()), SOURCES_PER_PAGE)
    except BadParameters as error:
        return _bad_request(request, error, back="/sources/", back_label="Show every source")
    counts = Figure.objects.backed_counts(document.pk for document in page)
    for document in page:
        document.backed_figures = counts[document.pk]
    filters = {k: v for k, v in form.cleaned_data.items() if v}
    context = {"form": form, "page": page, "filters": filters, "query": urlencode(filters)}
    return render(request, "provenance/sources.html", context)


@require_safe
@cached_public()
def source(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_object_or_404(SourceDocument.objects.public(), pk=pk)
    context = {
        "document": document,
        "periods": ReportingPeriod.objects.backed_by(document),
        "disclosures": EmergencyDisclosure.objects.for_listing().filter(sources=document),
        "chart_images": ChartReading.objects.published()
        .filter(source=document)
        .exclude(image="")
        .select_related("period__company"),
    }
    return render(request, "provenance/source.html", context)


@require_safe
@cached_public()
def source_archive(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Our archived copy of a public document, always as a download: an archived HTML page must not run here.
    A copy the record names but storage has lost is a 404 that says so and gives the company's address."""
    document = get_object_or_404(SourceDocument.objects.public().exclude(archive=""), pk=pk)
    name = archive_filename(document)
    content_type = document.content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    try:
        handle = document.archive.open("rb")
    except FileNotFoundError:
        log.error("archived copy of source %s is missing from storage: %s", document.pk, document.archive.name)
        context = {"document": document}
        return render(request, "provenance/archive_missing.html", context, status=404)
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; frame-ancestors 'none'"
    return response


@require_safe
@cached_public()
def chart_image(request: HttpRequest, sha256: str) -> FileResponse:
    """The chart image a published figure was read from by OCR, archived with its document."""
    reading = get_object_or_404(ChartReading.objects.published().exclude(image=""), image_sha256=sha256)
    response = FileResponse(reading.image.open("rb"), content_type="image/png")
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; frame-ancestors 'none'"
    return response


def archive_filename(document: SourceDocument) -> str:
    """The file's own name, without the SHA-256 prefix it is stored under."""
    name = PurePath(document.archive.name).name
    prefix = f"{document.sha256}-"
    return name.removeprefix(prefix) if document.sha256 else name


# --- Corrections ----------------------------------------------------------------------------------


@require_safe
@cached_public(query=query_names("page", defaults={"page": "1"}))
def corrections(request: HttpRequest) -> HttpResponse:
    try:
        page = _page(request, public_corrections(), CORRECTIONS_PER_PAGE)
    except BadParameters as error:
        return _bad_request(request, error, back="/corrections/", back_label="Show the latest corrections")
    return render(request, "provenance/corrections.html", {"page": page})


# --- Methodology and data dictionary ----------------------------------------------------------------


@dataclass
class Term:
    code: str
    label: str
    definition: str
    used_by: list[str] = field(default_factory=list)


def _dictionary(use: Any) -> dict[str, Any]:
    """Every request type and measure with its definition and the companies whose published figures use it."""
    by_type: dict[str, set[str]] = {}
    by_measure: dict[str, set[str]] = {}
    for row in use:
        by_type.setdefault(row["request_type"], set()).add(row["period__company__name"])
        by_measure.setdefault(row["measure"], set()).add(row["period__company__name"])
    return {
        "request_types": [
            Term(code, str(label), REQUEST_TYPE_DEFINITIONS.get(code, ""), sorted(by_type.get(code, ())))
            for code, label in RequestType.choices
        ],
        "measures": [
            Term(code, str(label), MEASURE_DEFINITIONS.get(code, ""), sorted(by_measure.get(code, ())))
            for code, label in Measure.choices
        ],
        "percent_measures": sorted(PERCENT_MEASURES),
        "scopes": Scope.choices,
        "special_jurisdictions": SPECIAL_JURISDICTIONS.items(),
        "formats": format_choices(),
    }


@require_safe
@cached_public()
def methodology(request: HttpRequest) -> HttpResponse:
    context = _dictionary(Figure.objects.vocabulary_use())
    context["holdings"] = holdings()
    return render(request, "provenance/methodology.html", context)
