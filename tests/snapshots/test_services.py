"""Snapshot services against the embedded engine: take, follow, apply, update, delete, and
applying into another tenant with that tenant's key. Skipped only while the engine answers
404 on /snapshots."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from faceadmin.clients.errors import FaceApiError, NotFoundError
from faceadmin.clients.types import CollectionKind
from faceadmin.engine.accounts import account_for_key
from faceadmin.faceapi import services
from faceadmin.faceapi.snapshots import (
    operation_status,
    snapshot_apply,
    snapshot_apply_targets,
    snapshot_delete,
    snapshot_get,
    snapshot_list,
    snapshot_take,
    snapshot_update,
    tenant_subscription_id,
)
from faceadmin.tenants.models import AuditEvent, Tenant
from tests.dashboard.conftest import photo

from .conftest import PG, finished

# Operations run in engine threads: real transactions, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def names(tenant: Tenant, group_id: str) -> list[str]:
    page = services.person_page(tenant=tenant, kind=PG, group_id=group_id, top=100)
    return sorted(p.name for p in page.items)


def take(tenant: Tenant, user: Any, group_id: str, scope: list[str]) -> str:
    operation = snapshot_take(
        tenant=tenant, user=user, kind=PG, collection_id=group_id, apply_scope=scope
    )
    operation = finished(operation)
    assert operation.status == "succeeded", operation.message
    return operation.snapshot_id


def test_an_engine_tenants_subscription_id_is_its_engine_account(
    engine_snapshots: None, local_tenant: Tenant
) -> None:
    account = account_for_key(local_tenant.primary_key)
    assert account is not None
    assert tenant_subscription_id(tenant=local_tenant) == str(account.id)


def test_a_take_is_remembered_audited_and_followed_to_its_snapshot(
    trained_group: str, local_tenant: Tenant, local_members: Any
) -> None:
    admin = local_members["admin"]
    own_id = tenant_subscription_id(tenant=local_tenant)
    assert own_id
    operation = snapshot_take(
        tenant=local_tenant,
        user=admin,
        kind=PG,
        collection_id=trained_group,
        apply_scope=[own_id],
        user_data="before the upgrade",
    )
    assert operation.operation_id and operation.kind == "take"
    started = AuditEvent.objects.get(action="snapshot.take")
    assert (started.outcome, started.target_id, started.username) == ("ok", "staff", "local-admin")

    operation = finished(operation)
    assert operation.status == "succeeded"
    assert operation.snapshot_id and operation.account.lower() == own_id
    for _ in range(2):  # later polls change nothing and audit nothing
        assert operation_status(operation=operation).status == "succeeded"
    finish = AuditEvent.objects.get(action="snapshot.take.finish")
    assert finish.outcome == "ok" and operation.snapshot_id in finish.reason

    (row,) = snapshot_list(tenant=local_tenant)
    assert row.snapshot.id == operation.snapshot_id
    assert row.snapshot.type == PG and row.taken_here is True
    assert row.snapshot.user_data == "before the upgrade"
    assert [own for _, own in row.scope] == [True]
    lifetime = row.expires_at - timezone.now()
    assert timedelta(hours=47, minutes=50) < lifetime <= timedelta(hours=48)


def test_apply_recreates_the_group_with_its_persons_and_training(
    trained_group: str, local_tenant: Tenant, local_members: Any
) -> None:
    admin = local_members["admin"]
    snapshot_id = take(
        local_tenant, admin, trained_group, [tenant_subscription_id(tenant=local_tenant) or ""]
    )
    operation = snapshot_apply(
        tenant=local_tenant,
        user=admin,
        snapshot_id=snapshot_id,
        kind=PG,
        collection_id="staff-copy",
    )
    assert (operation.kind, operation.snapshot_id) == ("apply", snapshot_id)
    operation = finished(operation)
    assert operation.status == "succeeded", operation.message
    assert names(local_tenant, "staff-copy") == names(local_tenant, "staff")
    assert names(local_tenant, "staff-copy") == ["Barack Obama", "Kit Harington"]
    status = services.training_status(tenant=local_tenant, kind=PG, collection_id="staff-copy")
    assert status is not None and status.status == "succeeded"  # no retraining needed
    actions = set(
        AuditEvent.objects.filter(tenant=local_tenant, action__startswith="snapshot.apply")
        .values_list("action", "outcome", "target_id")
    )  # fmt: skip
    assert actions == {
        ("snapshot.apply", "ok", "staff-copy"),
        ("snapshot.apply.finish", "ok", "staff-copy"),
    }


def test_applying_onto_an_existing_id_fails_plainly_and_is_audited(
    trained_group: str, local_tenant: Tenant, local_members: Any
) -> None:
    admin = local_members["admin"]
    snapshot_id = take(
        local_tenant, admin, trained_group, [tenant_subscription_id(tenant=local_tenant) or ""]
    )
    try:
        operation = snapshot_apply(
            tenant=local_tenant, user=admin, snapshot_id=snapshot_id, kind=PG, collection_id="staff"
        )
    except FaceApiError as exc:  # refused at once ...
        assert exc.status == 409
        event = AuditEvent.objects.get(action="snapshot.apply")
        assert event.outcome == exc.code
    else:  # ... or the operation fails
        operation = finished(operation)
        assert operation.status == "failed" and operation.message
        event = AuditEvent.objects.get(action="snapshot.apply.finish")
        assert event.outcome == "OperationFailed"
    assert names(local_tenant, "staff") == ["Barack Obama", "Kit Harington"]


def test_update_and_delete_are_audited_and_a_second_delete_says_not_found(
    trained_group: str, local_tenant: Tenant, local_members: Any, second_tenant: Tenant
) -> None:
    admin = local_members["admin"]
    own_id = tenant_subscription_id(tenant=local_tenant) or ""
    other_id = tenant_subscription_id(tenant=second_tenant) or ""
    snapshot_id = take(local_tenant, admin, trained_group, [own_id])

    snapshot_update(
        tenant=local_tenant,
        user=admin,
        snapshot_id=snapshot_id,
        apply_scope=[own_id, other_id],
        user_data="for the second site",
    )
    row = snapshot_get(tenant=local_tenant, snapshot_id=snapshot_id)
    assert {s.lower() for s in row.snapshot.apply_scope} == {own_id, other_id}
    assert row.snapshot.user_data == "for the second site"

    snapshot_delete(tenant=local_tenant, user=admin, snapshot_id=snapshot_id)
    with pytest.raises(NotFoundError):
        snapshot_get(tenant=local_tenant, snapshot_id=snapshot_id)
    with pytest.raises(NotFoundError) as gone:
        snapshot_delete(tenant=local_tenant, user=admin, snapshot_id=snapshot_id)
    outcomes = list(
        AuditEvent.objects.filter(action__in=["snapshot.update", "snapshot.delete"])
        .order_by("created_at")
        .values_list("action", "outcome")
    )
    assert outcomes == [
        ("snapshot.update", "ok"),
        ("snapshot.delete", "ok"),
        ("snapshot.delete", gone.value.code),
    ]


def test_another_tenant_applies_a_snapshot_only_once_in_scope_and_with_its_own_key(
    trained_group: str, local_tenant: Tenant, local_members: Any, second_tenant: Tenant
) -> None:
    admin = local_members["admin"]  # admin of both tenants
    own_id = tenant_subscription_id(tenant=local_tenant) or ""
    other_id = tenant_subscription_id(tenant=second_tenant) or ""
    assert other_id and other_id != own_id
    snapshot_id = take(local_tenant, admin, trained_group, [own_id])
    snapshot = snapshot_get(tenant=local_tenant, snapshot_id=snapshot_id).snapshot

    # Out of scope: not offered, and the engine will not show it to the second tenant.
    targets = snapshot_apply_targets(tenant=local_tenant, user=admin, snapshot=snapshot)
    assert [(t.tenant.slug, t.in_scope) for t in targets] == [("local", True)]
    with pytest.raises(NotFoundError):
        snapshot_get(tenant=second_tenant, snapshot_id=snapshot_id)

    snapshot_update(
        tenant=local_tenant,
        user=admin,
        snapshot_id=snapshot_id,
        apply_scope=[own_id, other_id],
        user_data="",
    )
    snapshot = snapshot_get(tenant=local_tenant, snapshot_id=snapshot_id).snapshot
    targets = snapshot_apply_targets(tenant=local_tenant, user=admin, snapshot=snapshot)
    assert [(t.tenant.slug, t.in_scope) for t in targets] == [("local", True), ("second", True)]
    (seen,) = snapshot_list(tenant=second_tenant)
    assert seen.snapshot.id == snapshot_id and seen.taken_here is False

    operation = snapshot_apply(
        tenant=second_tenant,
        user=admin,
        snapshot_id=snapshot_id,
        kind=PG,
        collection_id="staff",
        source_tenant=local_tenant,
    )
    assert operation.tenant == second_tenant and operation.source_tenant == local_tenant
    assert finished(operation).status == "succeeded"
    assert names(second_tenant, "staff") == ["Barack Obama", "Kit Harington"]
    # Each tenant's log tells its side.
    assert AuditEvent.objects.filter(
        tenant=second_tenant, action="snapshot.apply", target_id="staff", outcome="ok"
    ).exists()
    source_side = AuditEvent.objects.get(tenant=local_tenant, action="snapshot.apply")
    assert source_side.target_id == snapshot_id and "second" in source_side.reason


def test_a_face_list_is_copied_with_its_faces_and_user_data(
    engine_snapshots: None, local_tenant: Tenant, local_members: Any
) -> None:
    admin = local_members["admin"]
    fl = CollectionKind.FACE_LIST
    services.collection_create(
        tenant=local_tenant, user=admin, kind=fl, collection_id="visitors", name="Visitors"
    )
    for path in ("enroll/barack_obama/1.jpg", "enroll/kit_harington/1.jpg"):
        services.face_list_add_face(
            tenant=local_tenant,
            user=admin,
            kind=fl,
            list_id="visitors",
            image=photo(path),
            filename=path,
            user_data='{"gate": "north"}',
        )
    own_id = tenant_subscription_id(tenant=local_tenant) or ""
    taken = finished(
        snapshot_take(
            tenant=local_tenant, user=admin, kind=fl, collection_id="visitors", apply_scope=[own_id]
        )
    )
    assert taken.status == "succeeded", taken.message
    applied = finished(
        snapshot_apply(
            tenant=local_tenant,
            user=admin,
            snapshot_id=taken.snapshot_id,
            kind=fl,
            collection_id="visitors-copy",
        )
    )
    assert applied.status == "succeeded", applied.message
    assert applied.object_url == "/t/local/collections/facelists/visitors-copy/"
    copy = services.collection_get(tenant=local_tenant, kind=fl, collection_id="visitors-copy")
    faces = copy.persisted_faces or ()
    assert len(faces) == 2 and {f.user_data for f in faces} == {'{"gate": "north"}'}
