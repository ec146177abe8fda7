"""dashboard.warm_pages and dashboard.warm_chart_previews: the first readers after a data change find every page's
default state rendered and the chart pictures drawn."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from dashboard import tasks
from dashboard.charts.defaults import COMPANY_CHARTS, front_charts
from dashboard.pages.warming import default_pages
from reports.models import Company
from reports.services import bump_generation
from tests.factories import CompanyFactory, EmergencyDisclosureFactory, FigureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    monkeypatch.setattr(tasks.warm_pages, "delay", lambda: calls.append("pages"))
    monkeypatch.setattr(tasks.warm_chart_previews, "delay", lambda: calls.append("previews"))
    return calls


def test_a_data_change_queues_the_warming_once_committed_when_a_worker_runs_tasks(
    settings: Any, queued: list[str], django_capture_on_commit_callbacks: Any
) -> None:
    settings.CHART_PREVIEWS, settings.CELERY_TASK_ALWAYS_EAGER = True, False
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        bump_generation()
    assert queued == []  # not before the change is committed
    for callback in callbacks:
        callback()
    assert queued == ["pages", "previews"]  # the pages first: the pictures take minutes


@pytest.mark.parametrize(("previews", "eager", "expected"), [(False, False, ["pages"]), (True, True, [])])
def test_no_pictures_without_previews_and_no_warming_without_a_worker(
    settings: Any,
    queued: list[str],
    django_capture_on_commit_callbacks: Any,
    previews: bool,
    eager: bool,
    expected: list[str],
) -> None:
    settings.CHART_PREVIEWS, settings.CELERY_TASK_ALWAYS_EAGER = previews, eager
    with django_capture_on_commit_callbacks(execute=True):
        bump_generation()
    assert queued == expected


def test_the_warmed_charts_are_the_home_chart_and_every_company_pages_charts(bundled_data: None) -> None:
    charts = front_charts()
    companies = list(Company.objects.with_published_reports().values_list("slug", flat=True))
    assert len(companies) >= 6
    assert [chart.slug for chart in charts] == ["requests-over-time"] + list(COMPANY_CHARTS) * len(companies)
    assert charts[1].params["company"] == companies[0]


def test_the_task_warms_those_charts_and_says_what_it_did(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    seen: list[Any] = []
    monkeypatch.setattr("dashboard.charts.defaults.front_charts", lambda: ["chart"])
    monkeypatch.setattr(
        "dashboard.charts.previews.warm_previews",
        lambda charts: seen.append(charts) or {"drawn": 3, "kept": 0, "failed": 0},
    )
    assert tasks.warm_chart_previews.apply().get() == {"drawn": 3, "kept": 0, "failed": 0}
    assert seen == [["chart"]]


# --- Pages ---------------------------------------------------------------------------------------


def test_every_pages_default_state_is_warmed_most_read_first(bundled_data: None) -> None:
    pages = default_pages()
    companies = list(Company.objects.with_published_data().order_by("name").values_list("slug", flat=True))
    assert pages[: len(companies) + 2] == [
        "/",
        *(f"/companies/{slug}/" for slug in companies),
        "/emergency-disclosures/",
    ]
    assert pages.index("/request-types/") < pages.index("/request-types/subpoena/") < pages.index("/countries/")
    countries = pages[pages.index("/countries/") + 1 :]
    assert countries[0] == "/countries/US/"  # the government most companies report on
    assert len(countries) > 100 and len(set(pages)) == len(pages)


def test_warmed_pages_are_served_without_a_render(
    client: Client, settings: Any, django_assert_num_queries: Any
) -> None:
    settings.PAGE_CACHE_SECONDS = 600
    amazon = CompanyFactory(slug="amazon", name="Amazon")
    us = FigureFactory(period__company=amazon)
    FigureFactory(period=us.period, jurisdiction="DE")
    EmergencyDisclosureFactory(company=amazon)
    bump_generation()
    pages = default_pages()
    assert {"/", "/companies/amazon/", "/emergency-disclosures/", "/countries/DE/", "/request-types/"} <= set(pages)
    assert tasks.warm_pages.apply().get() == {"warmed": len(pages), "failed": 0}
    with django_assert_num_queries(0):
        for path in pages:
            assert client.get(path).status_code == 200, path
            assert client.get(path, headers={"Accept-Encoding": "gzip"})["Content-Encoding"] == "gzip", path
