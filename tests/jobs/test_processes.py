"""Jobs across real processes: a `manage.py db_worker` killed mid-job, and a web server
(gunicorn with the shipped config) restarted while a job runs. Both run against the test
database (SQLite file or PostgreSQL), like production's web + worker topology."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest
import requests
from django.test import Client

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
from faceadmin.faceapi.grouping import photo_group_start
from faceadmin.faceapi.lookup import DetectSettings
from faceadmin.jobs.models import Job, JobItem, JobStatus
from faceadmin.jobs.runner import STALE_REASON
from faceadmin.jobs.services import job_create, job_get, job_retry
from faceadmin.tenants.models import Tenant
from tests.conftest import DATA, drain_job_queue
from tests.jobs import kinds, procs

pytestmark = pytest.mark.django_db(transaction=True)

PG = CollectionKind.PERSON_GROUP
assert kinds.enroll_photos  # registers the test kinds in this process too
ONE_FACE = [
    "enroll/kit_harington/1.jpg",
    "enroll/kit_harington/2.jpg",
    "enroll/rose_leslie/1.jpg",
    "enroll/rose_leslie/2.jpg",
    "enroll/barack_obama/1.jpg",
    "enroll/barack_obama/2.jpg",
]


@pytest.fixture(autouse=True)
def _stale_after(settings: Any) -> None:
    # Processes on a busy machine: a heartbeat every 0.75 s, stale after 3 s.
    settings.FACEADMIN_JOBS_STALE_SECONDS = 3


def test_a_worker_killed_mid_job_leaves_a_failed_job_whose_retry_enrolls_each_photo_once(
    local_tenant: Tenant, local_members: dict[str, Any], tmp_path: Path
) -> None:
    operator = local_members["operator"]
    services.collection_create(
        tenant=local_tenant, user=operator, kind=PG, collection_id="team", name="Team"
    )
    person = services.person_create(
        tenant=local_tenant, user=operator, kind=PG, group_id="team", name="Everyone"
    )
    job = job_create(
        tenant=local_tenant,
        user=operator,
        kind="test_enroll",
        title="Enroll six photos",
        params={"group": "team", "person": person, "photos": ONE_FACE, "pause": 0.3},
    )
    log = tmp_path / "worker.log"
    with procs.db_worker(log) as worker:
        procs.wait_for(
            lambda: JobItem.objects.filter(job=job, status="done").count() >= 2, 180, log
        )
        os.killpg(worker.pid, signal.SIGKILL)  # no goodbye: as a crash or an OOM kill
        worker.wait(timeout=30)
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING  # the dead worker could not say otherwise
    assert job.done < len(ONE_FACE)

    procs.wait_for(lambda: job_get(tenant=local_tenant, job_id=job.pk).is_finished, 30)
    job = job_get(tenant=local_tenant, job_id=job.pk)
    assert job.status == JobStatus.FAILED and job.error == STALE_REASON

    job_retry(job=job, user=operator)
    drain_job_queue()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 2, job.error
    assert job.done == len(ONE_FACE)
    # Every photo enrolled exactly once, across the killed attempt and the retry.
    client = services.client_for(local_tenant)
    faces = client.person_get(CollectionKind.PERSON_GROUP, collection_id="team", person_id=person)
    tags = sorted(
        client.person_get_face(
            CollectionKind.PERSON_GROUP,
            collection_id="team",
            person_id=person,
            persisted_face_id=face_id,
        ).user_data
        or ""
        for face_id in faces.persisted_face_ids
    )
    assert tags == sorted(f"photo:{i}" for i in range(len(ONE_FACE)))


def test_a_grouping_job_goes_on_while_the_web_server_restarts(
    local_tenant: Tenant, local_members: dict[str, Any], tmp_path: Path
) -> None:
    operator = local_members["operator"]
    paths = [DATA / name for name in ONE_FACE] * 4  # 24 photos: long enough to restart under
    handles = [path.open("rb") for path in paths]
    try:
        job = photo_group_start(
            tenant=local_tenant,
            user=operator,
            uploads=[
                (f"{n}-{p.name}", h) for n, (p, h) in enumerate(zip(paths, handles, strict=True))
            ],
            settings=DetectSettings(),
        )
    finally:
        for handle in handles:
            handle.close()
    browser = Client()
    browser.force_login(operator)
    cookies = {"sessionid": browser.cookies["sessionid"].value}
    port = procs.free_port()
    url = f"http://127.0.0.1:{port}/t/local/jobs/{job.pk}/"

    def page() -> str:
        return requests.get(url, cookies=cookies, timeout=30).text

    web_log = tmp_path / "web.log"
    web = procs.gunicorn(port, web_log)
    try:
        with procs.db_worker(tmp_path / "worker.log"):
            procs.wait_for(lambda: 'data-status="running"' in page(), 180, web_log)
            procs.stop(web)  # a deploy restarts the web server; the worker carries on
            with pytest.raises(requests.ConnectionError):
                page()
            assert Job.objects.get(pk=job.pk).is_active
            web = procs.gunicorn(port, web_log)
            procs.wait_for(lambda: 'data-status="succeeded"' in page(), 300, web_log)
            html = page()
    finally:
        procs.stop(web)
    job.refresh_from_db()
    assert job.attempts == 1 and job.done == len(paths)
    assert 'data-testid="grouping" data-clusters="3"' in html
