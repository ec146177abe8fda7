"""Test settings: the real settings, made fast and deterministic."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_ENV", "test")

from dashboard.settings import *  # noqa: F403
from dashboard.settings import CELERY_BROKER_URL, DATABASE_URL, VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if not DATABASE_URL:
    # An in-memory SQLite per test run keeps `make test` from touching the `make run` database.
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
# One folder per pytest-xdist worker: archived copies and pictures of one worker's test database are never
# another's to find missing or to sweep away.
MEDIA_ROOT = VAR_DIR / "test-media" / os.environ.get("PYTEST_XDIST_WORKER", "main")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
# Tests that need a real broker start their own worker; the rest run tasks in-process.
CELERY_TASK_ALWAYS_EAGER = True
TEST_BROKER_URL = CELERY_BROKER_URL
AXES_ENABLED = True
# Drawing a preview starts Chromium (about a second): tests of previews switch them on themselves.
CHART_PREVIEWS = False
# Factories change data without bumping the generation: tests of the chart cache switch it on themselves.
CHART_CACHE_SECONDS = 0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
