"""Enrolling uploaded photos: one face enrolled at once, several kept to pick from.

A photo whose only face looks like another person of the group, or whose quality for
recognition is low, waits for the operator's confirmation (`_enroll_warning`). This module
sits above `lookup` (which it uses for that check) and `collections` (whose face services it
calls); neither imports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from faceadmin.clients.errors import FaceApiError
from faceadmin.clients.types import (
    CollectionKind,
    DetectedFace,
    FaceRectangle,
    PersistedFace,
)
from faceadmin.faceapi import imagestore, lookup
from faceadmin.faceapi.collections import _add_face
from faceadmin.faceapi.common import _client
from faceadmin.faceapi.kinds import (
    DETECTION_MODEL,
    PERSON_KINDS,
)
from faceadmin.faceapi.models import (
    PendingPhoto,
)
from faceadmin.faceapi.training import training_status
from faceadmin.tenants.models import Tenant

# --- enrolling uploaded photos ---------------------------------------------------------------


@dataclass(frozen=True)
class PhotoOutcome:
    """What became of one uploaded photo: enrolled, waiting for a pick, or failed."""

    filename: str
    status: str  # "enrolled" | "pick" | "failed"
    faces: tuple[PersistedFace, ...] = ()
    pending: PendingPhoto | None = None
    error: FaceApiError | None = None
    message: str = ""


def photo_enroll(
    *,
    tenant: Tenant,
    user: Any,
    kind: CollectionKind,
    collection_id: str,
    person_id: str,
    image: bytes,
    filename: str,
    user_data: str | None = None,
    confirmed: bool = False,
) -> PhotoOutcome:
    """Detect, then enroll the only face, or keep the photo for a pick when it has several.

    A photo with one face also waits for a confirmation when the face looks like another
    person of the group (identify, once the group is trained) or its quality for recognition
    is low; `confirmed` skips those checks.

    `person_id` is empty for face lists. Provider errors come back in the outcome (one bad
    photo must not stop an upload of twenty)."""
    try:
        detected = _detect_rated(tenant, image)
        found = [face.rectangle for face in detected]
        if not found:
            return PhotoOutcome(filename, "failed", message="No face was found in this photo.")
        warning = ""
        if len(found) == 1 and not confirmed:
            warning = _enroll_warning(
                tenant=tenant,
                kind=kind,
                collection_id=collection_id,
                person_id=person_id,
                image=image,
                quality=detected[0].quality_for_recognition,
            )
        if len(found) > 1 or warning:
            pending = imagestore.pending_photo_save(
                tenant=tenant, user=user, kind=kind, collection_id=collection_id,
                person_id=person_id, image=image, filename=filename, user_data=user_data,
                faces=found, warning=warning,
            )  # fmt: skip
            return PhotoOutcome(filename, "pick", pending=pending, message=warning)
        face = _add_face(
            tenant=tenant,
            user=user,
            kind=kind,
            collection_id=collection_id,
            person_id=person_id,
            image=image,
            filename=filename,
            target_face=found[0],
            user_data=user_data,
        )
    except FaceApiError as exc:
        return PhotoOutcome(filename, "failed", error=exc)
    except imagestore.UnreadableImage:
        return PhotoOutcome(filename, "failed", message="This file is not an image we can read.")
    return PhotoOutcome(filename, "enrolled", faces=(face,))


# recognition_04 rates qualityForRecognition; the rating does not depend on the group's model.
QUALITY_RECOGNITION_MODEL = "recognition_04"


def _detect_rated(tenant: Tenant, image: bytes) -> list[DetectedFace]:
    """The photo's faces, each with its quality for recognition."""
    return _client(tenant).detect_with_stream(
        image=image,
        return_face_id=False,
        detection_model=DETECTION_MODEL,
        recognition_model=QUALITY_RECOGNITION_MODEL,
        return_face_attributes=["qualityForRecognition"],
    )


# A face at least this likely to be another person of the group is not enrolled unasked.
LOOKS_LIKE_CONFIDENCE = 0.5


def _enroll_warning(
    *,
    tenant: Tenant,
    kind: CollectionKind,
    collection_id: str,
    person_id: str,
    image: bytes,
    quality: str | None,
) -> str:
    """Why the only face of a photo should be confirmed before it is enrolled; "" if not."""
    warnings = []
    if (quality or "").lower() == "low":
        warnings.append(
            "Its quality for recognition is low (blurred, dark, turned away or small): "
            "it will match poorly."
        )
    if kind in PERSON_KINDS and person_id:
        status = training_status(tenant=tenant, kind=kind, collection_id=collection_id)
        if status is not None and status.status == "succeeded":
            identification = lookup.photo_identify(
                tenant=tenant,
                photo=lookup.photo_from_bytes(data=image),
                settings=lookup.DetectSettings(landmarks=False),
                group_refs=[lookup.GroupRef(kind, collection_id)],
                max_candidates=3,
                confidence_threshold=LOOKS_LIKE_CONFIDENCE,
            )
            others = [
                c
                for face in identification.faces[:1]
                for c in face.candidates
                if c.person_id != person_id
            ]
            if others:
                best = others[0]
                warnings.append(
                    f"This looks like {best.name} ({best.percent} %), another person of this group."
                )
    return " ".join(warnings)


def pending_photo_enroll(
    *, tenant: Tenant, user: Any, pending: PendingPhoto, faces: list[FaceRectangle]
) -> PhotoOutcome:
    """Enroll the picked faces of a pending photo; the photo is dropped once all are in."""
    with pending.image.open("rb") as handle:
        image = handle.read()
    kind = CollectionKind(pending.kind)
    enrolled: list[PersistedFace] = []
    for rectangle in faces:
        try:
            enrolled.append(
                _add_face(
                    tenant=tenant,
                    user=user,
                    kind=kind,
                    collection_id=pending.collection_id,
                    person_id=pending.person_id,
                    image=image,
                    filename=pending.filename,
                    target_face=rectangle,
                    user_data=pending.user_data,
                )
            )
        except FaceApiError as exc:
            return PhotoOutcome(pending.filename, "failed", tuple(enrolled), pending, error=exc)
    pending.delete()
    return PhotoOutcome(pending.filename, "enrolled", tuple(enrolled))


def pending_photo_discard(*, tenant: Tenant, token: str) -> PendingPhoto | None:
    """Drop a photo waiting for a pick, with its file; None when it is not (any more) there."""
    try:
        pending = PendingPhoto.objects.get(tenant=tenant, token=token)
    except (PendingPhoto.DoesNotExist, ValueError, ValidationError):
        return None
    pending.delete()
    return pending


def pending_photos(
    *, tenant: Tenant, kind: CollectionKind, collection_id: str, person_id: str
) -> list[PendingPhoto]:
    return list(
        PendingPhoto.objects.filter(
            tenant=tenant, kind=kind.value, collection_id=collection_id, person_id=person_id
        ).order_by("created_at")
    )
