"""Values every public template may use; nothing here touches the session or the user."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from dashboard.charts.themes import PAGE_CHART_SETTINGS


def site(request: HttpRequest) -> dict[str, Any]:
    return {"SITE_URL": settings.SITE_URL, "SITE_NAME": "Data Demands", "CHART_THEMES": PAGE_CHART_SETTINGS}
