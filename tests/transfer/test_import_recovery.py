"""An import killed between the provider's answer and faceadmin's record of the face.

The other resume test (test_resume_and_limits.py) kills the import after the face image was
stored; here the worker dies in the narrowest window: the provider has persisted the face,
faceadmin has not stored its image yet. The retry must not leave that face twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import imagestore, services
from faceadmin.faceapi.models import FaceImage
from faceadmin.faceapi.transfer.importing import ImportParams, import_rows
from faceadmin.faceapi.transfer.services import import_check_create, import_create
from faceadmin.jobs import runner
from faceadmin.jobs.models import Job, JobItem, JobStatus
from faceadmin.jobs.services import job_get, job_retry
from faceadmin.tenants.models import Tenant
from tests.transfer.conftest import PEOPLE, make_zip, variant

pytestmark = pytest.mark.django_db(transaction=True)

LPG = CollectionKind.LARGE_PERSON_GROUP


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing in the runner catches it, nothing is recorded after it."""


def _source(tmp_path: Path, *, with_existing: str = "") -> Path:
    files: dict[str, bytes | str] = {}
    for n, person in enumerate(PEOPLE):
        name = with_existing if (with_existing and n == 0) else person.replace("_", " ").title()
        files[f"{name}/a.jpg"] = variant(f"enroll/{person}/1.jpg", n)
        files[f"{name}/b.jpg"] = variant(f"enroll/{person}/1.jpg", n + 50, width=400)
    return make_zip(tmp_path / "set.zip", files)


def _kill_after_the_provider_answers(
    monkeypatch: pytest.MonkeyPatch, when: Callable[[int, dict[str, Any]], bool]
) -> None:
    """A face image store raises WorkerKilled when `when(n, kwargs)`: the provider already
    holds that face, faceadmin has no record of it."""
    real_save = imagestore.face_image_save
    calls: list[int] = []

    def save_or_die(**kwargs: Any) -> Any:
        calls.append(1)
        if when(len(calls), kwargs):
            raise WorkerKilled
        return real_save(**kwargs)

    monkeypatch.setattr(imagestore, "face_image_save", save_or_die)


def _run_killed_then_retry(
    tenant: Tenant,
    operator: Any,
    source: Path,
    run_jobs: Any,
    monkeypatch: pytest.MonkeyPatch,
    when: Callable[[int, dict[str, Any]], bool],
) -> Job:
    params = ImportParams(kind="largepersongroups", collection_id="staff")
    check = import_check_create(tenant=tenant, user=operator, options=params, path=source)
    run_jobs()
    check.refresh_from_db()
    assert check.status == JobStatus.SUCCEEDED, check.error
    job = import_create(check=check, user=operator, enqueue=False)

    with monkeypatch.context() as patched:
        _kill_after_the_provider_answers(patched, when)
        with pytest.raises(WorkerKilled):
            runner.execute(str(job.pk))
    # The dead attempt left its intent: a photo persisted but not recorded.
    assert JobItem.objects.filter(job=job, key__startswith="intent:").count() == 1

    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=5))
    job = job_get(tenant=tenant, job_id=job.pk)
    assert job.status == JobStatus.FAILED
    job_retry(job=job, user=operator)
    run_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    return job


@pytest.fixture(autouse=True)
def _one_thread(settings: Any) -> None:
    # One enrolment at a time, so exactly one is under way when the worker dies.
    settings.FACEADMIN_IMPORT_THREADS = 1
    settings.FACEADMIN_JOBS_STALE_SECONDS = 0.4


def test_a_face_persisted_but_not_recorded_is_not_left_twice(
    local_tenant: Tenant,
    operator: Any,
    large_group: str,
    tmp_path: Path,
    run_jobs: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    job = _run_killed_then_retry(
        local_tenant, operator, _source(tmp_path), run_jobs, monkeypatch, lambda n, _: n == 4
    )

    rows = list(import_rows(job))
    assert [row["status"] for row in rows] == ["enrolled"] * 10
    page = services.person_page(tenant=local_tenant, kind=LPG, group_id="staff", top=100)
    assert sorted(len(p.persisted_face_ids) for p in page.items) == [2, 2, 2, 2, 2]
    assert FaceImage.objects.count() == 10
    assert job.result["recovery"] == {"settled": 0, "faces_deleted": 1, "unresolved": 0}
    assert not JobItem.objects.filter(job=job, key__startswith="intent:").exists()


def test_faces_of_a_person_that_existed_before_the_import_are_never_deleted(
    local_tenant: Tenant,
    operator: Any,
    large_group: str,
    tmp_path: Path,
    run_jobs: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # "Veteran" is in the group already, with a face enrolled by another tool (no FaceImage).
    veteran = services.person_create(
        tenant=local_tenant, user=operator, kind=LPG, group_id="staff", name="Veteran"
    )
    client = services.client_for(local_tenant)
    outside = client.person_add_face_from_stream(
        CollectionKind.LARGE_PERSON_GROUP,
        collection_id="staff",
        person_id=veteran,
        image=variant(f"enroll/{PEOPLE[1]}/2.jpg", 99),
    )
    source = _source(tmp_path, with_existing="Veteran")
    job = _run_killed_then_retry(
        local_tenant,
        operator,
        source,
        run_jobs,
        monkeypatch,
        lambda _, kwargs: kwargs["person_id"] == veteran,
    )

    person = services.person_get(tenant=local_tenant, kind=LPG, group_id="staff", person_id=veteran)
    assert outside in person.persisted_face_ids  # never deleted
    assert job.result["recovery"] == {"settled": 0, "faces_deleted": 0, "unresolved": 1}
    unresolved = [row for row in import_rows(job) if "may hold this face twice" in row["reason"]]
    assert len(unresolved) == 1
