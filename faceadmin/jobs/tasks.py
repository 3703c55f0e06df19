"""The one task of the queue: run a Job row. Kinds differ in their handler, not in their task."""

from __future__ import annotations

from django.tasks import task

from faceadmin.jobs import runner


@task()
def run_job(job_id: str) -> str:
    return runner.execute(job_id)
