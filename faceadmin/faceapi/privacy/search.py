"""Find a person everywhere from one photo (the first half of a data-subject request).

Identify across the trained person groups, verify person by person in small untrained ones,
find-similar across face lists, identify over every FindFace face. Runs on the photo in
memory; nothing of it is written anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

from faceadmin.clients.errors import FaceApiError
from faceadmin.clients.findface import DEFAULT_GALLERY
from faceadmin.clients.types import Collection, CollectionKind, FaceRectangle
from faceadmin.faceapi import imagestore
from faceadmin.faceapi.connection import client_for
from faceadmin.faceapi.lookup import (
    LIST_KINDS,
    PERSON_KINDS,
    DetectSettings,
    FaceBox,
    GroupRef,
    Identification,
    Photo,
    PhotoError,
    collection_options,
    photo_detect,
    photo_from_bytes,
    photo_identify,
)
from faceadmin.faceapi.lookup.findface import photo_identify_in_gallery
from faceadmin.faceapi.lookup.targets import untrained_reason
from faceadmin.faceapi.privacy.matches import GALLERY, ErasureMatch, ErasureSearch, _where
from faceadmin.tenants.models import Provider, Tenant

IDENTIFY_CANDIDATES: Final = 100  # identify's maximum
SIMILAR_CANDIDATES: Final = 1000  # find-similar's maximum
FINDFACE_CANDIDATES: Final = 1000
FINDFACE_THRESHOLD: Final = "medium"
# An untrained person group this small is checked with verify, one call per person.
VERIFY_UNTRAINED_LIMIT: Final = 200


def erase_search(
    *, tenant: Tenant, photo: Photo, face: FaceRectangle | None = None
) -> ErasureSearch:
    """Every place the person on the photo (the face at `face`, else the largest) is held.

    Runs on the photo in memory; nothing of it is written anywhere."""
    if photo.data is None:
        raise PhotoError("Erasure searches need the photo itself; upload it.")
    if tenant.provider == Provider.FINDFACE:
        found = _search_findface(tenant, photo, face)
    else:
        found = _search_azure(tenant, photo, face)
    return replace(found, tenant_id=tenant.pk)


class _SubjectFaces:
    """The subject's face id per recognition model: the photo is detected once per model
    (face ids of one model cannot be compared with another's), not once per collection."""

    def __init__(self, tenant: Tenant, photo: Photo, target: FaceRectangle | None) -> None:
        self.tenant, self.photo, self.target = tenant, photo, target
        self.ids: dict[str, str | None] = {}

    def seed(self, model: str, face_id: str | None) -> None:
        self.ids[model] = face_id

    def __call__(self, model: str) -> str | None:
        if model not in self.ids:
            settings = DetectSettings(recognition_model=model, landmarks=False)
            detection = photo_detect(tenant=self.tenant, photo=self.photo, settings=settings)
            box = detection.box_for(self.target)
            self.ids[model] = box.face.face_id if box is not None else None
        return self.ids[model]


def _search_azure(tenant: Tenant, photo: Photo, face: FaceRectangle | None) -> ErasureSearch:
    settings = DetectSettings(landmarks=False)
    known = collection_options(tenant=tenant, kinds=(*PERSON_KINDS, *LIST_KINDS))
    identification = photo_identify(
        tenant=tenant,
        photo=photo,
        settings=settings,
        max_candidates=IDENTIFY_CANDIDATES,
        known=[c for c in known if c.kind in PERSON_KINDS],
    )
    boxes = identification.detection.boxes
    if not boxes:
        raise PhotoError(f"No face was found on {photo.filename}.")
    subject = identification.detection.box_for(face)
    matches = _identified(identification, subject)
    searched = [_where(c.kind, c.name) for c in identification.searched]
    skipped: list[tuple[str, str]] = []
    target = subject.rect if subject is not None else None
    face_id_for = _SubjectFaces(tenant, photo, target)
    if subject is not None:
        face_id_for.seed(identification.detection.settings.recognition_model, subject.face.face_id)
    found = _Found(matches, searched, skipped)
    _search_untrained(tenant, face_id_for, identification, known, found)
    _search_lists(tenant, face_id_for, known, found)
    matches.sort(key=lambda m: -m.confidence)
    return ErasureSearch(tuple(matches), tuple(searched), tuple(skipped), len(boxes))


@dataclass(frozen=True)
class _Found:
    """What the Azure search collects, step by step (the lists grow in place)."""

    matches: list[ErasureMatch]
    searched: list[str]
    skipped: list[tuple[str, str]]


def _identified(identification: Identification, subject: FaceBox | None) -> list[ErasureMatch]:
    """The identify candidates of the subject's face, as matches."""
    matches: list[ErasureMatch] = []
    for identity in identification.faces:
        if subject is None or identity.box.number != subject.number:
            continue
        for candidate in identity.candidates:
            matches.append(
                ErasureMatch(
                    kind=candidate.group.kind.value,
                    collection_id=candidate.group.id,
                    collection_name=candidate.group_name,
                    person_id=candidate.person_id,
                    face_id="",
                    confidence=candidate.confidence,
                    label=candidate.name,
                    thumbnails=candidate.thumbnails,
                )
            )
    return matches


def _search_untrained(
    tenant: Tenant,
    face_id_for: _SubjectFaces,
    identification: Identification,
    known: Sequence[Collection],
    found: _Found,
) -> None:
    """The person groups identify skipped (untrained): verified person by person if small."""
    by_ref = {GroupRef(c.kind, c.id): c for c in known}
    for skip in identification.skipped:
        where = _where(skip.ref.kind, skip.name)
        collection = by_ref.get(skip.ref)
        if collection is None:  # gone since it was listed
            found.skipped.append((where, skip.reason))
            continue
        try:
            verified = _verify_untrained(tenant, face_id_for, collection)
        except _TooLarge as exc:
            found.skipped.append((where, f"{skip.reason}, and {exc}"))
            continue
        except FaceApiError as exc:
            found.skipped.append(
                (where, f"{skip.reason}; verifying person by person failed: {exc.message}")
            )
            continue
        found.searched.append(f"{where} (untrained: checked person by person)")
        found.matches.extend(verified)


def _search_lists(
    tenant: Tenant, face_id_for: _SubjectFaces, known: Sequence[Collection], found: _Found
) -> None:
    """Find-similar in every face list and every trained large face list."""
    for collection in (c for c in known if c.kind in LIST_KINDS):
        where = _where(collection.kind, collection.name)
        if collection.kind is CollectionKind.LARGE_FACE_LIST:
            reason = untrained_reason(tenant, collection)
            if reason is not None:
                found.skipped.append(
                    (where, f"{collection.name} cannot be searched yet: {reason}.")
                )
                continue
        try:
            similar = _find_similar(tenant, face_id_for, collection)
        except FaceApiError as exc:
            found.skipped.append((where, exc.message or exc.code))
            continue
        found.searched.append(where)
        found.matches.extend(similar)


def _find_similar(
    tenant: Tenant, face_id_for: _SubjectFaces, collection: Collection
) -> list[ErasureMatch]:
    face_id = face_id_for(collection.recognition_model or "recognition_01")
    if not face_id:
        return []
    scope = (
        {"face_list_id": collection.id}
        if collection.kind is CollectionKind.FACE_LIST
        else {"large_face_list_id": collection.id}
    )
    hits = client_for(tenant).find_similar(
        face_id=face_id,
        max_num_of_candidates_returned=SIMILAR_CANDIDATES,
        mode="matchPerson",
        **scope,
    )
    ids = [h.persisted_face_id for h in hits if h.persisted_face_id]
    images = imagestore.face_images(tenant=tenant, persisted_face_ids=ids)
    found = []
    for hit in hits:
        if not hit.persisted_face_id:
            continue
        image = images.get(hit.persisted_face_id)
        found.append(
            ErasureMatch(
                kind=collection.kind.value,
                collection_id=collection.id,
                collection_name=collection.name,
                person_id="",
                face_id=hit.persisted_face_id,
                confidence=hit.confidence,
                label=image.user_data if image is not None else "",
                thumbnails=(image.thumbnail_url,) if image is not None else (),
            )
        )
    return found


class _TooLarge(Exception):
    pass


def _verify_untrained(
    tenant: Tenant, face_id_for: _SubjectFaces, collection: Collection
) -> list[ErasureMatch]:
    """An untrained person group cannot identify, but verify (face to person) needs no
    training: check every person of a small group one by one."""
    client = client_for(tenant)
    ref = GroupRef(collection.kind, collection.id)
    persons = list(client.iter_persons(collection.kind, collection_id=collection.id))
    persons = [p for p in persons if p.persisted_face_ids]
    if len(persons) > VERIFY_UNTRAINED_LIMIT:
        raise _TooLarge(
            f"it has {len(persons)} persons with faces (more than {VERIFY_UNTRAINED_LIMIT} "
            "to verify one by one); train it and search again"
        )
    if not persons:
        return []
    face_id = face_id_for(collection.recognition_model or "recognition_01")
    if not face_id:
        return []
    group = (
        {"large_person_group_id": collection.id}
        if collection.kind is CollectionKind.LARGE_PERSON_GROUP
        else {"person_group_id": collection.id}
    )
    found = []
    for person in persons:
        verdict = client.verify_face_to_person(face_id=face_id, person_id=person.person_id, **group)
        if not verdict.is_identical:
            continue
        images = imagestore.person_face_images(
            tenant=tenant, kind=ref.kind, group_id=ref.id, person_id=person.person_id
        )
        found.append(
            ErasureMatch(
                kind=collection.kind.value,
                collection_id=collection.id,
                collection_name=collection.name,
                person_id=person.person_id,
                face_id="",
                confidence=verdict.confidence,
                label=person.name,
                thumbnails=tuple(i.thumbnail_url for i in images[:4]),
            )
        )
    return found


def _search_findface(tenant: Tenant, photo: Photo, face: FaceRectangle | None) -> ErasureSearch:
    identification = photo_identify_in_gallery(
        tenant=tenant,
        photo=photo,
        gallery=None,
        threshold=FINDFACE_THRESHOLD,
        n=FINDFACE_CANDIDATES,
    )
    if not identification.detection.boxes:
        raise PhotoError(f"No face was found on {photo.filename}.")
    subject = identification.detection.box_for(face)
    matches = [
        ErasureMatch(
            kind=GALLERY,
            collection_id=DEFAULT_GALLERY,
            collection_name=candidate.group_name,
            person_id="",
            face_id=str(candidate.face_id),
            confidence=candidate.confidence,
            label=candidate.name,
            thumbnails=candidate.thumbnails,
        )
        for identity in identification.faces
        if subject is not None and identity.box.number == subject.number
        for candidate in identity.candidates
    ]
    return ErasureSearch(
        tuple(sorted(matches, key=lambda m: -m.confidence)),
        ("every FindFace face (all galleries)",),
        (),
        len(identification.detection.boxes),
    )


def erase_search_person(
    *, tenant: Tenant, kind: CollectionKind, group_id: str, person_id: str
) -> ErasureSearch:
    """Start from a person: search with their stored original photo (in memory), and list
    the person itself whatever the search finds."""
    images = imagestore.person_face_images(
        tenant=tenant, kind=kind, group_id=group_id, person_id=person_id
    )
    found: ErasureSearch | None = None
    for image in images:
        if not image.original:
            continue
        with image.original.open("rb") as handle:
            data = handle.read()
        try:
            photo = photo_from_bytes(data=data, filename=image.source_filename or "original")
            found = erase_search(tenant=tenant, photo=photo, face=image.rectangle)
        except PhotoError:
            continue
        break
    collection = client_for(tenant)
    try:
        name = collection.collection_get(kind, collection_id=group_id).name
    except FaceApiError:
        name = group_id
    itself = ErasureMatch(
        kind=kind.value,
        collection_id=group_id,
        collection_name=name,
        person_id=person_id,
        face_id="",
        confidence=1.0,
        label="(the person you started from)",
        thumbnails=tuple(i.thumbnail_url for i in images[:4]),
    )
    if found is None:
        return ErasureSearch(
            (itself,),
            (),
            (("every other collection", "the person has no stored original photo to search with"),),
            0,
            tenant.pk,
        )
    others = tuple(m for m in found.matches if m.key != itself.key)
    return replace(found, matches=(itself, *others))
