"""Every read the site makes, as queryset methods named for their purpose.

Views, the API, feeds and CSVs read only through these, so "published only" is decided here once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import models
from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, Q, Subquery, Sum
from django.db.models.functions import Coalesce

if TYPE_CHECKING:
    # The querysets' bases name their models in quotes (QuerySet["Figure"], generic at runtime too, so the mypy
    # plugin can build each model's manager); ruff does not read those quotes as a use of the import.
    from reports.models import (  # noqa: F401
        ChartReading,
        Company,
        EmergencyDisclosure,
        EmergencyStatement,
        Figure,
        ImportRun,
        ReportingPeriod,
        SourceDocument,
    )

PUBLISHED = "published"
#: Jurisdiction codes that group governments rather than name one country.
NOT_COUNTRIES = ("WW", "NON-US", "OTHER")
#: What a chart row holds: the figure and the ids of its period and own source. The period's company and
#: dates come from the chart's own list of periods, so no row is joined or converted twice.
CHART_FIELDS = (
    "period_id",
    "jurisdiction",
    "request_type",
    "measure",
    "value",
    "value_min",
    "value_max",
    "note",
    "source_id",
    "chart_image",
)


def model(name: str) -> Any:
    """A model of this app by name: the querysets are imported by reports.models, so they look the others up
    at run time rather than import them back (docs/architecture.md: no import loops)."""
    return apps.get_model("reports", name)


class CompanyQuerySet(models.QuerySet["Company"]):
    def with_public_summary(self) -> CompanyQuerySet:
        """Companies annotated with their published period count, latest period end and disclosures."""
        EmergencyDisclosure = model("EmergencyDisclosure")

        # A subquery, not a join: joining periods and disclosures together would count each
        # disclosure once per period.
        disclosures = (
            EmergencyDisclosure.objects.published()
            .filter(company=OuterRef("pk"))
            .order_by()
            .values("company")
            .annotate(total=Sum("count"))
            .values("total")
        )
        return self.annotate(
            published_periods=Count("periods", filter=Q(periods__status=PUBLISHED), distinct=True),
            latest_period_end=Max("periods__end", filter=Q(periods__status=PUBLISHED)),
            published_disclosures=Subquery(disclosures),
        )

    def with_published_data(self) -> CompanyQuerySet:
        """Companies that have at least one published period or disclosure."""
        EmergencyDisclosure, ReportingPeriod = (model("EmergencyDisclosure"), model("ReportingPeriod"))

        return self.filter(
            Exists(ReportingPeriod.objects.published().filter(company=OuterRef("pk")))
            | Exists(EmergencyDisclosure.objects.published().filter(company=OuterRef("pk")))
        )

    def with_published_reports(self) -> CompanyQuerySet:
        """Companies with at least one published reporting period: those whose pages have charts."""
        ReportingPeriod = model("ReportingPeriod")

        return self.filter(Exists(ReportingPeriod.objects.published().filter(company=OuterRef("pk"))))

    def with_emergency_reporting(self, jurisdiction: str = "US") -> CompanyQuerySet:
        """Companies with published data, annotated with whether their published reports give emergency-request
        figures at all (``reports_emergency``) and for ``jurisdiction`` (``reports_emergency_here``)."""
        Figure = model("Figure")

        emergency = Figure.objects.published().filter(request_type="emergency", period__company=OuterRef("pk"))
        return self.with_published_data().annotate(
            published_periods=Count("periods", filter=Q(periods__status=PUBLISHED), distinct=True),
            reports_emergency=Exists(emergency),
            reports_emergency_here=Exists(emergency.filter(jurisdiction=jurisdiction)),
        )

    def for_disclosure_filter(self) -> Any:
        """(slug, name, published disclosure records) of every company with published data: the tracker's filter."""
        EmergencyDisclosure = model("EmergencyDisclosure")

        disclosures = EmergencyDisclosure.objects.published().filter(company=OuterRef("pk")).order_by()
        # Records, not the sum of counts: a record whose number is unknown is still on record.
        total = Subquery(disclosures.values("company").annotate(n=Count("id")).values("n"))
        annotated = self.with_published_data().annotate(disclosures=Coalesce(total, 0))
        return annotated.values_list("slug", "name", "disclosures")

    def for_open_data(self) -> CompanyQuerySet:
        """Companies with published data for the API, by slug; counts come from subqueries so that
        joining periods and disclosures cannot multiply each other."""
        EmergencyDisclosure, ReportingPeriod = (model("EmergencyDisclosure"), model("ReportingPeriod"))

        periods = ReportingPeriod.objects.published().filter(company=OuterRef("pk")).order_by().values("company")
        disclosures = EmergencyDisclosure.objects.published().filter(company=OuterRef("pk")).order_by()
        return (
            self.with_published_data()
            .select_related("parent")
            .annotate(
                published_periods=Coalesce(Subquery(periods.annotate(n=Count("pk")).values("n")), 0),
                latest_period_end=Subquery(periods.annotate(last=Max("end")).values("last")),
                published_disclosures=Coalesce(
                    Subquery(disclosures.values("company").annotate(n=Sum("count")).values("n")), 0
                ),
            )
            .order_by("slug")
        )


def _first_published(model: type[models.Model]) -> Subquery:
    """When a record of ``model`` was first saved as published, from its simple-history rows."""
    history = model.history.model  # type: ignore[attr-defined]
    rows = history.objects.filter(id=OuterRef("pk"), status=PUBLISHED).order_by("history_date")
    return Subquery(rows.values("history_date")[:1])


class _SubqueryCount(Subquery):
    """COUNT(*) of a correlated subquery: counts that cannot multiply each other through joins."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _count)"
    output_field = models.IntegerField()


def _figure_count() -> _SubqueryCount:
    """Each period's number of figures, counted through the figure table's period index."""
    Figure = model("Figure")

    return _SubqueryCount(Figure.objects.filter(period=OuterRef("pk")).order_by().values("pk"))


class SourceDocumentQuerySet(models.QuerySet["SourceDocument"]):
    def public(self) -> SourceDocumentQuerySet:
        """Documents that back something published: a published period, a published figure that cites
        it as its own source, or a published disclosure."""
        EmergencyDisclosure, Figure, ReportingPeriod = (
            model("EmergencyDisclosure"),
            model("Figure"),
            model("ReportingPeriod"),
        )

        return self.filter(
            Exists(ReportingPeriod.objects.published().filter(source=OuterRef("pk")))
            | Exists(Figure.objects.published().filter(source=OuterRef("pk")))
            | Exists(EmergencyDisclosure.objects.published().filter(sources=OuterRef("pk")))
            | Exists(model("EmergencyStatement").objects.published().filter(sources=OuterRef("pk")))
        ).select_related("company")

    # --- Provenance pages (dashboard/pages/provenance.py) ---

    def for_sources_page(self, *, company: str = "", kind: str = "", text: str = "") -> SourceDocumentQuerySet:
        """Public documents matching the sources page's filters, newest first, each with how many published
        periods and disclosures it backs (figures: ``FigureQuerySet.backed_counts`` for a page of them)."""
        EmergencyDisclosure, ReportingPeriod = (model("EmergencyDisclosure"), model("ReportingPeriod"))

        queryset = self.public()
        if company:
            queryset = queryset.filter(company__slug=company)
        if kind:
            queryset = queryset.filter(kind=kind)
        if text:
            queryset = queryset.filter(Q(title__icontains=text) | Q(publisher__icontains=text) | Q(url__icontains=text))
        return queryset.annotate(
            backed_periods=_SubqueryCount(
                ReportingPeriod.objects.published().filter(source=OuterRef("pk")).order_by().values("pk")
            ),
            backed_disclosures=_SubqueryCount(
                EmergencyDisclosure.objects.published().filter(sources=OuterRef("pk")).order_by().values("pk")
            ),
        ).order_by(models.F("published_on").desc(nulls_last=True), "title", "pk")

    # --- Charts (dashboard/charts/) ---

    def cited_by_chart(self, ids: Iterable[int] | None = None) -> SourceDocumentQuerySet:
        """The documents behind a chart's figures (``ids``; all of them by default), newest first."""
        ChartReading = model("ChartReading")
        read = ChartReading.objects.published().filter(source=OuterRef("pk")).exclude(image="")
        return (
            (self.filter(pk__in=sorted(set(ids))) if ids is not None else self.all())
            .select_related("company")
            .annotate(reads_chart_images=Exists(read))
            .order_by(models.F("published_on").desc(nulls_last=True), "title", "pk")
        )


class ReportingPeriodQuerySet(models.QuerySet["ReportingPeriod"]):
    def published(self) -> ReportingPeriodQuerySet:
        return self.filter(status=PUBLISHED)

    def with_company_and_source(self) -> ReportingPeriodQuerySet:
        return self.select_related("company", "source")

    def latest_first(self) -> ReportingPeriodQuerySet:
        return self.order_by("-end", "company__name", "scope")

    def for_open_data(self) -> ReportingPeriodQuerySet:
        """Published periods for the API, with their figure count, in natural-key order."""
        return (
            self.published()
            .with_company_and_source()
            .annotate(figure_count=Count("figures"))
            .order_by("company__slug", "scope", "start", "end")
        )

    # --- Updates feed (dashboard/opendata/feeds.py) ---

    def newly_published(self, limit: int = 20) -> ReportingPeriodQuerySet:
        """Published periods, the latest to reach the site first, with ``published_at`` from their history."""
        return (
            self.published()
            .with_company_and_source()
            .annotate(published_at=Coalesce(_first_published(self.model), "updated_at"), figure_count=Count("figures"))
            .order_by("-published_at", "company__slug", "scope", "start")[:limit]
        )  # type: ignore[return-value]

    def newest_reports(self, limit: int = 8) -> ReportingPeriodQuerySet:
        """The most recently ending published periods, with what a list needs."""
        # A correlated count: grouping every period's columns over a join with all figures is slow on SQLite.
        return self.published().with_company_and_source().annotate(figure_count=_figure_count()).latest_first()[:limit]  # type: ignore[return-value]

    # --- Provenance pages (dashboard/pages/provenance.py) ---

    def timeline_of(self, company: Company) -> ReportingPeriodQuerySet:
        """Every published period of a company, every scope, oldest first: a report page's neighbours."""
        return (
            self.published()
            .filter(company=company)
            .only("company", "scope", "start", "end")
            .order_by("start", "end", "scope")
        )

    def backed_by(self, document: SourceDocument) -> ReportingPeriodQuerySet:
        """Published periods with figures the document backs (as the period's source or a figure's own),
        each with ``backed_figures``, the number of its figures that cite the document."""
        Figure = model("Figure")

        cites = Q(figures__source=document) | Q(figures__source__isnull=True, source=document)
        return (
            self.published()
            .filter(Q(source=document) | Exists(Figure.objects.filter(period=OuterRef("pk"), source=document)))
            .select_related("company")
            .annotate(backed_figures=Count("figures", filter=cites))
            .order_by("company__name", "start", "end", "scope")
        )

    # --- Charts and public pages (dashboard/charts/, dashboard/pages/views.py) ---

    def chart_timeline(self, *, scope: str | None = None, company: str | None = None) -> Any:
        """Published periods as flat rows, oldest first: where a chart's series have gaps and breaks."""
        queryset = self.published()
        if scope:
            queryset = queryset.filter(scope=scope)
        if company is not None:
            queryset = queryset.filter(company__slug=company)
        return queryset.values("id", "company__slug", "company__name", "scope", "start", "end", "source_id").order_by(
            "company__name", "start", "end", "scope"
        )

    def for_company_page(self, company: Company) -> ReportingPeriodQuerySet:
        """A company's published reports, newest first, with their sources and figure counts."""
        return (
            self.published()
            .filter(company=company)
            .with_company_and_source()
            .annotate(figure_count=_figure_count())
            .order_by("-end", "scope")
        )

    def with_country_figures(self, *, scope: str = "total", company: str | None = None) -> Any:
        """Published periods that give request figures for some country other than the U.S.: the periods a
        ranking of governments can use. Flat rows, newest first."""
        Figure = model("Figure")

        countries = Figure.objects.filter(period=OuterRef("pk"), measure="requests").exclude(
            jurisdiction__in=["US", *NOT_COUNTRIES]
        )
        queryset = self.published().filter(Exists(countries), scope=scope)
        if company is not None:
            queryset = queryset.filter(company__slug=company)
        return queryset.values("company__slug", "start", "end").order_by("-end", "-start", "company__slug")


class FigureQuerySet(models.QuerySet["Figure"]):
    def backed_counts(self, source_ids: Iterable[int]) -> dict[int, int]:
        """How many published figures each document backs, by its own citation or its period's: two grouped
        queries through the indexes. (One correlated OR per document scanned every figure: 8 s, then 30.)"""
        ids = list(source_ids)
        published = self.published().order_by()
        own = published.filter(source__in=ids).values_list("source").annotate(n=Count("pk"))
        inherited = (
            published.filter(source__isnull=True, period__source__in=ids)
            .values_list("period__source")
            .annotate(n=Count("pk"))
        )
        counts = dict.fromkeys(ids, 0)
        for source_id, number in [*own, *inherited]:
            counts[source_id] += number
        return counts

    def published(self) -> FigureQuerySet:
        return self.filter(period__status=PUBLISHED)

    def for_open_data(self) -> FigureQuerySet:
        """The long-form dataset of /data/figures.csv, in the contract's stable order."""
        return (
            self.published()
            .select_related("period__company", "period__source", "source")
            .order_by(
                "period__company__slug",
                "period__scope",
                "period__start",
                "period__end",
                "jurisdiction",
                "request_type",
                "measure",
            )
        )

    def of_periods(self, periods: list[ReportingPeriod]) -> FigureQuerySet:
        """The published figures of some periods, with their own sources, in table order."""
        return (
            self.published()
            .filter(period__in=periods)
            .select_related("source__company")
            .order_by("period", "jurisdiction", "request_type", "measure")
        )

    def vocabulary_use(self) -> Any:
        """Each (request type, measure, company) combination the published figures use: the data dictionary."""
        return (
            self.published()
            .values("request_type", "measure", "period__company__name")
            .distinct()
            .order_by("request_type", "measure", "period__company__name")
        )

    def emergency_requests(self, jurisdiction: str = "US") -> FigureQuerySet:
        """Published emergency-request figures of one jurisdiction (whole-company scope), newest period first."""
        return (
            self.published()
            .filter(request_type="emergency", jurisdiction=jurisdiction, period__scope="total")
            .select_related("period__company", "period__source", "source")
            .order_by("period__company__name", "-period__start", "-period__end", "measure")
        )

    # --- Charts and public pages (dashboard/charts/, dashboard/pages/views.py) ---

    def chart_rows(self) -> Any:
        """Published figures as flat tuples of CHART_FIELDS, in the order of the natural key: one query."""
        natural_key = ("period_id", "jurisdiction", "request_type", "measure")
        return self.published().values_list(*CHART_FIELDS).order_by(*natural_key)

    def for_comparison(self, *, jurisdiction: str, measures: Iterable[str], request_types: Iterable[str]) -> Any:
        """Every company's whole-company figures of some request types and measures in one jurisdiction."""
        return self.filter(
            period__scope="total",
            jurisdiction=jurisdiction,
            measure__in=sorted(measures),
            request_type__in=sorted(request_types),
        ).chart_rows()

    def for_company_chart(
        self,
        company: str,
        *,
        scope: str,
        jurisdiction: str | None = None,
        request_types: Iterable[str] | None = None,
        measures: Iterable[str] | None = None,
    ) -> Any:
        """One company's figures in one scope; of one jurisdiction, some request types or measures when given."""
        ReportingPeriod = model("ReportingPeriod")

        # Through the periods: SQLite then reads the figures by their period index instead of scanning them.
        periods = ReportingPeriod.objects.filter(company__slug=company, scope=scope).values("pk")
        queryset = self.filter(period__in=periods)
        if jurisdiction:
            queryset = queryset.filter(jurisdiction=jurisdiction)
        if request_types is not None:
            queryset = queryset.filter(request_type__in=sorted(request_types))
        if measures is not None:
            queryset = queryset.filter(measure__in=sorted(measures))
        return queryset.chart_rows()

    def for_country_ranking(
        self,
        *,
        start: dt.date,
        end: dt.date,
        request_types: Iterable[str],
        company: str | None = None,
        scope: str = "total",
    ) -> Any:
        """Request counts of every country for the periods of one scope with these dates."""
        ReportingPeriod = model("ReportingPeriod")

        periods = ReportingPeriod.objects.filter(scope=scope, start=start, end=end)
        if company is not None:
            periods = periods.filter(company__slug=company)
        # Through the periods: SQLite then reads the figures by their period index instead of scanning them.
        queryset = self.filter(
            period__in=periods.values("pk"), measure="requests", request_type__in=sorted(request_types)
        ).exclude(jurisdiction__in=NOT_COUNTRIES)
        return queryset.chart_rows()

    def jurisdictions_reported(
        self, *, company: str | None = None, scope: str | None = None, request_type: str | None = None
    ) -> list[str]:
        """The jurisdictions published figures exist for, optionally of one company, scope or request type."""
        lookups = {"period__company__slug": company, "period__scope": scope, "request_type": request_type}
        queryset = self.published().filter(**{key: value for key, value in lookups.items() if value is not None})
        return list(queryset.order_by("jurisdiction").values_list("jurisdiction", flat=True).distinct())

    def request_type_overview(self) -> Any:
        """Per request type and company: how many periods give a request count, first and last: the index of
        request types."""
        return (
            self.published()
            .filter(measure="requests")
            .filter(Q(value__isnull=False) | Q(value_min__isnull=False))
            .values("request_type", "period__company__slug", "period__company__name")
            .annotate(periods=Count("period", distinct=True), first=Min("period__start"), last=Max("period__end"))
            .order_by("request_type", "period__company__name")
        )

    def jurisdiction_overview(self) -> Any:
        """Per jurisdiction: how many companies give request counts for it, and the last period they cover."""
        return (
            self.published()
            .filter(measure="requests")
            .values("jurisdiction")
            .annotate(companies=Count("period__company", distinct=True), last=Max("period__end"))
            .order_by("jurisdiction")
        )

    def values_for_table(self) -> Any:
        return self.values(
            "period__company__slug",
            "period__company__name",
            "period__scope",
            "period__start",
            "period__end",
            "jurisdiction",
            "request_type",
            "measure",
            "value",
            "value_min",
            "value_max",
        )


class EmergencyDisclosureQuerySet(models.QuerySet["EmergencyDisclosure"]):
    def published(self) -> EmergencyDisclosureQuerySet:
        return self.filter(status=PUBLISHED)

    def for_listing(self) -> EmergencyDisclosureQuerySet:
        return self.published().select_related("company").prefetch_related("sources")

    def for_company_page(self, company: Any) -> EmergencyDisclosureQuerySet:
        """A company's published records, newest first: its page lists them (Ring's warrantless disclosures)."""
        return self.published().filter(company=company).order_by("-date_end", "pk")

    def for_open_data(self) -> EmergencyDisclosureQuerySet:
        """Published disclosures for the API and CSV, by company and dates; sources in URL order."""
        SourceDocument = model("SourceDocument")

        return (
            self.published()
            .select_related("company")
            .prefetch_related(Prefetch("sources", queryset=SourceDocument.objects.order_by("url")))
            .order_by("company__slug", "date_start", "date_end", "title", "pk")
        )

    # --- Updates feed (dashboard/opendata/feeds.py) ---

    def newly_published(self, limit: int = 20) -> EmergencyDisclosureQuerySet:
        """Published disclosures, the latest to reach the site first, with ``published_at`` from their history."""
        return (
            self.published()
            .select_related("company")
            .annotate(published_at=Coalesce(_first_published(self.model), "updated_at"))
            .order_by("-published_at", "company__slug", "pk")[:limit]
        )  # type: ignore[return-value]

    # --- The emergency-disclosure tracker (dashboard/pages/tracker.py) ---

    def matching(
        self,
        *,
        company: str = "",
        year: int | None = None,
        data_category: str = "",
        basis: str = "",
        warrant: str = "",
        user_consent: str = "",
        user_notified: str = "",
        requester: str = "",
        evidence: str = "",
    ) -> EmergencyDisclosureQuerySet:
        """The tracker's filters; a year matches every record whose date range touches it."""
        lookups = {
            "company__slug": company,
            "requester": requester,
            "evidence": evidence,
            "data_category": data_category,
            "basis": basis,
            "warrant": warrant,
            "user_consent": user_consent,
            "user_notified": user_notified,
        }
        queryset = self.filter(**{field: value for field, value in lookups.items() if value})
        if year is not None:
            queryset = queryset.filter(date_start__year__lte=year, date_end__year__gte=year)
        return queryset

    def tallies(self) -> dict[str, int]:
        """Disclosures (a batch of 11 counts 11) in total, by kind and by warrant / consent / notice: one query."""
        sums: dict[str, Any] = {
            "disclosures": Sum("count"),
            "records": Count("id"),
            # A record whose count is unknown, or only a floor, makes every total an "at least".
            "uncounted": Count("id", filter=Q(count__isnull=True)),
            "floors": Count("id", filter=Q(count_is_minimum=True)),
            "forged": Count("id", filter=Q(requester="impersonator")),
            "contested": Count("id", filter=Q(contested=True)),
            "batches": Count("id", filter=Q(kind="batch")),
            "in_batches": Sum("count", filter=Q(kind="batch")),
            "events": Count("id", filter=Q(kind="event")),
            "companies": Count("company", distinct=True),
        }
        for field in ("warrant", "user_consent", "user_notified"):
            for answer in ("yes", "no", "unknown"):
                sums[f"{field}_{answer}"] = Sum("count", filter=Q(**{field: answer}))
                sums[f"{field}_{answer}_records"] = Count("id", filter=Q(**{field: answer}))
        return {name: int(value or 0) for name, value in self.aggregate(**sums).items()}

    def by_company(self) -> Any:
        """Records and disclosures per company, most disclosures first."""
        return (
            self.values("company__slug", "company__name")
            .annotate(
                records=Count("id"),
                disclosures=Coalesce(Sum("count"), 0),
                uncounted=Count("id", filter=Q(count__isnull=True) | Q(count_is_minimum=True)),
            )
            .order_by("-disclosures", "company__name")
        )

    def years_covered(self) -> range:
        """Every year some record's date range touches, oldest first (empty when there is none)."""
        span = self.aggregate(first=Min("date_start"), last=Max("date_end"))
        return range(span["first"].year, span["last"].year + 1) if span["first"] else range(0)

    def for_detail_page(self) -> EmergencyDisclosureQuerySet:
        """Published records with their company, its parent, their sources and the excerpts quoted from them."""
        SourceExcerpt = model("SourceExcerpt")

        return (
            self.published()
            .select_related("company__parent")
            .prefetch_related("sources", Prefetch("excerpts", queryset=SourceExcerpt.objects.select_related("source")))
        )

    def others_by_same_company(self, disclosure: EmergencyDisclosure, limit: int = 10) -> EmergencyDisclosureQuerySet:
        """The company's other published records, newest first: the detail page's related list."""
        return (
            self.published().filter(company_id=disclosure.company_id).exclude(pk=disclosure.pk).order_by("-date_end")
        )[:limit]  # type: ignore[return-value]


class ImportRunQuerySet(models.QuerySet["ImportRun"]):
    def recent(self, limit: int = 20) -> ImportRunQuerySet:
        return self.select_related("feed", "source")[:limit]  # type: ignore[return-value]


class EmergencyStatementQuerySet(models.QuerySet["EmergencyStatement"]):
    def published(self) -> EmergencyStatementQuerySet:
        return self.filter(status=PUBLISHED)

    def for_tracker(self) -> EmergencyStatementQuerySet:
        """Published statements with their company and sources, standards first, then by date."""
        return self.published().select_related("company").prefetch_related("sources").order_by("kind", "-date", "pk")


class ChartReadingQuerySet(models.QuerySet["ChartReading"]):
    def published(self) -> ChartReadingQuerySet:
        """Readings whose figures are published: they passed their checks, or staff corrected them."""
        return self.filter(status__in=["published", "corrected"], period__status="published")

    def awaiting_review(self) -> ChartReadingQuerySet:
        """Readings that failed their checks: their figures stay not reported until staff correct them."""
        return self.filter(status="review")
