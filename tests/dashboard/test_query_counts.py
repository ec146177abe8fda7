"""Each page reads the database a fixed number of times, however many periods the companies have
reported: rendered with the bundled data, then with ten times as many periods, the count is the same."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.test import Client

from reports.models import Figure, ReportingPeriod, Status

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

#: The jurisdictions copied into the extra periods: the headline ones and a few countries.
COPIED_JURISDICTIONS = ("US", "WW", "NON-US", "DE", "FR", "IN")

#: Queries per page, uncached. A new query on a page is a decision: change the number here with it.
EXPECTED = {
    "/": 8,
    # A company page also lists its emergency disclosures and statements (two queries, and their sources).
    "/companies/amazon/": 17,
    "/companies/google/": 20,
    "/companies/meta/": 19,
    "/request-types/": 2,
    "/request-types/subpoena/": 9,
    "/request-types/nsl/": 8,
    "/countries/": 6,
    "/countries/DE/": 8,
    "/charts/requests-over-time.csv?type=total": 4,
    "/charts/company-requests.csv?company=google": 5,
}


def ten_times_the_periods() -> None:
    """Nine older copies of every published period, each with its model's figures for the U.S., all
    governments together and a few countries: the same shapes of data, ten times the periods."""
    periods = list(ReportingPeriod.objects.filter(status=Status.PUBLISHED).order_by("company_id", "start", "scope"))
    copies = []
    for number, original in enumerate(periods * 9):
        year = 100 + number // 2  # long before any real report
        start, end = (
            (dt.date(year, 1, 1), dt.date(year, 6, 30))
            if number % 2 == 0
            else (dt.date(year, 7, 1), dt.date(year, 12, 31))
        )
        copies.append(
            (
                original,
                ReportingPeriod(
                    company_id=original.company_id,
                    scope=original.scope,
                    start=start,
                    end=end,
                    source_id=original.source_id,
                    status=Status.PUBLISHED,
                ),
            )
        )
    ReportingPeriod.objects.bulk_create([copy for _, copy in copies])
    kept = Figure.objects.filter(period__in=periods, jurisdiction__in=COPIED_JURISDICTIONS)
    by_period: dict[int, list[Figure]] = {}
    for figure in kept:
        by_period.setdefault(figure.period_id, []).append(figure)
    Figure.objects.bulk_create(
        Figure(
            period=copy,
            jurisdiction=f.jurisdiction,
            request_type=f.request_type,
            measure=f.measure,
            value=f.value,
            value_min=f.value_min,
            value_max=f.value_max,
            note=f.note,
            source_id=f.source_id,
        )
        for original, copy in copies
        for f in by_period.get(original.pk, [])
    )


def render(client: Client, path: str, assert_num_queries: Callable[..., object]) -> None:
    cache.clear()  # uncached: every query the page needs
    with assert_num_queries(EXPECTED[path]):  # type: ignore[attr-defined]
        response = client.get(path)
    assert response.status_code == 200, path


@pytest.mark.parametrize("path", EXPECTED)
def test_a_page_makes_as_many_queries_with_ten_times_as_many_periods(
    client: Client, bundled_data: None, django_assert_num_queries: Callable[..., object], path: str
) -> None:
    published = ReportingPeriod.objects.filter(status=Status.PUBLISHED).count()
    render(client, path, django_assert_num_queries)
    ten_times_the_periods()
    assert ReportingPeriod.objects.filter(status=Status.PUBLISHED).count() == 10 * published
    render(client, path, django_assert_num_queries)
