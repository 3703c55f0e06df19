"""What the collection services share: the tenant's client, audited calls, paging, userData.

`collections` (collections, persons, faces) and `training` build on it; it imports neither.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from faceadmin.clients.errors import FaceApiError
from faceadmin.clients.types import (
    CollectionKind,
)
from faceadmin.faceapi.catalog import catalog_note_person
from faceadmin.faceapi.connection import client_for
from faceadmin.faceapi.kinds import (
    TRAINABLE_KINDS,
)
from faceadmin.faceapi.models import (
    CollectionChange,
)
from faceadmin.tenants.audit import audit_record
from faceadmin.tenants.models import Tenant

if TYPE_CHECKING:
    from faceadmin.clients.azure import AzureFaceClient


# --- plumbing ------------------------------------------------------------------------------


def _client(tenant: Tenant) -> AzureFaceClient:
    return client_for(tenant)


class _Audit:
    target_id: str
    reason: str

    def __init__(self, target_id: str, reason: str) -> None:
        self.target_id, self.reason = target_id, reason


@contextmanager
def _audited(
    *, action: str, tenant: Tenant, user: Any, target_kind: str, target_id: str, reason: str = ""
) -> Iterator[_Audit]:
    """Record the outcome of a write: ok, or the provider's error code (then re-raise)."""
    note = _Audit(target_id, reason)
    try:
        yield note
    except FaceApiError as exc:
        audit_record(
            action=action,
            tenant=tenant,
            user=user,
            target_kind=target_kind,
            target_id=note.target_id,
            outcome=exc.code,
            reason=f"{note.reason} {exc.message}".strip(),
        )
        raise
    audit_record(
        action=action,
        tenant=tenant,
        user=user,
        target_kind=target_kind,
        target_id=note.target_id,
        reason=note.reason,
    )


def _mark_changed(
    *, tenant: Tenant, kind: CollectionKind, collection_id: str, action: str, person_id: str = ""
) -> None:
    if person_id:
        catalog_note_person(
            tenant=tenant, kind=kind, collection_id=collection_id, person_id=person_id
        )
    if kind not in TRAINABLE_KINDS:
        return
    CollectionChange.objects.update_or_create(
        tenant=tenant,
        kind=kind.value,
        collection_id=collection_id,
        defaults={"changed_at": timezone.now(), "action": action},
    )


@dataclass(frozen=True)
class Page[T]:
    """One page of a start/top listing. `next_start` is None on the last page."""

    items: list[T]
    start: str | None
    top: int
    next_start: str | None

    @property
    def has_next(self) -> bool:
        return self.next_start is not None


def _page[T](items: list[T], start: str | None, top: int, key: Callable[[T], str]) -> Page[T]:
    # Asked for top + 1: the extra item only says that a next page exists.
    shown = items[:top]
    next_start = key(shown[-1]) if len(items) > top and shown else None
    return Page(shown, start, top, next_start)


def user_data_or_none(text: str | None) -> str | None:
    """Empty userData is sent as absent."""
    return text if text else None


# --- userData ------------------------------------------------------------------------------

USER_DATA_LIMITS = {"collection": 16 * 1024, "person": 16 * 1024, "face": 1024}


def user_data_problem(text: str, *, limit: int) -> str | None:
    """Why this userData is refused (empty or JSON, at most `limit` bytes), or None."""
    if not text:
        return None
    if len(text.encode("utf-8")) > limit:
        return f"userData is {len(text.encode('utf-8')):,} bytes; the limit is {limit:,} bytes."
    try:
        json.loads(text)
    except ValueError as exc:
        return f"userData must be valid JSON (or empty): {exc}."
    return None
