"""A snapshot's payload on disk: written by a take, read back by an apply.

`snapshots` runs the operations (rows, jobs, visibility); this module only turns a
collection into the files of `<DATA_DIR>/snapshots/<id>/` (`meta.json`, `rows.npz`, the
hard-linked `training.*`) and those files back into new persons, faces and a training.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from django.utils import timezone

from faceadmin.engine import training
from faceadmin.engine.models import (
    DESCRIPTOR_DTYPE,
    DESCRIPTOR_SIZE,
    FaceList,
    PersistedFace,
    Person,
    PersonGroup,
    Training,
    TrainingStatus,
)

BULK_BATCH = 5_000


def _json_array(data: Any) -> npt.NDArray[np.uint8]:
    return np.frombuffer(json.dumps(data, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)


def _json_value(array: npt.NDArray[np.uint8]) -> Any:
    return json.loads(array.tobytes().decode("utf-8"))


def payload_write(directory: Path, collection: PersonGroup | FaceList) -> None:
    is_group = isinstance(collection, PersonGroup)
    person_keys: dict[Any, int] = {}
    persons: list[list[str | None]] = []
    person_raw: list[Any] = []
    if isinstance(collection, PersonGroup):
        for rows in training.raw_rows(
            Person.objects.filter(group=collection)
            .order_by("id")
            .values_list("id", "name", "user_data")
        ):
            for raw_id, name, user_data in rows:
                person_keys[raw_id] = len(person_raw)
                person_raw.append(raw_id)
                persons.append([name, user_data])
        faces_qs = PersistedFace.objects.filter(person__group=collection)
    else:
        faces_qs = PersistedFace.objects.filter(face_list=collection)
    count = faces_qs.count()
    face_raw: list[Any] = []
    owners: list[int] = []
    face_data: list[str | None] = []
    rects: list[tuple[int, int, int, int]] = []
    descriptors = np.empty((count, DESCRIPTOR_SIZE), dtype=DESCRIPTOR_DTYPE)
    filled = 0
    fields = ("id", "person_id", "descriptor", "user_data")
    rect_fields = ("rect_left", "rect_top", "rect_width", "rect_height")
    ordered = faces_qs.order_by("created", "id").values_list(*fields, *rect_fields)
    for rows in training.raw_rows(ordered):
        for raw_id, raw_person, blob, user_data, *rect in rows:
            owner = person_keys.get(raw_person, -1) if is_group else -1
            if is_group and owner < 0:
                continue  # its person was deleted while we read
            if filled == descriptors.shape[0]:
                descriptors = np.concatenate([descriptors, np.empty_like(descriptors[:1024])])
            descriptors[filled] = np.frombuffer(blob, dtype=DESCRIPTOR_DTYPE)
            filled += 1
            face_raw.append(raw_id)
            owners.append(owner)
            face_data.append(user_data)
            rects.append((rect[0], rect[1], rect[2], rect[3]))
    np.savez(
        directory / "rows.npz",
        person_ids=training.uuid_bytes(person_raw),
        persons=_json_array(persons),
        face_ids=training.uuid_bytes(face_raw),
        face_owners=np.asarray(owners, dtype=np.int32),
        descriptors=descriptors[:filled],
        rects=np.asarray(rects, dtype=np.int32).reshape(-1, 4),
        faces=_json_array(face_data),
    )
    meta: dict[str, Any] = {
        "name": collection.name,
        "userData": collection.user_data,
        "recognitionModel": collection.recognition_model,
        "training": _training_link(directory, collection),
    }
    (directory / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


def _training_link(directory: Path, collection: PersonGroup | FaceList) -> dict[str, Any] | None:
    """Link the files of the last successful training into the payload; their timestamps."""
    for _ in range(3):  # a training finishing meanwhile may remove the files we look at
        row = Training.objects.filter(
            **(
                {"group": collection}
                if isinstance(collection, PersonGroup)
                else {"face_list": collection}
            )
        ).first()
        if row is None or row.ready_version is None or row.last_successful is None:
            return None
        source = training.matrix_path(collection, row.ready_version)
        try:
            for file in training.index_files(source):
                _link(file, directory / f"training{file.suffix}")
        except FileNotFoundError:
            for partial in directory.glob("training.*"):
                partial.unlink()
            continue
        if not (directory / "training.npz").exists():
            continue
        return {
            "created": row.created.isoformat(),
            "lastAction": row.last_action.isoformat(),
            "lastSuccessful": row.last_successful.isoformat(),
        }
    return None


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        shutil.copyfile(source, target)  # another file system: copy


def fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(directory: Path) -> None:
    for file in directory.iterdir():
        fsync(file)
    fsync(directory)


def _new_ids(count: int) -> list[uuid.UUID]:
    return [uuid.uuid4() for _ in range(count)]


def rows_create(directory: Path, collection: PersonGroup | FaceList) -> dict[bytes, bytes]:
    """Insert the snapshot's persons and faces with new ids; old id bytes -> new id bytes
    of the index's owners (persons, or faces for a face list)."""
    with np.load(directory / "rows.npz") as data:
        person_ids, face_ids = data["person_ids"], data["face_ids"]
        persons = _json_value(data["persons"])
        faces = _json_value(data["faces"])
        owners, descriptors, rects = data["face_owners"], data["descriptors"], data["rects"]
    now = timezone.now()
    new_persons = _new_ids(len(persons))
    if isinstance(collection, PersonGroup):
        _insert_in_batches(
            Person,
            (
                Person(id=new_id, group=collection, name=name, user_data=user_data, created=now)
                for new_id, (name, user_data) in zip(new_persons, persons, strict=True)
            ),
        )
    new_faces = _new_ids(len(faces))
    step = timedelta(microseconds=1)  # keeps each person's faces in their original order
    _insert_in_batches(
        PersistedFace,
        _faces(collection, new_faces, new_persons, owners, descriptors, rects, faces, now, step),
    )
    if isinstance(collection, PersonGroup):
        return {old.tobytes(): new.bytes for old, new in zip(person_ids, new_persons, strict=True)}
    return {old.tobytes(): new.bytes for old, new in zip(face_ids, new_faces, strict=True)}


def _insert_in_batches[M: (Person, PersistedFace)](model: type[M], rows: Iterable[M]) -> None:
    """bulk_create in separate short transactions (one bulk_create call is one transaction)."""
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, BULK_BATCH)):
        model.objects.bulk_create(batch)


def _faces(
    collection: PersonGroup | FaceList,
    new_faces: list[uuid.UUID],
    new_persons: list[uuid.UUID],
    owners: npt.NDArray[np.int32],
    descriptors: npt.NDArray[np.float32],
    rects: npt.NDArray[np.int32],
    user_data: list[str | None],
    now: datetime,
    step: timedelta,
) -> Iterable[PersistedFace]:
    in_group = isinstance(collection, PersonGroup)
    face_list = collection if isinstance(collection, FaceList) else None
    for i, face_id in enumerate(new_faces):
        left, top, width, height = (int(v) for v in rects[i])
        yield PersistedFace(
            id=face_id,
            person_id=new_persons[int(owners[i])] if in_group else None,
            face_list=face_list,
            descriptor=descriptors[i].tobytes(),
            user_data=user_data[i],
            rect_left=left,
            rect_top=top,
            rect_width=width,
            rect_height=height,
            created=now + step * i,
        )


def training_copy(
    directory: Path,
    collection: PersonGroup | FaceList,
    mapping: dict[bytes, bytes],
    meta: dict[str, Any],
    written: list[Path],
) -> None:
    """The snapshot's trained index, relabelled with the new ids, as version 1 of the
    new collection's training; every file written is added to `written` at once."""
    target = training.matrix_path(collection, 1)
    target.parent.mkdir(parents=True, exist_ok=True)
    source_ivf = directory / "training.ivf"
    if source_ivf.exists():
        target_ivf = training.ivf_path(target)
        target_ivf.unlink(missing_ok=True)
        written.append(target_ivf)
        _link(source_ivf, target_ivf)
    with np.load(directory / "training.npz") as data:
        arrays = {name: data[name] for name in data.files}
    # An owner deleted after the training has no new id: it gets one that names nobody.
    arrays["person_ids"] = np.frombuffer(
        b"".join(mapping.get(row.tobytes(), uuid.uuid4().bytes) for row in arrays["person_ids"]),
        dtype=np.uint8,
    ).reshape(-1, 16)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=target.stem, suffix=".tmp")
    written.append(Path(temp))
    with os.fdopen(fd, "wb") as handle:
        np.savez(handle, **arrays)
        handle.flush()
        os.fsync(handle.fileno())
    written.append(target)
    os.replace(temp, target)
    owner = (
        {"group": collection} if isinstance(collection, PersonGroup) else {"face_list": collection}
    )
    Training.objects.create(
        **owner,
        status=TrainingStatus.SUCCEEDED,
        created=datetime.fromisoformat(meta["created"]),
        last_action=datetime.fromisoformat(meta["lastAction"]),
        last_successful=datetime.fromisoformat(meta["lastSuccessful"]),
        version=1,
        ready_version=1,
    )
