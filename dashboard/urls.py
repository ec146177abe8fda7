"""Public routes. Each area of the site keeps its own routes beside its views."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import path

from dashboard import provenance, views

if settings.ADMIN_REQUIRE_2FA:
    from django_otp.admin import OTPAdminSite

    # Staff must sign in with a password and a one-time code (TOTP app or a backup code).
    admin.site.__class__ = OTPAdminSite
admin.site.site_header = "Data Demands staff"
admin.site.site_title = "Data Demands staff"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("companies/<slug:slug>/", views.company, name="company"),
    path(
        "reports/<slug:company>/<slug:scope>/<str:start>/<str:end>/",
        provenance.report,
        name="report",
    ),
    path("sources/<int:pk>/", provenance.source, name="source"),
    path("emergency-disclosures/<int:pk>/", views.disclosure, name="disclosure"),
    path(settings.ADMIN_PATH, admin.site.urls),
]
