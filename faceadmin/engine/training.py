"""Training: a background thread turns a collection's faces into a search index on disk.

Person groups (small and large) and large face lists train; small face lists are searched
straight from the database. `POST .../train` calls `training_start`, which bumps the
collection's `Training` row to `notstarted` (a conditional UPDATE, so two requests cannot
both start) and starts a job (jobs.py) in this process. The job waits for a slot
(FACEADMIN_ENGINE_TRAINING_WORKERS per process), marks the row `running`, reads every
descriptor of the collection with one raw query (no model instances: bytes straight into
a preallocated numpy array), builds the index (index.py: exact up to EXACT_LIMIT rows,
IVF above), writes it to `<DATA_DIR>/training/<group|facelist>-<pk>-v<version>.npz` (and
`.ivf` for an IVF index; temp file, fsync, os.replace: readers never see half a file) and
marks the row `succeeded` with `ready_version = version`. Identify / find similar always
serve `ready_version`, the last successful training, so they keep answering while a new
training runs; the process that trained puts the new index in its cache at once.

Truthful status after a crash or restart: see jobs.py. An orphaned run reads as `failed`
("Training was interrupted; train again."); nothing is ever served from an unfinished run,
since `ready_version` only moves on success.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from faceadmin.engine import index as search
from faceadmin.engine import jobs
from faceadmin.engine.errors import Kind
from faceadmin.engine.heavy import heavy_work
from faceadmin.engine.jobs import ACTIVE, boot_id
from faceadmin.engine.models import (
    DESCRIPTOR_DTYPE,
    DESCRIPTOR_SIZE,
    FaceList,
    PersistedFace,
    PersonGroup,
    Training,
    TrainingStatus,
)

logger = logging.getLogger(__name__)

__all__ = ["ACTIVE", "boot_id"]

Collection = PersonGroup | FaceList
INTERRUPTED = "Training was interrupted; train again."
CACHE_ENTRIES = 16
CACHE_BYTES = 3 * 1024**3
READ_CHUNK = 50_000

_slots: threading.BoundedSemaphore | None = None
_slots_lock = threading.Lock()


def _owner(collection: Collection) -> dict[str, Collection]:
    return (
        {"group": collection} if isinstance(collection, PersonGroup) else {"face_list": collection}
    )


# --- status ------------------------------------------------------------------------------


def training_get(*, collection: Collection) -> Training | None:
    """The collection's training row, with an orphaned run turned into `failed` first."""
    training = Training.objects.filter(**_owner(collection)).first()
    if training is not None and jobs.is_orphan(training, training.version):
        Training.objects.filter(pk=training.pk, version=training.version, status__in=ACTIVE).update(
            status=TrainingStatus.FAILED, message=INTERRUPTED, last_action=timezone.now()
        )
        training.refresh_from_db()
    return training


def training_is_active(*, collection: Collection) -> bool:
    training = training_get(collection=collection)
    return training is not None and training.status in ACTIVE


def ensure_not_training(*, collection: Collection, kind: Kind) -> None:
    """409 `<Entity>TrainingNotFinished` for writes while the collection trains."""
    if kind.trainable and training_is_active(collection=collection):
        raise kind.training_not_finished()


# --- starting a run ----------------------------------------------------------------------


def training_start(*, collection: Collection, kind: Kind) -> None:
    """Queue a training of `collection` in a background thread (409 if one is under way)."""
    training = training_get(collection=collection)
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
                training = Training.objects.create(**_owner(collection), version=1, **fields)
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
    pk, version = training.pk, training.version
    jobs.job_start(
        training,
        version,
        lambda: _run(pk, version),
        name=f"engine-training-{pk}",
        on_error=lambda: _finish(
            pk, version, TrainingStatus.FAILED, "Training failed: internal error."
        ),
    )


def _slot() -> threading.BoundedSemaphore:
    global _slots
    with _slots_lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(int(settings.FACEADMIN_ENGINE_TRAINING_WORKERS))
        return _slots


# --- the run -------------------------------------------------------------------------------


def _run(pk: int, version: int) -> None:
    with _slot():
        _train(pk, version)


def _train(pk: int, version: int) -> None:
    now = timezone.now()
    claimed = Training.objects.filter(
        pk=pk, version=version, status=TrainingStatus.NOTSTARTED
    ).update(status=TrainingStatus.RUNNING, last_action=now, heartbeat=now)
    if not claimed:
        return
    training = Training.objects.select_related("group", "face_list").get(pk=pk)
    collection: Collection | None = training.group or training.face_list
    assert collection is not None
    arrays = collection_arrays(collection)
    if arrays is None:
        _finish(pk, version, TrainingStatus.FAILED, _empty_message(collection))
        return
    with heavy_work():
        trained = index_build(*arrays)
    del arrays
    path = matrix_path(collection, version)
    index_save(trained, path)
    if _finish(pk, version, TrainingStatus.SUCCEEDED, ""):
        _remove_files(collection, keep=path)
        _cache_put(path, trained)
    else:
        index_files_delete(path)


def _empty_message(collection: Collection) -> str:
    if isinstance(collection, PersonGroup):
        label = "large person group" if collection.large else "person group"
        if not collection.persons.exists():
            return f"There is no person in the {label}."
        return f"There is no face in the {label}."
    return "There is no face in the large face list."


def _finish(pk: int, version: int, status: str, message: str) -> bool:
    """Record the outcome, only if the row still belongs to this run."""
    now = timezone.now()
    fields: dict[str, object] = {"status": status, "message": message, "last_action": now}
    if status == TrainingStatus.SUCCEEDED:
        fields |= {"last_successful": now, "ready_version": version}
    return bool(Training.objects.filter(pk=pk, version=version, status__in=ACTIVE).update(**fields))


# --- reading descriptors -----------------------------------------------------------------------


def uuid_bytes(values: list[Any]) -> npt.NDArray[np.uint8]:
    """(P, 16) UUID bytes from a database's raw uuid values (hex text or UUID objects)."""
    if not values:
        return np.zeros((0, 16), dtype=np.uint8)
    if isinstance(values[0], str):
        raw = bytes.fromhex("".join(values).replace("-", ""))
    else:
        raw = b"".join(value.bytes for value in values)
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, 16)


def raw_rows(queryset: QuerySet[Any], chunk: int = READ_CHUNK) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of a values_list queryset as the driver returns them, in chunks.

    No model instances and no field converters: at a million rows those cost seconds.
    """
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk):
            yield rows


def read_descriptors(
    queryset: QuerySet[Any], count: int, each: Callable[[list[Any]], None]
) -> npt.NDArray[np.float32]:
    """Descriptors of `values_list(key, "descriptor")` rows into one (N, 128) array.

    `each` receives every chunk's keys, in order.
    """
    out = np.empty((count, DESCRIPTOR_SIZE), dtype=DESCRIPTOR_DTYPE)
    filled = 0
    for rows in raw_rows(queryset):
        keys, blobs = zip(*rows, strict=True)
        block = np.frombuffer(b"".join(blobs), dtype=DESCRIPTOR_DTYPE).reshape(-1, DESCRIPTOR_SIZE)
        if filled + len(block) > out.shape[0]:  # rows added since the count: grow
            out = np.concatenate([out[:filled], block])
        else:
            out[filled : filled + len(block)] = block
        filled += len(block)
        each(list(keys))
    return out[:filled]


def collection_arrays(
    collection: Collection,
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.uint8], npt.NDArray[np.float32]] | None:
    """(labels, owner ids, descriptors) of every face; None when there is none."""
    if isinstance(collection, PersonGroup):
        faces = PersistedFace.objects.filter(person__group=collection)
        key = "person_id"
    else:
        faces = PersistedFace.objects.filter(face_list=collection)
        key = "id"
    count = faces.count()
    if not count:
        return None
    owners: dict[Any, int] = {}
    labels: list[int] = []

    def collect(keys: list[Any]) -> None:
        labels.extend([owners.setdefault(k, len(owners)) for k in keys])

    descriptors = read_descriptors(faces.values_list(key, "descriptor"), count, collect)
    if not len(descriptors):
        return None
    return np.asarray(labels, dtype=np.int32), uuid_bytes(list(owners)), descriptors


def index_build(
    labels: npt.NDArray[np.int32], ids: npt.NDArray[np.uint8], descriptors: npt.NDArray[np.float32]
) -> search.TrainedIndex:
    threads = int(settings.FACEADMIN_ENGINE_BLAS_THREADS)
    if len(labels) <= search.EXACT_LIMIT:
        order = np.argsort(labels, kind="stable")
        return search.TrainedIndex(
            labels=labels[order],
            ids=ids,
            descriptors=np.ascontiguousarray(descriptors[order]),
            search_threads=threads,
        )
    return search.TrainedIndex(
        labels=labels, ids=ids, ivf=search.build_ivf(descriptors), search_threads=threads
    )


# --- files -----------------------------------------------------------------------------------


def _directory() -> Path:
    return Path(settings.FACEADMIN_ENGINE_DATA_DIR) / "training"


def _prefix(collection: Collection) -> str:
    return "group" if isinstance(collection, PersonGroup) else "facelist"


def matrix_path(collection: Collection, version: int) -> Path:
    """The `.npz` of a training (labels, owner ids, descriptors of an exact index)."""
    return _directory() / f"{_prefix(collection)}-{collection.pk}-v{version}.npz"


def ivf_path(path: Path) -> Path:
    return path.with_suffix(".ivf")


def _write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp")
    os.close(fd)
    try:
        write(Path(temp))
        with open(temp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def index_save(trained: search.TrainedIndex, path: Path) -> None:
    """Write a trained index: the `.ivf` first, then the `.npz` that names it."""
    if trained.ivf is not None:
        _write_atomically(ivf_path(path), lambda temp: search.write_ivf(trained.ivf, temp))
    arrays: dict[str, npt.NDArray[Any]] = {"labels": trained.labels, "person_ids": trained.ids}
    if trained.descriptors is not None:
        arrays["descriptors"] = trained.descriptors

    def write(temp: Path) -> None:
        with open(temp, "wb") as handle:
            np.savez(handle, **arrays)  # type: ignore[arg-type]

    _write_atomically(path, write)


def index_read(path: Path) -> search.TrainedIndex:
    with np.load(path) as data:
        descriptors = data["descriptors"] if "descriptors" in data.files else None
        labels, ids = data["labels"], data["person_ids"]
    ivf = None
    if descriptors is None:
        ivf = search.read_ivf(ivf_path(path))
    else:
        descriptors = np.ascontiguousarray(descriptors, dtype=DESCRIPTOR_DTYPE)
    return search.TrainedIndex(
        labels=labels,
        ids=ids,
        descriptors=descriptors,
        ivf=ivf,
        search_threads=int(settings.FACEADMIN_ENGINE_BLAS_THREADS),
    )


def index_files(path: Path) -> list[Path]:
    """The files of one training that exist: the `.npz` and, for IVF, the `.ivf`."""
    return [p for p in (path, ivf_path(path)) if p.exists()]


def index_files_delete(path: Path) -> None:
    for file in (path, ivf_path(path)):
        file.unlink(missing_ok=True)


def _remove_files(collection: Collection, keep: Path | None = None) -> None:
    for path in _directory().glob(f"{_prefix(collection)}-{collection.pk}-v*"):
        if keep is None or path.with_suffix("") != keep.with_suffix(""):
            path.unlink(missing_ok=True)


def training_files_delete(*, collection: Collection) -> None:
    """Remove the indexes of a deleted collection (call with the pk still set)."""
    _remove_files(collection)


# --- serving the last successful training ---------------------------------------------------

_cache_lock = threading.Lock()
_cache: OrderedDict[str, tuple[tuple[int, int], search.TrainedIndex]] = OrderedDict()


def _signature(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


def _cache_put(path: Path, trained: search.TrainedIndex) -> None:
    try:
        signature = _signature(path)
    except FileNotFoundError:
        return
    key = str(path)
    collection = key.rsplit("-v", 1)[0] + "-v"
    with _cache_lock:
        for older in [k for k in _cache if k.startswith(collection) and k != key]:
            del _cache[older]  # another version of the same collection: never served again
        _cache[key] = (signature, trained)
        _cache.move_to_end(key)
        total = sum(entry.nbytes for _, entry in _cache.values())
        while len(_cache) > 1 and (len(_cache) > CACHE_ENTRIES or total > CACHE_BYTES):
            _, (_, evicted) = _cache.popitem(last=False)
            total -= evicted.nbytes


def index_load(path: Path) -> search.TrainedIndex:
    """A trained index from disk, through this process's cache."""
    signature = _signature(path)
    key = str(path)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == signature:
            _cache.move_to_end(key)
            return cached[1]
    trained = index_read(path)
    _cache_put(path, trained)
    return trained


def trained_index(*, collection: Collection, kind: Kind) -> search.TrainedIndex:
    """The index of the last successful training (400 NotTrained / 409 if first run)."""
    training = training_get(collection=collection)
    if training is None or training.ready_version is None:
        if training is not None and training.status in ACTIVE:
            raise kind.training_not_finished()
        raise kind.not_trained(400)
    path = matrix_path(collection, training.ready_version)
    try:
        return index_load(path)
    except FileNotFoundError:
        logger.error("engine: trained index %s is missing; the collection must be retrained", path)
        raise kind.not_trained(400) from None
