"""Face lists and large face lists, and their faces.

Both kinds share the model and these services. Large lists train (training.py) and refuse
writes while a training runs; their faces are listed page by page (`start`, `top`).
"""

from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction

from faceadmin.engine import detection, errors, snapshots, training
from faceadmin.engine.errors import Kind
from faceadmin.engine.groups import ordered_by_id
from faceadmin.engine.models import (
    Account,
    FaceList,
    PersistedFace,
    descriptor_to_bytes,
    save_given_fields,
)
from faceadmin.engine.validation import parse_uuid

FACES_PER_LIST = {False: 1_000, True: 1_000_000}
LISTS_PER_ACCOUNT = {False: 64, True: 1_000_000}


def face_list_get(*, account: Account, kind: Kind, list_id: str, status: int = 404) -> FaceList:
    face_list = FaceList.objects.filter(
        account=account, large=kind.large, list_id=list_id, hidden=False
    ).first()
    if face_list is None:
        raise kind.not_found(status)
    return face_list


def face_list_create(
    *,
    account: Account,
    kind: Kind,
    list_id: str,
    name: str,
    user_data: str | None,
    recognition_model: str,
) -> FaceList:
    lists = FaceList.objects.filter(account=account, large=kind.large)
    if lists.filter(list_id=list_id, hidden=False).exists():
        raise kind.exists()
    limit = LISTS_PER_ACCOUNT[kind.large]
    if lists.count() >= limit:
        raise errors.quota_exceeded(
            f"The number of {kind.label.lower()}s reached the limit of {limit}."
        )
    for _ in range(2):
        try:
            with transaction.atomic():
                return FaceList.objects.create(
                    account=account,
                    large=kind.large,
                    list_id=list_id,
                    name=name,
                    user_data=user_data,
                    recognition_model=recognition_model,
                )
        except IntegrityError:
            if not snapshots.hidden_reclaim(account=account, kind=kind, object_id=list_id):
                break
    raise kind.exists()


def face_list_list(
    *, account: Account, kind: Kind, start: str | None = None, top: int | None = None
) -> list[FaceList]:
    lists = FaceList.objects.filter(account=account, large=kind.large, hidden=False)
    if top is None:  # small face lists: no paging, at most 64
        return sorted(lists, key=lambda face_list: face_list.list_id.encode())
    return list(ordered_by_id(lists, "list_id", start)[:top])


def face_list_faces(*, face_list: FaceList) -> list[PersistedFace]:
    return list(face_list.faces.only("id", "user_data").order_by("created", "id"))


def face_list_faces_page(
    *, face_list: FaceList, start: uuid.UUID | None, top: int
) -> list[tuple[uuid.UUID, str | None]]:
    """One page of a large list's faces: `WHERE face_list = ? AND id > start ORDER BY id`."""
    faces = face_list.faces.all()
    if start is not None:
        faces = faces.filter(id__gt=start)
    return list(faces.order_by("id").values_list("id", "user_data")[:top])


def face_list_face_get(*, face_list: FaceList, face_id: str) -> PersistedFace:
    parsed = parse_uuid(face_id)
    face = (
        None
        if parsed is None
        else face_list.faces.filter(id=parsed).only("id", "user_data").first()
    )
    if face is None:
        raise errors.persisted_face_not_found()
    return face


def face_list_face_update(
    *, kind: Kind, face_list: FaceList, face: PersistedFace, user_data: str | None
) -> None:
    training.ensure_not_training(collection=face_list, kind=kind)
    if user_data is not None:
        face.user_data = user_data
        face.save(update_fields=["user_data"])


def face_list_update(
    *, account: Account, kind: Kind, list_id: str, name: str | None, user_data: str | None
) -> None:
    face_list = face_list_get(account=account, kind=kind, list_id=list_id)
    training.ensure_not_training(collection=face_list, kind=kind)
    save_given_fields(face_list, name=name, user_data=user_data)


def face_list_delete(*, account: Account, kind: Kind, list_id: str) -> None:
    face_list = face_list_get(account=account, kind=kind, list_id=list_id)
    training.ensure_not_training(collection=face_list, kind=kind)
    deleted = FaceList(pk=face_list.pk)
    face_list.delete()
    training.training_files_delete(collection=deleted)


def face_list_add_face(
    *,
    kind: Kind,
    face_list: FaceList,
    image: bytes,
    target: tuple[int, int, int, int] | None,
    user_data: str | None,
) -> PersistedFace:
    training.ensure_not_training(collection=face_list, kind=kind)
    limit = FACES_PER_LIST[kind.large]
    if face_list.faces.count() >= limit:
        raise errors.quota_exceeded(
            f"The number of faces of the {kind.label.lower()} reached the limit of {limit}."
        )
    face = detection.enrollment_face(image=image, target=target)
    return PersistedFace.objects.create(
        face_list=face_list,
        descriptor=descriptor_to_bytes(face.descriptor),
        user_data=user_data,
        rect_left=face.rect.left,
        rect_top=face.rect.top,
        rect_width=face.rect.width,
        rect_height=face.rect.height,
    )


def face_list_face_delete(*, kind: Kind, face_list: FaceList, face_id: str) -> None:
    training.ensure_not_training(collection=face_list, kind=kind)
    parsed = parse_uuid(face_id)
    deleted = 0 if parsed is None else face_list.faces.filter(id=parsed).delete()[0]
    if not deleted:
        raise errors.persisted_face_not_found()
