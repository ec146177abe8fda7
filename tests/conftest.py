"""Shared fixtures. Services a test needs are asked for by fixture: on a developer's machine a
missing one skips the test with the reason; under CI (CI=true) it fails, so green means it ran."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

PROJECT_DIR = Path(__file__).resolve().parent.parent
SHARED_DATA = PROJECT_DIR.parent / "shared" / "data"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"


def missing(reason: str) -> None:
    """Skip on a developer's machine, fail under CI."""
    if IN_CI:
        pytest.fail(f"CI requires it: {reason}")
    pytest.skip(reason)


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        missing(f"../shared/data is absent ({SHARED_DATA}): the real reports are not on this machine")
    return SHARED_DATA


@pytest.fixture
def postgres(django_db_blocker: object) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        missing("needs PostgreSQL: set DATABASE_URL=postgresql://... (CI does)")


@pytest.fixture
def broker_url() -> str:
    url = getattr(settings, "TEST_BROKER_URL", "")
    if not url:
        missing("needs Redis: set CELERY_BROKER_URL=redis://... (CI does)")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        missing(f"Redis at {url} does not answer: {error}")
    return url


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        missing(f"needs Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict, chromium_path: str) -> dict:
    """pytest-playwright launches Debian's Chromium, offline and headless."""
    return {
        **browser_type_launch_args,
        "executable_path": chromium_path,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
        ],
    }


@pytest.fixture
def bundled_data(db: None) -> None:
    """The bundled dataset of real figures, loaded through the import pipeline."""
    from reports import bundled

    result = bundled.load()
    assert not result.failed, [run.message for run in result.failed]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    from django.core.cache import cache

    cache.clear()
