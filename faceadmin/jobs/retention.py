"""Files of ended jobs do not live forever.

A job's work folder (`MEDIA_ROOT/jobs/<id>/`) holds what its kind needs: uploaded inputs, a
result's downloads or face crops. The runner removes `inputs/` as soon as a job succeeds or
is cancelled; a failed job keeps them so that Retry can continue. Whatever is left of an
ended job's folder is removed FACEADMIN_JOBS_FILES_RETENTION_HOURS after the job ended (24 h
by default), and the kind's `forget` hook drops what its result said about those files (the
photo grouping's face thumbnails, say). Deleting a job removes its folder at once; a folder
whose job row is gone is removed too.

The sweep runs in the worker before each job and, at most every few minutes, when the Jobs
page lists jobs; it lists one folder, so it costs nothing when there is nothing to remove.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from faceadmin.jobs.models import FINISHED_STATUSES, Job
from faceadmin.jobs.registry import UnknownJobKind, get_kind

logger = logging.getLogger(__name__)

SWEEP_EVERY = 300.0  # seconds, per process
_lock = threading.Lock()
_last_sweep = 0.0


def jobs_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "jobs"


def retention() -> timedelta:
    return timedelta(hours=float(settings.FACEADMIN_JOBS_FILES_RETENTION_HOURS))


def job_files_prune(*, force: bool = True) -> int:
    """Remove the folders of jobs that ended more than the retention ago; returns how many.

    `force=False` runs at most once per SWEEP_EVERY seconds in this process."""
    global _last_sweep
    if not force:
        now = time.monotonic()
        with _lock:
            if now - _last_sweep < SWEEP_EVERY:
                return 0
            _last_sweep = now
    root = jobs_root()
    if not root.is_dir():
        return 0
    folders: dict[uuid.UUID, Path] = {}
    for path in root.iterdir():
        try:
            folders[uuid.UUID(path.name)] = path
        except ValueError:
            continue
    if not folders:
        return 0
    jobs = {job.pk: job for job in Job.objects.filter(pk__in=list(folders))}
    cutoff = timezone.now() - retention()
    removed = 0
    for job_id, path in folders.items():
        job = jobs.get(job_id)
        if job is not None:
            ended_long_ago = (
                job.status in FINISHED_STATUSES
                and job.finished_at is not None
                and job.finished_at < cutoff
            )
            if not ended_long_ago:
                continue
            try:
                forget = get_kind(job.kind).forget
            except UnknownJobKind:
                forget = None
            if forget is not None:
                forget(job)
        elif _young(path):
            continue  # a job being created writes its inputs before its row commits
        shutil.rmtree(path, ignore_errors=True)
        removed += 1
        logger.info("jobs: removed the files of job %s", job_id)
    return removed


def _young(path: Path) -> bool:
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return False
    return timezone.now().timestamp() - mtime < retention().total_seconds()
