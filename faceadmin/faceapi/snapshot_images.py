"""The face image store follows a snapshot apply: faceadmin's stored photos of the snapshot's
source collection are kept again for the faces the apply created.

The provider copies persons and faces under new ids (Azure; the embedded engine too) or may keep
them. So the new collection is matched to the source one as the provider lists them both:
a face id present in both is the same face; otherwise persons pair up by name and userData (in
listing order among persons that share both), and their faces by order when both have as many;
face-list faces pair up by order and userData. A face that cannot be matched without a doubt
keeps no image ("no image stored", which is true), rather than someone else's.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from faceadmin.clients.errors import FaceApiError
from faceadmin.clients.types import CollectionKind, Person
from faceadmin.faceapi.collections import face_list_faces
from faceadmin.faceapi.connection import client_for
from faceadmin.faceapi.imagestore import face_image_copy
from faceadmin.faceapi.kinds import PERSON_KINDS
from faceadmin.faceapi.models import FaceImage, OperationKind, OperationState, SnapshotOperation
from faceadmin.tenants.models import Tenant

logger = logging.getLogger(__name__)

# (person id, face id) of a face; the person id is "" in a face list.
type FaceKey = tuple[str, str]


def snapshot_images_follow(*, operation: SnapshotOperation) -> int:
    """After an apply succeeded: copy the source collection's stored images to the faces of the
    new collection. Returns how many were copied; 0 when faceadmin did not take the snapshot
    (it cannot know the source) or kept no image of it."""
    take = (
        SnapshotOperation.objects.filter(
            kind=OperationKind.TAKE,
            snapshot_id=operation.snapshot_id,
            status=OperationState.SUCCEEDED,
        )
        .select_related("tenant")
        .order_by("-created_at")
        .first()
    )
    if take is None or not operation.snapshot_id:
        return 0
    source_kind = CollectionKind(take.object_type)
    images = {
        image.persisted_face_id: image
        for image in FaceImage.objects.filter(
            tenant=take.tenant, kind=source_kind.value, collection_id=take.object_id
        )
    }
    if not images:
        return 0
    target_kind = CollectionKind(operation.object_type)
    try:
        source = _faces(take.tenant, source_kind, take.object_id)
        target = _faces(operation.tenant, target_kind, operation.object_id)
    except FaceApiError as exc:
        logger.warning("snapshot %s: images not copied (%s)", operation.snapshot_id, exc.code)
        return 0
    copied = 0
    already = set(
        FaceImage.objects.filter(
            tenant=operation.tenant, kind=target_kind.value, collection_id=operation.object_id
        ).values_list("persisted_face_id", flat=True)
    )
    for (_, source_face), (person_id, face_id) in _match(source, target).items():
        image = images.get(source_face)
        if image is None or face_id in already:
            continue
        face_image_copy(
            source=image,
            tenant=operation.tenant,
            kind=target_kind,
            collection_id=operation.object_id,
            person_id=person_id,
            persisted_face_id=face_id,
        )
        copied += 1
    return copied


class _Listing:
    """A collection as the provider lists it: persons with their faces, or a face list."""

    def __init__(
        self, persons: list[Person] | None = None, faces: list[tuple[str, str]] | None = None
    ) -> None:
        self.persons = persons or []
        # face list: (face id, userData)
        self.faces = faces or []


def _faces(tenant: Tenant, kind: CollectionKind, collection_id: str) -> _Listing:
    if kind in PERSON_KINDS:
        persons = client_for(tenant).iter_persons(kind, collection_id=collection_id)
        return _Listing(persons=list(persons))
    faces = face_list_faces(tenant=tenant, kind=kind, list_id=collection_id)
    return _Listing(faces=[(f.persisted_face_id, f.user_data or "") for f in faces])


def _match(source: _Listing, target: _Listing) -> dict[FaceKey, FaceKey]:
    """source face -> target face, for the faces matched without a doubt."""
    matched: dict[FaceKey, FaceKey] = {}
    if source.faces or target.faces:
        target_ids = {face_id for face_id, _ in target.faces}
        if all(face_id in target_ids for face_id, _ in source.faces):
            return {("", f): ("", f) for f, _ in source.faces}
        if len(source.faces) == len(target.faces):
            for (a, a_data), (b, b_data) in zip(source.faces, target.faces, strict=True):
                if a_data == b_data:
                    matched[("", a)] = ("", b)
        return matched
    target_faces = {f for p in target.persons for f in p.persisted_face_ids}
    by_key: dict[tuple[str, str], list[Person]] = defaultdict(list)
    for person in target.persons:
        by_key[(person.name, person.user_data or "")].append(person)
    for person in source.persons:
        if person.persisted_face_ids and all(f in target_faces for f in person.persisted_face_ids):
            for f in person.persisted_face_ids:  # the provider kept the ids
                matched[(person.person_id, f)] = (person.person_id, f)
            continue
        twins = by_key.get((person.name, person.user_data or ""))
        if not twins:
            continue
        twin = twins.pop(0)
        if len(twin.persisted_face_ids) != len(person.persisted_face_ids):
            continue
        for a, b in zip(person.persisted_face_ids, twin.persisted_face_ids, strict=True):
            matched[(person.person_id, a)] = (twin.person_id, b)
    return matched
