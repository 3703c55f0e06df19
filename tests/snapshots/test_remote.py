"""Snapshots of a remote Azure tenant: what only a cloud tenant does (its subscription id is
learned, not looked up; outages while an operation runs). `responses` stands in for the
remote endpoint; everything else is real."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import responses
from django.test import override_settings

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi.models import SnapshotOperation
from faceadmin.faceapi.snapshots import (
    account_subscription_id,
    operation_status,
    snapshot_take,
    tenant_subscription_id,
)
from faceadmin.tenants.models import AuditEvent, Tenant

from .conftest import HTMX, POLLING

BASE = "https://acme.cognitiveservices.example/face/v1.0"
SUBSCRIPTION = "f9b96b36-1f5e-4021-8959-51527e26e6d3"
# Azure's `account` is the Face resource's ARM id.
ACCOUNT = (
    f"/subscriptions/{SUBSCRIPTION.upper()}/resourceGroups/rg"
    "/providers/Microsoft.CognitiveServices/accounts/face1"
)
PARTNER = "64084e07-9b7f-4a98-bea4-9986d3a1edeb"
SNAPSHOT_ID = "e58b3f08-1e8b-4165-81df-aa9858f233dc"
OPERATION_ID = "a63a3bdd-a1db-4d05-87b8-dbad6850062a"
pytestmark = pytest.mark.django_db


@pytest.fixture
def remote() -> Iterator[responses.RequestsMock]:
    # No retries: the failures below would otherwise be retried with real back-off sleeps.
    with (
        override_settings(FACEADMIN_HTTP_MAX_RETRIES=0),
        responses.RequestsMock(assert_all_requests_are_fired=False) as rsps,
    ):
        yield rsps


def snapshot_json(**extra: Any) -> dict[str, Any]:
    return {
        "id": SNAPSHOT_ID,
        "account": ACCOUNT,
        "type": "PersonGroup",
        "applyScope": [SUBSCRIPTION.upper(), PARTNER],
        "userData": "nightly",
        "createdTime": "2030-01-01T10:00:00Z",
        "lastUpdateTime": "2030-01-01T10:00:00Z",
    } | extra


def accept_take(remote: responses.RequestsMock) -> None:
    remote.post(
        f"{BASE}/snapshots",
        status=202,
        headers={"Operation-Location": f"/operations/{OPERATION_ID}"},
    )


def status_json(status: str, **extra: Any) -> dict[str, Any]:
    return {"status": status, "createdTime": "2030-01-01T10:00:00Z"} | extra


def test_the_account_field_names_the_subscription_on_azure_and_the_engine() -> None:
    assert account_subscription_id(ACCOUNT) == SUBSCRIPTION
    assert account_subscription_id(SUBSCRIPTION.upper()) == SUBSCRIPTION
    assert account_subscription_id("FaceTest01") is None


def test_a_cloud_tenant_must_type_its_subscription_id_until_a_take_teaches_it(
    remote: Any, client_as: Any, tenant: Tenant
) -> None:
    assert tenant_subscription_id(tenant=tenant) is None
    admin = client_as("admin")
    url = "/t/acme/collections/persongroups/staff/snapshot/"
    remote.get(f"{BASE}/persongroups/staff", json={"personGroupId": "staff", "name": "Staff"})
    form = admin.get(url).content.decode()
    assert "This tenant&#x27;s subscription id" in form

    calls = len(remote.calls)
    refused = admin.post(url, {"own_account": "on", "user_data": "keep me"})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Type this tenant" in page and "keep me" in page
    assert len(remote.calls) == calls  # nothing was sent

    accept_take(remote)
    started = admin.post(
        url, {"own_account": "on", "own_id": SUBSCRIPTION.upper(), "other_ids": PARTNER}
    )
    assert started.status_code == 302
    assert started["Location"] == f"/t/acme/operations/{OPERATION_ID}/"
    assert json.loads(remote.calls[-1].request.body)["applyScope"] == [SUBSCRIPTION, PARTNER]

    remote.get(
        f"{BASE}/operations/{OPERATION_ID}",
        json=status_json("succeeded", resourceLocation=f"/snapshots/{SNAPSHOT_ID}"),
    )
    remote.get(f"{BASE}/snapshots/{SNAPSHOT_ID}", json=snapshot_json())
    done = admin.get(started["Location"]).content.decode()
    assert POLLING not in done and f"/t/acme/snapshots/{SNAPSHOT_ID}/" in done
    # Learned from the snapshot's ARM account id: the next take does not ask.
    assert tenant_subscription_id(tenant=tenant) == SUBSCRIPTION
    assert "This tenant&#x27;s subscription id" not in admin.get(url).content.decode()


def test_the_list_marks_this_tenants_snapshots_and_the_expiry(
    remote: Any, client_as: Any, tenant: Tenant, members: Any
) -> None:
    SnapshotOperation.objects.create(
        tenant=tenant,
        operation_id="old",
        kind="take",
        object_type="PersonGroup",
        object_id="staff",
        account=ACCOUNT,
    )
    remote.get(
        f"{BASE}/snapshots",
        json=[
            snapshot_json(),
            snapshot_json(
                id="a61e61e4-c3d1-4d33-8ae8-676e6104757d",
                account=f"/subscriptions/{PARTNER}/resourceGroups/x",
                applyScope=[SUBSCRIPTION],
                userData=None,
                createdTime="2000-01-01T00:00:00Z",
            ),
        ],
    )
    page = client_as("viewer").get("/t/acme/snapshots/").content.decode()
    rows = re.findall(r'<tr data-snapshot="([^"]+)">(.*?)</tr>', page, re.S)
    assert [r[0] for r in rows] == [SNAPSHOT_ID, "a61e61e4-c3d1-4d33-8ae8-676e6104757d"]
    mine, theirs = rows[0][1], rows[1][1]
    assert "this tenant" in mine and "nightly" in mine
    assert PARTNER in theirs and "expired" in theirs
    assert "Apply…" not in page  # viewers see, admins act


def test_a_refused_take_is_shown_with_its_code_keeps_the_form_and_is_audited(
    remote: Any, client_as: Any, tenant: Tenant
) -> None:
    remote.post(
        f"{BASE}/snapshots",
        status=403,
        json={"error": {"code": "QuotaExceeded", "message": "Take quota exceeded."}},
        headers={"apim-request-id": "req-7"},
    )
    response = client_as("admin").post(
        "/t/acme/collections/persongroups/staff/snapshot/",
        {"own_account": "on", "own_id": SUBSCRIPTION, "user_data": "before the upgrade"},
        **HTMX,
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "QuotaExceeded" in page and "req-7" in page and "before the upgrade" in page
    assert "<html" not in page  # the form's fragment, swapped in place
    event = AuditEvent.objects.get(action="snapshot.take")
    assert (event.outcome, event.target_id, event.username) == ("QuotaExceeded", "staff", "admin")
    assert not SnapshotOperation.objects.exists()


def test_an_outage_while_polling_keeps_the_operation_running_and_polling(
    remote: Any, client_as: Any, tenant: Tenant, members: Any
) -> None:
    accept_take(remote)
    operation = snapshot_take(
        tenant=tenant,
        user=members["admin"],
        kind=CollectionKind.PERSON_GROUP,
        collection_id="staff",
        apply_scope=[PARTNER],
    )
    remote.get(f"{BASE}/operations/{OPERATION_ID}", status=503, body=b"")
    page = client_as("viewer").get(operation.url, **HTMX).content.decode()
    assert "ProviderUnavailable" in page
    assert POLLING in page  # it may still be running: keep asking
    operation.refresh_from_db()
    assert operation.is_running and operation.status == "notstarted"


def test_an_operation_the_provider_forgot_ends_as_failed_once(
    remote: Any, tenant: Tenant, members: Any
) -> None:
    accept_take(remote)
    operation = snapshot_take(
        tenant=tenant,
        user=members["admin"],
        kind=CollectionKind.PERSON_GROUP,
        collection_id="staff",
        apply_scope=[PARTNER],
    )
    remote.get(
        f"{BASE}/operations/{OPERATION_ID}",
        status=404,
        json={"error": {"code": "OperationNotFound", "message": "Operation not found."}},
    )
    ended = operation_status(operation=operation)
    assert (ended.status, ended.is_running) == ("failed", False)
    assert "OperationNotFound" in ended.message
    operation_status(operation=ended)  # finished: not asked again
    assert len([c for c in remote.calls if "/operations/" in c.request.url]) == 1
    finish = AuditEvent.objects.get(action="snapshot.take.finish")
    assert (finish.outcome, finish.username) == ("OperationFailed", "admin")


def test_a_running_operation_is_asked_at_most_once_a_second(
    remote: Any, tenant: Tenant, members: Any
) -> None:
    accept_take(remote)
    operation = snapshot_take(
        tenant=tenant,
        user=members["admin"],
        kind=CollectionKind.PERSON_GROUP,
        collection_id="staff",
        apply_scope=[PARTNER],
    )
    remote.get(f"{BASE}/operations/{OPERATION_ID}", json=status_json("running"))
    for _ in range(3):
        operation = operation_status(operation=operation)
    assert operation.status == "running"
    assert len([c for c in remote.calls if "/operations/" in c.request.url]) == 1
