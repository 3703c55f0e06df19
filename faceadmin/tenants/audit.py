"""The one way to write the audit trail."""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from faceadmin.tenants.models import AuditEvent, Tenant

logger = logging.getLogger(__name__)

# Set per request by RequestIdMiddleware, so services need not pass it around.
current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "current_request_id", default=""
)


_maintenance = threading.local()


@contextmanager
def audit_maintenance() -> Iterator[None]:
    """Let this thread's SQLite statements delete audit rows: only for emptying the whole
    database (`manage.py flush`, the test suite's reset). See migration 0002 for why."""
    previous = getattr(_maintenance, "on", False)
    _maintenance.on = True
    try:
        yield
    finally:
        _maintenance.on = previous


def audit_writable() -> int:
    """The SQLite function `faceadmin_audit_writable()` that the append-only triggers ask."""
    return 1 if getattr(_maintenance, "on", False) else 0


def _scrub(text: str, tenant: Tenant | None) -> str:
    """Belt and braces: a key must never reach the audit trail, even inside an error text."""
    if not text or tenant is None:
        return text
    for token in (tenant.primary_key_token, tenant.secondary_key_token):
        if token:
            from faceadmin.tenants.crypto import DecryptionError, decrypt

            try:
                key = decrypt(token)
            except DecryptionError:
                continue
            if key:
                text = text.replace(key, "****")
    return text


def audit_record(
    *,
    action: str,
    tenant: Tenant | None,
    user: AbstractBaseUser | AnonymousUser | None,
    target_kind: str = "",
    target_id: str = "",
    outcome: str = "ok",
    reason: str = "",
    max_reason: int = 2000,
) -> AuditEvent:
    real_user: Any = user if user is not None and user.is_authenticated else None
    event = AuditEvent.objects.create(
        action=action,
        tenant=tenant,
        tenant_slug=tenant.slug if tenant else "",
        user=real_user,
        username=real_user.get_username() if real_user else "",
        target_kind=target_kind,
        target_id=target_id[:128],
        outcome=outcome[:64] or "ok",
        reason=_scrub(reason, tenant)[:max_reason],
        request_id=current_request_id.get(),
    )
    logger.info(
        "audit %s tenant=%s user=%s target=%s:%s outcome=%s",
        action,
        event.tenant_slug,
        event.username,
        target_kind,
        target_id,
        event.outcome,
    )
    return event
