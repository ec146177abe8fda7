"""What the site does when the data layer announces a change (reports.signals), connected in DashboardConfig."""

from __future__ import annotations

from dashboard.caching import forget_generation
from dashboard.tasks import warm_chart_previews_after_commit


def on_data_changed(sender: object, **kwargs: object) -> None:
    """reports.signals.data_changed: forget the generation this process keeps, and queue the pictures."""
    forget_generation()
    warm_chart_previews_after_commit()
