"""Running one job inside a worker: claim it, heartbeat, report progress, record the outcome.

The heartbeat thread refreshes `heartbeat_at` every few seconds and picks up the operator's
cancel / pause request, so the handler learns of it without a query per step. A job whose
heartbeat is older than FACEADMIN_JOBS_STALE_SECONDS has lost its worker (killed, or the
machine restarted): whoever reads it marks it failed, and a retry continues where it stopped
because every finished step was recorded as a JobItem.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import threading
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models import QuerySet
from django.utils import timezone

from faceadmin.jobs.context import JobCancelled as JobCancelled
from faceadmin.jobs.context import JobContext as JobContext
from faceadmin.jobs.context import JobInterrupted as JobInterrupted
from faceadmin.jobs.context import JobPaused as JobPaused
from faceadmin.jobs.context import job_workdir as job_workdir
from faceadmin.jobs.models import Job, JobControl, JobStatus
from faceadmin.jobs.registry import get_kind

logger = logging.getLogger(__name__)

STALE_REASON = (
    "The worker running this job stopped reporting (it was killed or its machine restarted). "
    "Retry to continue where it stopped: finished steps are not repeated."
)


def stale_after() -> timedelta:
    return timedelta(seconds=float(settings.FACEADMIN_JOBS_STALE_SECONDS))


def heartbeat_every() -> float:
    return max(0.05, min(5.0, stale_after().total_seconds() / 4))


def mark_stale(queryset: QuerySet[Job] | None = None) -> int:
    """Fail running jobs whose worker stopped heartbeating; returns how many."""
    now = timezone.now()
    qs = queryset if queryset is not None else Job.objects.all()
    return qs.filter(status=JobStatus.RUNNING, heartbeat_at__lt=now - stale_after()).update(
        status=JobStatus.FAILED, error=STALE_REASON, finished_at=now, control=JobControl.NONE
    )


_worker_id: tuple[int, str] | None = None


def worker_id() -> str:
    global _worker_id
    pid = os.getpid()
    if _worker_id is None or _worker_id[0] != pid:
        _worker_id = (pid, f"{socket.gethostname()[:40]}:{pid}:{uuid.uuid4().hex[:8]}")
    return _worker_id[1]


class _Heartbeat(threading.Thread):
    def __init__(self, ctx: JobContext, worker: str) -> None:
        super().__init__(name=f"job-heartbeat-{ctx.job.pk}", daemon=True)
        self.ctx = ctx
        self.worker = worker
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(heartbeat_every()):
                try:
                    Job.objects.filter(
                        pk=self.ctx.job.pk, status=JobStatus.RUNNING, worker=self.worker
                    ).update(heartbeat_at=timezone.now())
                    control = (
                        Job.objects.filter(pk=self.ctx.job.pk)
                        .values_list("control", flat=True)
                        .first()
                    )
                    if control is not None:
                        self.ctx.set_control(control)
                except Exception:  # a database hiccup must not end the heartbeat for good
                    logger.warning("job %s: heartbeat failed", self.ctx.job.pk, exc_info=True)
        finally:
            connections.close_all()


def _claim(job_id: str, worker: str) -> Job | None:
    """Move a queued job to running for this worker; None when it is not ours to run."""
    with transaction.atomic():
        job = Job.objects.select_for_update().select_related("tenant").filter(pk=job_id).first()
        if job is None or job.status != JobStatus.QUEUED:
            return None
        now = timezone.now()
        if job.control == JobControl.CANCEL:
            job.status = JobStatus.CANCELLED
            job.finished_at = now
            job.control = JobControl.NONE
            job.save(update_fields=["status", "finished_at", "control"])
            return None
        job.status = JobStatus.RUNNING
        job.control = JobControl.NONE
        job.worker = worker
        job.started_at = now
        job.heartbeat_at = now
        job.finished_at = None
        job.error = ""
        job.attempts += 1
        job.save(
            update_fields=[
                "status",
                "control",
                "worker",
                "started_at",
                "heartbeat_at",
                "finished_at",
                "error",
                "attempts",
            ]
        )
        return job


def _prune_files() -> None:
    from faceadmin.jobs.retention import job_files_prune

    try:
        job_files_prune(force=False)
    except Exception:  # housekeeping must never stop a job from running
        logger.warning("jobs: could not prune old job files", exc_info=True)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def execute(job_id: str) -> str:
    """Run one job to an outcome; returns the final status. Called by the task."""
    mark_stale()
    _prune_files()
    worker = worker_id()
    job = _claim(job_id, worker)
    if job is None:
        return "skipped"
    ctx = JobContext(job)
    heartbeat = _Heartbeat(ctx, worker)
    heartbeat.start()
    fields: dict[str, Any]
    try:
        kind = get_kind(job.kind)
        result = kind.handler(ctx)
        fields = {"status": JobStatus.SUCCEEDED, "result": result}
    except JobCancelled:
        fields = {"status": JobStatus.CANCELLED, "message": "Cancelled by an operator."}
    except JobPaused:
        fields = {"status": JobStatus.PAUSED, "message": "Paused; resume to continue."}
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        fields = {"status": JobStatus.FAILED, "error": _describe(exc)[:4000]}
    finally:
        heartbeat.stopped.set()
        heartbeat.join(timeout=10)
    now = timezone.now()
    fields |= {"finished_at": now, "heartbeat_at": now, "control": JobControl.NONE}
    fields.setdefault("done", job.done)
    fields["total"] = job.total
    fields.setdefault("message", job.message)
    updated = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, worker=worker).update(
        **fields
    )
    if updated and fields["status"] in (JobStatus.SUCCEEDED, JobStatus.CANCELLED):
        shutil.rmtree(job_workdir(job) / "inputs", ignore_errors=True)
    return str(fields["status"]) if updated else "lost"
