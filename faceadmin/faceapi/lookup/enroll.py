"""Enroll into an Azure-compatible person group from a lookup: a face of a looked-up photo,
or the crops of a grouping cluster. Through the collections services, which keep the face's
thumbnail in the face image store (the only way a crop of a photo is kept) and audit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from faceadmin.clients.errors import BadRequestError
from faceadmin.clients.types import FaceRectangle
from faceadmin.faceapi.collections import person_add_face, person_create
from faceadmin.faceapi.lookup.crops import parse_crop
from faceadmin.faceapi.lookup.photos import Photo, PhotoError, photo_from_bytes
from faceadmin.faceapi.lookup.results import Enrollment, GroupRef
from faceadmin.faceapi.lookup.targets import PERSON_KINDS
from faceadmin.tenants.models import Tenant

__all__ = ["cluster_enroll", "photo_enroll_face"]


def _new_person(
    tenant: Tenant, user: Any, group: GroupRef, name: str, user_data: str | None
) -> str:
    if not name.strip():
        raise PhotoError("Give the new person a name.")
    return person_create(
        tenant=tenant,
        user=user,
        kind=group.kind,
        group_id=group.id,
        name=name.strip(),
        user_data=user_data or None,
    )


def photo_enroll_face(
    *,
    tenant: Tenant,
    user: Any,
    group: GroupRef,
    photo: Photo,
    target_face: FaceRectangle,
    person_id: str | None = None,
    new_person_name: str = "",
    user_data: str | None = None,
) -> Enrollment:
    """Add the face at `target_face` of the photo to a person, or to a new person.

    The photo is re-sent by the browser; the collections service stores the face's
    thumbnail in the face image store (and audits), nothing else of the photo is kept.
    """
    if group.kind not in PERSON_KINDS:
        raise PhotoError("Faces are enrolled into person groups only.")
    if photo.data is None:
        raise PhotoError("Enrolling needs the photo itself; choose the file again.")
    created = person_id is None
    if person_id is None:
        person_id = _new_person(tenant, user, group, new_person_name, user_data)
    face = person_add_face(
        tenant=tenant,
        user=user,
        kind=group.kind,
        group_id=group.id,
        person_id=person_id,
        image=photo.data,
        filename=photo.filename,
        target_face=target_face,
    )
    return Enrollment(person_id, (face.persisted_face_id,), created)


def cluster_enroll(
    *,
    tenant: Tenant,
    user: Any,
    group: GroupRef,
    name: str,
    crops: Sequence[str],
    user_data: str | None = None,
) -> Enrollment:
    """Create a person from a cluster: a new person, then each face crop added to it.

    A face that the provider refuses (too small once cropped, say) is reported in
    `failures`; the others are still enrolled.
    """
    if group.kind not in PERSON_KINDS:
        raise PhotoError("Faces are enrolled into person groups only.")
    if not name.strip():
        raise PhotoError("Give the new person a name.")
    faces = [parse_crop(value) for value in crops]
    if not faces:
        raise PhotoError("This cluster has no faces to enroll.")
    for _, data in faces:
        photo_from_bytes(data=data, filename="face crop")  # same checks as any upload
    person_id = _new_person(tenant, user, group, name, user_data)
    added: list[str] = []
    failures: list[str] = []
    for number, (target, data) in enumerate(faces, start=1):
        try:
            face = person_add_face(
                tenant=tenant,
                user=user,
                kind=group.kind,
                group_id=group.id,
                person_id=person_id,
                image=data,
                filename=f"cluster-face-{number}.jpg",
                target_face=target,
            )
        except BadRequestError as exc:
            failures.append(f"face {number}: {exc.message}")
            continue
        added.append(face.persisted_face_id)
    return Enrollment(person_id, tuple(added), True, tuple(failures))
