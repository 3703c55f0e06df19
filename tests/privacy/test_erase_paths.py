"""More ways into erasure: from a person's page, on a FindFace tenant; and what guards it
(the photo stays in memory, CSRF, receipts stay in their tenant and survive any length)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.test import Client

from faceadmin.clients.errors import NotFoundError
from faceadmin.faceapi import galleries
from faceadmin.faceapi.lookup import photo_from_bytes
from faceadmin.faceapi.privacy import (
    RECEIPT_ACTION,
    erase_search,
    erase_start,
    erasure_receipt,
)
from faceadmin.faceapi.privacy.receipts import _audit_receipt
from faceadmin.faceapi.services import findface_client_for
from faceadmin.jobs.models import Job, JobStatus
from faceadmin.tenants.models import AuditEvent, Tenant
from tests.privacy.conftest import World, photo

PROBE = "probe/barack_obama.jpg"


def upload(name: str = PROBE, data: bytes | None = None) -> dict[str, Any]:
    content = photo(name) if data is None else data
    return {"photo": SimpleUploadedFile("probe.jpg", content, "image/jpeg")}


@pytest.mark.django_db
def test_the_query_photo_never_touches_the_disk(
    local_client_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def spool(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the photo was about to be written to a temporary file")

    monkeypatch.setattr(TemporaryFileUploadHandler, "new_file", spool)
    admin = local_client_as("admin")
    response = admin.post("/t/local/privacy/erase/", upload())
    assert response.status_code == 200
    assert "Nobody in the searched collections matches" in response.content.decode()
    # Too large to hold in memory: refused unread, never spooled.
    big = photo(PROBE) + b"\0" * settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    response = admin.post("/t/local/privacy/erase/", upload(data=big))
    assert response.status_code == 400
    assert "at most 6 MB" in response.content.decode()


@pytest.mark.django_db
def test_the_erase_search_checks_csrf(local_members: dict[str, Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(local_members["admin"])
    assert client.post("/t/local/privacy/erase/", upload()).status_code == 403
    page = client.get("/t/local/privacy/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    response = client.post(
        "/t/local/privacy/erase/", {**upload(), "csrfmiddlewaretoken": token.group(1)}
    )
    assert response.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_erasure_can_start_from_a_persons_page(world: World, local_client_as: Any) -> None:
    obama = world.staff["barack_obama"]
    admin = local_client_as("admin")
    person_page = admin.get(f"/t/local/collections/persongroups/staff/persons/{obama}/")
    assert f"/t/local/privacy/erase/person/persongroups/staff/{obama}/" in (
        person_page.content.decode()
    )
    response = admin.get(f"/t/local/privacy/erase/person/persongroups/staff/{obama}/")
    assert response.status_code == 200
    offered = re.findall(r'name="match" value="([^"]+)"', response.content.decode())
    # The person itself first, then where their stored photo was found elsewhere.
    assert offered[0] == f"PersonGroup:staff:{obama}"
    assert f"PersonGroup:visitors:{world.visitors['barack_obama']}" in offered
    assert f"FaceList:watch:{world.watch['barack_obama']}" in offered
    assert f"PersonGroup:staff:{world.staff['joe_biden']}" not in offered
    assert (
        local_client_as("operator")
        .get(f"/t/local/privacy/erase/person/persongroups/staff/{obama}/")
        .status_code
        == 403
    )


@pytest.mark.django_db(transaction=True)
def test_a_findface_tenant_erases_every_matching_face(
    ff_tenant: Tenant, ff_members: dict[str, Any], run_jobs: Any
) -> None:
    admin = ff_members["admin"]
    galleries.gallery_create(tenant=ff_tenant, user=admin, name="vip")
    enrolled = {}
    for name, path in (
        ("obama-1", "enroll/barack_obama/1.jpg"),
        ("obama-2", "enroll/barack_obama/2.jpg"),
        ("biden", "enroll/joe_biden/1.jpg"),
    ):
        faces = galleries.gallery_enroll(
            tenant=ff_tenant,
            user=admin,
            gallery="vip",
            photo=photo_from_bytes(data=photo(path), filename=name),
            meta=name,
        )
        enrolled[name] = faces[0].id
    search = erase_search(
        tenant=ff_tenant, photo=photo_from_bytes(data=photo(PROBE), filename="probe.jpg")
    )
    found = {m.face_id for m in search.matches}
    assert found == {str(enrolled["obama-1"]), str(enrolled["obama-2"])}
    job = erase_start(
        tenant=ff_tenant, user=admin, token=search.token, chosen=[m.key for m in search.matches]
    )
    run_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    client = findface_client_for(ff_tenant)
    for name in ("obama-1", "obama-2"):
        with pytest.raises(NotFoundError):
            client.face_get(face_id=enrolled[name])
    assert client.face_get(face_id=enrolled["biden"]).meta == "biden"
    assert job.result["totals"]["erased"] == 2
    text = " ".join(
        AuditEvent.objects.filter(action=RECEIPT_ACTION).values_list("reason", flat=True)
    )
    assert "obama" not in text


@pytest.mark.django_db
def test_a_long_receipt_is_split_across_events_and_read_back_whole(
    tenant: Tenant, other_tenant: Tenant, client_as: Any
) -> None:
    receipt_id = "00000000-0000-0000-0000-0000000000aa"
    found = [
        {
            "kind": "PersonGroup",
            "collection": f"group-{i}",
            "person": f"{i:036d}",
            "confidence": 0.9,
        }
        for i in range(120)
    ]
    receipt = {
        "receipt": receipt_id,
        "tenant": tenant.slug,
        "requested_by": "admin",
        "requested_at": "2026-01-01T00:00:00+00:00",
        "completed_at": "2026-01-01T00:01:00+00:00",
        "searched": ["Person group A"],
        "not_searched": [],
        "found": found,
        "deleted": [
            {**f, "outcome": "deleted", "faces": ["f"], "request_ids": ["r"]} for f in found
        ],
        "retrained": [],
        "totals": {"found": 120, "erased": 120, "failed": 0},
    }
    _audit_receipt(tenant=tenant, user=None, receipt=receipt)
    events = AuditEvent.objects.filter(action=RECEIPT_ACTION, target_id=receipt_id)
    assert events.count() > 3
    assert all(len(e.reason) <= 2000 and json.loads(e.reason) for e in events)
    back = erasure_receipt(tenant=tenant, receipt_id=receipt_id)
    assert back is not None
    assert back["found"] == found and len(back["deleted"]) == 120
    assert erasure_receipt(tenant=other_tenant, receipt_id=receipt_id) is None
    assert client_as("admin").get(f"/t/acme/privacy/receipts/{receipt_id}/").status_code == 200
    assert client_as("outsider").get(f"/t/other/privacy/receipts/{receipt_id}/").status_code == 404
    assert client_as("operator").get(f"/t/acme/privacy/receipts/{receipt_id}/").status_code == 403
    assert Job.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_retried_erasure_repeats_no_deletion_and_writes_one_receipt(
    local_tenant: Tenant, local_members: dict[str, Any], run_jobs: Any, monkeypatch: Any
) -> None:
    from faceadmin.faceapi.privacy import erase as privacy_erase
    from faceadmin.jobs.services import job_retry
    from tests.lookup.conftest import make_group

    ids = make_group(
        local_tenant,
        local_members["operator"],
        "solo",
        {"barack_obama": "enroll/barack_obama/1.jpg"},
        train=False,
    )
    search = erase_search(
        tenant=local_tenant, photo=photo_from_bytes(data=photo(PROBE), filename="probe.jpg")
    )
    assert [m.person_id for m in search.matches] == [ids["barack_obama"]]
    real = privacy_erase._audit_receipt
    calls = {"n": 0}

    def fail_once(**kwargs: Any) -> None:
        real(**kwargs)
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("the worker died while writing the receipt")

    monkeypatch.setattr(privacy_erase, "_audit_receipt", fail_once)
    admin = local_members["admin"]
    job = erase_start(
        tenant=local_tenant, user=admin, token=search.token, chosen=[search.matches[0].key]
    )
    run_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    job_retry(job=job, user=admin)
    run_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    # Deleted once (the retry skipped the recorded step), and its outcome kept.
    deletions = AuditEvent.objects.filter(action="person.delete", target_id=ids["barack_obama"])
    assert deletions.count() == 1
    assert job.result["deleted"][0]["outcome"] == "deleted"
    # The receipt's events were written once: the failed attempt's were rolled back.
    parts = [
        json.loads(reason)["part"]
        for reason in AuditEvent.objects.filter(
            action=RECEIPT_ACTION, target_id=str(job.pk)
        ).values_list("reason", flat=True)
    ]
    assert sorted(parts) == [f"{n}/{len(parts)}" for n in range(1, len(parts) + 1)]
    back = erasure_receipt(tenant=local_tenant, receipt_id=str(job.pk))
    assert back is not None and back["deleted"] == job.result["deleted"]
