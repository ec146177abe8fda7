"""Security glue: the Permissions-Policy header, the client address axes counts, the staff admin site.

Everything else (HSTS, nosniff, CSP, cookies) is Django's, django-csp's, axes' or django-otp's own,
configured in ``settings.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest, HttpResponseBase
from django.template.response import TemplateResponse
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice


class PermissionsPolicyMiddleware:
    """Deny every powerful browser feature the site never uses (camera, geolocation, payment...)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        policy: dict[str, list[str]] = getattr(settings, "PERMISSIONS_POLICY", {})
        self.header = ", ".join(f"{feature}=({' '.join(allow)})" for feature, allow in policy.items())

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


def client_ip(request: HttpRequest) -> str:
    """The address axes locks out: REMOTE_ADDR, or the address the Nth trusted proxy saw.

    Behind a reverse proxy every request comes from the proxy, so counting by REMOTE_ADDR would lock
    every staff member out at once. With ``TRUSTED_PROXY_COUNT = n`` (env ``AXES_PROXY_COUNT``) the client is
    the n-th address from the right of X-Forwarded-For: entries further left come from the client, forgeable.
    """
    count: int = settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR", "")
    if count <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    return hops[-count] if len(hops) >= count else remote


class StaffLoginForm(OTPAdminAuthenticationForm):
    """django-otp's admin login, which also works out the device when staff leave its choice empty.

    django-otp asks for a device explicitly (trying each would count failures against the backup codes),
    which means a second round trip on every sign-in; the code's shape already says which one is meant:
    six digits come from the authenticator app, anything else is a backup code.
    """

    def _chosen_device(self, user: Any) -> Device | None:
        device = super()._chosen_device(user)
        if device is None and user is not None:
            token = (self.cleaned_data.get("otp_token") or "").strip()
            model = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
            devices = list(model.objects.devices_for_user(user, confirmed=True)[:2])
            device = devices[0] if len(devices) == 1 else None
        return device


class StaffAdminSite(OTPAdminSite):
    """The admin; staff also need a one-time code (TOTP or backup code) when ``ADMIN_REQUIRE_2FA``.

    The setting is read per request rather than at import, so the rule a test flips is the rule served.
    """

    #: The home page puts the upload first and lists what waits for review (templates/admin/home.html).
    index_template = "admin/home.html"

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> TemplateResponse:
        from reports.admin_upload import UPLOAD_PERMISSIONS
        from reports.models import ReportingPeriod, Status

        drafts = ReportingPeriod.objects.filter(status=Status.DRAFT).select_related("company", "source")
        context = {
            "can_upload": request.user.has_perms(UPLOAD_PERMISSIONS),
            "draft_periods": list(drafts.order_by("company__name", "start")[:10]),
            "draft_count": drafts.count(),
            **(extra_context or {}),
        }
        return super().index(request, context)

    def has_permission(self, request: HttpRequest) -> bool:
        if settings.ADMIN_REQUIRE_2FA:
            return super().has_permission(request)
        return AdminSite.has_permission(self, request)

    @property  # type: ignore[override]
    def login_form(self) -> type[AdminAuthenticationForm]:
        return StaffLoginForm if settings.ADMIN_REQUIRE_2FA else AdminAuthenticationForm

    @property  # type: ignore[override]
    def login_template(self) -> str | None:
        return "otp/admin111/login.html" if settings.ADMIN_REQUIRE_2FA else None
