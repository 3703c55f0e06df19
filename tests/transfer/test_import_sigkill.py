"""A real `manage.py db_worker` SIGKILLed while it imports: the retry enrolls the rest, and
no face is left twice, whatever the moment the kill landed."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
from faceadmin.faceapi.models import FaceImage
from faceadmin.faceapi.transfer.importing import ImportParams, import_rows
from faceadmin.faceapi.transfer.services import import_check_create, import_create
from faceadmin.jobs.models import JobItem, JobStatus
from faceadmin.jobs.runner import STALE_REASON
from faceadmin.jobs.services import job_get, job_retry
from faceadmin.tenants.models import Tenant
from tests.conftest import drain_job_queue
from tests.jobs import procs
from tests.transfer.conftest import PEOPLE, make_zip, variant

pytestmark = pytest.mark.django_db(transaction=True)

LPG = CollectionKind.LARGE_PERSON_GROUP
PER_PERSON = 4


@pytest.fixture(autouse=True)
def _stale_after(settings: Any) -> None:
    settings.FACEADMIN_JOBS_STALE_SECONDS = 3


def test_an_import_whose_worker_is_sigkilled_resumes_with_every_face_once(
    local_tenant: Tenant, operator: Any, large_group: str, tmp_path: Path, run_jobs: Any
) -> None:
    files: dict[str, bytes | str] = {}
    for n, person in enumerate(PEOPLE):
        name = person.replace("_", " ").title()
        for k in range(PER_PERSON):
            files[f"{name}/{k}.jpg"] = variant(f"enroll/{person}/1.jpg", n * 10 + k)
    source = make_zip(tmp_path / "set.zip", files)
    params = ImportParams(kind="largepersongroups", collection_id="staff")
    check = import_check_create(tenant=local_tenant, user=operator, options=params, path=source)
    run_jobs()
    check.refresh_from_db()
    assert check.status == JobStatus.SUCCEEDED, check.error
    job = import_create(check=check, user=operator)  # queued for the worker process

    log = tmp_path / "worker.log"
    with procs.db_worker(log) as worker:
        procs.wait_for(
            lambda: JobItem.objects.filter(job=job, key__startswith="file:").count() >= 4,
            180,
            log,
        )
        os.killpg(worker.pid, signal.SIGKILL)  # no goodbye: as a crash or an OOM kill
        worker.wait(timeout=30)
    total = len(files)
    assert JobItem.objects.filter(job=job, key__startswith="file:").count() < total

    procs.wait_for(lambda: job_get(tenant=local_tenant, job_id=job.pk).is_finished, 30)
    job = job_get(tenant=local_tenant, job_id=job.pk)
    assert job.status == JobStatus.FAILED and job.error == STALE_REASON
    job_retry(job=job, user=operator)
    drain_job_queue()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 2, job.error

    rows = list(import_rows(job))
    assert len(rows) == total
    assert {row["status"] for row in rows} <= {"enrolled", "skipped"}
    page = services.person_page(tenant=local_tenant, kind=LPG, group_id="staff", top=100)
    assert sorted(len(p.persisted_face_ids) for p in page.items) == [PER_PERSON] * len(PEOPLE)
    assert FaceImage.objects.count() == total
