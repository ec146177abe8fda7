"""Staff sign-in: lockout after repeated failures (by account or by address), two factors, a movable admin."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import clear_url_caches
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough password"


@pytest.fixture
def editor() -> User:
    return User.objects.create_superuser("editor", "editor@example.org", PASSWORD)


def sign_in(client: Client, username: str, password: str, address: str = "10.0.0.1", **extra: str) -> Any:
    data = {"username": username, "password": password, "next": "/admin/"} | extra
    return client.post("/admin/login/", data, secure=True, REMOTE_ADDR=address)


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


# --- Lockout (django-axes) ----------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_even_from_a_new_address(client: Client, production: Any, editor: User):
    statuses = [sign_in(client, "editor", "wrong", address=f"10.0.0.{attempt}").status_code for attempt in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    response = sign_in(client, "editor", PASSWORD, address="10.9.9.9")
    assert response.status_code == 429
    assert "Sign-in paused" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_five_failures_from_one_address_lock_that_address_for_every_account(
    client: Client, production: Any, editor: User
) -> None:
    for attempt in range(5):
        sign_in(client, f"guess{attempt}", "wrong", address="10.0.0.7")
    assert sign_in(client, "editor", PASSWORD, address="10.0.0.7").status_code == 429
    assert sign_in(client, "editor", "wrong", address="10.0.0.8").status_code == 200


def test_four_failures_do_not_lock_anyone_out(client: Client, editor: User) -> None:
    for _ in range(4):
        sign_in(client, "editor", "wrong")
    response = sign_in(client, "editor", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_the_lockout_page_explains_the_wait_in_words(client: Client, production: Any, editor: User) -> None:
    for _ in range(5):
        sign_in(client, "editor", "wrong")
    page = sign_in(client, "editor", PASSWORD).content.decode()
    assert "There were 5 failed sign-in attempts" in page
    assert "It reopens by itself in" in page and "1 hour" in page


def test_the_lockout_lifts_after_the_cool_off(client: Client, editor: User) -> None:
    for _ in range(5):
        sign_in(client, "editor", "wrong")
    assert sign_in(client, "editor", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(hours=1, minutes=1))
    assert sign_in(client, "editor", PASSWORD).status_code == 302


def test_behind_a_proxy_the_forwarded_client_is_locked_not_the_proxy(
    client: Client, production: Any, editor: User
) -> None:
    production.TRUSTED_PROXY_COUNT = 1
    device = TOTPDevice.objects.create(user=editor, name="phone")
    for _ in range(5):
        # The forged left-most entry is ignored: the proxy appended the real client last.
        client.post(
            "/admin/login/",
            {"username": "guess", "password": "wrong"},
            REMOTE_ADDR="172.16.0.2",
            HTTP_X_FORWARDED_PROTO="https",
            HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9",
        )
    assert AccessAttempt.objects.get().ip_address == "203.0.113.9"
    colleague = client.post(
        "/admin/login/",
        {"username": "editor", "password": PASSWORD, "otp_token": code_for(device)},
        REMOTE_ADDR="172.16.0.2",
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_X_FORWARDED_FOR="198.51.100.4",
    )
    assert colleague.status_code == 302


# --- Two factors (django-otp) --------------------------------------------------------------------


def test_staff_without_a_verified_device_cannot_reach_the_admin(client: Client, production: Any, editor: User):
    client.force_login(editor)
    response = client.get("/admin/", secure=True)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_a_password_alone_does_not_sign_staff_in(client: Client, production: Any, editor: User) -> None:
    TOTPDevice.objects.create(user=editor, name="phone")
    response = sign_in(client, "editor", PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_wrong_code_does_not_sign_staff_in(client: Client, production: Any, editor: User) -> None:
    device = TOTPDevice.objects.create(user=editor, name="phone")
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    sign_in(client, "editor", PASSWORD, otp_device=device.persistent_id, otp_token=wrong)
    assert client.get("/admin/", secure=True).status_code == 302


def test_staff_with_a_totp_device_and_its_current_code_reach_the_admin(
    client: Client, production: Any, editor: User
) -> None:
    device = TOTPDevice.objects.create(user=editor, name="phone")
    response = sign_in(client, "editor", PASSWORD, otp_token=code_for(device))
    assert response.status_code == 302 and response["Location"] == "/admin/"
    session = response.cookies["__Host-sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax" and session["path"] == "/"
    assert client.get("/admin/", secure=True).status_code == 200


def test_a_backup_code_works_once_beside_the_app(client: Client, production: Any, editor: User) -> None:
    call_command("setup_2fa", "editor", "--backup-codes", "1", stdout=(out := _Output()))
    token = StaticToken.objects.get().token
    assert token in out.text
    sign_in(client, "editor", PASSWORD, otp_token=token)
    assert client.get("/admin/", secure=True).status_code == 200
    client.logout()
    sign_in(client, "editor", PASSWORD, otp_token=token)
    assert client.get("/admin/", secure=True).status_code == 302


def test_setup_2fa_prints_an_otpauth_url_whose_codes_sign_staff_in(
    client: Client, production: Any, editor: User
) -> None:
    out = _Output()
    call_command("setup_2fa", "editor", stdout=out)
    device = TOTPDevice.objects.get(user=editor)
    assert device.config_url in out.text and "otpauth://totp/Data%20Demands%3Aeditor" in out.text
    assert "█" in out.text  # the QR code, drawn in text
    sign_in(client, "editor", PASSWORD, otp_device=device.persistent_id, otp_token=code_for(device))
    assert client.get("/admin/", secure=True).status_code == 200


def test_a_code_from_another_accounts_device_is_refused(client: Client, production: Any, editor: User) -> None:
    TOTPDevice.objects.create(user=editor, name="phone")
    other = TOTPDevice.objects.create(user=User.objects.create_superuser("other", "o@example.org", PASSWORD))
    sign_in(client, "editor", PASSWORD, otp_device=other.persistent_id, otp_token=code_for(other))
    assert client.get("/admin/", secure=True).status_code == 302


def test_setup_2fa_refuses_to_silently_replace_a_device_or_to_serve_non_staff(editor: User) -> None:
    call_command("setup_2fa", "editor", stdout=_Output())
    with pytest.raises(CommandError, match="--replace"):
        call_command("setup_2fa", "editor", stdout=_Output())
    call_command("setup_2fa", "editor", "--replace", stdout=_Output())
    assert TOTPDevice.objects.filter(user=editor).count() == 1
    User.objects.create_user("reader", password=PASSWORD)
    with pytest.raises(CommandError, match="not staff"):
        call_command("setup_2fa", "reader", stdout=_Output())


class _Output:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


# --- The admin's address and accounts ------------------------------------------------------------


@pytest.fixture
def admin_moved(production: Any) -> Iterator[None]:
    import dashboard.urls

    production.ADMIN_PATH = "staff-entrance/"
    importlib.reload(dashboard.urls)
    clear_url_caches()
    yield
    production.ADMIN_PATH = "admin/"
    importlib.reload(dashboard.urls)
    clear_url_caches()


def test_the_admin_lives_at_django_admin_path(client: Client, admin_moved: None) -> None:
    assert client.get("/staff-entrance/login/", secure=True).status_code == 200
    assert client.get("/admin/login/", secure=True).status_code == 404


def test_a_freshly_migrated_database_has_no_account() -> None:
    assert not User.objects.exists()


def test_the_bundled_data_holds_no_account() -> None:
    for path in (settings.BASE_DIR / "reports" / "data").rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace").lower()
            assert '"auth.user"' not in text and "pbkdf2_sha256$" not in text, path
