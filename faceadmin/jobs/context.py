"""What a job's handler gets (`JobContext`) and the exceptions that stop it at a step boundary.

Apart from the runner (`jobs.runner` claims, heartbeats and records the outcome) so that the
registry of kinds can name the handler's type without importing the runner.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings

from faceadmin.jobs.models import Job, JobControl, JobItem
from faceadmin.tenants.models import Tenant


class JobInterrupted(Exception):
    """Raised by `JobContext.check_control` at a step boundary."""


class JobCancelled(JobInterrupted):
    pass


class JobPaused(JobInterrupted):
    pass


def job_workdir(job: Job) -> Path:
    """Files of one job (uploaded inputs, result downloads), removed with the job."""
    return Path(settings.MEDIA_ROOT) / "jobs" / str(job.pk)


class JobContext:
    """What a handler gets: the job, its parameters, progress, steps and the operator's wishes."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.tenant: Tenant = job.tenant
        self.params: Mapping[str, Any] = job.params or {}
        self._control = job.control
        self._last_write = 0.0
        self._lock = threading.Lock()

    @property
    def workdir(self) -> Path:
        return job_workdir(self.job)

    # --- progress --------------------------------------------------------------------------

    def progress(
        self,
        *,
        done: int | None = None,
        total: int | None = None,
        message: str | None = None,
        advance: int = 0,
        force: bool = False,
    ) -> None:
        """Record progress; writes at most a few times a second unless `force`."""
        job = self.job
        if done is not None:
            job.done = done
        job.done += advance
        if total is not None:
            job.total = total
        if message is not None:
            job.message = message[:300]
        now = time.monotonic()
        if not force and now - self._last_write < 0.5:
            return
        self._last_write = now
        Job.objects.filter(pk=job.pk).update(done=job.done, total=job.total, message=job.message)

    # --- steps -----------------------------------------------------------------------------

    def finished_step(self, key: str) -> JobItem | None:
        """The record of a step an earlier attempt finished, if any."""
        return JobItem.objects.filter(job=self.job, key=key[:300]).first()

    def finished_steps(self) -> dict[str, JobItem]:
        return {item.key: item for item in JobItem.objects.filter(job=self.job)}

    def record_step(self, key: str, *, status: str = "done", data: Any = None) -> JobItem:
        item, _ = JobItem.objects.update_or_create(
            job=self.job, key=key[:300], defaults={"status": status, "data": data or {}}
        )
        return item

    # --- control ---------------------------------------------------------------------------

    def set_control(self, control: str) -> None:
        with self._lock:
            self._control = control

    def check_control(self) -> None:
        """Call between steps: stops here when the operator cancelled or paused the job."""
        with self._lock:
            control = self._control
        if control == JobControl.CANCEL:
            raise JobCancelled
        if control == JobControl.PAUSE:
            raise JobPaused
