"""Production's security settings, read from settings.py itself under DJANGO_ENV=production."""

from __future__ import annotations

import os
import runpy
from typing import Any
from unittest import mock

import pytest
from django.conf import settings as django_settings

PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "tests-only-" + "k" * 50,
    "DJANGO_ALLOWED_HOSTS": "testserver",
}
#: What the security tests take from production; the database, cache and static storage stay the test ones.
SECURITY_SETTINGS = (
    "MIDDLEWARE",
    "CONTENT_SECURITY_POLICY",
    "PERMISSIONS_POLICY",
    "X_FRAME_OPTIONS",
    "ADMIN_REQUIRE_2FA",
    "AUTHENTICATION_BACKENDS",
)
SECURITY_PREFIXES = ("SECURE_", "SESSION_COOKIE_", "CSRF_COOKIE_", "AXES_")


def production_module() -> dict[str, Any]:
    """Every name settings.py defines when run as production would run it."""
    path = os.path.join(django_settings.BASE_DIR, "dashboard", "settings.py")
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_DEBUG", "DJANGO_SECURE_SSL_REDIRECT")}
    with mock.patch.dict(os.environ, env | PRODUCTION_ENV, clear=True):
        return runpy.run_path(path)


def production_values() -> dict[str, Any]:
    """Production's security settings."""
    return {
        name: value
        for name, value in production_module().items()
        if name in SECURITY_SETTINGS or (name.isupper() and name.startswith(SECURITY_PREFIXES))
    }


@pytest.fixture
def production(settings: Any) -> Any:
    """The test settings with production's security settings on top; requests must say secure=True."""
    for name, value in production_values().items():
        setattr(settings, name, value)
    return settings
