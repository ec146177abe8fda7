"""What the site does when the data layer announces a change (reports.signals), connected in DashboardConfig."""

from __future__ import annotations

from dashboard.caching import forget_generation
from dashboard.tasks import queue_warming


def on_data_changed(sender: object, *, committed: bool = True, **kwargs: object) -> None:
    """reports.signals.data_changed: forget the generation this process keeps; once committed, queue the pictures."""
    forget_generation()
    if committed:
        queue_warming()
