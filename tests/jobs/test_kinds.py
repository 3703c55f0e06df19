"""The face-API job kinds run by the real worker: photo grouping (cancel, a failure that keeps
its photos for a retry, retention of files and thumbnails) and following a remote tenant's
snapshot operation."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import responses
from django.db import connections
from django.utils import timezone

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi.grouping import photo_group_start
from faceadmin.faceapi.lookup import DetectSettings
from faceadmin.faceapi.snapshots import snapshot_take
from faceadmin.jobs.models import Job, JobItem, JobStatus
from faceadmin.jobs.retention import job_files_prune
from faceadmin.jobs.runner import job_workdir
from faceadmin.jobs.services import job_cancel, job_delete
from faceadmin.tenants.models import Tenant
from tests.conftest import DATA

pytestmark = pytest.mark.django_db(transaction=True)

PHOTOS = [
    "enroll/kit_harington/1.jpg",
    "enroll/kit_harington/2.jpg",
    "enroll/rose_leslie/1.jpg",
    "enroll/rose_leslie/2.jpg",
]


@pytest.fixture(autouse=True)
def _heartbeat(settings: Any) -> None:
    settings.FACEADMIN_JOBS_STALE_SECONDS = 2


def start_grouping(tenant: Tenant, user: Any, names: list[str]) -> Job:
    handles = [(DATA / name).open("rb") for name in names]
    try:
        return photo_group_start(
            tenant=tenant,
            user=user,
            uploads=[
                (f"{n}-{Path(name).name}", h)
                for n, (name, h) in enumerate(zip(names, handles, strict=True))
            ],
            settings=DetectSettings(),
        )
    finally:
        for handle in handles:
            handle.close()


def test_a_grouping_cancelled_mid_run_stops_and_deletes_its_photos(
    local_tenant: Tenant, local_members: Any, run_jobs: Any
) -> None:
    job = start_grouping(local_tenant, local_members["operator"], PHOTOS * 3)

    def cancel_after_the_first_photo() -> None:
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if JobItem.objects.filter(job=job).exists():
                    job_cancel(job=Job.objects.get(pk=job.pk), user=None)
                    return
                time.sleep(0.02)
        finally:
            connections.close_all()

    watcher = threading.Thread(target=cancel_after_the_first_photo)
    watcher.start()
    run_jobs()
    watcher.join()
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert 1 <= JobItem.objects.filter(job=job).count() < len(PHOTOS) * 3
    assert not (job_workdir(job) / "inputs").exists()


def test_a_failed_grouping_keeps_its_photos_for_a_retry_until_the_retention_ends(
    local_tenant: Tenant, local_members: Any, run_jobs: Any
) -> None:
    job = start_grouping(local_tenant, local_members["operator"], PHOTOS[:1])
    run_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "needs at least two faces" in job.error
    inputs = job_workdir(job) / "inputs"
    assert inputs.is_dir()  # Retry needs them
    assert job_files_prune() == 0 and inputs.is_dir()
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(hours=25))
    assert job_files_prune() == 1
    assert not job_workdir(job).exists()


def test_the_retention_removes_a_groupings_crops_and_thumbnails_but_keeps_its_counts(
    local_tenant: Tenant, local_members: Any, run_jobs: Any, local_client_as: Any
) -> None:
    job = start_grouping(local_tenant, local_members["operator"], PHOTOS)
    run_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert len(list((job_workdir(job) / "crops").iterdir())) == 4
    assert all(f["thumb"] for c in job.result["clusters"] for f in c["faces"])
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(hours=25))
    assert job_files_prune() == 1
    job.refresh_from_db()
    assert not job_workdir(job).exists()
    assert job.result["images_kept"] is False and job.result["faces"] == 4
    assert not any("thumb" in f for c in job.result["clusters"] for f in c["faces"])
    html = local_client_as("viewer").get(f"/t/local/jobs/{job.pk}/").content.decode()
    assert "have been removed" in html and "data:image/jpeg" not in html
    assert 'data-clusters="2"' in html


def test_deleting_a_job_removes_its_files_and_an_orphan_folder_goes_when_old(
    local_tenant: Tenant, local_members: Any, run_jobs: Any, settings: Any
) -> None:
    job = start_grouping(local_tenant, local_members["operator"], PHOTOS[:1])
    run_jobs()
    job.refresh_from_db()
    job_delete(job=job, user=None)
    assert not job_workdir(job).exists()
    orphan = Path(settings.MEDIA_ROOT) / "jobs" / "6f1c1f3e-2d0a-4c59-9d7e-1f0b3c8a9e11"
    orphan.mkdir(parents=True)
    assert job_files_prune() == 0  # young: its job may be being created
    settings.FACEADMIN_JOBS_FILES_RETENTION_HOURS = 0
    assert job_files_prune() >= 1 and not orphan.exists()


BASE = "https://acme.cognitiveservices.example/face/v1.0"
OPERATION_ID = "a63a3bdd-a1db-4d05-87b8-dbad6850062a"
SNAPSHOT_ID = "e58b3f08-1e8b-4165-81df-aa9858f233dc"


def test_a_remote_tenants_snapshot_operation_is_followed_to_its_end_by_a_job(
    tenant: Tenant, members: Any, run_jobs: Any, settings: Any
) -> None:
    settings.FACEADMIN_HTTP_MAX_RETRIES = 0
    with responses.RequestsMock(assert_all_requests_are_fired=False) as remote:
        remote.post(
            f"{BASE}/snapshots",
            status=202,
            headers={"Operation-Location": f"/operations/{OPERATION_ID}"},
        )
        operation = snapshot_take(
            tenant=tenant,
            user=members["admin"],
            kind=CollectionKind.PERSON_GROUP,
            collection_id="staff",
            apply_scope=["f9b96b36-1f5e-4021-8959-51527e26e6d3"],
        )
        job = Job.objects.get(kind="snapshot_operation")
        assert job.params == {"operation": operation.pk}
        # Running twice, then done: nobody has the operation's page open.
        status = {"createdTime": "2030-01-01T10:00:00Z"}
        url = f"{BASE}/operations/{OPERATION_ID}"
        remote.get(url, json=status | {"status": "running"})
        remote.get(url, json=status | {"status": "running"})
        remote.get(
            url,
            json=status | {"status": "succeeded", "resourceLocation": f"/snapshots/{SNAPSHOT_ID}"},
        )
        remote.get(
            f"{BASE}/snapshots/{SNAPSHOT_ID}",
            json={
                "id": SNAPSHOT_ID,
                "account": "f9b96b36-1f5e-4021-8959-51527e26e6d3",
                "type": "PersonGroup",
                "applyScope": [],
                "createdTime": "2030-01-01T10:00:00Z",
                "lastUpdateTime": "2030-01-01T10:00:00Z",
            },
        )
        run_jobs()
        polls = len([c for c in remote.calls if c.request.url == url])
    assert polls == 3  # until it ended, and not once more
    job.refresh_from_db()
    operation.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert operation.finished_at is not None and operation.status == "succeeded"
    assert operation.snapshot_id == SNAPSHOT_ID
    assert job.result is not None and job.result["snapshot_id"] == SNAPSHOT_ID
