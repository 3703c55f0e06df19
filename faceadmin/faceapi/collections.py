"""Services and selectors for the four collection kinds, their persons and faces.

Size: over 600 lines because the collection, person and face services share their audit and
face-store bookkeeping (`_add_face`, `_delete_face`), which persons and face lists both call;
training lives in `training.py`, uploaded-photo enrolment in `enroll.py`, plumbing in
`common.py`.

Everything goes through the tenant's `AzureFaceClient`: the dashboard never knows whether the
tenant is Azure or the embedded engine. Writes leave an audit event (failed ones too, with the
provider's code), keep the face image store in step, and mark trainable collections as
changed so the dashboard can say "needs training".

Listing selectors make exactly one API call per page: they ask for `top + 1` items and use
the extra one only to know whether a next page exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction

from faceadmin.clients.azure import AzureFaceClient
from faceadmin.clients.errors import FaceApiError, NotFoundError
from faceadmin.clients.types import (
    Collection,
    CollectionKind,
    FaceRectangle,
    PersistedFace,
    Person,
)
from faceadmin.faceapi import imagestore
from faceadmin.faceapi.catalog import catalog_forget, catalog_note_face, catalog_note_person
from faceadmin.faceapi.common import (
    Page,
    _audited,
    _client,
    _mark_changed,
    _page,
    user_data_or_none,
)
from faceadmin.faceapi.kinds import (
    DEFAULT_RECOGNITION_MODEL,
    DETECTION_MODEL,
    KIND_LABELS,
    KIND_SLUGS,
    PERSON_KINDS,
    TRAINABLE_KINDS,
)
from faceadmin.faceapi.models import (
    CollectionChange,
    DuplicateScan,
    PendingPhoto,
)
from faceadmin.tenants.models import Tenant

if TYPE_CHECKING:
    pass


# --- collections ---------------------------------------------------------------------------


def collection_list(*, tenant: Tenant, kind: CollectionKind) -> list[Collection]:
    """Every collection of this kind, with its recognition model (all pages)."""
    return list(_client(tenant).iter_collections(kind, return_recognition_model=True))


def collection_page(
    *, tenant: Tenant, kind: CollectionKind, start: str | None = None, top: int = 50
) -> Page[Collection]:
    """One page of collections: one API call. Face lists have no paging (64 at most)."""
    if kind == CollectionKind.FACE_LIST:
        items = _client(tenant).collection_list(
            CollectionKind.FACE_LIST, return_recognition_model=True
        )
        return Page(items, None, len(items), None)
    items = _client(tenant).collection_list(
        kind, start=start, top=top + 1, return_recognition_model=True
    )
    return _page(items, start, top, lambda c: c.id)


def collection_get(*, tenant: Tenant, kind: CollectionKind, collection_id: str) -> Collection:
    """The collection with its recognition model (a face list comes with its faces)."""
    return _client(tenant).collection_get(
        kind, collection_id=collection_id, return_recognition_model=True
    )


@dataclass(frozen=True)
class KindSummary:
    """How many collections of one kind the tenant has (first page of them kept)."""

    kind: CollectionKind
    count: int
    more: bool
    collections: list[Collection] = field(default_factory=list)
    error: FaceApiError | None = None

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def slug(self) -> str:
        return KIND_SLUGS[self.kind]

    @property
    def trainable(self) -> bool:
        return self.kind in TRAINABLE_KINDS


def collection_summaries(*, tenant: Tenant) -> list[KindSummary]:
    """One listing call per kind: the counts on the tenant's overview."""
    summaries = []
    for kind in CollectionKind:
        try:
            if kind == CollectionKind.FACE_LIST:
                items = _client(tenant).collection_list(CollectionKind.FACE_LIST)
                more = False
            else:
                items = _client(tenant).collection_list(kind, top=1000)
                more = len(items) >= 1000
        except FaceApiError as exc:
            summaries.append(KindSummary(kind, 0, False, error=exc))
            continue
        summaries.append(KindSummary(kind, len(items), more, items))
    return summaries


def collection_create(
    *,
    tenant: Tenant,
    user: Any,
    kind: CollectionKind,
    collection_id: str,
    name: str,
    user_data: str | None = None,
    recognition_model: str = DEFAULT_RECOGNITION_MODEL,
) -> None:
    with _audited(
        action="collection.create",
        tenant=tenant,
        user=user,
        target_kind=kind.value,
        target_id=collection_id,
        reason=recognition_model,
    ):
        _client(tenant).collection_create(
            kind,
            collection_id=collection_id,
            name=name,
            user_data=user_data_or_none(user_data),
            recognition_model=recognition_model,
        )


def collection_update(
    *,
    tenant: Tenant,
    user: Any,
    kind: CollectionKind,
    collection_id: str,
    name: str,
    user_data: str | None,
) -> None:
    """Rename and set userData (an empty userData clears it)."""
    with _audited(
        action="collection.update",
        tenant=tenant,
        user=user,
        target_kind=kind.value,
        target_id=collection_id,
    ):
        _client(tenant).collection_update(
            kind, collection_id=collection_id, name=name, user_data=user_data or ""
        )


@dataclass(frozen=True)
class DeletionPreview:
    """What deleting a collection takes with it."""

    persons: int
    faces: int
    stored_images: int


def collection_delete_preview(
    *, tenant: Tenant, kind: CollectionKind, collection_id: str
) -> DeletionPreview:
    """Counts for the confirm step (walks every page: a deliberate, one-off cost)."""
    client = _client(tenant)
    persons = faces = 0
    if kind in PERSON_KINDS:
        for person in client.iter_persons(kind, collection_id=collection_id):
            persons, faces = persons + 1, faces + len(person.persisted_face_ids)
    else:
        faces = sum(1 for _ in face_list_faces(tenant=tenant, kind=kind, list_id=collection_id))
    stored = imagestore.FaceImage.objects.filter(
        tenant=tenant, kind=kind.value, collection_id=collection_id
    ).count()
    return DeletionPreview(persons, faces, stored)


def collection_delete(
    *, tenant: Tenant, user: Any, kind: CollectionKind, collection_id: str
) -> int:
    """Delete the collection and everything faceadmin keeps about it; returns images dropped.

    A collection that is already gone on the provider's side is cleaned up locally too,
    and the NotFound error is still raised so the operator hears about it."""
    with _audited(
        action="collection.delete",
        tenant=tenant,
        user=user,
        target_kind=kind.value,
        target_id=collection_id,
    ):
        try:
            _client(tenant).collection_delete(kind, collection_id=collection_id)
        except NotFoundError:
            _forget_collection(tenant=tenant, kind=kind, collection_id=collection_id)
            raise
    # Only once the provider has let go of it: a refused delete keeps the photos.
    return _forget_collection(tenant=tenant, kind=kind, collection_id=collection_id)


def _forget_collection(*, tenant: Tenant, kind: CollectionKind, collection_id: str) -> int:
    where = {"tenant": tenant, "kind": kind.value, "collection_id": collection_id}
    with transaction.atomic():
        dropped = imagestore.face_images_delete(
            tenant=tenant, kind=kind, collection_id=collection_id
        )
        CollectionChange.objects.filter(**where).delete()
        DuplicateScan.objects.filter(**where).delete()
        PendingPhoto.objects.filter(**where).delete()
        catalog_forget(tenant=tenant, kind=kind, collection_id=collection_id)
    return dropped


# --- persons -------------------------------------------------------------------------------


def person_page(
    *,
    tenant: Tenant,
    kind: CollectionKind,
    group_id: str,
    start: str | None = None,
    top: int = 50,
) -> Page[Person]:
    """One page of persons (one API call); each comes with its persistedFaceIds."""
    items = _client(tenant).person_list(kind, collection_id=group_id, start=start, top=top + 1)
    return _page(items, start, top, lambda p: p.person_id)


def person_get(*, tenant: Tenant, kind: CollectionKind, group_id: str, person_id: str) -> Person:
    return _client(tenant).person_get(kind, collection_id=group_id, person_id=person_id)


def person_face_get(
    *, tenant: Tenant, kind: CollectionKind, group_id: str, person_id: str, persisted_face_id: str
) -> PersistedFace:
    """One enrolled face of a person, with its userData (the person GET has only ids)."""
    return _client(tenant).person_get_face(
        kind, collection_id=group_id, person_id=person_id, persisted_face_id=persisted_face_id
    )


def person_create(
    *,
    tenant: Tenant,
    user: Any,
    kind: CollectionKind,
    group_id: str,
    name: str,
    user_data: str | None = None,
) -> str:
    """Create a person in a (large) person group; returns the personId."""
    with _audited(
        action="person.create",
        tenant=tenant,
        user=user,
        target_kind="person",
        target_id="",
        reason=f"{kind.value} {group_id}",
    ) as note:
        person_id = _client(tenant).person_create(
            kind, collection_id=group_id, name=name, user_data=user_data_or_none(user_data)
        )
        note.target_id = person_id
    _mark_changed(
        tenant=tenant,
        kind=kind,
        collection_id=group_id,
        action="person.create",
        person_id=person_id,
    )
    return person_id


def person_update(
    *,
    tenant: Tenant,
    user: Any,
    kind: CollectionKind,
    group_id: str,
    person_id: str,
    name: str,
    user_data: str | None,
) -> None:
    with _audited(
        action="person.update",
        tenant=tenant,
        user=user,
        target_kind="person",
        target_id=person_id,
        reason=f"{kind.value} {group_id}",
    ):
        _client(tenant).person_update(
            kind, collection_id=group_id, person_id=person_id, name=name, user_data=user_data or ""
        )
    catalog_note_person(tenant=tenant, kind=kind, collection_id=group_id, person_id=person_id)


def person_delete(
    *, tenant: Tenant, user: Any, kind: CollectionKind, group_id: str, person_id: str
) -> int:
    """Delete the person and its stored images; returns how many images were dropped."""
    with _audited(
        action="person.delete",
        tenant=tenant,
        user=user,
        target_kind="person",
        target_id=person_id,
        reason=f"{kind.value} {group_id}",
    ):
        try:
            _client(tenant).person_delete(kind, collection_id=group_id, person_id=person_id)
        except NotFoundError:
            imagestore.face_images_delete(
                tenant=tenant, kind=kind, collection_id=group_id, person_id=person_id
            )
            raise
    dropped = imagestore.face_images_delete(
        tenant=tenant, kind=kind, collection_id=group_id, person_id=person_id
    )
    PendingPhoto.objects.filter(
        tenant=tenant, kind=kind.value, collection_id=group_id, person_id=person_id
    ).delete()
    _mark_changed(
        tenant=tenant,
        kind=kind,
        collection_id=group_id,
        action="person.delete",
        person_id=person_id,
    )
    return dropped


def person_add_face(
    *,
    tenant: Tenant,
    user: Any,
    kind: CollectionKind,
    group_id: str,
    person_id: str,
    image: bytes,
    filename: str,
    target_face: FaceRectangle | None = None,
    user_data: str | None = None,
) -> PersistedFace:
    """Enroll a face of `image` for the person, keep its thumbnail/original, audit it.

    Without `target_face` the photo is detected first, so the stored thumbnail shows the face
    that was enrolled (one extra call); a photo with several faces then fails as the provider
    says, because the operator has to pick one."""
    return _add_face(
        tenant=tenant,
        user=user,
        kind=kind,
        collection_id=group_id,
        person_id=person_id,
        image=image,
        filename=filename,
        target_face=target_face,
        user_data=user_data,
    )


def person_delete_face(
    *,
    tenant: Tenant,
    user: Any,
    kind: CollectionKind,
    group_id: str,
    person_id: str,
    persisted_face_id: str,
) -> None:
    _delete_face(
        tenant=tenant,
        user=user,
        kind=kind,
        collection_id=group_id,
        person_id=person_id,
        persisted_face_id=persisted_face_id,
    )


# --- faces (persons and face lists alike) -----------------------------------------------


def photo_detect(*, tenant: Tenant, image: bytes) -> list[FaceRectangle]:
    """The faces in a photo, largest first, with the detection model enrolling uses."""
    faces = _client(tenant).detect_with_stream(
        image=image, return_face_id=False, detection_model=DETECTION_MODEL
    )
    return [face.rectangle for face in faces]


def _send_face(
    client: AzureFaceClient,
    kind: CollectionKind,
    collection_id: str,
    person_id: str,
    image: bytes,
    user_data: str | None,
    target_face: FaceRectangle | None,
) -> str:
    """One add-face call: to the person when there is one, else to the face list."""
    sent = user_data_or_none(user_data)
    if person_id:
        return client.person_add_face_from_stream(
            kind,
            collection_id=collection_id,
            person_id=person_id,
            image=image,
            user_data=sent,
            target_face=target_face,
            detection_model=DETECTION_MODEL,
        )
    return client.add_face_from_stream(
        kind,
        collection_id=collection_id,
        image=image,
        user_data=sent,
        target_face=target_face,
        detection_model=DETECTION_MODEL,
    )


def _add_face(
    *,
    tenant: Tenant,
    user: Any,
    kind: CollectionKind,
    collection_id: str,
    person_id: str,
    image: bytes,
    filename: str,
    target_face: FaceRectangle | None,
    user_data: str | None,
) -> PersistedFace:
    where = f"{kind.value} {collection_id}" + (f" person {person_id}" if person_id else "")
    with _audited(
        action="face.add",
        tenant=tenant,
        user=user,
        target_kind="face",
        target_id="",
        reason=f"{where}, file {filename}",
    ) as note:
        if target_face is None:
            found = photo_detect(tenant=tenant, image=image)
            if len(found) == 1:
                target_face = found[0]
        persisted_face_id = _send_face(
            _client(tenant), kind, collection_id, person_id, image, user_data, target_face
        )
        note.target_id = persisted_face_id
    imagestore.face_image_save(
        tenant=tenant,
        user=user,
        kind=kind,
        collection_id=collection_id,
        person_id=person_id,
        persisted_face_id=persisted_face_id,
        image=image,
        filename=filename,
        face=target_face,
        user_data=user_data,
    )
    if not person_id:
        face_id = persisted_face_id
        catalog_note_face(tenant=tenant, kind=kind, collection_id=collection_id,
                          persisted_face_id=face_id, user_data=user_data, added=True)  # fmt: skip
    _mark_changed(
        tenant=tenant,
        kind=kind,
        collection_id=collection_id,
        action="face.add",
        person_id=person_id,
    )
    return PersistedFace(persisted_face_id, user_data_or_none(user_data))


def _delete_face(
    *,
    tenant: Tenant,
    user: Any,
    kind: CollectionKind,
    collection_id: str,
    person_id: str,
    persisted_face_id: str,
) -> None:
    where = f"{kind.value} {collection_id}" + (f" person {person_id}" if person_id else "")
    with _audited(
        action="face.delete",
        tenant=tenant,
        user=user,
        target_kind="face",
        target_id=persisted_face_id,
        reason=where,
    ):
        client = _client(tenant)
        try:
            if person_id:
                client.person_delete_face(
                    kind,
                    collection_id=collection_id,
                    person_id=person_id,
                    persisted_face_id=persisted_face_id,
                )
            else:
                client.delete_face(
                    kind, collection_id=collection_id, persisted_face_id=persisted_face_id
                )
        except NotFoundError:
            # Gone on the provider's side already: its image must not linger here.
            imagestore.face_images_delete(
                tenant=tenant,
                kind=kind,
                collection_id=collection_id,
                persisted_face_id=persisted_face_id,
            )
            raise
    imagestore.face_images_delete(
        tenant=tenant, kind=kind, collection_id=collection_id, persisted_face_id=persisted_face_id
    )
    if not person_id:
        face_id = persisted_face_id
        catalog_note_face(tenant=tenant, kind=kind, collection_id=collection_id,
                          persisted_face_id=face_id, user_data=None, added=False)  # fmt: skip
    _mark_changed(
        tenant=tenant,
        kind=kind,
        collection_id=collection_id,
        action="face.delete",
        person_id=person_id,
    )


# --- face lists ------------------------------------------------------------------------------


def face_list_add_face(
    *,
    tenant: Tenant,
    user: Any,
    kind: CollectionKind,
    list_id: str,
    image: bytes,
    filename: str,
    target_face: FaceRectangle | None = None,
    user_data: str | None = None,
) -> PersistedFace:
    """Add a face to a face list or large face list, keeping its image (as person_add_face)."""
    return _add_face(
        tenant=tenant,
        user=user,
        kind=kind,
        collection_id=list_id,
        person_id="",
        image=image,
        filename=filename,
        target_face=target_face,
        user_data=user_data,
    )


def face_list_delete_face(
    *, tenant: Tenant, user: Any, kind: CollectionKind, list_id: str, persisted_face_id: str
) -> None:
    _delete_face(
        tenant=tenant,
        user=user,
        kind=kind,
        collection_id=list_id,
        person_id="",
        persisted_face_id=persisted_face_id,
    )


def face_list_page(
    *,
    tenant: Tenant,
    kind: CollectionKind,
    list_id: str,
    start: str | None = None,
    top: int = 100,
) -> tuple[Collection, Page[PersistedFace]]:
    """The list and one page of its faces.

    A face list comes whole with its GET (one call, at most 1,000 faces, no paging); a large
    face list takes its GET plus one ListFaces call per page."""
    collection = collection_get(tenant=tenant, kind=kind, collection_id=list_id)
    if kind == CollectionKind.FACE_LIST:
        faces = list(collection.persisted_faces or ())
        return collection, Page(faces, None, len(faces), None)
    items = _client(tenant).list_faces(
        CollectionKind.LARGE_FACE_LIST, collection_id=list_id, start=start, top=top + 1
    )
    return collection, _page(items, start, top, lambda f: f.persisted_face_id)


def face_list_faces(
    *, tenant: Tenant, kind: CollectionKind, list_id: str
) -> Iterator[PersistedFace]:
    """Every face of a face list or large face list (pages of 1,000 for a large one)."""
    client = _client(tenant)
    if kind == CollectionKind.FACE_LIST:
        yield from client.collection_get(kind, collection_id=list_id).persisted_faces or ()
    else:
        yield from client.iter_faces(kind, collection_id=list_id)
