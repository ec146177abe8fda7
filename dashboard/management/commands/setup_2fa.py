"""Give a staff account its authenticator app (TOTP) and a few backup codes, printed once."""

from __future__ import annotations

import io
from typing import Any

import qrcode
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = (
        "Create a TOTP device for a staff account and print its otpauth:// URL as a QR code to scan with an "
        "authenticator app, plus single-use backup codes. --replace removes the account's previous devices."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--replace", action="store_true", help="remove the account's existing devices first")
        parser.add_argument("--backup-codes", type=int, default=5, help="single-use backup codes to print (0: none)")

    def handle(self, *args: Any, username: str, replace: bool, backup_codes: int, **options: Any) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account named {username!r}; create it first with createsuperuser.")
        if not user.is_staff:
            raise CommandError(f"{username!r} is not staff: only staff sign in to the admin.")
        existing = TOTPDevice.objects.devices_for_user(user).exists()
        if existing and not replace:
            raise CommandError(f"{username!r} already has an authenticator; pass --replace to issue a new one.")
        with transaction.atomic():
            if replace:
                TOTPDevice.objects.filter(user=user).delete()
                StaticDevice.objects.filter(user=user).delete()
            device = TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=True)
            codes = self._backup_codes(user, backup_codes)
        self.stdout.write(f"Scan this with an authenticator app (or type the URL into it) for {username}:\n")
        self.stdout.write(_qr_text(device.config_url))
        self.stdout.write(device.config_url + "\n")
        if codes:
            self.stdout.write("\nBackup codes, each usable once when the phone is lost; keep them offline:")
            self.stdout.write("  " + "  ".join(codes))
        self.stdout.write("\nThis is shown once. Sign in with your password and the 6-digit code the app shows.")

    def _backup_codes(self, user: Any, count: int) -> list[str]:
        if count <= 0:
            return []
        device = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
        tokens = [StaticToken(device=device, token=StaticToken.random_token()) for _ in range(count)]
        StaticToken.objects.bulk_create(tokens)
        return [token.token for token in tokens]


def _qr_text(url: str) -> str:
    code = qrcode.QRCode(border=2)
    code.add_data(url)
    out = io.StringIO()
    code.print_ascii(out=out, invert=True)
    return out.getvalue()
