"""In production static files are hashed, compressed and cached forever; unhashed names only briefly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client

from tests.security.conftest import production_module


@pytest.fixture
def collected(settings: Any, tmp_path: Path) -> Path:
    """collectstatic with production's storage into a temporary STATIC_ROOT, served as production serves it."""
    values = production_module()
    settings.STORAGES = values["STORAGES"]
    settings.STATIC_ROOT = tmp_path
    for name in ("WHITENOISE_MAX_AGE", "WHITENOISE_USE_FINDERS", "WHITENOISE_AUTOREFRESH", "DEBUG"):
        setattr(settings, name, values[name])
    call_command("collectstatic", interactive=False, verbosity=0)
    return tmp_path


def test_a_hashed_static_file_is_cached_for_a_year_as_immutable(collected: Path) -> None:
    url = static("css/site.css")
    assert url != "/static/css/site.css" and url.startswith("/static/css/site.")
    response = Client().get(url, secure=True)
    assert response.status_code == 200
    directives = dict(part.strip().partition("=")[::2] for part in response["Cache-Control"].split(","))
    assert int(directives["max-age"]) >= 31536000  # WhiteNoise says ten years
    assert "immutable" in directives and "public" in directives


def test_static_files_are_served_compressed_to_browsers_that_accept_it(collected: Path) -> None:
    url = static("vendor/plotly/plotly-basic-4.1.1.min.js")
    response = Client().get(url, secure=True, headers={"Accept-Encoding": "gzip"})
    assert response["Content-Encoding"] == "gzip"
    assert int(response["Content-Length"]) < (collected / url.removeprefix("/static/")).stat().st_size / 2
    assert "Accept-Encoding" in response["Vary"]


def test_an_unhashed_name_is_cached_only_for_an_hour_so_other_sites_pick_up_changes(collected: Path) -> None:
    response = Client().get("/static/css/site.css", secure=True)
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=3600, public"


def test_static_files_carry_the_security_headers_too(collected: Path, production: Any) -> None:
    response = Client().get(static("css/site.css"), secure=True)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Strict-Transport-Security"].startswith("max-age=63072000")
