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
    # Not a service: a fresh clone without ../shared/data must still pass, in CI too (shared/data README).
    if not SHARED_DATA.is_dir():
        pytest.skip(f"../shared/data is absent ({SHARED_DATA}): the real reports are not beside this clone")
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


#: Rows of every reports table after the first real load of the bundled dataset in this session.
_BUNDLED_SNAPSHOT: list[tuple[str, list[str], list[tuple[object, ...]]]] = []
#: The archived files of that load (storage name -> bytes): another test's archive sweep may remove them.
_BUNDLED_FILES: dict[str, bytes] = {}


@pytest.fixture
def bundled_data(db: None) -> None:
    """The bundled dataset of real figures. The first test to ask loads it through the import pipeline
    (which proves the pipeline); later tests get the same rows copied back in raw SQL, in a fraction of
    the time, because a full load of ~55,000 figures takes tens of seconds."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.db import connection

    from reports import bundled
    from reports.models import SourceDocument

    if _BUNDLED_SNAPSHOT:
        _restore_tables(connection, _BUNDLED_SNAPSHOT)
        for name, data in _BUNDLED_FILES.items():
            if not default_storage.exists(name):
                default_storage.save(name, ContentFile(data))
        return
    result = bundled.load()
    assert not result.failed, [run.message for run in result.failed]
    _BUNDLED_SNAPSHOT.extend(_dump_tables(connection))
    for name in SourceDocument.objects.exclude(archive="").values_list("archive", flat=True):
        with default_storage.open(name, "rb") as handle:
            _BUNDLED_FILES[name] = handle.read()


def _report_models() -> list[type]:
    from django.apps import apps

    return [m for m in apps.get_app_config("reports").get_models(include_auto_created=True) if m._meta.managed]


def _dump_tables(connection: object) -> list[tuple[str, list[str], list[tuple[object, ...]]]]:
    tables = []
    with connection.cursor() as cursor:  # type: ignore[attr-defined]
        for model in _report_models():
            columns = [field.column for field in model._meta.concrete_fields]
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)  # type: ignore[attr-defined]
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(model._meta.db_table)}")  # type: ignore[attr-defined]
            tables.append((model._meta.db_table, columns, cursor.fetchall()))
    return tables


def _restore_tables(connection: object, tables: list[tuple[str, list[str], list[tuple[object, ...]]]]) -> None:
    from django.db import transaction

    quote = connection.ops.quote_name  # type: ignore[attr-defined]
    # One transaction: in a transactional test (live_server) each INSERT would otherwise commit alone and
    # SQLite would check its deferred foreign keys before the rows they point to are back.
    with transaction.atomic(), connection.cursor() as cursor:  # type: ignore[attr-defined]
        for table, columns, rows in tables:
            cursor.execute(f"DELETE FROM {quote(table)}")
            if not rows:
                continue
            column_list = ", ".join(quote(c) for c in columns)
            if connection.vendor == "postgresql":  # type: ignore[attr-defined]
                # COPY is about twenty times faster than INSERTs for ~110,000 rows, and the replica role
                # keeps the deferred checks (foreign keys, parts-not-above-total) from re-checking, at
                # each test's teardown, rows the real load already checked.
                cursor.execute("SET session_replication_role = replica")
                with cursor.cursor.copy(f"COPY {quote(table)} ({column_list}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                cursor.execute("SET session_replication_role = DEFAULT")
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {quote(table)}))"
                )
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {quote(table)} ({column_list}) VALUES ({marks})", rows)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session")
def tesseract() -> str:
    """Debian's OCR engine, for reports that draw their figures as chart images."""
    path = shutil.which("tesseract")
    if path is None:
        missing("needs the OCR engine tesseract to read chart images (apt-get install tesseract-ocr; CI does)")
    return str(path)
