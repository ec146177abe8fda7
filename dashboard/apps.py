from __future__ import annotations

from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Public dashboard"

    def ready(self) -> None:
        # Chart builders register themselves on import: the registry is complete before any request.
        from dashboard import chart_types, charts_disclosures, company_charts, outcome_charts, ranking_charts  # noqa: F401
