"""Deploy checks of this project's own settings, run by ``manage.py check --deploy`` beside Django's."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def staff_need_two_factors(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """Production staff sign in with a one-time code too: turning that off is allowed, never silent."""
    if settings.ADMIN_REQUIRE_2FA:
        return []
    return [
        Warning(
            "ADMIN_REQUIRE_2FA is off: staff can sign in to the admin with a password alone.",
            hint="Unset ADMIN_REQUIRE_2FA (it defaults to on in production) or set it to 1; docs/security.md.",
            id="dashboard.W001",
        )
    ]
