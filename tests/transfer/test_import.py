"""Import through the real worker on the embedded engine: the check, the run, idempotence."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
from faceadmin.faceapi.models import FaceImage
from faceadmin.faceapi.transfer.importing import ImportParams, import_rows
from faceadmin.faceapi.transfer.services import import_check_create, import_create
from faceadmin.jobs.models import JobStatus
from faceadmin.tenants.models import AuditEvent, Tenant
from tests.transfer.conftest import make_zip, people_zip, photo, variant

pytestmark = pytest.mark.django_db(transaction=True)

LPG = CollectionKind.LARGE_PERSON_GROUP


def _persons(tenant: Tenant, group: str) -> dict[str, int]:
    page = services.person_page(tenant=tenant, kind=LPG, group_id=group, top=100)
    return {p.name: len(p.persisted_face_ids) for p in page.items}


def _check_then_run(
    tenant: Tenant, user: Any, path: Path, run_jobs: Any, **options: Any
) -> tuple[Any, Any]:
    params = ImportParams(kind="largepersongroups", collection_id="staff", **options)
    check = import_check_create(tenant=tenant, user=user, options=params, path=path)
    run_jobs()
    check.refresh_from_db()
    assert check.status == JobStatus.SUCCEEDED, check.error
    job = import_create(check=check, user=user)
    run_jobs()
    job.refresh_from_db()
    return check, job


def test_the_check_reports_before_writing_and_the_run_enrolls_each_person(
    local_tenant: Tenant, operator: Any, large_group: str, tmp_path: Path, run_jobs: Any
) -> None:
    source = make_zip(
        tmp_path / "set.zip",
        {
            "Barack Obama/1.jpg": photo("enroll/barack_obama/1.jpg"),
            "Barack Obama/copy.jpg": photo("enroll/barack_obama/1.jpg"),
            "Joe Biden/1.jpg": photo("enroll/joe_biden/1.jpg"),
            "Joe Biden/notes.txt": "not a photo",
            "Two/both.jpg": photo("multi/barack_obama_joe_biden.jpg"),
            "../evil.jpg": photo("enroll/joe_biden/2.jpg"),
            "__MACOSX/._x.jpg": b"junk",
        },
    )
    params = ImportParams(kind="largepersongroups", collection_id="staff", policy="largest")
    check = import_check_create(tenant=local_tenant, user=operator, options=params, path=source)
    run_jobs()
    check.refresh_from_db()
    assert check.status == JobStatus.SUCCEEDED, check.error
    report = check.result
    assert report["counts"] == {
        "ok": 2,
        "duplicate": 1,
        "not_image": 1,
        "several_faces": 1,
        "refused": 1,
    }
    assert report["persons_create"] == 3 and report["persons_reuse"] == 0
    assert report["calls"]["detect"] == 3
    reasons = {row["file"]: row for row in report["problems"]}
    assert "unsafe path" in reasons["../evil.jpg"]["reason"]
    assert reasons["Barack Obama/copy.jpg"]["reason"] == "same file as Barack Obama/1.jpg"
    # Nothing written yet.
    assert _persons(local_tenant, "staff") == {}
    assert not FaceImage.objects.exists()

    job = import_create(check=check, user=operator)
    run_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert _persons(local_tenant, "staff") == {"Barack Obama": 1, "Joe Biden": 1, "Two": 1}
    rows = {row["file"]: row for row in import_rows(job)}
    assert rows["Barack Obama/copy.jpg"]["status"] == "skipped"
    assert rows["Barack Obama/copy.jpg"]["reason"] == "same file as Barack Obama/1.jpg"
    assert rows["Joe Biden/notes.txt"]["status"] == "failed"
    assert rows["Two/both.jpg"]["status"] == "enrolled"
    assert rows["Two/both.jpg"]["reason"].startswith("largest of ")
    enrolled = rows["Joe Biden/1.jpg"]
    image = FaceImage.objects.get(persisted_face_id=enrolled["persistedFaceId"])
    assert image.person_id == enrolled["personId"] and image.thumbnail and image.original
    assert image.uploaded_by_username == "local-operator"
    assert image.source_filename == "1.jpg"
    summary = AuditEvent.objects.get(action="collection.import")
    assert "3 enrolled" in summary.reason and "3 persons created" in summary.reason
    assert AuditEvent.objects.filter(action="person.create").count() == 3
    assert AuditEvent.objects.filter(action="face.add").count() == 3
    assert job.result["trainable"] is True


def test_running_the_same_set_again_adds_no_face_and_no_person(
    local_tenant: Tenant, operator: Any, large_group: str, tmp_path: Path, run_jobs: Any
) -> None:
    source = people_zip(tmp_path / "people.zip")
    _, first = _check_then_run(local_tenant, operator, source, run_jobs)
    assert first.result["counts"] == {"enrolled": 6}
    check, again = _check_then_run(local_tenant, operator, source, run_jobs)
    assert check.result["counts"] == {"already_enrolled": 6}
    assert check.result["persons_reuse"] == 5
    assert again.result["counts"] == {"skipped": 6}
    assert again.result["persons_created"] == 0
    assert sum(_persons(local_tenant, "staff").values()) == 6
    assert FaceImage.objects.count() == 6


def test_several_faces_can_be_skipped_or_kept_for_a_pick(
    local_tenant: Tenant, operator: Any, large_group: str, tmp_path: Path, run_jobs: Any
) -> None:
    source = make_zip(
        tmp_path / "multi.zip",
        {
            "Pair/a.jpg": photo("multi/barack_obama_joe_biden.jpg"),
            "Pair2/b.jpg": photo("multi/kit_harington_rose_leslie.jpg"),
        },
    )
    _, job = _check_then_run(local_tenant, operator, source, run_jobs, policy="skip")
    assert job.result["counts"] == {"skipped": 2}
    from faceadmin.faceapi.models import PendingPhoto

    _, job = _check_then_run(local_tenant, operator, source, run_jobs, policy="pick")
    assert job.result["counts"] == {"pick": 2}
    assert PendingPhoto.objects.count() == 2


def test_a_manifest_names_persons_and_their_user_data(
    local_tenant: Tenant, operator: Any, large_group: str, tmp_path: Path, run_jobs: Any
) -> None:
    manifest = (
        "person_id_or_name,name,user_data,file\n"
        'emp-1,Barack Obama,"{""dept"": 1}",a/x.jpg\n'
        'emp-1,Barack Obama,"{""dept"": 1}",a/y.jpg\n'
        "emp-2,Joe Biden,,b.jpg\n"
        "emp-3,Nobody Yet,,\n"
    )
    source = make_zip(
        tmp_path / "m.zip",
        {
            "manifest.csv": manifest,
            "a/x.jpg": photo("enroll/barack_obama/1.jpg"),
            "a/y.jpg": photo("enroll/barack_obama/2.jpg"),
            "b.jpg": photo("enroll/joe_biden/1.jpg"),
        },
    )
    _, job = _check_then_run(local_tenant, operator, source, run_jobs)
    assert job.status == JobStatus.SUCCEEDED, job.error
    page = services.person_page(tenant=local_tenant, kind=LPG, group_id="staff", top=10)
    persons = {p.name: p for p in page.items}
    assert set(persons) == {"Barack Obama", "Joe Biden", "Nobody Yet"}
    assert persons["Barack Obama"].user_data == '{"dept": 1}'
    assert len(persons["Barack Obama"].persisted_face_ids) == 2
    assert persons["Nobody Yet"].persisted_face_ids == ()


def test_the_check_finds_faces_that_already_match_another_person_of_a_trained_group(
    local_tenant: Tenant, operator: Any, large_group: str, tmp_path: Path, run_jobs: Any
) -> None:
    _check_then_run(local_tenant, operator, people_zip(tmp_path / "people.zip"), run_jobs)
    services.collection_train(tenant=local_tenant, user=operator, kind=LPG, collection_id="staff")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = services.training_status(tenant=local_tenant, kind=LPG, collection_id="staff")
        if status is not None and status.is_finished:
            break
        time.sleep(0.2)
    source = make_zip(
        tmp_path / "new.zip",
        {
            "Someone Else/x.jpg": variant("probe/barack_obama.jpg", 1),
            "Joe Biden/new.jpg": variant("enroll/joe_biden/2.jpg", 2),
        },
    )
    params = ImportParams(kind="largepersongroups", collection_id="staff")
    check = import_check_create(tenant=local_tenant, user=operator, options=params, path=source)
    run_jobs()
    check.refresh_from_db()
    assert check.status == JobStatus.SUCCEEDED, check.error
    report = check.result
    assert report["trained"] is True and report["calls"]["identify"] == 1
    assert report["counts"] == {"ok": 1, "matches_other": 1}
    (problem,) = report["problems"]
    assert problem["file"] == "Someone Else/x.jpg"
    assert problem["reason"].startswith("looks like Barack Obama (confidence ")
