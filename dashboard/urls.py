"""Public routes. Each area of the site keeps its own routes beside its views."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from dashboard.pages import provenance, views
from dashboard.pages import tracker as disclosures
from dashboard.security import StaffAdminSite

# Staff sign in with a password and, when ADMIN_REQUIRE_2FA, a one-time code (TOTP app or backup code).
# The default site is re-classed rather than replaced so every app's admin.register() still lands on it.
admin.site.__class__ = StaffAdminSite
admin.site.site_header = "Data Demands staff"
admin.site.site_title = "Data Demands staff"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("companies/<slug:slug>/", views.company, name="company"),
    path("request-types/", views.request_types, name="request_types"),
    path("request-types/<slug:slug>/", views.request_type, name="request_type"),
    path("countries/", views.countries, name="countries"),
    path("countries/<str:code>/", views.country, name="country"),
    path("charts/<slug:slug>.csv", views.chart_csv, name="chart_csv"),
    path(
        "reports/<slug:company>/<slug:scope>/<str:start>/<str:end>/",
        provenance.report,
        name="report",
    ),
    path("sources/", provenance.sources, name="sources"),
    path("sources/<int:pk>/", provenance.source, name="source"),
    path("sources/<int:pk>/archive", provenance.source_archive, name="source_archive"),
    path("sources/charts/<str:sha256>.png", provenance.chart_image, name="chart_image"),
    path("corrections/", provenance.corrections, name="corrections"),
    path("methodology/", provenance.methodology, name="methodology"),
    path("emergency-disclosures/", disclosures.tracker, name="disclosures"),
    path("emergency-disclosures/<int:pk>/", disclosures.disclosure, name="disclosure"),
    # The open data: JSON API, downloads and the updates feed (routes beside their views).
    path("", include("dashboard.opendata.api")),
    path("", include("dashboard.opendata.openapi")),
    path("", include("dashboard.opendata.downloads")),
    path("", include("dashboard.opendata.feeds")),
    # Embeds (the only pages other sites may frame), oEmbed and chart images.
    path("", include("dashboard.embeds.views")),
    path(settings.ADMIN_PATH, admin.site.urls),
]
