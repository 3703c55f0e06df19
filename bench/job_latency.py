"""How long a job waits in the queue before a worker starts it, vs a training thread.

Run: .venv/bin/python bench/job_latency.py [--jobs 20] [--interval 1]

Part of the decision whether the embedded engine's training should run on the tasks
framework (README, "Background jobs"). A `manage.py db_worker --interval N` (as the Procfile
runs it) on a throw-away SQLite database picks up one-step jobs (the test kind `test_count`)
queued one at a time at random moments; the wait is the job's `started_at - created_at`.
The engine's training thread starts as POST /train answers. Prints median and maximum.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--interval", type=float, default=1.0)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="faceadmin-latency-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.jobs.worker_settings",
            "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
            "MEDIA_ROOT": str(workdir / "media"),
            "LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from faceadmin.jobs.models import Job
    from faceadmin.jobs.services import job_create
    from faceadmin.tenants.models import Provider
    from faceadmin.tenants.services import tenant_create

    tenant = tenant_create(
        name="Bench", slug="bench", provider=Provider.AZURE, endpoint_url="https://x.example"
    )
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", str(args.interval)],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    waits: list[float] = []
    try:
        time.sleep(3)  # the worker's start-up
        for _ in range(args.jobs):
            time.sleep(random.uniform(0, args.interval))
            job = job_create(
                tenant=tenant, user=None, kind="test_count", title="n", params={"n": 1}
            )
            while True:
                job.refresh_from_db()
                if job.started_at is not None and job.finished_at is not None:
                    break
                time.sleep(0.01)
            waits.append((job.started_at - job.created_at).total_seconds())
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    print(
        f"queue wait before a db_worker (--interval {args.interval:g}) starts a job, "
        f"{len(waits)} jobs:"
    )
    print(f"  median {statistics.median(waits) * 1000:.0f} ms, max {max(waits) * 1000:.0f} ms")
    print(f"  ({Job.objects.count()} jobs; a training thread starts within ~1 ms)")


if __name__ == "__main__":
    main()
