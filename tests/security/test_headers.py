"""Every class of response carries the security headers production promises (HTTP Observatory A+).

The settings are production's own (tests/security/conftest.py), requests arrive over HTTPS.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import Client

from tests.factories import CompanyFactory, FigureFactory

pytestmark = pytest.mark.django_db

#: One route per class of response the site serves, with the company page standing in for the rest.
PUBLIC_ROUTES = {
    "page": "/",
    "company page": "/companies/amazon/",
    "API": "/api/v1/figures?company=amazon",
    "CSV": "/data/figures.csv",
    "JSON download": "/data/figures.json",
    "feed": "/feeds/updates.atom",
}
EMBED = "/embed/company-requests?company=amazon"


@pytest.fixture
def published() -> None:
    """A company with one published figure: enough for every public route to answer 200."""
    FigureFactory(period__company=CompanyFactory(slug="amazon", name="Amazon"))


def csp(response: HttpResponse) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: values for name, *values in directives}


def body(response: HttpResponse) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def assert_secure_headers(response: HttpResponse, *, frameable: bool = False) -> None:
    headers = response.headers
    assert headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["Permissions-Policy"] and "geolocation=()" in headers["Permissions-Policy"]
    policy = csp(response)
    assert policy["default-src"] in (["'none'"], ["'self'"])
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    if frameable:
        assert policy["frame-ancestors"] == ["*"]
        assert "X-Frame-Options" not in headers
    else:
        assert policy["frame-ancestors"] == ["'none'"]
        assert headers["X-Frame-Options"] == "DENY"


def assert_cookieless(response: HttpResponse) -> None:
    assert not response.cookies, response.cookies
    assert "cookie" not in response.headers.get("Vary", "").lower()


@pytest.mark.parametrize("route", PUBLIC_ROUTES.values(), ids=PUBLIC_ROUTES.keys())
def test_public_responses_carry_every_security_header_and_no_cookie(
    client: Client, production: Any, published: None, route: str
) -> None:
    response = client.get(route, secure=True)
    assert response.status_code == 200
    assert_secure_headers(response)
    assert_cookieless(response)


@pytest.mark.parametrize(
    "route",
    [
        "/charts/company-requests.svg?company=amazon",
        "/charts/company-requests/preview.svg?company=amazon&width=360&theme=dark",
    ],
)
def test_chart_pictures_carry_every_security_header_and_no_cookie(
    client: Client, production: Any, published: None, route: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from dashboard.charts import previews as images

    monkeypatch.setattr(
        images, "render_figure", lambda figure, fmt, **size: b'<svg xmlns="http://www.w3.org/2000/svg"/>'
    )
    production.MEDIA_ROOT = tmp_path
    response = client.get(route, secure=True)
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert_secure_headers(response)  # an SVG opened on its own is a document: the policy holds there too
    assert_cookieless(response)


@pytest.mark.parametrize("route", PUBLIC_ROUTES.values(), ids=PUBLIC_ROUTES.keys())
def test_a_signed_in_staff_member_gets_the_same_cookieless_public_response(
    client: Client, production: Any, published: None, route: str
) -> None:
    anonymous = body(client.get(route, secure=True))
    client.force_login(User.objects.create_superuser("editor", "editor@example.org", "a long enough password"))
    response = client.get(route, secure=True)
    assert body(response) == anonymous
    assert_cookieless(response)


def test_an_embed_may_be_framed_by_any_site_and_sets_no_cookie(
    client: Client, production: Any, published: None
) -> None:
    response = client.get(EMBED, secure=True)
    assert response.status_code == 200
    assert_secure_headers(response, frameable=True)
    assert_cookieless(response)


def test_an_embed_served_from_the_cache_or_as_a_304_is_still_frameable(
    client: Client, production: Any, published: None
) -> None:
    etag = client.get(EMBED, secure=True)["ETag"]
    assert_secure_headers(client.get(EMBED, secure=True), frameable=True)
    not_modified = client.get(EMBED, secure=True, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert csp(not_modified)["frame-ancestors"] == ["*"] and "X-Frame-Options" not in not_modified


def test_the_admin_login_page_carries_every_header_and_a_host_only_secure_csrf_cookie(
    client: Client, production: Any
) -> None:
    response = client.get("/admin/login/", secure=True)
    assert response.status_code == 200
    assert_secure_headers(response)
    cookie = response.cookies["__Host-csrftoken"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == "/" and not cookie["domain"]
    assert "csrftoken" not in response.cookies
    assert "no-cache" in response.headers["Cache-Control"] or "private" in response.headers["Cache-Control"]


def test_plain_http_is_redirected_to_https(client: Client, production: Any) -> None:
    response = client.get("/companies/amazon/?x=1")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/companies/amazon/?x=1"


def test_the_health_check_answers_over_plain_http_for_the_container_probe(client: Client, production: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["database"] == "ok"


def test_the_opener_policy_isolates_the_site_from_windows_it_opens(client: Client, production: Any) -> None:
    response = client.get("/admin/login/", secure=True)
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
