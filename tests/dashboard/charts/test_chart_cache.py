"""Charts are built once per data generation and state, and shared by every route that shows them."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from django.test import Client
from django.utils.safestring import SafeString

from dashboard.charts.frame import Chart, Control, Option
from dashboard.charts.registry import CHARTS, build_chart
from reports.models import Company
from reports.services import bump_generation
from tests.dashboard.embeds.embedding import DEMO_SPEC, build_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def builds(settings: Any, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, str]]:
    """The demo chart with its builds counted, and the chart cache on."""
    settings.CHART_CACHE_SECONDS = 3600
    calls: list[dict[str, str]] = []

    def counted(params: dict[str, str]) -> Chart:
        calls.append(params)
        chart = build_demo(params)
        chart.controls = lambda: [Control("measure", "Measure", (Option("requests", "Requests"),), "requests")]
        return chart

    monkeypatch.setitem(CHARTS, "demo", dataclasses.replace(DEMO_SPEC, builder=counted))
    return calls


def test_a_chart_is_built_once_per_state_until_the_data_changes(builds: list[dict[str, str]]) -> None:
    first = build_chart("demo", {"measure": "accounts"})
    again = build_chart("demo", {"measure": "accounts", "ignored": "x"})
    assert len(builds) == 1
    assert again.title == first.title and again.figure == first.figure and again.rows == first.rows
    build_chart("demo", {"measure": "requests"})
    assert len(builds) == 2  # another state is another chart
    bump_generation()
    build_chart("demo", {"measure": "accounts"})
    assert len(builds) == 3  # new data, new build


def test_every_caller_gets_a_copy_of_its_own(builds: list[dict[str, str]]) -> None:
    chart = build_chart("demo", {})
    chart.local_controls.append(chart.filter_controls()[0])  # what a page does with a filter of one chart
    chart.rows.append(["H2 2020", 1])
    again = build_chart("demo", {})
    assert again.local_controls == [] and len(again.rows) == 1


def test_a_deferred_list_of_filters_is_listed_before_the_chart_is_kept(builds: list[dict[str, str]]) -> None:
    build_chart("demo", {})
    kept = build_chart("demo", {})
    assert [control.name for control in kept.filter_controls()] == ["measure"]


def test_the_embed_and_the_csv_of_a_chart_share_one_build(client: Client, builds: list[dict[str, str]]) -> None:
    for url in ("/embed/demo?measure=accounts", "/charts/demo.csv?measure=accounts"):
        assert client.get(url).status_code == 200
    assert len(builds) == 1


def test_without_the_cache_every_request_builds(settings: Any, builds: list[dict[str, str]]) -> None:
    settings.CHART_CACHE_SECONDS = 0
    build_chart("demo", {})
    build_chart("demo", {})
    assert len(builds) == 2


def test_every_chart_of_the_bundled_data_comes_back_from_the_cache_as_it_was_built(
    bundled_data: None, settings: Any
) -> None:
    states = [("requests-over-time", {})] + [
        (slug, {"company": company})
        for company in Company.objects.with_published_reports().values_list("slug", flat=True)
        for slug in CHARTS
        if slug.startswith("company-")
    ]
    settings.CHART_CACHE_SECONDS = 0
    fresh = [build_chart(slug, params) for slug, params in states]
    settings.CHART_CACHE_SECONDS = 3600
    for slug, params in states:
        build_chart(slug, params)  # fills the cache
    for (slug, params), built in zip(states, fresh, strict=True):
        kept = build_chart(slug, params)
        assert (kept.title, kept.summary, kept.figure, kept.rows, kept.notes) == (
            built.title,
            built.summary,
            built.figure,
            built.rows,
            built.notes,
        ), slug
        assert [source.pk for source in kept.sources] == [source.pk for source in built.sources]
        for part in ("table_html", "figure_script", "sources_html"):  # kept safe: a page must not escape it again
            value = getattr(kept, part)
            assert isinstance(value() if callable(value) else value, SafeString), part
        assert kept.table_html() == built.table_html() and kept.sources_html == built.sources_html
        assert [control.name for control in kept.filter_controls()] == [c.name for c in built.filter_controls()]


def test_the_figure_script_is_django_json_script_byte_for_byte() -> None:
    import datetime as dt
    from decimal import Decimal

    from django.utils.html import json_script

    from dashboard.charts.frame import figure_json_script

    value = {"text": "<b>&amp; 'x' \"y\"</b> é \u2028", "on": dt.date(2022, 6, 30), "n": Decimal("1.5"), "a": [1]}
    assert figure_json_script(value, "chart-x-figure") == json_script(value, "chart-x-figure")
    assert "<b>" not in figure_json_script(value, "chart-x-figure")


def test_a_new_state_reads_the_periods_and_sources_held_for_the_generation(bundled_data: None, settings: Any) -> None:
    """The published periods and the source documents are the same for every state: one query each per data
    generation and process, then each new state queries only its own figures."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.CHART_CACHE_SECONDS = 3600
    build_chart("company-requests", {"company": "google", "jurisdiction": "DE"})
    with CaptureQueriesContext(connection) as new_state:
        fr = build_chart("company-requests", {"company": "google", "jurisdiction": "FR"})
    assert len(new_state) == 1 and "reports_figure" in new_state[0]["sql"]
    assert fr.sources and all(source.title for source in fr.sources)
    settings.CHART_CACHE_SECONDS = 0
    fresh = build_chart("company-requests", {"company": "google", "jurisdiction": "FR"})
    assert [s.pk for s in fr.sources] == [s.pk for s in fresh.sources] and fr.rows == fresh.rows
    settings.CHART_CACHE_SECONDS = 3600
    Company.objects.filter(slug="google").update(name="Alphabet")
    bump_generation()  # the data moved on: so does what is held
    assert build_chart("company-requests", {"company": "google", "jurisdiction": "IT"}).title.startswith("Alphabet")
