"""Training: a background thread turns a group's faces into a numpy matrix on disk.

`POST .../train` calls `training_start`, which bumps the group's `Training` row to
`notstarted` (a conditional UPDATE, so two requests cannot both start) and starts a
daemon thread in this process. The thread waits for a slot (FACEADMIN_ENGINE_TRAINING_WORKERS
per process), marks the row `running`, reads every descriptor of the group in one query,
writes `descriptors / labels / person ids` to `<DATA_DIR>/training/group-<pk>-v<version>.npz`
(temp file, fsync, os.replace: readers never see half a file) and marks the row
`succeeded` with `ready_version = version`. Identify always serves `ready_version`, the
last successful training, so it keeps answering while a new training runs.

Truthful status after a crash or restart: rows of running jobs carry the process's boot
id (`worker`) and a `heartbeat` refreshed every few seconds by one heartbeat thread per
process. Whoever reads a `notstarted`/`running` row whose worker is this process but no
longer runs it, or whose heartbeat is older than FACEADMIN_ENGINE_TRAINING_STALE_SECONDS,
marks it `failed` ("Training was interrupted; train again."). Nothing is ever served
from an unfinished run, since `ready_version` only moves on success.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F
from django.utils import timezone

from faceadmin.engine.errors import Kind
from faceadmin.engine.models import (
    DESCRIPTOR_DTYPE,
    DESCRIPTOR_SIZE,
    PersistedFace,
    PersonGroup,
    Training,
    TrainingStatus,
)

logger = logging.getLogger(__name__)

_boot: tuple[int, str] | None = None
ACTIVE = (TrainingStatus.NOTSTARTED, TrainingStatus.RUNNING)
INTERRUPTED = "Training was interrupted; train again."
CACHE_ENTRIES = 16

_live_lock = threading.Lock()
_live: dict[int, int] = {}  # Training pk -> version, for jobs this process runs
_heartbeat_thread: threading.Thread | None = None
_slots: threading.BoundedSemaphore | None = None


def boot_id() -> str:
    """This process's id in `Training.worker`; a forked child gets its own."""
    global _boot
    pid = os.getpid()
    if _boot is None or _boot[0] != pid:
        _boot = (pid, f"{pid}-{uuid.uuid4().hex[:16]}")
    return _boot[1]


def _stale_after() -> timedelta:
    return timedelta(seconds=float(settings.FACEADMIN_ENGINE_TRAINING_STALE_SECONDS))


def _heartbeat_every() -> float:
    return max(min(5.0, _stale_after().total_seconds() / 4), 0.05)


# --- status ------------------------------------------------------------------------------


def _is_orphan(training: Training) -> bool:
    if training.status not in ACTIVE:
        return False
    if training.worker == boot_id():
        with _live_lock:
            return _live.get(training.pk) != training.version
    heartbeat = training.heartbeat
    return heartbeat is None or heartbeat < timezone.now() - _stale_after()


def training_get(*, group: PersonGroup) -> Training | None:
    """The group's training row, with an orphaned run turned into `failed` first."""
    training = Training.objects.filter(group=group).first()
    if training is not None and _is_orphan(training):
        now = timezone.now()
        Training.objects.filter(pk=training.pk, version=training.version, status__in=ACTIVE).update(
            status=TrainingStatus.FAILED, message=INTERRUPTED, last_action=now
        )
        training.refresh_from_db()
    return training


def training_is_active(*, group: PersonGroup) -> bool:
    training = training_get(group=group)
    return training is not None and training.status in ACTIVE


def ensure_not_training(*, group: PersonGroup, kind: Kind) -> None:
    """409 `<Entity>TrainingNotFinished` for writes while the group trains."""
    if training_is_active(group=group):
        raise kind.training_not_finished()


# --- starting a run ----------------------------------------------------------------------


def training_start(*, group: PersonGroup, kind: Kind) -> None:
    """Queue a training of `group` in a background thread (409 if one is under way)."""
    training = training_get(group=group)
    override = _connection_to_share()
    with _live_lock:
        now = timezone.now()
        fields = {
            "status": TrainingStatus.NOTSTARTED,
            "created": now,
            "last_action": now,
            "message": "",
            "worker": boot_id(),
            "heartbeat": now,
        }
        if training is None:
            try:
                with transaction.atomic():
                    training = Training.objects.create(group=group, version=1, **fields)
            except IntegrityError:
                raise kind.training_not_finished() from None
        else:
            started = (
                Training.objects.filter(pk=training.pk)
                .exclude(status__in=ACTIVE)
                .update(version=F("version") + 1, **fields)
            )
            if not started:
                raise kind.training_not_finished()
            training.refresh_from_db()
        _live[training.pk] = training.version
        _ensure_heartbeat(override)
    thread = threading.Thread(
        target=_run,
        args=(training.pk, training.version, override),
        name=f"engine-training-{training.pk}",
        daemon=True,
    )
    thread.start()


def _connection_to_share() -> BaseDatabaseWrapper | None:
    # An in-memory SQLite database (the test database) exists only inside the connection
    # that created it; Django's live server hands that connection to its threads, and so
    # do we. Every real database gets a fresh connection per thread.
    connection = connections["default"]
    in_memory = getattr(connection, "is_in_memory_db", None)
    if connection.vendor == "sqlite" and in_memory is not None and in_memory():
        return connection
    return None


@contextmanager
def _thread_database(override: BaseDatabaseWrapper | None) -> Iterator[None]:
    if override is not None:
        connections["default"] = override
        override.inc_thread_sharing()
        try:
            yield
        finally:
            override.dec_thread_sharing()
        return
    try:
        yield
    finally:
        connections.close_all()


def _slot() -> threading.BoundedSemaphore:
    global _slots
    with _live_lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(int(settings.FACEADMIN_ENGINE_TRAINING_WORKERS))
        return _slots


def _ensure_heartbeat(override: BaseDatabaseWrapper | None) -> None:
    """Start the heartbeat thread if it is not running. Call with _live_lock held."""
    global _heartbeat_thread
    if _heartbeat_thread is not None and _heartbeat_thread.is_alive():
        return
    _heartbeat_thread = threading.Thread(
        target=_heartbeat, args=(override,), name="engine-training-heartbeat", daemon=True
    )
    _heartbeat_thread.start()


def _heartbeat(override: BaseDatabaseWrapper | None) -> None:
    global _heartbeat_thread
    with _thread_database(override):
        while True:
            time.sleep(_heartbeat_every())
            with _live_lock:
                pks = list(_live)
                if not pks:
                    _heartbeat_thread = None
                    return
            try:
                Training.objects.filter(pk__in=pks, worker=boot_id(), status__in=ACTIVE).update(
                    heartbeat=timezone.now()
                )
            except Exception:
                logger.exception("engine: training heartbeat failed")


# --- the run -------------------------------------------------------------------------------


def _run(pk: int, version: int, override: BaseDatabaseWrapper | None) -> None:
    with _thread_database(override):
        try:
            with _slot():
                _train(pk, version)
        except Exception:
            logger.exception("engine: training %s v%s failed", pk, version)
            _finish(pk, version, TrainingStatus.FAILED, "Training failed: internal error.")
        finally:
            with _live_lock:
                if _live.get(pk) == version:
                    del _live[pk]


def _train(pk: int, version: int) -> None:
    now = timezone.now()
    claimed = Training.objects.filter(
        pk=pk, version=version, status=TrainingStatus.NOTSTARTED
    ).update(status=TrainingStatus.RUNNING, last_action=now, heartbeat=now)
    if not claimed:
        return
    training = Training.objects.select_related("group").get(pk=pk)
    group = training.group
    assert group is not None
    matrix = _group_matrix(group)
    if isinstance(matrix, str):
        _finish(pk, version, TrainingStatus.FAILED, matrix)
        return
    path = matrix_path(group, version)
    _save_atomically(path, matrix)
    if _finish(pk, version, TrainingStatus.SUCCEEDED, ""):
        _remove_files(group.pk, keep=path)
    else:
        path.unlink(missing_ok=True)


def _finish(pk: int, version: int, status: str, message: str) -> bool:
    """Record the outcome, only if the row still belongs to this run."""
    now = timezone.now()
    fields: dict[str, object] = {"status": status, "message": message, "last_action": now}
    if status == TrainingStatus.SUCCEEDED:
        fields |= {"last_successful": now, "ready_version": version}
    return bool(Training.objects.filter(pk=pk, version=version, status__in=ACTIVE).update(**fields))


# --- the matrix ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Matrix:
    """A trained group: face descriptors, grouped by person (`labels` is sorted)."""

    descriptors: np.ndarray  # (N, 128) float32
    labels: np.ndarray  # (N,) int32, index into person_ids
    person_ids: np.ndarray  # (P, 16) uint8, UUID bytes

    @cached_property
    def starts(self) -> np.ndarray:
        """Index of each person's first row, for np.minimum.reduceat."""
        return np.flatnonzero(np.r_[True, self.labels[1:] != self.labels[:-1]])

    @cached_property
    def squared_norms(self) -> np.ndarray:
        """|row|^2 of every descriptor, computed once per loaded matrix."""
        return np.einsum("ij,ij->i", self.descriptors, self.descriptors)

    def person_id(self, index: int) -> uuid.UUID:
        return uuid.UUID(bytes=self.person_ids[index].tobytes())


def _group_matrix(group: PersonGroup) -> Matrix | str:
    rows = (
        PersistedFace.objects.filter(person__group=group)
        .order_by("person_id", "id")
        .values_list("person_id", "descriptor")
    )
    person_index: dict[uuid.UUID, int] = {}
    labels: list[int] = []
    blobs: list[bytes] = []
    for person_id, descriptor in rows.iterator(chunk_size=10000):
        labels.append(person_index.setdefault(person_id, len(person_index)))
        blobs.append(bytes(descriptor))
    if not blobs:
        if not group.persons.exists():
            return "There is no person in the person group."
        return "There is no face in the person group."
    descriptors = np.frombuffer(b"".join(blobs), dtype=DESCRIPTOR_DTYPE)
    person_ids = np.frombuffer(b"".join(p.bytes for p in person_index), dtype=np.uint8)
    return Matrix(
        descriptors=descriptors.reshape(-1, DESCRIPTOR_SIZE),
        labels=np.asarray(labels, dtype=np.int32),
        person_ids=person_ids.reshape(-1, 16),
    )


def _directory() -> Path:
    return Path(settings.FACEADMIN_ENGINE_DATA_DIR) / "training"


def matrix_path(group: PersonGroup, version: int) -> Path:
    return _directory() / f"group-{group.pk}-v{version}.npz"


def _save_atomically(path: Path, matrix: Matrix) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(
                handle,
                descriptors=matrix.descriptors,
                labels=matrix.labels,
                person_ids=matrix.person_ids,
            )
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _remove_files(group_pk: int, keep: Path | None = None) -> None:
    for path in _directory().glob(f"group-{group_pk}-v*.npz"):
        if path != keep:
            path.unlink(missing_ok=True)


def training_files_delete(*, group_pk: int) -> None:
    """Remove the matrices of a deleted group."""
    _remove_files(group_pk)


# --- serving the last successful training ---------------------------------------------------

_cache_lock = threading.Lock()
_cache: OrderedDict[str, tuple[tuple[int, int], Matrix]] = OrderedDict()


def _load(path: Path) -> Matrix:
    stat = path.stat()
    signature = (stat.st_mtime_ns, stat.st_size)
    key = str(path)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == signature:
            _cache.move_to_end(key)
            return cached[1]
    with np.load(path) as data:
        matrix = Matrix(
            descriptors=np.ascontiguousarray(data["descriptors"], dtype=DESCRIPTOR_DTYPE),
            labels=data["labels"],
            person_ids=data["person_ids"],
        )
    with _cache_lock:
        _cache[key] = (signature, matrix)
        _cache.move_to_end(key)
        while len(_cache) > CACHE_ENTRIES:
            _cache.popitem(last=False)
    return matrix


def trained_matrix(*, group: PersonGroup, kind: Kind) -> Matrix:
    """The matrix of the last successful training (400 NotTrained / 409 if first run)."""
    training = training_get(group=group)
    if training is None or training.ready_version is None:
        if training is not None and training.status in ACTIVE:
            raise kind.training_not_finished()
        raise kind.not_trained(400)
    path = matrix_path(group, training.ready_version)
    try:
        return _load(path)
    except FileNotFoundError:
        logger.error("engine: trained matrix %s is missing; the group must be retrained", path)
        raise kind.not_trained(400) from None
