"""Snapshots and the operations that take and apply them.

A snapshot copies a collection (persons, faces, training) to the provider's central store
for 48 hours; any subscription listed in its `applyScope` can apply it as a new collection.
Both steps are long operations: the provider answers 202 with an operation id at once, and
the dashboard polls that id. The provider has no call that lists a subscription's
operations, so every operation faceadmin starts is remembered in `SnapshotOperation`; for a
remote tenant a background job (`snapshot_jobs`) follows it to its end even when no page is
open.

Which subscription id is "this tenant"? `applyScope` holds subscription ids, but a key does
not reveal its subscription id on the wire. `tenant_subscription_id` answers, best source
first:

1. The embedded engine names it over the wire: every authenticated answer carries the key's
   subscription id in a header (`SUBSCRIPTION_ID_HEADER`; Azure clients ignore it). It is
   asked once per tenant and key and cached (`embedded_subscription_id`).
2. For a remote tenant, the `account` field of the last snapshot this tenant took through
   faceadmin (read when the take succeeded).
3. Otherwise it is unknown, and the take form asks the admin to type it (on Azure: the
   subscription id of the Face resource); the first successful take then teaches it.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import timezone

from faceadmin.clients.errors import FaceApiError, NotFoundError
from faceadmin.clients.types import CollectionKind, Snapshot
from faceadmin.faceapi.common import _audited, user_data_or_none
from faceadmin.faceapi.models import OperationKind, OperationState, SnapshotOperation
from faceadmin.faceapi.snapshot_images import snapshot_images_follow
from faceadmin.jobs.services import User, job_create
from faceadmin.tenants.audit import audit_record
from faceadmin.tenants.models import Membership, Provider, Role, Tenant

if TYPE_CHECKING:
    from faceadmin.clients.azure import AzureFaceClient
    from faceadmin.faceapi.errors import ApiErrorView

# As on Azure; the provider deletes a snapshot this long after it was taken.
SNAPSHOT_LIFETIME = timedelta(hours=48)
USER_DATA_LIMIT = 16 * 1024
# One status call per operation per this interval, however many pages poll it.
RECHECK_AFTER = timedelta(seconds=1)
RECENT_OPERATIONS = 20


def _client(tenant: Tenant) -> AzureFaceClient:
    from faceadmin.faceapi.connection import client_for

    return client_for(tenant)


# The job that follows a remote tenant's operation; its handler is `snapshot_jobs`.
FOLLOW_JOB_KIND = "snapshot_operation"


def operation_follow(*, tenant: Tenant, user: User, operation: SnapshotOperation) -> None:
    """Queue a job following `operation`, for tenants whose operations run elsewhere."""
    if tenant.is_embedded:
        return
    job_create(
        tenant=tenant,
        user=user,
        kind=FOLLOW_JOB_KIND,
        title=f"Snapshot {operation.kind} of {operation.object_id}: follow the operation",
        params={"operation": operation.pk},
    )


# --- subscription ids ---------------------------------------------------------------------


def subscription_id_normalize(text: str) -> str:
    """A subscription id in the canonical form (lower-case UUID); ValueError otherwise."""
    return str(uuid.UUID(text.strip()))


_ARM_SUBSCRIPTION = re.compile(r"^/subscriptions/([0-9a-fA-F-]{36})(?:/|$)")


def account_subscription_id(account: str) -> str | None:
    """The subscription id in a snapshot's `account`: the embedded engine writes the bare id,
    Azure the Face resource's ARM id (`/subscriptions/{id}/resourceGroups/.../accounts/x`)."""
    match = _ARM_SUBSCRIPTION.match(account.strip())
    try:
        return subscription_id_normalize(match.group(1) if match else account)
    except ValueError:
        return None


# (tenant pk, hash of its keys) -> the subscription id the embedded engine named.
_EMBEDDED_IDS: dict[tuple[object, str], str] = {}


def embedded_subscription_id(*, tenant: Tenant) -> str | None:
    """The embedded engine's subscription id for this tenant's key, learned from the header
    the engine adds to its answers (one cheap call, then cached per tenant and keys)."""
    keys = f"{tenant.primary_key or ''}\n{tenant.secondary_key or ''}"
    cache_key = (tenant.pk, hashlib.sha256(keys.encode("utf-8")).hexdigest())
    if cache_key not in _EMBEDDED_IDS:
        try:
            response = _client(tenant).transport.request("GET", "/snapshots")
        except FaceApiError:
            return None
        named = response.subscription_id
        if named is None:
            return None
        try:
            _EMBEDDED_IDS[cache_key] = subscription_id_normalize(named)
        except ValueError:
            return None
    return _EMBEDDED_IDS[cache_key]


def tenant_subscription_id(*, tenant: Tenant) -> str | None:
    """The subscription id the provider knows this tenant by, or None when unknown."""
    if tenant.provider == Provider.EMBEDDED:
        own = embedded_subscription_id(tenant=tenant)
        if own is not None:
            return own
    learned = (
        SnapshotOperation.objects.filter(tenant=tenant, kind=OperationKind.TAKE)
        .exclude(account="")
        .order_by("-finished_at")
        .values_list("account", flat=True)
        .first()
    )
    return account_subscription_id(learned) if learned else None


# --- snapshots ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotRow:
    """A snapshot as the list shows it: with its expiry and whether this tenant took it."""

    snapshot: Snapshot
    expires_at: datetime
    # None when this tenant's subscription id is unknown.
    taken_here: bool | None
    own_id: str | None = None

    @property
    def scope(self) -> list[tuple[str, bool]]:
        """applyScope as (id, is this tenant's) pairs."""
        return [(i, _normalized(i) == self.own_id) for i in self.snapshot.apply_scope]

    @property
    def expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def expires_in(self) -> str:
        left = self.expires_at - timezone.now()
        if left <= timedelta(0):
            return "expired"
        hours, rest = divmod(int(left.total_seconds()), 3600)
        minutes = rest // 60
        return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def snapshot_row(*, snapshot: Snapshot, own_id: str | None) -> SnapshotRow:
    # By subscription: two Face resources of one Azure subscription count as one here.
    taken_here = None if own_id is None else account_subscription_id(snapshot.account) == own_id
    return SnapshotRow(snapshot, snapshot.created_time + SNAPSHOT_LIFETIME, taken_here, own_id)


def snapshot_list(*, tenant: Tenant) -> list[SnapshotRow]:
    """Every snapshot this tenant can see (taken by it, or naming it in applyScope),
    newest first."""
    own_id = tenant_subscription_id(tenant=tenant)
    snapshots = _client(tenant).snapshot_list()
    rows = [snapshot_row(snapshot=s, own_id=own_id) for s in snapshots]
    return sorted(rows, key=lambda r: r.snapshot.created_time, reverse=True)


def snapshot_get(*, tenant: Tenant, snapshot_id: str) -> SnapshotRow:
    snapshot = _client(tenant).snapshot_get(snapshot_id=snapshot_id)
    return snapshot_row(snapshot=snapshot, own_id=tenant_subscription_id(tenant=tenant))


def snapshot_take(
    *,
    tenant: Tenant,
    user: Any,
    kind: CollectionKind,
    collection_id: str,
    apply_scope: Sequence[str],
    user_data: str | None = None,
) -> SnapshotOperation:
    """Start copying a collection into a snapshot; returns the operation to follow."""
    scope = list(apply_scope)
    with _audited(
        action="snapshot.take",
        tenant=tenant,
        user=user,
        target_kind=kind.value,
        target_id=collection_id,
        reason="applyScope " + ", ".join(scope),
    ):
        operation_id = _client(tenant).snapshot_take(
            kind=kind,
            object_id=collection_id,
            apply_scope=scope,
            user_data=user_data_or_none(user_data),
        )
    operation = _remember(
        tenant=tenant,
        user=user,
        operation_id=operation_id,
        kind=OperationKind.TAKE,
        object_type=kind,
        object_id=collection_id,
    )
    operation_follow(tenant=tenant, user=user, operation=operation)
    return operation


def snapshot_apply(
    *,
    tenant: Tenant,
    user: Any,
    snapshot_id: str,
    kind: CollectionKind,
    collection_id: str,
    source_tenant: Tenant | None = None,
) -> SnapshotOperation:
    """Start restoring a snapshot as the new collection `collection_id` of `tenant`.

    The call goes out with `tenant`'s key: the provider checks that key's subscription
    against the snapshot's applyScope. `source_tenant` is where the operator found the
    snapshot; it is told in its own audit log when that is another tenant."""
    reason = f"snapshot {snapshot_id}"
    if source_tenant is not None and source_tenant.pk != tenant.pk:
        reason += f" from tenant {source_tenant.slug}"
    with _audited(
        action="snapshot.apply",
        tenant=tenant,
        user=user,
        target_kind=kind.value,
        target_id=collection_id,
        reason=reason,
    ):
        operation_id = _client(tenant).snapshot_apply(
            snapshot_id=snapshot_id, object_id=collection_id
        )
    if source_tenant is not None and source_tenant.pk != tenant.pk:
        audit_record(
            action="snapshot.apply",
            tenant=source_tenant,
            user=user,
            target_kind="snapshot",
            target_id=snapshot_id,
            reason=f"applied into tenant {tenant.slug} as {kind.value} {collection_id}",
        )
    operation = _remember(
        tenant=tenant,
        user=user,
        operation_id=operation_id,
        kind=OperationKind.APPLY,
        object_type=kind,
        object_id=collection_id,
        snapshot_id=snapshot_id,
        source_tenant=source_tenant,
    )
    operation_follow(tenant=tenant, user=user, operation=operation)
    return operation


def snapshot_update(
    *,
    tenant: Tenant,
    user: Any,
    snapshot_id: str,
    apply_scope: Sequence[str],
    user_data: str,
) -> None:
    """Replace applyScope and userData (an empty userData clears it). Only the tenant that
    took the snapshot may change it."""
    scope = list(apply_scope)
    with _audited(
        action="snapshot.update",
        tenant=tenant,
        user=user,
        target_kind="snapshot",
        target_id=snapshot_id,
        reason="applyScope " + ", ".join(scope),
    ):
        _client(tenant).snapshot_update(
            snapshot_id=snapshot_id, apply_scope=scope, user_data=user_data
        )


def snapshot_delete(*, tenant: Tenant, user: Any, snapshot_id: str) -> None:
    with _audited(
        action="snapshot.delete",
        tenant=tenant,
        user=user,
        target_kind="snapshot",
        target_id=snapshot_id,
    ):
        _client(tenant).snapshot_delete(snapshot_id=snapshot_id)


@dataclass(frozen=True)
class ApplyTarget:
    """A tenant the user may apply a snapshot into."""

    tenant: Tenant
    # True: its subscription id is in applyScope; None: its id is unknown (the provider will
    # decide). Tenants known to be out of scope are not offered.
    in_scope: bool | None


def snapshot_apply_targets(*, tenant: Tenant, user: Any, snapshot: Snapshot) -> list[ApplyTarget]:
    """Where this user may apply the snapshot: this tenant, and every other tenant on the
    same provider that the user is an admin of and that applyScope names (or may name)."""
    scope = {_normalized(s) for s in snapshot.apply_scope}
    own_id = tenant_subscription_id(tenant=tenant)
    targets = [ApplyTarget(tenant, None if own_id is None else own_id in scope)]
    admin_of = (
        Membership.objects.filter(
            user=user.pk or 0, role=Role.ADMIN, tenant__provider=tenant.provider
        )
        .exclude(tenant=tenant)
        .select_related("tenant")
        .order_by("tenant__name")
    )
    for membership in admin_of:
        other_id = tenant_subscription_id(tenant=membership.tenant)
        if other_id is None:
            targets.append(ApplyTarget(membership.tenant, None))
        elif other_id in scope:
            targets.append(ApplyTarget(membership.tenant, True))
    return targets


def _normalized(subscription_id: str) -> str:
    try:
        return subscription_id_normalize(subscription_id)
    except ValueError:
        return subscription_id


# --- operations ---------------------------------------------------------------------------


def _remember(
    *,
    tenant: Tenant,
    user: Any,
    operation_id: str,
    kind: str,
    object_type: CollectionKind,
    object_id: str,
    snapshot_id: str = "",
    source_tenant: Tenant | None = None,
) -> SnapshotOperation:
    real_user = user if user is not None and user.is_authenticated else None
    # A plain INSERT: the provider hands out each operation id once.
    return SnapshotOperation.objects.create(
        tenant=tenant,
        operation_id=operation_id,
        kind=kind,
        object_type=object_type.value,
        object_id=object_id,
        snapshot_id=snapshot_id,
        source_tenant=source_tenant,
        started_by=real_user,
        started_by_username=real_user.get_username() if real_user else "",
    )


def operation_list(*, tenant: Tenant, limit: int = RECENT_OPERATIONS) -> list[SnapshotOperation]:
    """Selector: the tenant's most recent operations, newest first."""
    return list(_operations(tenant)[:limit])


def operation_get(*, tenant: Tenant, operation_id: str) -> SnapshotOperation:
    """The operation, or SnapshotOperation.DoesNotExist."""
    return _operations(tenant).get(operation_id=operation_id)


def _operations(tenant: Tenant) -> QuerySet[SnapshotOperation]:
    return SnapshotOperation.objects.filter(tenant=tenant).select_related("tenant")


def operation_status(*, operation: SnapshotOperation) -> SnapshotOperation:
    """Ask the provider how an unfinished operation is doing, and record the answer.

    A finished operation is returned as it is; one checked under a second ago too (several
    pages may poll the same operation). A provider error other than "no such operation" is
    raised and changes nothing: the operation may still be running."""
    if operation.finished_at is not None:
        return operation
    now = timezone.now()
    if operation.checked_at is not None and now - operation.checked_at < RECHECK_AFTER:
        return operation
    client = _client(operation.tenant)
    try:
        status = client.snapshot_get_operation_status(operation_id=operation.operation_id)
    except NotFoundError as exc:
        # The provider forgot it (operation records expire): it will never answer again.
        return _finish(
            operation,
            status=OperationState.FAILED,
            message=f"The provider no longer knows this operation ({exc.code}).",
            now=now,
        )
    if not status.is_finished:
        operation.status = status.status
        operation.message = status.message or ""
        operation.checked_at = now
        SnapshotOperation.objects.filter(pk=operation.pk, finished_at__isnull=True).update(
            status=operation.status, message=operation.message, checked_at=now
        )
        return operation
    location = status.resource_location or ""
    account = ""
    snapshot_id = operation.snapshot_id
    if status.status == "succeeded" and operation.kind == OperationKind.TAKE:
        snapshot_id = location.rstrip("/").rsplit("/", 1)[-1]
        try:
            account = client.snapshot_get(snapshot_id=snapshot_id).account
        except FaceApiError:
            account = ""  # only a hint for `tenant_subscription_id`; the take did succeed
    return _finish(
        operation,
        status=status.status,
        message=status.message or "",
        now=now,
        resource_location=location,
        snapshot_id=snapshot_id,
        account=account,
    )


def _finish(
    operation: SnapshotOperation, *, status: str, message: str, now: datetime, **fields: str
) -> SnapshotOperation:
    """Record the end once (concurrent polls may both see it) and audit it then."""
    changes = {"status": status, "message": message, "checked_at": now, "finished_at": now}
    changes |= fields
    first = SnapshotOperation.objects.filter(pk=operation.pk, finished_at__isnull=True).update(
        **changes
    )
    if first:
        snapshot_id = fields.get("snapshot_id") or operation.snapshot_id
        reason = [f"operation {operation.operation_id}"]
        reason += [f"snapshot {snapshot_id}"] if snapshot_id else []
        reason += [message] if message else []
        audit_record(
            action=f"snapshot.{operation.kind}.finish",
            tenant=operation.tenant,
            user=operation.started_by,
            target_kind=operation.object_type,
            target_id=operation.object_id,
            outcome="ok" if status == OperationState.SUCCEEDED else "OperationFailed",
            reason="; ".join(reason),
        )
        if status == OperationState.SUCCEEDED and operation.kind == OperationKind.APPLY:
            # The restored faces get the stored photos of the faces they were copied from.
            operation.refresh_from_db()
            snapshot_images_follow(operation=operation)
    operation.refresh_from_db()
    return operation


@dataclass(frozen=True)
class OperationsState:
    operations: list[SnapshotOperation]
    errors: list[FaceApiError]

    @property
    def running(self) -> bool:
        return any(op.is_running for op in self.operations)

    @property
    def error_views(self) -> list[ApiErrorView]:
        """One per distinct error: an outage is said once, not once per operation."""
        from faceadmin.faceapi.errors import ApiErrorView

        views: dict[tuple[str, str], ApiErrorView] = {}
        for error in self.errors:
            views.setdefault((error.code, error.message), ApiErrorView.of(error))
        return list(views.values())


def operations_refresh(*, tenant: Tenant, limit: int = RECENT_OPERATIONS) -> OperationsState:
    """The recent operations, the unfinished ones asked about first. One operation whose
    status cannot be read does not hide the others."""
    operations = operation_list(tenant=tenant, limit=limit)
    errors: list[FaceApiError] = []
    for i, operation in enumerate(operations):
        if operation.is_running:
            try:
                operations[i] = operation_status(operation=operation)
            except FaceApiError as exc:
                errors.append(exc)
    return OperationsState(operations, errors)
