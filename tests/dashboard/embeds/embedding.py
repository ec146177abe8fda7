"""A chart registered for the embed tests alone, so they test embedding, not a real chart's data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from dashboard.charts.frame import Chart, Column
from dashboard.charts.registry import CHARTS, ChartSpec, Param
from reports.models import SourceDocument

DEMO_FIGURE = {
    "data": [{"type": "bar", "x": ["H1 2019", "H2 2019", "H1 2020"], "y": [1841, 2416, 3000]}],
    "layout": {"height": 300, "margin": {"l": 50, "r": 10, "t": 10, "b": 40}},
}


def build_demo(params: dict[str, str]) -> Chart:
    source = SourceDocument(pk=7, url="https://example.org/report.pdf", title="Report", publisher="Examplecorp")
    return Chart(
        slug="demo",
        params=params,
        title=f"Examplecorp received 23% more {params['measure']} in H1 2020",
        subtitle="United States, per half-year",
        summary="Examplecorp received 3,000 requests in H1 2020, up from 2,416 in H2 2019.",
        figure=DEMO_FIGURE,
        columns=[Column("period", "Period"), Column("value", "Value", "number")],
        rows=[["H1 2020", 3000]],
        sources=[source, source],
        data_updated=dt.datetime(2025, 3, 3, tzinfo=dt.UTC),
    )


DEMO_SPEC = ChartSpec(
    slug="demo",
    name="Demo",
    description="A chart for the embed tests.",
    params=(
        Param("company", "Company", default="amazon", in_path=True),
        Param("measure", "Measure", default="requests", choices=(("requests", "Requests"), ("accounts", "Accounts"))),
    ),
    builder=build_demo,
    page=lambda params: f"/companies/{params['company']}/",
)


@pytest.fixture
def demo_chart(monkeypatch: pytest.MonkeyPatch) -> ChartSpec:
    monkeypatch.setitem(CHARTS, "demo", DEMO_SPEC)
    return DEMO_SPEC


@pytest.fixture
def only_demo_chart() -> Iterator[ChartSpec]:
    """The registry holding the demo chart alone, so its page shows one chart."""
    saved = dict(CHARTS)
    CHARTS.clear()
    CHARTS["demo"] = DEMO_SPEC
    yield DEMO_SPEC
    CHARTS.clear()
    CHARTS.update(saved)
