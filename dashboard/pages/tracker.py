"""The emergency-disclosure tracker: every published disclosure to police made without a warrant or
the user's consent, filterable, counted so that a batch of 11 is 11, beside the emergency-request
figures the companies report themselves."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from dashboard.caching import cached_public, kept_for_generation
from dashboard.charts.disclosure_filters import TrackerFilters, tracker_filters
from dashboard.charts.disclosures import SLUG as TIMELINE
from dashboard.charts.disclosures import date_range_text, timeline_chart
from dashboard.charts.registry import chart_query
from dashboard.charts.styles import company_colour
from reports.formatting import format_number, format_percent, percent
from reports.models import Company, EmergencyDisclosure, EmergencyStatement, Figure, ReportingPeriod, SourceDocument
from reports.periods import period_dates

# --- Words for the counts ------------------------------------------------------------------------


def plural(number: int, singular: str, many: str | None = None) -> str:
    return f"{format_number(number)} {singular if number == 1 else (many or singular + 's')}"


def totals_in_words(tallies: dict[str, int], *, filtered: bool) -> str:
    """'At least 31 disclosures are on record in 13 records from 7 companies; 8 records give no number ...'"""
    records = tallies["records"]
    if not records:
        return "No published disclosure matches these filters." if filtered else "No disclosure is on record yet."
    total = tallies["disclosures"]
    floor = bool(tallies["uncounted"] or tallies["floors"])
    counted = plural(total, "disclosure")
    verb = (
        ("match" if total != 1 else "matches") + " these filters"
        if filtered
        else ("are" if total != 1 else "is") + " on record"
    )
    sentence = (
        f"{'At least ' if floor else ''}{counted} {verb}, in {plural(records, 'record')} from "
        f"{plural(tallies['companies'], 'company', 'companies')}"
    )
    notes = [
        f"{plural(n, 'record')} {one if n == 1 else many}"
        for n, one, many in (
            (tallies["uncounted"], "gives no number", "give no number"),
            (tallies["floors"], "gives only a floor (“at least”)", "give only a floor (“at least”)"),
            (tallies["forged"], "concerns forged requests from impostors", "concern forged requests from impostors"),
            (tallies["contested"], "is contested", "are contested"),
        )
        if n
    ]
    return sentence + (": " + "; ".join(notes) if notes else "") + "."


def conditions_in_words(tallies: dict[str, int]) -> list[str]:
    """Warrant, consent and notification, in records (and disclosures where the records count them). What the
    sources do not establish is said first, so that "0 of 11" is never read as "every user was told"."""
    records = tallies["records"]
    if not records:
        return []
    lines = []
    for field_name, what in (
        ("warrant", "a warrant"),
        ("user_consent", "the user's consent"),
        ("user_notified", "notice to the user"),
    ):
        no, yes, unknown = (tallies[f"{field_name}_{answer}_records"] for answer in ("no", "yes", "unknown"))
        if unknown == records:
            lines.append(f"{what}: the sources do not say, for any of the {plural(records, 'record')}")
            continue
        words = []
        if no:
            words.append(f"without {what} in {plural(no, 'record')}")
        if yes:
            words.append(f"with {what} in {plural(yes, 'record')}")
        if unknown:
            words.append(f"not known for {plural(unknown, 'record')}")
        lines.append("; ".join(words))
    return lines


# --- Emergency-request figures the companies report ----------------------------------------------


@dataclass
class EmergencyPeriod:
    """One company's emergency-request figures for one reporting period."""

    period: ReportingPeriod
    figures: dict[str, Figure] = field(default_factory=dict)

    def _exact(self, measure: str) -> Decimal | None:
        figure = self.figures.get(measure)
        return figure.value if figure else None

    @property
    def dates(self) -> str:
        return period_dates(self.period.start, self.period.end)

    @property
    def requests(self) -> str:
        figure = self.figures.get("requests")
        return figure.display_value if figure else "not reported"

    @property
    def accounts(self) -> str:
        figure = self.figures.get("accounts")
        return figure.display_value if figure else "not reported"

    @property
    def handed_over(self) -> str:
        """How often some data was handed over, with its base, from whichever measure the company reports."""
        requests = self._exact("requests")
        some = self._exact("some-data")
        content, non_content = self._exact("content-disclosed"), self._exact("non-content-disclosed")
        if some is None and content is not None and non_content is not None:
            some = content + non_content  # Microsoft counts content and non-content-only disclosures apart.
        share = self._exact("some-data-pct")
        if some is not None and requests:
            # The company's own percentage where it gives one, so the page matches its report to the digit.
            shown = format_percent(share if share is not None else percent(some, requests))
            return f"{format_number(some)} of {format_number(requests)} ({shown})"
        if share is not None:
            return format_percent(share, base=requests)
        return "not reported"

    @property
    def handed_over_basis(self) -> str:
        if "some-data" in self.figures:
            return "requests where data was provided"
        if "content-disclosed" in self.figures and "non-content-disclosed" in self.figures:
            return "content or only non-content disclosed, added together"
        if "some-data-pct" in self.figures:
            return "share of requests where some data was produced"
        return ""

    @property
    def source(self) -> SourceDocument | None:
        for measure in ("requests", *sorted(self.figures)):
            if measure in self.figures:
                return self.figures[measure].cited_source
        return None


@dataclass
class CompanyEmergencyFigures:
    company: Company
    periods: list[EmergencyPeriod]

    @property
    def latest(self) -> EmergencyPeriod:
        return self.periods[0]

    @property
    def colour(self) -> str:
        return company_colour(self.company.slug)


def emergency_figures(jurisdiction: str = "US") -> list[CompanyEmergencyFigures]:
    """The published emergency-request figures, grouped by company and period (one query)."""
    grouped: dict[int, dict[int, EmergencyPeriod]] = {}
    companies: dict[int, Company] = {}
    for figure in Figure.objects.emergency_requests(jurisdiction):
        period = figure.period
        companies[period.company_id] = period.company
        row = grouped.setdefault(period.company_id, {}).setdefault(period.pk, EmergencyPeriod(period))
        row.figures[figure.measure] = figure
    return [CompanyEmergencyFigures(companies[pk], list(rows.values())) for pk, rows in grouped.items()]


# --- Views ---------------------------------------------------------------------------------------


@require_safe
@cached_public(query=chart_query(TIMELINE))
def tracker(request: HttpRequest) -> HttpResponse:
    form = tracker_filters(request.GET)
    if not form.is_valid():
        return render(request, "disclosures/bad_request.html", {"errors": form.error_sentences()}, status=400)
    chosen = EmergencyDisclosure.objects.published().matching(**form.lookups())
    items = list(chosen.for_listing())
    context = {"form": form, "items": items, "filters": form.active(), **_counts(chosen, form)}
    context |= {"chart": timeline_chart(items, form.state())}
    context["explanation_html"] = kept_for_generation("tracker-explanation", _explanation_html)
    return render(request, "disclosures/tracker.html", context)


@require_safe
@cached_public()
def disclosure(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(EmergencyDisclosure.objects.for_detail_page(), pk=pk)
    sources = list(item.sources.all())
    excerpts: dict[int, list[Any]] = {}
    for excerpt in item.excerpts.all():
        excerpts.setdefault(excerpt.source_id, []).append(excerpt)
    for source in sources:
        source.quoted = excerpts.get(source.pk, [])  # type: ignore[attr-defined]
    context = {
        "disclosure": item,
        "dates": date_range_text(item.date_start, item.date_end),
        "contradicting": [e for quoted in excerpts.values() for e in quoted if e.stance == "contradicts"],
        "primary": [s for s in sources if s.kind == SourceDocument.Kind.PRIMARY],
        "secondary": [s for s in sources if s.kind != SourceDocument.Kind.PRIMARY],
        "related": EmergencyDisclosure.objects.others_by_same_company(item),
    }
    return render(request, "disclosures/detail.html", context)


def overall_tallies() -> dict[str, int]:
    """Every published record's tallies (the tracker's "in all", the home page's count): the same in every filter
    state, one aggregate per data generation."""
    return kept_for_generation("disclosure-tallies", EmergencyDisclosure.objects.published().tallies)


def _counts(chosen: Any, form: TrackerFilters) -> dict[str, Any]:
    filtered = bool(form.active())
    overall = overall_tallies()
    tallies = chosen.tallies() if filtered else overall
    return {
        "tallies": tallies,
        "totals_sentence": totals_in_words(tallies, filtered=filtered),
        "conditions": conditions_in_words(tallies),
        "by_company": list(chosen.by_company()),
        "overall": overall,
    }


def _explanation_html() -> str:
    """The tracker's explanation (templates/disclosures/_explanation.html), rendered once per data generation."""
    return mark_safe(render_to_string("disclosures/_explanation.html", _explanation()))  # nosec B308 B703


def _explanation() -> dict[str, Any]:
    # published_periods and reports_emergency(_here) are annotations, like figure_count in views.py: mypy sees a
    # queryset method's declared Company, not what it annotated.
    reporting = list(Company.objects.with_emergency_reporting("US"))
    statements = list(EmergencyStatement.objects.for_tracker())
    return {
        "standards": [item for item in statements if item.kind == EmergencyStatement.Kind.STANDARD],
        "statements": [item for item in statements if item.kind != EmergencyStatement.Kind.STANDARD],
        "emergency_figures": emergency_figures("US"),
        "not_reporting": [_coloured(c) for c in reporting if c.published_periods and not c.reports_emergency],  # type: ignore[attr-defined]
        "no_reports_held": [c for c in reporting if not c.published_periods],  # type: ignore[attr-defined]
        "reporting_elsewhere": [c for c in reporting if c.reports_emergency and not c.reports_emergency_here],  # type: ignore[attr-defined]
    }


def _coloured(company: Company) -> Company:
    company.colour = company_colour(company.slug)  # type: ignore[attr-defined]
    return company
