"""Detect: option parsing, running the recognition core, and the faceId store.

faceIds are rows of `DetectedFace` (descriptor + recognition model + expiry) so that all
worker processes share them; expired rows are purged opportunistically on detect.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.utils import timezone

from faceadmin.engine import errors, recognition, validation
from faceadmin.engine.heavy import heavy_work
from faceadmin.engine.models import (
    Account,
    DetectedFace,
    descriptor_from_bytes,
    descriptor_to_bytes,
)
from faceadmin.engine.recognition import DecodedImage, Face, Rect

# Every attribute name of the v1.0 schema, keyed by its lower-case spelling.
ATTRIBUTE_NAMES = {
    name.lower(): name
    for name in (
        "age", "gender", "headPose", "smile", "facialHair", "glasses", "emotion", "hair",
        "makeup", "occlusion", "accessories", "blur", "exposure", "noise", "mask",
        "qualityForRecognition",
    )
}  # fmt: skip
RETIRED_ATTRIBUTES = frozenset(
    {"emotion", "gender", "age", "smile", "facialHair", "hair", "makeup"}
)
DETECTION_03_ATTRIBUTES = ("headPose", "mask", "qualityForRecognition")
QUALITY_RECOGNITION_MODELS = ("recognition_03", "recognition_04")
MAX_FACES = 100
FACE_ID_TTL_DEFAULT = 86400
PURGE_INTERVAL_SECONDS = 60.0


@dataclass(frozen=True)
class DetectOptions:
    return_face_id: bool
    return_landmarks: bool
    attributes: tuple[str, ...]
    recognition_model: str
    return_recognition_model: bool
    detection_model: str
    face_id_ttl: int


@dataclass(frozen=True)
class DetectedFaceResult:
    face: Face
    rect: Rect  # clipped to the image, as Azure never reports a box past the edge
    face_id: uuid.UUID | None


def _attributes(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return ()
    names: list[str] = []
    for part in raw.split(","):
        token = part.strip()
        if not token:
            continue
        name = ATTRIBUTE_NAMES.get(token.lower())
        if name is None:
            raise errors.bad_argument(
                f"Invalid argument returnFaceAttributes: '{token}' is not a face attribute."
            )
        if name not in names:
            names.append(name)
    return tuple(names)


def detect_options(query: Mapping[str, str]) -> DetectOptions:
    """Validate detect's query string (keys lower-cased), in Azure's order of checks."""
    options = DetectOptions(
        return_face_id=validation.query_bool(query, "returnfaceid", True),
        return_landmarks=validation.query_bool(query, "returnfacelandmarks", False),
        attributes=_attributes(query.get("returnfaceattributes")),
        recognition_model=validation.recognition_model(query.get("recognitionmodel")),
        return_recognition_model=validation.query_bool(query, "returnrecognitionmodel", False),
        detection_model=validation.detection_model(query.get("detectionmodel")),
        face_id_ttl=validation.query_int(
            query, "faceidtimetolive", FACE_ID_TTL_DEFAULT, minimum=60, maximum=86400
        ),
    )
    if options.detection_model == "detection_02" and (
        options.return_landmarks or options.attributes
    ):
        raise errors.bad_argument(
            "Face landmarks and face attributes are not supported by detection_02."
        )
    if options.detection_model == "detection_03" and any(
        a not in DETECTION_03_ATTRIBUTES for a in options.attributes
    ):
        raise errors.bad_argument(
            "Only face attributes 'headpose,mask,qualityforrecognition' are supported by "
            "detection_03."
        )
    for name in options.attributes:
        if name in RETIRED_ATTRIBUTES:
            raise errors.unsupported_feature(
                f"Face attribute '{name}' is retired and not supported by this engine."
            )
        if name not in recognition.SUPPORTED_ATTRIBUTES:
            raise errors.unsupported_feature(
                f"Face attribute '{name}' is not supported by this engine."
            )
    if (
        "qualityForRecognition" in options.attributes
        and options.recognition_model not in QUALITY_RECOGNITION_MODELS
    ):
        raise errors.bad_argument(
            "Attribute 'qualityForRecognition' is supported only with recognition_03 or "
            "recognition_04."
        )
    return options


def decode(data: bytes) -> DecodedImage:
    try:
        return recognition.decode_image(data)
    except recognition.ImageError as exc:
        raise errors.EngineError(400, exc.code, exc.message) from None


def clip(rect: Rect, width: int, height: int) -> Rect:
    left, top = max(rect.left, 0), max(rect.top, 0)
    right = min(rect.left + rect.width, width)
    bottom = min(rect.top + rect.height, height)
    return Rect(left=left, top=top, width=max(right - left, 1), height=max(bottom - top, 1))


def face_detect(
    *, account: Account, image: bytes, options: DetectOptions
) -> list[DetectedFaceResult]:
    with heavy_work():
        decoded = decode(image)
        faces = recognition.detect_faces(
            decoded,
            landmarks=options.return_landmarks,
            descriptors=options.return_face_id,
            attributes=options.attributes,
            max_faces=MAX_FACES,
        )
    face_ids: list[uuid.UUID | None] = [None] * len(faces)
    if options.return_face_id and faces:
        stored = detected_faces_store(
            account=account,
            descriptors=[f.descriptor for f in faces if f.descriptor is not None],
            recognition_model=options.recognition_model,
            ttl_seconds=options.face_id_ttl,
        )
        face_ids = list(stored)
    return [
        DetectedFaceResult(
            face=face, rect=clip(face.rect, decoded.width, decoded.height), face_id=fid
        )
        for face, fid in zip(faces, face_ids, strict=True)
    ]


# --- the faceId store -----------------------------------------------------------------------

_purge_lock = threading.Lock()
_last_purge = 0.0


def _purge_expired() -> None:
    global _last_purge
    now = time.monotonic()
    with _purge_lock:
        if now - _last_purge < PURGE_INTERVAL_SECONDS:
            return
        _last_purge = now
    DetectedFace.objects.filter(expires_at__lte=timezone.now()).delete()


def detected_faces_store(
    *,
    account: Account,
    descriptors: Iterable[np.ndarray],
    recognition_model: str,
    ttl_seconds: int,
) -> list[uuid.UUID]:
    _purge_expired()
    expires_at = timezone.now() + timedelta(seconds=ttl_seconds)
    rows = [
        DetectedFace(
            account=account,
            descriptor=descriptor_to_bytes(d),
            recognition_model=recognition_model,
            expires_at=expires_at,
        )
        for d in descriptors
    ]
    DetectedFace.objects.bulk_create(rows)
    return [row.id for row in rows]


@dataclass(frozen=True)
class QueryFace:
    face_id: uuid.UUID
    descriptor: np.ndarray
    recognition_model: str


def detected_faces_get(
    *, account: Account, face_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, QueryFace]:
    """The live faces for these ids; 400 FaceNotFound if any is unknown or expired."""
    wanted = set(face_ids)
    rows = DetectedFace.objects.filter(
        account=account, id__in=wanted, expires_at__gt=timezone.now()
    )
    found = {
        row.id: QueryFace(row.id, descriptor_from_bytes(row.descriptor), row.recognition_model)
        for row in rows
    }
    if len(found) != len(wanted):
        raise errors.face_not_found()
    return found


# --- one face for enrollment -------------------------------------------------------------


def _iou(a: Rect, b: Rect) -> float:
    left, top = max(a.left, b.left), max(a.top, b.top)
    right = min(a.left + a.width, b.left + b.width)
    bottom = min(a.top + a.height, b.top + b.height)
    inter = max(right - left, 0) * max(bottom - top, 0)
    union = a.width * a.height + b.width * b.height - inter
    return inter / union if union > 0 else 0.0


@dataclass(frozen=True)
class EnrollmentFace:
    rect: Rect
    descriptor: np.ndarray


def enrollment_face(*, image: bytes, target: tuple[int, int, int, int] | None) -> EnrollmentFace:
    """The single face of a photo, or the detected face best overlapping `targetFace`."""
    with heavy_work():
        decoded = decode(image)
        if target is not None:
            left, top, width, height = target
            if left + width > decoded.width or top + height > decoded.height:
                raise errors.bad_argument("Invalid argument targetFace: it lies outside the image.")
            # A target detect returned (the usual case): only its surroundings are scanned.
            descriptor = recognition.face_at(decoded, Rect(*target))
            if descriptor is not None:
                return EnrollmentFace(rect=Rect(*target), descriptor=descriptor)
        # Descriptors come with detection: dlib's own box and shape, computed once per face
        # (describing a clamped box again would repeat the shape prediction and, for a face
        # cut by the image's edge, describe a different box).
        faces = recognition.detect_faces(decoded, descriptors=True, max_faces=MAX_FACES)
    if target is None:
        if not faces:
            raise errors.invalid_image("No face detected in the image.")
        if len(faces) > 1:
            raise errors.invalid_image("There is more than 1 face in the image.")
        chosen = faces[0]
    else:
        wanted = Rect(*target)
        scored = [(iou, face) for face in faces if (iou := _iou(face.rect, wanted)) > 0]
        if not scored:
            raise errors.invalid_image("No face detected in the image.")
        chosen = max(scored, key=lambda pair: pair[0])[1]
    assert chosen.descriptor is not None
    return EnrollmentFace(
        rect=clip(chosen.rect, decoded.width, decoded.height), descriptor=chosen.descriptor
    )
