"""Detect on an Azure-compatible provider, and the helpers every later call of a lookup shares.

Face ids expire (24 h by default, less when a provider is configured so): every call that
takes face ids re-detects once and retries when the provider answers `FaceNotFound`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from faceadmin.clients.errors import FaceNotFound
from faceadmin.clients.types import DetectedFace, FaceRectangle
from faceadmin.faceapi.lookup import audit
from faceadmin.faceapi.lookup.photos import Photo, PhotoError
from faceadmin.faceapi.lookup.recording import AzureSession
from faceadmin.faceapi.lookup.results import (
    Detection,
    DetectSettings,
    Face,
    FaceAttributes,
    FaceBox,
    iou,
)
from faceadmin.tenants.models import Tenant
from faceadmin.tenants.services import Actor

__all__ = [
    "azure_detect",
    "face_of",
    "matching_face_id",
    "need_face",
    "photo_detect",
    "retry_expired",
]


def face_of(detected: DetectedFace) -> Face:
    """An Azure detected face as a provider-neutral `Face`."""
    attributes = None
    if detected.attributes:
        attributes = FaceAttributes(
            head_pose=detected.head_pose,
            blur=detected.blur,
            exposure=detected.exposure,
            noise=detected.noise,
            quality=detected.quality_for_recognition,
        )
    return Face(
        rectangle=detected.rectangle,
        face_id=detected.face_id,
        landmarks=tuple((p.x, p.y) for p in (detected.landmarks or {}).values()),
        attributes=attributes,
    )


def azure_detect(session: AzureSession, photo: Photo, settings: DetectSettings) -> Detection:
    started = len(session.recorder.calls)
    options: dict[str, Any] = {
        "return_face_id": True,
        "return_face_landmarks": settings.wants_landmarks,
        "return_face_attributes": settings.attributes or None,
        "recognition_model": settings.recognition_model,
        "detection_model": settings.detection_model,
    }
    if photo.data is not None:
        faces = session.client.detect_with_stream(image=photo.data, **options)
    else:
        faces = session.client.detect_with_url(url=photo.url or "", **options)
    calls = session.recorder.calls[started:]
    return Detection(
        photo=photo,
        settings=settings,
        boxes=tuple(FaceBox(n, face_of(face)) for n, face in enumerate(faces, start=1)),
        call=calls[-1] if calls else None,
        api_ms=sum(c.elapsed_ms for c in calls),
    )


@audit.audited_lookup("lookup.detect", audit.target_detect, audit.summary_detect)
def photo_detect(
    *, tenant: Tenant, photo: Photo, settings: DetectSettings, user: Actor = None
) -> Detection:
    """Detect every face on a photo, with landmarks and the attributes the model offers."""
    return azure_detect(AzureSession(tenant), photo, settings)


def matching_face_id(detection: Detection, rect: FaceRectangle) -> str | None:
    """The face id, in another detection of the same photo, of the face at `rect`."""
    box = max(detection.boxes, key=lambda b: iou(b.rect, rect), default=None)
    if box is None or iou(box.rect, rect) < 0.5:
        return None
    return box.face.face_id


def retry_expired[T](call: Callable[[], T], redetect: Callable[[], object]) -> T:
    """Run `call`; if the provider forgot a face id, detect again and run it once more."""
    try:
        return call()
    except FaceNotFound:
        redetect()
        return call()


def need_face(detection: Detection, which: str) -> None:
    if not detection.boxes:
        raise PhotoError(f"No face was found on {which} ({detection.photo.filename}).")
