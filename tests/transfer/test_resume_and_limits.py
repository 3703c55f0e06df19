"""An import survives its worker being killed, and a rate-limiting cloud loses no file."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import responses
from django.test import override_settings
from django.utils import timezone

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
from faceadmin.faceapi.models import FaceImage
from faceadmin.faceapi.transfer import ratelimit
from faceadmin.faceapi.transfer.importing import ImportParams, import_rows
from faceadmin.faceapi.transfer.services import import_check_create, import_create
from faceadmin.jobs import runner
from faceadmin.jobs.models import Job, JobItem, JobStatus
from faceadmin.jobs.services import job_get, job_pause, job_retry
from faceadmin.tenants.models import Tenant
from tests.transfer.conftest import PEOPLE, make_zip, photo, variant

pytestmark = pytest.mark.django_db(transaction=True)

LPG = CollectionKind.LARGE_PERSON_GROUP
BASE = "https://acme.cognitiveservices.example/face/v1.0"


def _checked(tenant: Tenant, user: Any, path: Path, run_jobs: Any, **options: Any) -> Job:
    params = ImportParams(kind="largepersongroups", collection_id="staff", **options)
    check = import_check_create(tenant=tenant, user=user, options=params, path=path)
    run_jobs()
    check.refresh_from_db()
    assert check.status == JobStatus.SUCCEEDED, check.error
    return check


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing in the runner catches it, nothing is recorded after it."""


def test_an_import_whose_worker_was_killed_resumes_without_duplicate_faces(
    local_tenant: Tenant,
    operator: Any,
    large_group: str,
    tmp_path: Path,
    run_jobs: Any,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
) -> None:
    settings.FACEADMIN_JOBS_STALE_SECONDS = 0.4
    files: dict[str, bytes | str] = {}
    for n, person in enumerate(PEOPLE):
        name = person.replace("_", " ").title()
        files[f"{name}/a.jpg"] = variant(f"enroll/{person}/1.jpg", n)
        files[f"{name}/b.jpg"] = variant(f"enroll/{person}/1.jpg", n + 50, width=400)
    source = make_zip(tmp_path / "set.zip", files)
    check = _checked(local_tenant, operator, source, run_jobs)
    job = import_create(check=check, user=operator, enqueue=False)

    # The worker dies right after the provider enrolled the 4th photo and its image was
    # stored, before the step was recorded: the worst moment for duplicates.
    real_record = runner.JobContext.record_step
    recorded: list[str] = []

    def record_then_die(self: Any, key: str, **kwargs: Any) -> Any:
        if key.startswith("file:") and len(recorded) == 3:
            raise WorkerKilled
        if key.startswith("file:"):
            recorded.append(key)
        return real_record(self, key, **kwargs)

    monkeypatch.setattr(runner.JobContext, "record_step", record_then_die)
    with pytest.raises(WorkerKilled):
        runner.execute(str(job.pk))
    monkeypatch.setattr(runner.JobContext, "record_step", real_record)
    # 3 recorded; the 4th enrolled but not recorded (with two threads, the photos the other
    # thread had under way too).
    unrecorded = FaceImage.objects.count() - 3
    assert 1 <= unrecorded <= 4

    # As the dead worker left it: running, heartbeat stopped long ago.
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=5))
    job = job_get(tenant=local_tenant, job_id=job.pk)
    assert job.status == JobStatus.FAILED
    job_retry(job=job, user=operator)
    run_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.attempts == 2
    rows = list(import_rows(job))
    assert len(rows) == 10
    statuses = [row["status"] for row in rows]
    assert statuses.count("enrolled") == 10 - unrecorded
    assert [r["reason"] for r in rows if r["status"] == "skipped"] == [
        "already enrolled in this collection"
    ] * unrecorded
    page = services.person_page(tenant=local_tenant, kind=LPG, group_id="staff", top=100)
    assert sorted(len(p.persisted_face_ids) for p in page.items) == [2, 2, 2, 2, 2]
    assert FaceImage.objects.count() == 10


# --- a cloud tenant that rate-limits -------------------------------------------------------


@pytest.fixture
def cloud(tenant: Tenant) -> Iterator[responses.RequestsMock]:
    """The Azure tenant `acme`'s endpoint, answering with `responses` (the transport gives a
    429 up at once, as it does for a Retry-After longer than its own budget)."""
    with (
        override_settings(FACEADMIN_HTTP_MAX_RETRY_SECONDS=0.2, FACEADMIN_HTTP_MAX_RETRIES=3),
        responses.RequestsMock(assert_all_requests_are_fired=False) as rsps,
    ):
        rsps.get(f"{BASE}/largepersongroups/staff/persons", json=[])
        yield rsps


TOO_MANY = {"error": {"code": "429", "message": "Rate limit is exceeded."}}


def _limited_then_ok(rsps: responses.RequestsMock, method: str, url: Any, **ok: Any) -> None:
    """Every call first answers 429 Retry-After: 1, the next try succeeds (alternating)."""
    state = {"n": 0}

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        state["n"] += 1
        if state["n"] % 2:
            return 429, {"Retry-After": "1"}, __import__("json").dumps(TOO_MANY)
        return 200, {}, __import__("json").dumps(ok["json"](state["n"]))

    rsps.add_callback(method, url, callback=answer, content_type="application/json")


def _azure_enrolling(rsps: responses.RequestsMock) -> None:
    face = {"faceRectangle": {"left": 10, "top": 10, "width": 80, "height": 80}}
    _limited_then_ok(rsps, "POST", re.compile(rf"{BASE}/detect\b.*"), json=lambda n: [face])
    _limited_then_ok(
        rsps,
        "POST",
        f"{BASE}/largepersongroups/staff/persons",
        json=lambda n: {"personId": f"person-{n}"},
    )
    _limited_then_ok(
        rsps,
        "POST",
        re.compile(rf"{BASE}/largepersongroups/staff/persons/person-\d+/persistedfaces.*"),
        json=lambda n: {"persistedFaceId": f"face-{n}"},
    )


def _cloud_zip(tmp_path: Path) -> Path:
    return make_zip(
        tmp_path / "cloud.zip",
        {
            "Ann/1.jpg": photo("enroll/barack_obama/1.jpg"),
            "Ann/2.jpg": photo("enroll/barack_obama/2.jpg"),
            "Bob/1.jpg": photo("enroll/joe_biden/1.jpg"),
        },
    )


def test_a_rate_limited_cloud_import_waits_out_retry_after_and_loses_no_file(
    tenant: Tenant, members: dict[str, Any], cloud: Any, tmp_path: Path, run_jobs: Any
) -> None:
    _azure_enrolling(cloud)
    user = members["operator"]
    check = _checked(tenant, user, _cloud_zip(tmp_path), run_jobs, detect=False)
    assert check.result["calls"]["detect"] == 0
    job = import_create(check=check, user=user)
    run_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    rows = list(import_rows(job))
    assert [r["status"] for r in rows] == ["enrolled"] * 3
    assert len({r["persistedFaceId"] for r in rows}) == 3
    assert FaceImage.objects.filter(tenant=tenant).count() == 3
    saw_429 = [c for c in cloud.calls if c.response is not None and c.response.status_code == 429]
    assert len(saw_429) >= 5


def test_a_429_longer_than_the_import_waits_stops_the_job_and_a_retry_loses_no_file(
    tenant: Tenant,
    members: dict[str, Any],
    cloud: Any,
    tmp_path: Path,
    run_jobs: Any,
    settings: Any,
) -> None:
    settings.FACEADMIN_IMPORT_MAX_RATE_WAIT_SECONDS = 0.5
    _azure_enrolling(cloud)
    user = members["operator"]
    check = _checked(tenant, user, _cloud_zip(tmp_path), run_jobs, detect=False)
    job = import_create(check=check, user=user)
    run_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "rate-limiting" in job.error
    settings.FACEADMIN_IMPORT_MAX_RATE_WAIT_SECONDS = 60
    job_retry(job=job, user=user)
    run_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert [r["status"] for r in import_rows(job)] == ["enrolled"] * 3
    assert FaceImage.objects.filter(tenant=tenant).count() == 3


def test_the_tenant_rate_limit_uses_azure_tiers() -> None:
    free = ratelimit.rate_for(round(20 / 60, 4))
    assert free is not None and (free.limit, free.interval) == (20, 60_000)
    standard = ratelimit.rate_for(10)
    assert standard is not None and (standard.limit, standard.interval) == (10, 1000)
    assert ratelimit.rate_for(0) is None


def test_a_paused_import_resumes_where_it_stopped(
    local_tenant: Tenant,
    operator: Any,
    large_group: str,
    tmp_path: Path,
    run_jobs: Any,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.FACEADMIN_JOBS_STALE_SECONDS = 0.4  # the heartbeat brings the pause in 0.1 s
    settings.FACEADMIN_IMPORT_THREADS = 1  # one file at a time: the pause lands at a known file
    files: dict[str, bytes | str] = {
        f"P{n:02d}/{n}.jpg": variant(f"enroll/{PEOPLE[n % 5]}/1.jpg", n, width=320)
        for n in range(12)
    }
    check = _checked(local_tenant, operator, make_zip(tmp_path / "p.zip", files), run_jobs)
    job = import_create(check=check, user=operator)

    # The operator presses Pause while the second file is being enrolled (deterministic: a
    # watcher polling the job's progress raced a fast enrolment and lost).
    from faceadmin.faceapi import collections as colls

    real_add_face = colls.person_add_face
    calls = {"n": 0}

    def add_face_then_pause(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            job_pause(job=Job.objects.get(pk=job.pk), user=operator)
            time.sleep(0.5)  # the heartbeat carries the pause to the job
        return real_add_face(**kwargs)

    monkeypatch.setattr(colls, "person_add_face", add_face_then_pause)
    run_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.PAUSED
    paused_at = JobItem.objects.filter(job=job, key__startswith="file:").count()
    assert 1 <= paused_at < 12 and job.done == paused_at
    assert FaceImage.objects.count() == paused_at  # everything enrolled was recorded
    monkeypatch.setattr(colls, "person_add_face", real_add_face)
    job_retry(job=job, user=operator)
    run_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert [r["status"] for r in import_rows(job)] == ["enrolled"] * 12
    assert FaceImage.objects.count() == 12


def test_every_provider_call_of_an_import_goes_through_the_tenant_limiter(
    local_tenant: Tenant,
    operator: Any,
    large_group: str,
    tmp_path: Path,
    run_jobs: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.transfer.conftest import people_zip

    local_tenant.rate_limit_per_second = 1000  # the real limiter, fast enough not to slow
    local_tenant.save()
    acquired: list[float] = []
    real_acquire = ratelimit.acquire

    def counting(tenant: Tenant, calls: int = 1) -> None:
        acquired.append(tenant.rate_limit_per_second)
        real_acquire(tenant, calls)

    monkeypatch.setattr(ratelimit, "acquire", counting)
    check = _checked(local_tenant, operator, people_zip(tmp_path / "p.zip"), run_jobs)
    job = import_create(check=check, user=operator)
    run_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    # check: 6 detects; import: 5 persons created, 6 faces enrolled (with the check's boxes)
    assert acquired == [1000] * (6 + 5 + 6)
    assert ratelimit.tenant_limiter(local_tenant) is not None
