"""dashboard.warm_chart_previews: the first readers after a data change find the chart pictures drawn."""

from __future__ import annotations

from typing import Any

import pytest

from dashboard import tasks
from dashboard.charts.defaults import COMPANY_CHARTS, front_charts
from reports.models import Company
from reports.services import bump_generation

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    monkeypatch.setattr(tasks.warm_chart_previews, "delay", lambda: calls.append("warm"))
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
    assert queued == ["warm"]


@pytest.mark.parametrize(("previews", "eager"), [(False, False), (True, True)])
def test_no_warming_without_previews_or_without_a_worker(
    settings: Any, queued: list[str], django_capture_on_commit_callbacks: Any, previews: bool, eager: bool
) -> None:
    settings.CHART_PREVIEWS, settings.CELERY_TASK_ALWAYS_EAGER = previews, eager
    with django_capture_on_commit_callbacks(execute=True):
        bump_generation()
    assert queued == []


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
