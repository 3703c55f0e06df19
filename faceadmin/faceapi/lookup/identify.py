"""Identify on an Azure-compatible provider: every face against several person groups."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from faceadmin.clients.azure import AzureFaceClient
from faceadmin.clients.errors import (
    BadRequestError,
    NotFoundError,
    NotTrainedError,
    TrainingNotFinishedError,
)
from faceadmin.clients.types import Collection, IdentifyCandidate, Person
from faceadmin.faceapi.imagestore import person_face_images
from faceadmin.faceapi.lookup import audit
from faceadmin.faceapi.lookup.detect import azure_detect, matching_face_id, retry_expired
from faceadmin.faceapi.lookup.photos import Photo, PhotoError
from faceadmin.faceapi.lookup.recording import AzureSession
from faceadmin.faceapi.lookup.results import (
    Detection,
    DetectSettings,
    FaceIdentity,
    GroupRef,
    Identification,
    PersonCandidate,
    SkippedGroup,
)
from faceadmin.faceapi.lookup.targets import (
    PERSON_KINDS,
    get_collection,
    get_person,
    group_ids,
    list_collections,
    untrained_reason,
)
from faceadmin.tenants.models import Tenant
from faceadmin.tenants.services import Actor

__all__ = ["AzureIdentification", "photo_identify"]

IDENTIFY_BATCH: Final = 10  # identify takes 1..10 faceIds
THUMBNAILS_PER_PERSON: Final = 4

AzureIdentification = Identification[PersonCandidate, Collection]
_Found = dict[int, list[tuple[Collection, IdentifyCandidate]]]


def _identify_targets(
    tenant: Tenant,
    client: AzureFaceClient,
    group_refs: Sequence[GroupRef] | None,
    known: Sequence[Collection] | None,
) -> tuple[list[Collection], list[SkippedGroup]]:
    """The groups to search; `known` (a listing the caller has already made, with
    recognition models) saves listing or fetching them again."""
    if group_refs is None:
        if known is None:
            known = [c for kind in PERSON_KINDS for c in list_collections(client, kind)]
        return _split_trained(tenant, [c for c in known if c.kind in PERSON_KINDS], [])
    by_ref = {GroupRef(c.kind, c.id): c for c in known or () if c.recognition_model}
    collections = []
    skipped = []
    for ref in dict.fromkeys(group_refs):
        if ref.kind not in PERSON_KINDS:
            raise PhotoError(f"{ref} is not a person group.")
        try:
            collections.append(by_ref.get(ref) or get_collection(client, ref))
        except NotFoundError:
            skipped.append(SkippedGroup(ref, ref.id, "it does not exist (any more)"))
    return _split_trained(tenant, collections, skipped)


def _split_trained(
    tenant: Tenant, collections: list[Collection], skipped: list[SkippedGroup]
) -> tuple[list[Collection], list[SkippedGroup]]:
    usable = []
    for collection in collections:
        reason = untrained_reason(tenant, collection)
        if reason is None:
            usable.append(collection)
        else:
            ref = GroupRef(collection.kind, collection.id)
            skipped.append(SkippedGroup(ref, collection.name, reason))
    return usable, skipped


class _Faces:
    """The photo's faces, detected once per recognition model the groups use (identify
    refuses faces of another model); the operator's model draws the overlay."""

    def __init__(
        self, session: AzureSession, photo: Photo, settings: DetectSettings, models: list[str]
    ) -> None:
        if settings.recognition_model in models:
            models.remove(settings.recognition_model)
            models.insert(0, settings.recognition_model)
        self.session, self.photo, self.settings = session, photo, settings
        self.shown = settings.with_recognition_model(models[0]) if models else settings
        self.detections: dict[str, Detection] = {}
        self.detect_shown()

    def detect_shown(self) -> Detection:
        self.detections.clear()
        shown = azure_detect(self.session, self.photo, self.shown)
        self.detections[self.shown.recognition_model] = shown
        return shown

    @property
    def primary(self) -> Detection:
        return self.detections[self.shown.recognition_model]

    def face_ids(self, model: str) -> list[tuple[int, str]]:
        """(face number, face id of `model`) for every face drawn on the photo."""
        current = self.primary
        if model not in self.detections:
            plain = DetectSettings(self.settings.detection_model, model, landmarks=False)
            self.detections[model] = azure_detect(self.session, self.photo, plain)
        detection = self.detections[model]
        pairs = []
        for box in current.boxes:
            if detection is current:
                face_id = box.face.face_id
            else:
                face_id = matching_face_id(detection, box.rect)
            if face_id:
                pairs.append((box.number, face_id))
        return pairs


def _identify_batch(
    faces: _Faces,
    collection: Collection,
    start: int,
    max_candidates: int,
    confidence_threshold: float | None,
) -> list[tuple[int, tuple[IdentifyCandidate, ...]]]:
    """Identify faces start..start+10 of the photo in one group (re-detecting once if the
    provider forgot the face ids)."""
    model = collection.recognition_model or "recognition_01"
    ref = GroupRef(collection.kind, collection.id)

    def identify() -> list[tuple[int, tuple[IdentifyCandidate, ...]]]:
        batch = faces.face_ids(model)[start : start + IDENTIFY_BATCH]
        results = faces.session.client.identify(
            face_ids=[face_id for _, face_id in batch],
            max_num_of_candidates_returned=max_candidates,
            confidence_threshold=confidence_threshold,
            **group_ids(ref),
        )
        numbers = {face_id: number for number, face_id in batch}
        return [(numbers[r.face_id], r.candidates) for r in results if r.face_id in numbers]

    return retry_expired(identify, faces.detect_shown)


def _search(
    faces: _Faces,
    targets: list[Collection],
    skipped: list[SkippedGroup],
    max_candidates: int,
    confidence_threshold: float | None,
) -> tuple[_Found, list[Collection]]:
    """Every face in every group: the candidates per face number, and the groups searched.
    A group that cannot answer is added to `skipped`, the others still answer."""
    found: _Found = {}
    searched: list[Collection] = []
    for collection in targets if faces.primary.boxes else []:
        model = collection.recognition_model or "recognition_01"
        try:
            for start in range(0, len(faces.face_ids(model)), IDENTIFY_BATCH):
                batch = _identify_batch(
                    faces, collection, start, max_candidates, confidence_threshold
                )
                for number, hits in batch:
                    for candidate in hits:
                        found.setdefault(number, []).append((collection, candidate))
        except (NotFoundError, NotTrainedError, TrainingNotFinishedError, BadRequestError) as exc:
            # Gone, untrained or training since we checked, or of an incompatible model:
            # one group's trouble must not hide the others' answers.
            ref = GroupRef(collection.kind, collection.id)
            skipped.append(SkippedGroup(ref, collection.name, exc.message))
            continue
        searched.append(collection)
    return found, searched


def _identities(
    session: AzureSession, primary: Detection, found: _Found, max_candidates: int
) -> tuple[FaceIdentity[PersonCandidate], ...]:
    """Candidates of all groups merged per face, best first, `max_candidates` kept."""
    people: dict[tuple[GroupRef, str], Person | None] = {}
    faces = []
    for box in primary.boxes:
        ranked = sorted(found.get(box.number, []), key=lambda pair: -pair[1].confidence)
        candidates = []
        for collection, candidate in ranked[:max_candidates]:
            ref = GroupRef(collection.kind, collection.id)
            key = (ref, candidate.person_id)
            if key not in people:
                people[key] = get_person(session.client, ref, candidate.person_id)
            person = people[key]
            candidates.append(
                PersonCandidate(
                    group=ref,
                    group_name=collection.name,
                    person_id=candidate.person_id,
                    name=person.name if person else "(deleted person)",
                    user_data=person.user_data if person else None,
                    confidence=candidate.confidence,
                    thumbnails=_person_thumbnails(session.tenant, ref, candidate.person_id),
                )
            )
        faces.append(FaceIdentity(box, tuple(candidates)))
    return tuple(faces)


@audit.audited_lookup("lookup.identify", audit.target_identify, audit.summary_identify)
def photo_identify(
    *,
    tenant: Tenant,
    photo: Photo,
    settings: DetectSettings,
    group_refs: Sequence[GroupRef] | None = None,
    max_candidates: int = 3,
    confidence_threshold: float | None = None,
    known: Sequence[Collection] | None = None,
    user: Actor = None,
) -> AzureIdentification:
    """Who is on the photo: every face against several person groups at once.

    `group_refs` None means every trained person group and large person group of the
    tenant (`known`: the caller's listing of them, to save listing again). Collections
    that cannot answer (never trained, training, failed, gone) are skipped and named in
    `skipped`. Faces are detected once per recognition model the groups use, candidates
    of all groups are merged per face, best first, `max_candidates` kept.
    """
    session = AzureSession(tenant)
    targets, skipped = _identify_targets(tenant, session.client, group_refs, known)
    models = list(dict.fromkeys(c.recognition_model or "recognition_01" for c in targets))
    faces = _Faces(session, photo, settings, models)
    found, searched = _search(faces, targets, skipped, max_candidates, confidence_threshold)
    primary = faces.primary
    return Identification(
        detection=primary,
        faces=_identities(session, primary, found, max_candidates),
        searched=tuple(searched),
        skipped=tuple(skipped),
        api_ms=session.api_ms,
    )


def _person_thumbnails(tenant: Tenant, ref: GroupRef, person_id: str) -> tuple[str, ...]:
    images = person_face_images(tenant=tenant, kind=ref.kind, group_id=ref.id, person_id=person_id)
    return tuple(image.thumbnail_url for image in images[:THUMBNAILS_PER_PERSON])
