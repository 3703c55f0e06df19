"""Job kinds used by the job tests: counting steps, failing once, waiting to be steered."""

from __future__ import annotations

import time
from typing import Any

from faceadmin.clients.types import CollectionKind
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


@job_kind("test_enroll", label="Enroll photos (tests)")
def enroll_photos(ctx: JobContext) -> dict[str, Any]:
    """Enroll test photos into one person, one step per photo, as a bulk import would.

    A step is recorded "pending" before the face is added (with the step key as the face's
    userData) and "done" after: a worker killed between the two leaves a pending step, which
    the retry settles by asking the provider instead of adding the face again."""
    from faceadmin.faceapi.services import client_for, person_add_face
    from tests.conftest import DATA

    group, person = ctx.params["group"], ctx.params["person"]
    photos: list[str] = ctx.params["photos"]
    steps = ctx.finished_steps()
    done = [key for key, item in steps.items() if item.status == "done"]
    ctx.progress(done=len(done), total=len(photos), message="Enrolling", force=True)
    client = client_for(ctx.tenant)
    for i, photo in enumerate(photos):
        key = f"photo:{i}"
        step = steps.get(key)
        if step is not None and step.status == "done":
            continue
        ctx.check_control()
        if step is not None:  # pending: did the add reach the provider before the kill?
            enrolled = client.person_get(
                CollectionKind.PERSON_GROUP, collection_id=group, person_id=person
            )
            found = [
                face_id
                for face_id in enrolled.persisted_face_ids
                if client.person_get_face(
                    CollectionKind.PERSON_GROUP,
                    collection_id=group,
                    person_id=person,
                    persisted_face_id=face_id,
                ).user_data
                == key
            ]
            if found:
                ctx.record_step(key, data={"face": found[0], "settled": True})
                ctx.progress(advance=1, force=True)
                continue
        ctx.record_step(key, status="pending")
        face = person_add_face(
            tenant=ctx.tenant,
            user=None,
            kind=CollectionKind.PERSON_GROUP,
            group_id=group,
            person_id=person,
            image=(DATA / photo).read_bytes(),
            filename=photo,
            user_data=key,
        )
        ctx.record_step(key, data={"face": face.persisted_face_id})
        RUNS[key] = RUNS.get(key, 0) + 1
        ctx.progress(advance=1, force=True)
        time.sleep(float(ctx.params.get("pause", 0)))
    return {"enrolled": len(photos)}
