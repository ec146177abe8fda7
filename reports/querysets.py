"""Every read the site makes, as queryset methods named for their purpose.

Views, the API, feeds and CSVs read only through these, so "published only" is decided here once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Count, Exists, Max, OuterRef, Q, Sum

if TYPE_CHECKING:
    from reports.models import Company, EmergencyDisclosure, Figure, ImportRun, ReportingPeriod, SourceDocument

    _CompanyBase = models.QuerySet[Company]
    _SourceBase = models.QuerySet[SourceDocument]
    _PeriodBase = models.QuerySet[ReportingPeriod]
    _FigureBase = models.QuerySet[Figure]
    _DisclosureBase = models.QuerySet[EmergencyDisclosure]
    _RunBase = models.QuerySet[ImportRun]
else:
    _CompanyBase = _SourceBase = _PeriodBase = _FigureBase = _DisclosureBase = _RunBase = models.QuerySet

PUBLISHED = "published"


class CompanyQuerySet(_CompanyBase):
    def with_public_summary(self) -> CompanyQuerySet:
        """Companies annotated with their published period count, latest period end and disclosures."""
        return self.annotate(
            published_periods=Count("periods", filter=Q(periods__status=PUBLISHED), distinct=True),
            latest_period_end=Max("periods__end", filter=Q(periods__status=PUBLISHED)),
            published_disclosures=Sum(
                "emergency_disclosures__count", filter=Q(emergency_disclosures__status=PUBLISHED)
            ),
        )

    def with_published_data(self) -> CompanyQuerySet:
        """Companies that have at least one published period or disclosure."""
        from reports.models import EmergencyDisclosure, ReportingPeriod

        return self.filter(
            Exists(ReportingPeriod.objects.published().filter(company=OuterRef("pk")))
            | Exists(EmergencyDisclosure.objects.published().filter(company=OuterRef("pk")))
        )


class SourceDocumentQuerySet(_SourceBase):
    def public(self) -> SourceDocumentQuerySet:
        """Documents that back something published: a published period or a published disclosure."""
        from reports.models import EmergencyDisclosure, ReportingPeriod

        return self.filter(
            Exists(ReportingPeriod.objects.published().filter(source=OuterRef("pk")))
            | Exists(EmergencyDisclosure.objects.published().filter(sources=OuterRef("pk")))
        ).select_related("company")


class ReportingPeriodQuerySet(_PeriodBase):
    def published(self) -> ReportingPeriodQuerySet:
        return self.filter(status=PUBLISHED)

    def with_company_and_source(self) -> ReportingPeriodQuerySet:
        return self.select_related("company", "source")

    def latest_first(self) -> ReportingPeriodQuerySet:
        return self.order_by("-end", "company__name", "scope")

    def newest_reports(self, limit: int = 8) -> ReportingPeriodQuerySet:
        """The most recently ending published periods, with what a list needs."""
        return self.published().with_company_and_source().annotate(figure_count=Count("figures")).latest_first()[:limit]  # type: ignore[return-value]


class FigureQuerySet(_FigureBase):
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


class EmergencyDisclosureQuerySet(_DisclosureBase):
    def published(self) -> EmergencyDisclosureQuerySet:
        return self.filter(status=PUBLISHED)

    def for_listing(self) -> EmergencyDisclosureQuerySet:
        return self.published().select_related("company").prefetch_related("sources")

    def total_disclosures(self) -> int:
        """Disclosures, not rows: a batch of 11 counts 11."""
        return int(self.aggregate(total=Sum("count"))["total"] or 0)


class ImportRunQuerySet(_RunBase):
    def recent(self, limit: int = 20) -> ImportRunQuerySet:
        return self.select_related("feed", "source")[:limit]  # type: ignore[return-value]
