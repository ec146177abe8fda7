"""Warming: after a data change the worker renders every page's default state, most-read first, so that no reader
pays a cold render (building the charts from the database) and the pages' cached copies are ready.

The site counts no reader (it sets no cookie and runs no analytics), so "most-read" is the order in which readers
reach the pages: the home page; the company pages its headline figures link to; the tracker it links to; the
request-type index and pages; the countries index and the country pages, those most companies report on first.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.db.models import F
from django.urls import resolve, reverse

from dashboard.charts.shared import TYPE_CHOICES
from dashboard.pages.views import country_url, has_country_page
from reports.models import Company, Figure

log = logging.getLogger(__name__)


def default_pages() -> list[str]:
    """The path of every public page's default state, in reading order (see the module's docstring)."""
    companies = Company.objects.with_published_data().order_by("name").values_list("slug", flat=True)
    jurisdictions = Figure.objects.jurisdiction_overview().order_by(F("companies").desc(), "jurisdiction")
    return [
        reverse("home"),
        *(reverse("company", args=[slug]) for slug in companies),
        reverse("disclosures"),
        reverse("request_types"),
        *(reverse("request_type", args=[slug]) for slug, _ in TYPE_CHOICES),
        reverse("countries"),
        *(country_url(row["jurisdiction"]) for row in jurisdictions if has_country_page(row["jurisdiction"])),
    ]


def warm_pages(paths: Iterable[str]) -> dict[str, int]:
    """Render each page as a reader's request would, plain and gzipped, into the page cache (cached_public)."""
    counts = {"warmed": 0, "failed": 0}
    for path in paths:
        match = resolve(path)
        response = match.func(_request(path), *match.args, **match.kwargs)
        if response.status_code == 200:
            counts["warmed"] += 1
        else:
            counts["failed"] += 1
            log.warning("page warming: %s answered %s", path, response.status_code)
    return counts


def _request(path: str) -> WSGIRequest:
    """A GET of ``path`` with no query string, from a browser that accepts gzip, for the site's own host."""
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0]
    return WSGIRequest(
        {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "HTTP_HOST": host,
            "HTTP_ACCEPT_ENCODING": "gzip",
            "SERVER_NAME": host.split(":")[0],
            "SERVER_PORT": "443" if settings.SITE_URL.startswith("https") else "80",
            "wsgi.url_scheme": "https" if settings.SITE_URL.startswith("https") else "http",
            "wsgi.input": io.BytesIO(b""),
        }
    )
