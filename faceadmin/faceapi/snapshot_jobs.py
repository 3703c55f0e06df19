"""Following a remote tenant's snapshot operation to its end, as a background job.

A snapshot take or apply on Azure runs for minutes (large groups: longer), and the provider
lists no operations: if nobody polls, faceadmin never learns how it ended (the audit trail's
`snapshot.*.finish`, the tenant's subscription id read from the new snapshot). Browser pages
poll while they are open; this job polls for everybody else, from the worker, until the
operation ends. The embedded engine finishes its operations in-process and needs none.
"""

from __future__ import annotations

import time
from typing import Any, Final

from faceadmin.clients.errors import FaceApiError
from faceadmin.faceapi.models import OperationState, SnapshotOperation
from faceadmin.faceapi.snapshots import FOLLOW_JOB_KIND, operation_status
from faceadmin.jobs.runner import JobContext

# `snapshots.operation_follow` queues the job; this module is its handler (one direction of
# import only: snapshot_jobs -> snapshots).
KIND: Final = FOLLOW_JOB_KIND
POLL_FIRST: Final = 1.0  # seconds between status calls at first ...
POLL_MAX: Final = 15.0  # ... growing to this
GIVE_UP_AFTER: Final = 48 * 3600.0  # a snapshot lives 48 h; no operation outlives it
ERRORS_IN_A_ROW: Final = 20  # provider errors tolerated in a row before the job fails


class OperationFailed(Exception):
    pass


def follow_operation(ctx: JobContext) -> dict[str, Any]:
    """The `snapshot_operation` job's handler: poll until the operation ends."""
    operation = SnapshotOperation.objects.select_related("tenant").get(pk=ctx.params["operation"])
    deadline = time.monotonic() + GIVE_UP_AFTER
    pause, errors = POLL_FIRST, 0
    ctx.progress(message=f"Operation {operation.operation_id}: {operation.status}", force=True)
    while operation.finished_at is None:
        if time.monotonic() > deadline:
            raise OperationFailed("The operation did not end within 48 hours.")
        try:
            operation = operation_status(operation=operation)
            errors = 0
        except FaceApiError as exc:
            errors += 1
            if errors >= ERRORS_IN_A_ROW:
                raise
            ctx.progress(message=f"The provider answered {exc.code}; asking again.")
        else:
            ctx.progress(message=f"Operation {operation.operation_id}: {operation.status}")
        if operation.finished_at is not None:
            break
        end = time.monotonic() + pause
        while time.monotonic() < end:
            ctx.check_control()
            time.sleep(min(0.25, pause))
        pause = min(POLL_MAX, pause * 1.5)
    ctx.progress(message=f"Operation {operation.operation_id}: {operation.status}", force=True)
    if operation.status != OperationState.SUCCEEDED:
        raise OperationFailed(
            f"The provider reports the operation {operation.status}"
            + (f": {operation.message}" if operation.message else ".")
        )
    return {
        "operation_id": operation.operation_id,
        "kind": operation.kind,
        "status": operation.status,
        "object_id": operation.object_id,
        "snapshot_id": operation.snapshot_id,
        "url": operation.url,
    }
