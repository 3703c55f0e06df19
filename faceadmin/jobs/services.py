"""Starting and steering jobs (services), and reading them (selectors). Views call these."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from faceadmin.jobs.models import ACTIVE_STATUSES, Job, JobControl, JobStatus
from faceadmin.jobs.registry import get_kind
from faceadmin.jobs.retention import job_files_prune
from faceadmin.jobs.runner import job_workdir, mark_stale
from faceadmin.jobs.tasks import run_job
from faceadmin.tenants.audit import audit_record
from faceadmin.tenants.models import Tenant

type User = AbstractBaseUser | AnonymousUser | None


class JobStateError(Exception):
    """The job is not in a state that allows this (e.g. retrying a running job)."""


def _enqueue(job: Job) -> None:
    # The task row and the job row commit together: a worker never sees one without the other.
    result = run_job.enqueue(str(job.pk))
    job.task_id = str(result.id)[:64]
    job.save(update_fields=["task_id"])


def job_create(
    *,
    tenant: Tenant,
    user: User,
    kind: str,
    title: str,
    params: dict[str, Any] | None = None,
    total: int | None = None,
    job_id: uuid.UUID | None = None,
    enqueue: bool = True,
) -> Job:
    """Create a job (and queue it unless `enqueue=False`, for jobs that first need files)."""
    get_kind(kind)  # an unknown kind fails here, not later in the worker
    real_user: Any = user if user is not None and user.is_authenticated else None
    with transaction.atomic():
        job = Job.objects.create(
            id=job_id or uuid.uuid4(),
            tenant=tenant,
            kind=kind,
            title=title[:200],
            params=params or {},
            total=total,
            created_by=real_user,
            created_by_name=real_user.get_username() if real_user else "",
        )
        if enqueue:
            _enqueue(job)
    audit_record(
        action="job.start", tenant=tenant, user=user, target_kind=kind, target_id=str(job.pk)
    )
    return job


def job_enqueue(*, job: Job) -> Job:
    """Queue a job created with `enqueue=False` once its inputs are in place."""
    with transaction.atomic():
        _enqueue(job)
    return job


def _steer(*, job: Job, user: User, change: Callable[[Job], str]) -> Job:
    """Cancel, pause or retry: lock the job's row, let `change` update it (it saves what it
    changed and returns the audit action, or raises JobStateError), then audit it."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        action = change(job)
    audit_record(
        action=action, tenant=job.tenant, user=user, target_kind=job.kind, target_id=str(job.pk)
    )
    return job


def _save(job: Job, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=list(fields))


def _cancel(job: Job) -> str:
    if job.status in (JobStatus.QUEUED, JobStatus.PAUSED):
        _save(
            job,
            status=JobStatus.CANCELLED,
            finished_at=timezone.now(),
            message="Cancelled by an operator.",
            control=JobControl.NONE,
        )
    elif job.status == JobStatus.RUNNING:
        _save(job, control=JobControl.CANCEL, message="Cancelling…")
    else:
        raise JobStateError("This job has already ended.")
    return "job.cancel"


def _pause(job: Job) -> str:
    if job.status == JobStatus.RUNNING:
        _save(job, control=JobControl.PAUSE, message="Pausing…")
    elif job.status == JobStatus.QUEUED:
        _save(job, status=JobStatus.PAUSED, message="Paused; resume to continue.")
    else:
        raise JobStateError("Only a queued or running job can be paused.")
    return "job.pause"


def _retry(job: Job) -> str:
    if job.status not in (JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.PAUSED):
        raise JobStateError("Only a failed, cancelled or paused job can be run again.")
    action = "job.resume" if job.status == JobStatus.PAUSED else "job.retry"
    _save(
        job,
        status=JobStatus.QUEUED,
        control=JobControl.NONE,
        error="",
        message="Queued again.",
        finished_at=None,
    )
    _enqueue(job)
    return action


def job_cancel(*, job: Job, user: User) -> Job:
    return _steer(job=job, user=user, change=_cancel)


def job_pause(*, job: Job, user: User) -> Job:
    if not get_kind(job.kind).pausable:
        raise JobStateError("This kind of job cannot be paused.")
    return _steer(job=job, user=user, change=_pause)


def job_retry(*, job: Job, user: User) -> Job:
    """Queue a failed, cancelled or paused job again; finished steps are skipped."""
    return _steer(job=job, user=user, change=_retry)


def job_delete(*, job: Job, user: User) -> None:
    if job.status in ACTIVE_STATUSES:
        raise JobStateError("Cancel the job before deleting it.")
    shutil.rmtree(job_workdir(job), ignore_errors=True)
    audit_record(
        action="job.delete",
        tenant=job.tenant,
        user=user,
        target_kind=job.kind,
        target_id=str(job.pk),
    )
    job.delete()


# --- selectors -------------------------------------------------------------------------------


def job_list(*, tenant: Tenant, status: str = "", kind: str = "") -> QuerySet[Job]:
    jobs = Job.objects.filter(tenant=tenant)
    mark_stale(jobs)
    job_files_prune(force=False)
    if status == "active":
        jobs = jobs.filter(status__in=ACTIVE_STATUSES)
    elif status:
        jobs = jobs.filter(status=status)
    if kind:
        jobs = jobs.filter(kind=kind)
    return jobs.order_by("-created_at")


def job_get(*, tenant: Tenant, job_id: uuid.UUID | str) -> Job:
    """The tenant's job (Job.DoesNotExist for another tenant's id)."""
    mark_stale(Job.objects.filter(pk=job_id))
    return Job.objects.select_related("tenant").get(tenant=tenant, pk=job_id)
