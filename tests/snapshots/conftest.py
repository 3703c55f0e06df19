"""Fixtures for the snapshot tests: a trained group on the embedded engine, a second engine
tenant, and the wait for an operation to end."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from faceadmin.clients.errors import FaceApiError
from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
from faceadmin.faceapi.models import SnapshotOperation
from faceadmin.faceapi.snapshots import operation_status
from faceadmin.tenants.models import Membership, Provider, Role, Tenant
from faceadmin.tenants.services import tenant_create
from tests.dashboard.conftest import enroll

PG = CollectionKind.PERSON_GROUP
HTMX = {"HTTP_HX_REQUEST": "true"}
POLLING = 'hx-trigger="every 2s"'


def skip_without_snapshots(tenant: Tenant) -> None:
    """Skip while the embedded engine has no /snapshots yet (engine part 2), and only then."""
    try:
        services.client_for(tenant).snapshot_list()
    except FaceApiError as exc:
        if exc.status == 404:
            pytest.skip("the embedded engine answers 404 on /snapshots (engine part 2)")
        raise


@pytest.fixture
def engine_snapshots(local_tenant: Tenant) -> None:
    skip_without_snapshots(local_tenant)


def train(tenant: Tenant, kind: CollectionKind, collection_id: str) -> None:
    services.collection_train(tenant=tenant, user=None, kind=kind, collection_id=collection_id)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = services.training_status(tenant=tenant, kind=kind, collection_id=collection_id)
        if status is not None and status.status in ("succeeded", "failed"):
            assert status.status == "succeeded", status
            engine_jobs_end()
            return
        time.sleep(0.2)
    raise AssertionError("training did not end within 120 s")


def make_trained_group(tenant: Tenant, user: Any) -> str:
    """Person group "staff" with two persons (one photo each), trained."""
    services.collection_create(
        tenant=tenant, user=user, kind=PG, collection_id="staff", name="Staff"
    )
    enroll(tenant, user, "staff", "Barack Obama", "enroll/barack_obama/1.jpg")
    enroll(tenant, user, "staff", "Kit Harington", "enroll/kit_harington/1.jpg")
    train(tenant, PG, "staff")
    return "staff"


def engine_jobs_end(timeout: float = 60) -> None:
    """Wait until the engine's background jobs (snapshot operations, trainings) have ended.

    Only the tests need this. Their in-memory SQLite database is one connection that the
    engine shares with its job threads, so a job's open transaction is everyone's: a status
    can read "succeeded" before the job has committed, and a second transaction begun on the
    connection meanwhile fails ("cannot start a transaction within a transaction"), as does a
    flush ("database table is locked"). On a real database every thread has its own
    connection. So the tests let a job end before they go on."""
    from faceadmin.engine import jobs

    deadline = time.monotonic() + timeout
    while jobs._live and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.fixture
def trained_group(
    engine_snapshots: None, local_tenant: Tenant, local_members: Any
) -> Iterator[str]:
    yield make_trained_group(local_tenant, local_members["operator"])
    engine_jobs_end()


@pytest.fixture
def second_tenant(local_tenant: Tenant, local_members: Any) -> Tenant:
    """Another tenant on the embedded engine (its own engine account); local-admin is its
    admin too."""
    from faceadmin.engine.accounts import account_create

    _, key = account_create(name="second")
    tenant = tenant_create(
        name="Second engine tenant",
        slug="second",
        provider=Provider.EMBEDDED,
        endpoint_url="",
        primary_key=key,
    )
    Membership.objects.create(user=local_members["admin"], tenant=tenant, role=Role.ADMIN)
    return tenant


def finished(operation: SnapshotOperation, timeout: float = 120) -> SnapshotOperation:
    """Poll through the service (as the pages do) until the operation has ended."""
    deadline = time.monotonic() + timeout
    while operation.is_running:
        assert time.monotonic() < deadline, f"operation still {operation.status}"
        time.sleep(0.3)
        operation = operation_status(operation=operation)
    engine_jobs_end()
    return operation
