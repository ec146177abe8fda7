"""Every invariant of the data model is a named database constraint that rejects bad rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from reports.models import EmergencyDisclosure, Figure, ReportingPeriod
from tests.factories import CompanyFactory, EmergencyDisclosureFactory, FigureFactory, ReportingPeriodFactory

pytestmark = pytest.mark.django_db


def assert_rejected_by(constraint: str, make_row) -> None:
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        make_row()
        if connection.vendor == "postgresql":
            # Deferred constraint triggers fire at commit; make them fire now, inside the test's transaction.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    message = str(error.value)
    # SQLite names the columns of a broken unique constraint rather than the constraint itself.
    sqlite_unique = connection.vendor == "sqlite" and "unique" in constraint and "UNIQUE constraint failed" in message
    assert constraint in message or sqlite_unique


def test_it_rejects_a_negative_figure() -> None:
    assert_rejected_by("reports_figure_non_negative", lambda: FigureFactory(value=Decimal(-1)))


def test_it_rejects_a_band_whose_min_exceeds_max() -> None:
    assert_rejected_by(
        "reports_figure_band_min_not_above_max",
        lambda: FigureFactory(value=None, value_min=Decimal(250), value_max=Decimal(249)),
    )


def test_it_rejects_a_band_with_only_one_end() -> None:
    assert_rejected_by(
        "reports_figure_band_min_not_above_max", lambda: FigureFactory(value=None, value_min=Decimal(0), value_max=None)
    )


def test_it_rejects_a_figure_that_is_both_exact_and_a_band() -> None:
    assert_rejected_by(
        "reports_figure_exact_or_band",
        lambda: FigureFactory(value=Decimal(5), value_min=Decimal(0), value_max=Decimal(249)),
    )


def test_it_rejects_a_percentage_above_100() -> None:
    assert_rejected_by(
        "reports_figure_percentage_at_most_100", lambda: FigureFactory(measure="some-data-pct", value=Decimal(101))
    )


def test_it_rejects_a_second_figure_with_the_same_natural_key() -> None:
    figure = FigureFactory()
    assert_rejected_by("reports_figure_unique_natural_key", lambda: FigureFactory(period=figure.period))


def test_it_rejects_a_response_count_above_its_requests_total() -> None:
    total = FigureFactory(value=Decimal(10))
    assert_rejected_by(
        "reports_figure_parts_not_above_total",
        lambda: FigureFactory(period=total.period, measure="full-response", value=Decimal(11)),
    )


def test_it_rejects_lowering_a_total_below_one_of_its_parts() -> None:
    total = FigureFactory(value=Decimal(10))
    FigureFactory(period=total.period, measure="partial-response", value=Decimal(8))

    def lower_total() -> None:
        Figure.objects.filter(pk=total.pk).update(value=Decimal(5))

    assert_rejected_by("reports_figure_parts_not_above_total", lower_total)


def test_it_accepts_parts_that_fit_within_the_total_and_a_not_reported_figure() -> None:
    total = FigureFactory(value=Decimal(10))
    FigureFactory(period=total.period, measure="full-response", value=Decimal(10))
    FigureFactory(period=total.period, measure="no-response", value=None)
    assert Figure.objects.count() == 3


def test_it_rejects_a_period_that_ends_before_it_starts() -> None:
    assert_rejected_by(
        "reports_reportingperiod_end_not_before_start",
        lambda: ReportingPeriodFactory(start=dt.date(2020, 6, 30), end=dt.date(2020, 1, 1)),
    )


def test_it_rejects_the_same_period_twice() -> None:
    period = ReportingPeriodFactory()
    assert_rejected_by(
        "reports_reportingperiod_unique_natural_key",
        lambda: ReportingPeriod.objects.create(
            company=period.company, scope="total", start=period.start, end=period.end
        ),
    )


def test_it_rejects_a_disclosure_whose_range_ends_before_it_starts() -> None:
    assert_rejected_by(
        "reports_emergencydisclosure_end_not_before_start",
        lambda: EmergencyDisclosureFactory(date_start=dt.date(2022, 7, 1), date_end=dt.date(2022, 1, 1)),
    )


def test_it_rejects_a_disclosure_counting_zero() -> None:
    assert_rejected_by(
        "reports_emergencydisclosure_count_at_least_one",
        lambda: EmergencyDisclosure.objects.create(
            company=CompanyFactory(),
            kind="batch",
            title="x",
            date_start=dt.date(2022, 1, 1),
            date_end=dt.date(2022, 1, 2),
            count=0,
            summary="x",
        ),
    )


def test_it_rejects_a_single_event_counting_more_than_one() -> None:
    assert_rejected_by(
        "reports_emergencydisclosure_event_is_one_disclosure", lambda: EmergencyDisclosureFactory(count=3)
    )


def test_it_rejects_a_company_that_is_its_own_parent() -> None:
    company = CompanyFactory()

    def make_own_parent() -> None:
        type(company).objects.filter(pk=company.pk).update(parent=company)

    assert_rejected_by("reports_company_not_its_own_parent", make_own_parent)


def test_clean_explains_a_bad_band_in_a_sentence() -> None:
    figure = Figure(period=ReportingPeriodFactory(), request_type="nsl", value_min=Decimal(500), value_max=Decimal(249))
    with pytest.raises(Exception) as error:
        figure.full_clean()
    assert "The band minimum (500) is above its maximum (249)." in str(error.value)


def test_constraint_tests_run_on_postgresql_in_ci(postgres: None) -> None:
    assert connection.vendor == "postgresql"
