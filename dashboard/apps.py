from __future__ import annotations

from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Public dashboard"

    def ready(self) -> None:
        from dashboard import checks  # noqa: F401  (registers the deploy checks)
        from dashboard.charts.registry import load_families
        from dashboard.receivers import on_data_changed
        from reports.signals import data_changed

        # Chart builders register themselves on import: the registry is complete before any request.
        load_families()
        # The data layer announces a change; the site forgets its cached pages and redraws its pictures.
        data_changed.connect(on_data_changed, dispatch_uid="dashboard.receivers.on_data_changed")
