"""The charts readers meet first, in their default states: what the worker draws before the first reader asks."""

from __future__ import annotations

from dashboard.charts.frame import Chart
from dashboard.charts.labels import TOTAL
from dashboard.charts.registry import build_chart
from reports.models import Company

#: The charts of a company page, in the order they appear.
COMPANY_CHARTS = ("company-requests", "company-outcomes", "company-national-security", "company-countries")
HOME_CHART = {"type": TOTAL, "jurisdiction": "US", "measure": "requests"}


def front_charts() -> list[Chart]:
    """The charts readers meet first: the home page's and each company page's, in their default state."""
    charts = [build_chart("requests-over-time", HOME_CHART)]
    for slug in Company.objects.with_published_reports().values_list("slug", flat=True):
        charts += [build_chart(chart, {"company": slug}) for chart in COMPANY_CHARTS]
    return charts
