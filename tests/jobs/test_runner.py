"""Jobs run by the real django-tasks-db worker: outcomes, progress, steering, retries, staleness."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone

from faceadmin.jobs.models import Job, JobItem, JobStatus
from faceadmin.jobs.runner import STALE_REASON, execute
from faceadmin.jobs.services import (
    JobStateError,
    job_cancel,
    job_create,
    job_get,
    job_list,
    job_pause,
    job_retry,
)
from faceadmin.tenants.models import AuditEvent, Tenant
from tests.jobs import kinds

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fast_heartbeat(settings: Any) -> None:
    settings.FACEADMIN_JOBS_STALE_SECONDS = 0.4  # heartbeat every 0.1 s


def _start(tenant: Tenant, user: Any = None, **params: Any) -> Job:
    return job_create(
        tenant=tenant, user=user, kind="test_count", title="Count", params=params, total=None
    )


def test_it_runs_a_queued_job_to_success_with_progress_and_result(
    tenant: Tenant, members: dict[str, Any], run_jobs: Any
) -> None:
    job = _start(tenant, members["operator"], n=5)
    assert job.status == JobStatus.QUEUED and job.task_id
    run_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert (job.done, job.total, job.result) == (5, 5, {"counted": 5})
    assert job.attempts == 1 and job.started_at and job.finished_at
    assert JobItem.objects.filter(job=job).count() == 5
    assert AuditEvent.objects.filter(action="job.start", target_id=str(job.pk)).exists()
    assert job.created_by_name == "operator"


def test_a_failed_job_keeps_its_reason_and_a_retry_skips_finished_steps(
    tenant: Tenant, run_jobs: Any
) -> None:
    job = _start(tenant, n=4, fail_at=2)
    run_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "step 2 broke" in job.error and "RuntimeError" in job.error
    assert job.done == 2
    job_retry(job=job, user=None)
    run_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 2
    assert [kinds.RUNS[f"{job.pk}:{i}"] for i in range(4)] == [1, 1, 1, 1]
    assert job.done == 4


def test_a_job_cancelled_while_queued_never_runs(tenant: Tenant, run_jobs: Any) -> None:
    job = _start(tenant, n=3)
    job_cancel(job=job, user=None)
    run_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert not JobItem.objects.filter(job=job).exists()


def _steer_when_waiting(job: Job, steer: Any) -> threading.Thread:
    """Steer the job (as an operator would) once the worker sits at its waiting step."""

    def watch() -> None:
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                current = Job.objects.get(pk=job.pk)
                if current.message == "Waiting":
                    steer(job=current, user=None)
                    return
                time.sleep(0.02)
        finally:
            connections.close_all()

    thread = threading.Thread(target=watch)
    thread.start()
    return thread


def test_a_running_job_stops_at_its_next_step_when_cancelled(tenant: Tenant, run_jobs: Any) -> None:
    job = _start(tenant, n=5, wait_at=2)
    watcher = _steer_when_waiting(job, job_cancel)
    run_jobs()
    watcher.join()
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert job.done == 2
    assert JobItem.objects.filter(job=job).count() == 2


def test_pause_then_resume_continues_where_it_stopped(tenant: Tenant, run_jobs: Any) -> None:
    job = _start(tenant, n=4, wait_at=1)
    watcher = _steer_when_waiting(job, job_pause)
    run_jobs()
    watcher.join()
    job.refresh_from_db()
    assert job.status == JobStatus.PAUSED and job.done == 1
    job_retry(job=job, user=None)
    Job.objects.filter(pk=job.pk).update(params={"n": 4})  # no more waiting on resume
    run_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.done == 4
    assert AuditEvent.objects.filter(action="job.resume", target_id=str(job.pk)).exists()


def test_a_job_whose_worker_stopped_heartbeating_reads_as_failed_and_can_be_retried(
    tenant: Tenant, run_jobs: Any
) -> None:
    job = _start(tenant, n=3)
    # As a killed worker leaves it: claimed, running, heartbeat long ago, one step done.
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING,
        worker="dead-worker",
        attempts=1,
        started_at=timezone.now() - timedelta(minutes=5),
        heartbeat_at=timezone.now() - timedelta(minutes=5),
    )
    JobItem.objects.create(job=job, key=f"{job.pk}:0")
    job = job_get(tenant=tenant, job_id=job.pk)
    assert job.status == JobStatus.FAILED and job.error == STALE_REASON
    job_retry(job=job, user=None)
    run_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert f"{job.pk}:0" not in kinds.RUNS  # the step the dead worker finished is not redone


def test_a_job_is_run_once_even_when_its_task_is_delivered_twice(
    tenant: Tenant, run_jobs: Any
) -> None:
    job = _start(tenant, n=2)
    run_jobs()
    assert execute(str(job.pk)) == "skipped"
    job.refresh_from_db()
    assert job.attempts == 1


def test_only_ended_jobs_can_be_retried_and_only_pausable_kinds_paused(
    tenant: Tenant, run_jobs: Any
) -> None:
    job = _start(tenant, n=1)
    with pytest.raises(JobStateError):
        job_retry(job=job, user=None)
    run_jobs()
    job.refresh_from_db()
    with pytest.raises(JobStateError):
        job_cancel(job=job, user=None)


def test_job_list_is_per_tenant_and_filters_active(
    tenant: Tenant, other_tenant: Tenant, run_jobs: Any
) -> None:
    mine = _start(tenant, n=1)
    _start(other_tenant, n=1)
    assert list(job_list(tenant=tenant)) == [mine]
    assert list(job_list(tenant=tenant, status="active")) == [mine]
    run_jobs()
    assert list(job_list(tenant=tenant, status="active")) == []
    with pytest.raises(Job.DoesNotExist):
        job_get(tenant=other_tenant, job_id=mine.pk)
