"""factory_boy factories for the reports models."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from reports.models import Company, EmergencyDisclosure, Figure, ReportingPeriod, SourceDocument, Status


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"company-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())


class SourceDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SourceDocument

    url = factory.Sequence(lambda n: f"https://example.org/reports/{n}.pdf")
    title = factory.Sequence(lambda n: f"Transparency report {n}")
    publisher = "Example Corp"
    kind = SourceDocument.Kind.PRIMARY


class ReportingPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportingPeriod

    company = factory.SubFactory(CompanyFactory)
    scope = "total"
    start = dt.date(2020, 1, 1)
    end = dt.date(2020, 6, 30)
    source = factory.SubFactory(SourceDocumentFactory)
    status = Status.PUBLISHED


class FigureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Figure

    period = factory.SubFactory(ReportingPeriodFactory)
    jurisdiction = "US"
    request_type = "subpoena"
    measure = "requests"
    value = Decimal(100)


class EmergencyDisclosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmergencyDisclosure
        skip_postgeneration_save = True

    company = factory.SubFactory(CompanyFactory)
    kind = EmergencyDisclosure.Kind.EVENT
    title = factory.Sequence(lambda n: f"Disclosure {n}")
    date_start = dt.date(2022, 3, 1)
    date_end = dt.date(2022, 3, 1)
    count = 1
    summary = "Footage given to police."
    status = Status.PUBLISHED

    @factory.post_generation
    def sources(self, create: bool, extracted: list[SourceDocument] | None, **kwargs: object) -> None:
        if create:
            self.sources.set(extracted if extracted is not None else [SourceDocumentFactory()])
