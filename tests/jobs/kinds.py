"""Job kinds used by the job tests: counting steps, failing once, waiting to be steered."""

from __future__ import annotations

import time
from typing import Any

from faceadmin.jobs.registry import job_kind
from faceadmin.jobs.runner import JobContext

# How many times each step really ran, across attempts (to prove retries skip finished steps).
RUNS: dict[str, int] = {}


@job_kind("test_count", label="Count steps", pausable=True)
def count_steps(ctx: JobContext) -> dict[str, Any]:
    n = int(ctx.params["n"])
    fail_at = ctx.params.get("fail_at")
    wait_at = ctx.params.get("wait_at")
    finished = ctx.finished_steps()
    ctx.progress(done=len(finished), total=n, message="Counting", force=True)
    for i in range(n):
        key = f"{ctx.job.pk}:{i}"
        if key in finished:
            continue
        if wait_at == i:
            # Stay here until the operator's cancel / pause arrives through the heartbeat.
            ctx.progress(message="Waiting", force=True)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                ctx.check_control()
                time.sleep(0.02)
        ctx.check_control()
        if fail_at == i and ctx.job.attempts == 1:
            raise RuntimeError(f"step {i} broke")
        RUNS[key] = RUNS.get(key, 0) + 1
        ctx.record_step(key, data={"i": i})
        ctx.progress(advance=1)
    return {"counted": n}
