"""The tenant overview: per-call statistics, the selectors behind its charts, the page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import overview
from faceadmin.faceapi.callstats import call_stat_record, operation_of
from faceadmin.faceapi.models import FaceImage, ProviderCallStat, TrainingRun
from faceadmin.tenants.audit import audit_record
from faceadmin.tenants.models import Tenant
from tests.conftest import PRIMARY_KEY


@pytest.mark.parametrize(
    ("method", "path", "want"),
    [
        ("post", "/detect", "POST /detect"),
        ("PUT", "/persongroups/staff", "PUT /persongroups/{id}"),
        (
            "POST",
            "/persongroups/staff/persons/0b6e/persistedfaces?userData=secret&targetFace=1,2,3,4",
            "POST /persongroups/{id}/persons/{id}/persistedfaces",
        ),
        ("POST", "/faces/gallery/vip/identify/", "POST /faces/gallery/{id}/identify"),
        ("GET", f"/x/{PRIMARY_KEY}", "GET /{id}/{id}"),
    ],
)
def test_operations_keep_the_shape_of_the_path_only(method: str, path: str, want: str) -> None:
    assert operation_of(method, path) == want


def test_each_call_is_counted_in_one_row_per_day_and_operation(tenant: Tenant) -> None:
    for ms, failed in ((120.0, False), (80.0, True), (400.0, False)):
        call_stat_record(
            tenant_id=tenant.pk, operation="POST /detect", elapsed_ms=ms, failed=failed
        )
    call_stat_record(tenant_id=tenant.pk, operation="POST /verify", elapsed_ms=5, failed=False)
    row = ProviderCallStat.objects.get(tenant=tenant, operation="POST /detect")
    assert (row.calls, row.errors, row.total_ms, row.max_ms) == (3, 1, 600.0, 400.0)
    assert row.day == timezone.localdate()
    assert ProviderCallStat.objects.count() == 2


def test_calls_through_the_client_are_counted(local_tenant: Tenant) -> None:
    from faceadmin.clients.errors import NotFoundError
    from faceadmin.faceapi import services

    services.collection_create(
        tenant=local_tenant,
        user=None,
        kind=CollectionKind.PERSON_GROUP,
        collection_id="staff",
        name="Staff",
        recognition_model="recognition_04",
    )
    with pytest.raises(NotFoundError):
        services.collection_get(
            tenant=local_tenant, kind=CollectionKind.PERSON_GROUP, collection_id="nobody"
        )
    rows = {r.operation: r for r in ProviderCallStat.objects.filter(tenant=local_tenant)}
    assert rows["PUT /persongroups/{id}"].calls == 1
    assert rows["GET /persongroups/{id}"].errors == 1


def test_daily_selector_counts_enrolments_lookups_and_calls(tenant: Tenant) -> None:
    for action in ("face.add", "face.add", "face.enroll", "lookup.identify", "person.create"):
        audit_record(action=action, tenant=tenant, user=None)
    audit_record(action="face.add", tenant=tenant, user=None, outcome="InvalidImage")
    call_stat_record(tenant_id=tenant.pk, operation="POST /detect", elapsed_ms=100, failed=False)
    call_stat_record(tenant_id=tenant.pk, operation="POST /verify", elapsed_ms=300, failed=True)
    days = overview.overview_daily(tenant=tenant, days=7)
    assert len(days) == 7
    assert days[-1].day == timezone.localdate()
    today = days[-1]
    assert (today.enrolled, today.lookups, today.calls, today.errors) == (3, 1, 2, 1)
    assert today.avg_ms == 200 and today.max_ms == 300
    assert all(d.enrolled == d.lookups == d.calls == 0 for d in days[:-1])


def test_collection_sizes_and_trainings(tenant: Tenant) -> None:
    def image(collection: str, person: str, face: str) -> None:
        FaceImage.objects.create(
            tenant=tenant,
            kind=CollectionKind.PERSON_GROUP.value,
            collection_id=collection,
            person_id=person,
            persisted_face_id=face,
            thumbnail="x.jpg",
            sha256="0" * 64,
        )

    for n, person in enumerate(["a", "a", "b"]):
        image("big", person, f"f{n}")
    image("small", "c", "f9")
    sizes = overview.overview_collection_sizes(tenant=tenant)
    assert [(s.collection_id, s.faces, s.persons) for s in sizes] == [
        ("big", 3, 2),
        ("small", 1, 1),
    ]
    start = timezone.now() - timedelta(hours=1)
    for k in range(3):
        TrainingRun.objects.create(
            tenant=tenant,
            kind="PersonGroup",
            collection_id="big",
            status="succeeded",
            started_at=start + timedelta(minutes=k),
            finished_at=start + timedelta(minutes=k, seconds=k + 1),
            seconds=k + 1,
        )
    assert [t.seconds for t in overview.overview_trainings(tenant=tenant, limit=2)] == [2, 3]


@pytest.mark.django_db(transaction=True)
def test_a_finished_training_is_remembered_once(local_tenant: Tenant) -> None:
    from faceadmin.faceapi import services
    from tests.dashboard.conftest import enroll

    services.collection_create(
        tenant=local_tenant,
        user=None,
        kind=CollectionKind.PERSON_GROUP,
        collection_id="staff",
        name="Staff",
        recognition_model="recognition_04",
    )
    enroll(local_tenant, None, "staff", "Kit", "enroll/kit_harington/1.jpg")
    services.collection_train(
        tenant=local_tenant, user=None, kind=CollectionKind.PERSON_GROUP, collection_id="staff"
    )
    import time

    deadline = time.monotonic() + 60
    status = None
    while time.monotonic() < deadline:
        status = services.training_status(
            tenant=local_tenant, kind=CollectionKind.PERSON_GROUP, collection_id="staff"
        )
        if status is not None and status.is_finished:
            break
        time.sleep(0.2)
    services.training_status(
        tenant=local_tenant, kind=CollectionKind.PERSON_GROUP, collection_id="staff"
    )
    runs = list(TrainingRun.objects.filter(tenant=local_tenant))
    assert len(runs) == 1
    assert runs[0].status == "succeeded" and runs[0].seconds >= 0


def test_overview_page_shows_empty_states_then_charts(tenant: Tenant, client_as: Any) -> None:
    url = reverse("dashboard:tenant_home", args=[tenant.slug])
    text = client_as("operator").get(url).content.decode()
    for empty in ("empty-sizes", "empty-activity", "empty-calls", "empty-trainings"):
        assert f'data-testid="{empty}"' in text
    assert "Open a collection" in text  # says what to do next
    audit_record(action="lookup.identify", tenant=tenant, user=None)
    call_stat_record(tenant_id=tenant.pk, operation="POST /detect", elapsed_ms=100, failed=False)
    text = client_as("viewer").get(url).content.decode()
    assert 'id="chart-activity" type="application/json"' in text
    assert 'id="chart-calls" type="application/json"' in text
    assert 'data-testid="daily-table"' in text
    assert "<script>" not in text and 'style="' not in text  # CSP: no inline script or style
    csv_text = client_as("viewer").get(reverse("dashboard:tenant_overview_csv", args=[tenant.slug]))
    lines = csv_text.content.decode().splitlines()
    assert lines[0] == "day,faces_enrolled,lookups,provider_calls,provider_errors,mean_ms,max_ms"
    assert lines[-1] == f"{timezone.localdate().isoformat()},0,1,1,0,100.0,100.0"
