"""Snapshots and their operations: take, apply, get, list, update, delete, operation status.

A snapshot is a copy of one collection: its rows (persons, faces with descriptors, userData,
face rectangles and order), its settings (name, userData, recognition model) and its last
successful training. Payloads live in `<DATA_DIR>/snapshots/<id>/`:

* `meta.json`: type, name, userData, recognition model, training timestamps;
* `rows.npz`: person ids / names / userData, face ids / owners / descriptors / rectangles /
  userData (strings as JSON, ids as 16 bytes);
* `training.npz` (+ `training.ivf`): hard links to the trained index files (they are never
  rewritten, only replaced by new versions, so a link is a free and stable copy).

A take writes everything into a temporary directory, fsyncs it and renames it into place
(atomic); the `Snapshot` row only becomes `ready` (visible) after that. An apply creates
the collection `hidden` (it holds its id, but no call sees it), fills in its persons,
faces and trained `Training` row in short batches, and makes it visible in the same small
transaction that records the operation's success. A failure deletes the hidden collection;
after a restart, whoever reads the interrupted operation (or the next apply onto that id)
does. So no half-applied object is ever visible, and no long transaction holds SQLite's
write lock. The new persons and faces get new ids (ids are unique across the engine's
accounts), and the copied index is re-labelled with them.

Operations are jobs (jobs.py): heartbeated while their thread runs, `failed` ("... was
interrupted") when read after their process died. At most one active operation per
object (a conditional unique constraint): a second one is 409 ConcurrentOperationConflict.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from faceadmin.engine import errors, jobs, training
from faceadmin.engine.errors import (
    FACE_LIST,
    LARGE_FACE_LIST,
    LARGE_PERSON_GROUP,
    PERSON_GROUP,
    EngineError,
    Kind,
)
from faceadmin.engine.models import (
    Account,
    FaceList,
    Operation,
    OperationAction,
    PersonGroup,
    Snapshot,
    SnapshotType,
    TrainingStatus,
)
from faceadmin.engine.snapshot_payload import fsync as _fsync
from faceadmin.engine.snapshot_payload import fsync_tree as _fsync_tree
from faceadmin.engine.snapshot_payload import payload_write as _payload_write
from faceadmin.engine.snapshot_payload import rows_create as _rows_create
from faceadmin.engine.snapshot_payload import training_copy as _training_copy
from faceadmin.engine.validation import parse_uuid

logger = logging.getLogger(__name__)

OPERATION_INTERRUPTED = "The operation was interrupted (the server restarted); start it again."
OPERATION_FAILED = "The operation failed: internal error."


@dataclass(frozen=True)
class ObjectType:
    name: str  # SnapshotType value
    kind: Kind
    path: str  # URL prefix of the collection


OBJECT_TYPES = {
    t.name.lower(): t
    for t in (
        ObjectType(SnapshotType.FACE_LIST, FACE_LIST, "facelists"),
        ObjectType(SnapshotType.LARGE_FACE_LIST, LARGE_FACE_LIST, "largefacelists"),
        ObjectType(SnapshotType.PERSON_GROUP, PERSON_GROUP, "persongroups"),
        ObjectType(SnapshotType.LARGE_PERSON_GROUP, LARGE_PERSON_GROUP, "largepersongroups"),
    )
}


def object_type(name: object) -> ObjectType:
    """A snapshot `type` (any casing), 400 BadArgument otherwise."""
    found = OBJECT_TYPES.get(name.lower()) if isinstance(name, str) else None
    if found is None:
        raise errors.bad_argument(
            "'type' is invalid: use FaceList, LargeFaceList, PersonGroup or LargePersonGroup."
        )
    return found


def snapshot_not_found() -> EngineError:
    return EngineError(404, "SnapshotNotFound", "Snapshot is not found.")


def operation_not_found() -> EngineError:
    return EngineError(404, "OperationNotFound", "Operation is not found.")


def concurrent_operation() -> EngineError:
    return EngineError(
        409,
        "ConcurrentOperationConflict",
        "There is a conflict operation on the resource; try again later.",
    )


def _directory() -> Path:
    return Path(settings.FACEADMIN_ENGINE_DATA_DIR) / "snapshots"


def snapshot_path(snapshot_id: uuid.UUID) -> Path:
    return _directory() / str(snapshot_id)


def _collections(
    account: Account, kind: Kind, object_id: str
) -> QuerySet[PersonGroup] | QuerySet[FaceList]:
    """The collection of this kind and id, hidden or not."""
    if kind in (PERSON_GROUP, LARGE_PERSON_GROUP):
        return PersonGroup.objects.filter(account=account, large=kind.large, group_id=object_id)
    return FaceList.objects.filter(account=account, large=kind.large, list_id=object_id)


def _collection(account: Account, kind: Kind, object_id: str) -> PersonGroup | FaceList | None:
    return _collections(account, kind, object_id).filter(hidden=False).first()


def _hidden_delete(account: Account, kind: Kind, object_id: str) -> None:
    """Remove what an unfinished apply left (call holding the object's operation)."""
    for collection in _collections(account, kind, object_id).filter(hidden=True):
        deleted = type(collection)(pk=collection.pk)
        collection.delete()
        training.training_files_delete(collection=deleted)


def hidden_reclaim(*, account: Account, kind: Kind, object_id: str) -> bool:
    """Free an id held by the hidden collection of an apply that died; False if none, or
    if a live apply is still filling it."""
    if not _collections(account, kind, object_id).filter(hidden=True).exists():
        return False
    type_name = next(t.name for t in OBJECT_TYPES.values() if t.kind == kind)
    active = Operation.objects.filter(
        account=account, object_type=type_name, object_id=object_id, status__in=jobs.ACTIVE
    ).first()
    if active is None:
        _hidden_delete(account, kind, object_id)
        return True
    if not jobs.is_orphan(active):
        return False
    _operation_interrupted(active)
    return True


# --- snapshots: selectors and simple services ----------------------------------------------


def _visible() -> Q:
    return Q(ready=True, expires_at__gt=timezone.now())


def _in_scope(snapshot: Snapshot, account: Account) -> bool:
    return str(account.id) in {str(s).lower() for s in snapshot.apply_scope}


def snapshot_get(*, account: Account, snapshot_id: str, owner_only: bool = False) -> Snapshot:
    """A live snapshot the account took, or (unless `owner_only`) may apply; else 404."""
    parsed = parse_uuid(snapshot_id)
    snapshot = None if parsed is None else Snapshot.objects.filter(_visible(), id=parsed).first()
    if snapshot is None:
        raise snapshot_not_found()
    if snapshot.account_id == account.id or (not owner_only and _in_scope(snapshot, account)):
        return snapshot
    raise snapshot_not_found()


def snapshot_list(
    *, account: Account, type_name: str | None, scope: list[uuid.UUID] | None
) -> list[Snapshot]:
    """Snapshots the account took or may apply, filtered by type and by apply scope
    (each given id must be in the snapshot's applyScope)."""
    snapshots_purge_expired()
    wanted_type = object_type(type_name).name if type_name else None
    found = []
    for snapshot in Snapshot.objects.filter(_visible()).order_by("created", "id"):
        if snapshot.account_id != account.id and not _in_scope(snapshot, account):
            continue
        if wanted_type is not None and snapshot.type != wanted_type:
            continue
        if scope and not {str(s) for s in scope} <= {s.lower() for s in snapshot.apply_scope}:
            continue
        found.append(snapshot)
    return found


def snapshot_update(
    *,
    account: Account,
    snapshot_id: str,
    apply_scope: list[uuid.UUID] | None,
    user_data: str | None,
) -> None:
    snapshot = snapshot_get(account=account, snapshot_id=snapshot_id, owner_only=True)
    fields = ["last_update"]
    if apply_scope is not None:
        snapshot.apply_scope = [str(s) for s in apply_scope]
        fields.append("apply_scope")
    if user_data is not None:
        snapshot.user_data = user_data
        fields.append("user_data")
    snapshot.last_update = timezone.now()
    snapshot.save(update_fields=fields)


def snapshot_delete(*, account: Account, snapshot_id: str) -> None:
    snapshot = snapshot_get(account=account, snapshot_id=snapshot_id, owner_only=True)
    _snapshot_remove(snapshot)


def _snapshot_remove(snapshot: Snapshot) -> None:
    snapshot_id = snapshot.id
    snapshot.delete()
    shutil.rmtree(snapshot_path(snapshot_id), ignore_errors=True)


def snapshots_purge_expired() -> None:
    """Forget expired snapshots (rows and payloads); called opportunistically."""
    for snapshot in Snapshot.objects.filter(expires_at__lte=timezone.now(), ready=True):
        _snapshot_remove(snapshot)


# --- operations ---------------------------------------------------------------------------


def operation_get(*, account: Account, operation_id: str) -> Operation:
    parsed = parse_uuid(operation_id)
    operation = (
        None if parsed is None else Operation.objects.filter(id=parsed, account=account).first()
    )
    if operation is None:
        raise operation_not_found()
    if jobs.is_orphan(operation):
        _operation_interrupted(operation)
        operation.refresh_from_db()
    return operation


def _operation_interrupted(operation: Operation) -> None:
    """Record the end of an operation whose process died, and drop what it left."""
    failed = Operation.objects.filter(pk=operation.pk, status__in=jobs.ACTIVE).update(
        status=TrainingStatus.FAILED, message=OPERATION_INTERRUPTED, last_action=timezone.now()
    )
    if failed and operation.action == OperationAction.TAKE and operation.snapshot_id:
        _take_abandon(operation.snapshot_id)
    if failed and operation.action == OperationAction.APPLY:
        kind = OBJECT_TYPES[operation.object_type.lower()].kind
        _hidden_delete(operation.account, kind, operation.object_id)


def _take_abandon(snapshot_id: uuid.UUID) -> None:
    Snapshot.objects.filter(id=snapshot_id, ready=False).delete()
    for leftover in _directory().glob(f".{snapshot_id}-*"):
        shutil.rmtree(leftover, ignore_errors=True)


def _operation_create(
    *,
    account: Account,
    action: str,
    kind_type: ObjectType,
    object_id: str,
    snapshot: Snapshot,
    new_snapshot: bool = False,
) -> Operation:
    """Record a new operation on (account, type, object), 409 if another one is active."""
    for _ in range(2):
        now = timezone.now()
        try:
            with transaction.atomic():
                if new_snapshot:
                    snapshot.save(force_insert=True)
                return Operation.objects.create(
                    account=account,
                    action=action,
                    snapshot=snapshot,
                    object_type=kind_type.name,
                    object_id=object_id,
                    status=TrainingStatus.NOTSTARTED,
                    created=now,
                    last_action=now,
                    worker=jobs.boot_id(),
                    heartbeat=now,
                )
        except IntegrityError:
            active = Operation.objects.filter(
                account=account,
                object_type=kind_type.name,
                object_id=object_id,
                status__in=jobs.ACTIVE,
            ).first()
            if active is None or not jobs.is_orphan(active):
                raise concurrent_operation() from None
            _operation_interrupted(active)
    raise concurrent_operation()


def _claim(operation_id: uuid.UUID) -> bool:
    now = timezone.now()
    return bool(
        Operation.objects.filter(id=operation_id, status=TrainingStatus.NOTSTARTED).update(
            status=TrainingStatus.RUNNING, last_action=now, heartbeat=now
        )
    )


def _operation_end(
    operation_id: uuid.UUID, status: str, message: str = "", location: str = ""
) -> bool:
    return bool(
        Operation.objects.filter(id=operation_id, status__in=jobs.ACTIVE).update(
            status=status, message=message, resource_location=location, last_action=timezone.now()
        )
    )


def _start(operation: Operation, work: Any) -> None:
    operation_id = operation.id

    def failed() -> None:
        _operation_end(operation_id, TrainingStatus.FAILED, OPERATION_FAILED)
        if operation.action == OperationAction.TAKE and operation.snapshot_id:
            _take_abandon(operation.snapshot_id)

    jobs.job_start(
        operation,
        0,
        lambda: work(operation_id),
        name=f"engine-snapshot-{operation.action}-{operation_id}",
        on_error=failed,
    )


# --- take --------------------------------------------------------------------------------


def snapshot_take(
    *,
    account: Account,
    type_name: object,
    object_id: str,
    apply_scope: list[uuid.UUID],
    user_data: str | None,
) -> Operation:
    kind_type = object_type(type_name)
    if _collection(account, kind_type.kind, object_id) is None:
        raise kind_type.kind.not_found(400)
    snapshots_purge_expired()
    now = timezone.now()
    hours = float(settings.FACEADMIN_ENGINE_SNAPSHOT_TTL_HOURS)
    snapshot = Snapshot(
        account=account,
        type=kind_type.name,
        object_id=object_id,
        apply_scope=[str(s) for s in apply_scope],
        user_data=user_data,
        created=now,
        last_update=now,
        expires_at=now + timedelta(hours=hours),
    )
    operation = _operation_create(
        account=account,
        action=OperationAction.TAKE,
        kind_type=kind_type,
        object_id=object_id,
        snapshot=snapshot,
        new_snapshot=True,
    )
    _start(operation, _take)
    return operation


def _take(operation_id: uuid.UUID) -> None:
    if not _claim(operation_id):
        return
    operation = Operation.objects.select_related("snapshot", "account").get(id=operation_id)
    snapshot = operation.snapshot
    assert snapshot is not None
    kind_type = OBJECT_TYPES[operation.object_type.lower()]
    collection = _collection(operation.account, kind_type.kind, operation.object_id)
    if collection is None:
        _operation_end(operation_id, TrainingStatus.FAILED, "The source object was deleted.")
        _take_abandon(snapshot.id)
        return
    directory = _directory()
    directory.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(dir=directory, prefix=f".{snapshot.id}-"))
    try:
        _payload_write(temp, collection)
        _fsync_tree(temp)
        os.rename(temp, snapshot_path(snapshot.id))
        _fsync(directory)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    with transaction.atomic():
        Snapshot.objects.filter(id=snapshot.id).update(ready=True)
        done = _operation_end(
            operation_id, TrainingStatus.SUCCEEDED, location=f"/snapshots/{snapshot.id}"
        )
        if not done:  # declared interrupted meanwhile: keep the status truthful
            transaction.set_rollback(True)
    if not done:
        _take_abandon(snapshot.id)
        shutil.rmtree(snapshot_path(snapshot.id), ignore_errors=True)


# --- apply --------------------------------------------------------------------------------


def snapshot_apply(*, account: Account, snapshot_id: str, object_id: str) -> Operation:
    snapshot = snapshot_get(account=account, snapshot_id=snapshot_id)
    if not _in_scope(snapshot, account):
        raise snapshot_not_found()
    kind_type = OBJECT_TYPES[snapshot.type.lower()]
    if _collection(account, kind_type.kind, object_id) is not None:
        raise kind_type.kind.exists()
    operation = _operation_create(
        account=account,
        action=OperationAction.APPLY,
        kind_type=kind_type,
        object_id=object_id,
        snapshot=snapshot,
    )
    _hidden_delete(account, kind_type.kind, object_id)  # left by an apply that died
    _start(operation, _apply)
    return operation


def _apply(operation_id: uuid.UUID) -> None:
    if not _claim(operation_id):
        return
    operation = Operation.objects.select_related("snapshot", "account").get(id=operation_id)
    snapshot = operation.snapshot
    directory = None if snapshot is None else snapshot_path(snapshot.id)
    if snapshot is None or directory is None or not directory.is_dir():
        _operation_end(operation_id, TrainingStatus.FAILED, "The snapshot was deleted.")
        return
    kind_type = OBJECT_TYPES[operation.object_type.lower()]
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    collection = _collection_create(operation, kind_type, meta)
    if collection is None:
        _operation_end(operation_id, TrainingStatus.FAILED, kind_type.kind.exists().message)
        return
    written: list[Path] = []
    try:
        mapping = _rows_create(directory, collection)
        if meta["training"] is not None:
            _training_copy(directory, collection, mapping, meta["training"], written)
        location = f"/{kind_type.path}/{operation.object_id}"
        with transaction.atomic():
            shown = type(collection).objects.filter(pk=collection.pk, hidden=True)
            done = bool(shown.update(hidden=False)) and _operation_end(
                operation_id, TrainingStatus.SUCCEEDED, location=location
            )
            if not done:  # declared interrupted meanwhile: stay truthful, show nothing
                transaction.set_rollback(True)
    except BaseException:
        _apply_undo(collection, written)
        raise
    if not done:
        _apply_undo(collection, written)


def _apply_undo(collection: PersonGroup | FaceList, written: list[Path]) -> None:
    for path in written:
        path.unlink(missing_ok=True)
    type(collection).objects.filter(pk=collection.pk, hidden=True).delete()


def _collection_create(
    operation: Operation, kind_type: ObjectType, meta: dict[str, Any]
) -> PersonGroup | FaceList | None:
    common = {
        "account": operation.account,
        "large": kind_type.kind.large,
        "name": meta["name"],
        "user_data": meta["userData"],
        "recognition_model": meta["recognitionModel"],
    }
    try:
        with transaction.atomic():
            if kind_type.kind in (PERSON_GROUP, LARGE_PERSON_GROUP):
                return PersonGroup.objects.create(
                    group_id=operation.object_id, hidden=True, **common
                )
            return FaceList.objects.create(list_id=operation.object_id, hidden=True, **common)
    except IntegrityError:
        return None
