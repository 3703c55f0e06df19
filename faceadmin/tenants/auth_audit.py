"""Logins, failed logins, logouts and lockouts in the audit trail.

`auth.login` and `auth.logout` are written into each tenant the user belongs to, so each
tenant's admins see them; a user without tenants gets one event with no tenant. Failed
logins and lockouts have no tenant (the username may not even exist): staff read them on the
server audit page. Attempts refused during a lockout are not written one by one, so a flood
of them cannot fill the append-only table; the lockout itself is (`auth.locked`).
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from faceadmin.tenants.audit import audit_record
from faceadmin.tenants.models import Membership

# Usernames are echoed into the trail; cap what an attacker can make us store.
_MAX_USERNAME = 150


def client_ip(request: HttpRequest) -> str:
    """The client's address for the login throttle (AXES_CLIENT_IP_CALLABLE).

    Behind the TLS proxy (BEHIND_TLS_PROXY=True) every request comes from the proxy, so the
    address is the last entry of X-Forwarded-For: the one the proxy itself appended (earlier
    entries come from the client and can be forged). Exactly one proxy is assumed.
    """
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.split(",")[-1].strip()
        if last:
            return last
    return str(request.META.get("REMOTE_ADDR", ""))


def _from(request: HttpRequest | None) -> str:
    return f"from {client_ip(request)}" if request is not None else ""


def _per_tenant(action: str, user: Any, request: HttpRequest | None) -> None:
    memberships = list(Membership.objects.filter(user=user).select_related("tenant"))
    for membership in memberships:
        audit_record(
            action=action,
            tenant=membership.tenant,
            user=user,
            target_kind="user",
            target_id=user.get_username(),
            reason=_from(request),
        )
    if not memberships:
        audit_record(
            action=action,
            tenant=None,
            user=user,
            target_kind="user",
            target_id=user.get_username(),
            reason=_from(request),
        )


@receiver(user_logged_in)
def record_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    _per_tenant("auth.login", user, request)


@receiver(user_logged_out)
def record_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        _per_tenant("auth.logout", user, request)


def _refused_by_lockout(request: HttpRequest | None) -> bool:
    # Axes' backend marks a request it refused before it reaches the password check; the
    # failure that *starts* a lockout is marked too, but only after axes counted it.
    return bool(
        request is not None
        and getattr(request, "axes_locked_out", False)
        and getattr(request, "axes_failures_since_start", None) is None
    )


@receiver(user_login_failed)
def record_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    if _refused_by_lockout(request):
        return
    audit_record(
        action="auth.login_failed",
        tenant=None,
        user=None,
        target_kind="user",
        target_id=str(credentials.get("username", ""))[:_MAX_USERNAME],
        outcome="BadCredentials",
        reason=_from(request),
    )


@receiver(user_locked_out)
def record_lockout(
    sender: Any, request: HttpRequest, username: str | None, ip_address: str, **kwargs: Any
) -> None:
    if _refused_by_lockout(request):
        return  # an attempt during the lockout, not its start
    audit_record(
        action="auth.locked",
        tenant=None,
        user=None,
        target_kind="client",
        target_id=ip_address,
        outcome="LockedOut",
        reason=f"{settings.AXES_FAILURE_LIMIT} failed logins (last as {username or '?'!r}); "
        f"refused for {settings.AXES_COOLOFF_TIME}",
    )


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """The lockout page (AXES_LOCKOUT_CALLABLE): 429, saying when logins open again.

    Attempts during a lockout are not counted (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT
    is off), so the lockout ends one cool-off after the last counted failure."""
    from axes.models import AccessAttempt

    cool_off: timedelta = settings.AXES_COOLOFF_TIME
    last = (
        AccessAttempt.objects.filter(ip_address=client_ip(request))
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    retry_at = (last or timezone.now()) + cool_off
    seconds = max(1, math.ceil((retry_at - timezone.now()).total_seconds()))
    response = render(
        request,
        "registration/locked_out.html",
        {"retry_at": retry_at, "minutes": math.ceil(seconds / 60)},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response
