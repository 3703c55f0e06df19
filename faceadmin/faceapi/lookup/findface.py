"""Photo lookup for a FindFace tenant: detect, identify (in every face or one gallery) and
verify, with the named thresholds.

Results are the provider-neutral ones (`lookup.results`): numbered boxes, candidates that are
stored faces (`face_id`), verdicts. Faces are matched to the drawn boxes by their rectangles:
identify and verify are sent the detected boxes (`bbox`), which the provider answers under
the same keys.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from faceadmin.clients.findface import DEFAULT_GALLERY
from faceadmin.clients.findface_types import BBox, FaceMatch, Preset
from faceadmin.clients.types import FaceRectangle
from faceadmin.faceapi.connection import findface_client_for as _client
from faceadmin.faceapi.galleries import thumbnail_src
from faceadmin.faceapi.lookup import audit
from faceadmin.faceapi.lookup.photos import Photo, PhotoError
from faceadmin.faceapi.lookup.results import (
    Candidate,
    Detection,
    DetectSettings,
    Face,
    FaceBox,
    FaceIdentity,
    Identification,
    SearchedGallery,
    Verdict,
    Verification,
)
from faceadmin.tenants.models import Tenant
from faceadmin.tenants.services import Actor

__all__ = [
    "GalleryIdentification",
    "photo_detect_faces",
    "photo_identify_in_gallery",
    "photo_verify_faces",
]

GalleryIdentification = Identification[Candidate, SearchedGallery]


def _rect(box: BBox) -> FaceRectangle:
    return FaceRectangle(box.x1, box.y1, box.x2 - box.x1, box.y2 - box.y1)


def _bbox(rect: FaceRectangle) -> BBox:
    return BBox.from_rect(rect.left, rect.top, rect.width, rect.height)


class _Timer:
    """Milliseconds spent waiting for the provider, over several calls."""

    def __init__(self) -> None:
        self.ms = 0.0

    def __call__[T](self, call: Callable[[], T]) -> T:
        started = time.perf_counter()
        try:
            return call()
        finally:
            self.ms += (time.perf_counter() - started) * 1000


def _detect(tenant: Tenant, photo: Photo, timer: _Timer) -> Detection:
    client = _client(tenant)
    found = timer(lambda: client.detect(photo=photo.source))
    boxes = sorted(found.faces, key=lambda f: -(f.bbox.width * f.bbox.height))
    return Detection(
        photo=photo,
        settings=DetectSettings(landmarks=False),
        boxes=tuple(
            FaceBox(number, Face(rectangle=_rect(face.bbox)))
            for number, face in enumerate(boxes, start=1)
        ),
        call=None,
        api_ms=timer.ms,
    )


@audit.audited_lookup("lookup.detect", audit.target_detect, audit.summary_detect)
def photo_detect_faces(*, tenant: Tenant, photo: Photo, user: Actor = None) -> Detection:
    """The faces on a photo, largest first (numbered as drawn)."""
    return _detect(tenant, photo, _Timer())


def _overlap(a: BBox, b: BBox) -> float:
    left, top, right, bottom = max(a.x1, b.x1), max(a.y1, b.y1), min(a.x2, b.x2), min(a.y2, b.y2)
    inter = max(0, right - left) * max(0, bottom - top)
    union = a.width * a.height + b.width * b.height - inter
    return inter / union if union > 0 else 0.0


def _candidate(tenant: Tenant, match: FaceMatch) -> Candidate:
    face = match.face
    return Candidate(
        face_id=str(face.id),
        name=face.meta or f"face {face.id}",
        group_name=", ".join(g for g in face.galleries if g != DEFAULT_GALLERY) or DEFAULT_GALLERY,
        confidence=match.confidence,
        thumbnails=tuple(t for t in [thumbnail_src(tenant, face.thumbnail)] if t),
    )


@audit.audited_lookup("lookup.identify", audit.target_gallery, audit.summary_gallery_identify)
def photo_identify_in_gallery(
    *,
    tenant: Tenant,
    photo: Photo,
    gallery: str | None,
    threshold: Preset,
    n: int = 3,
    user: Actor = None,
) -> GalleryIdentification:
    """Who is on the photo: every face against one gallery (None or `default`: all faces)."""
    timer = _Timer()
    detection = _detect(tenant, photo, timer)
    where = None if gallery in (None, DEFAULT_GALLERY) else gallery
    faces: list[FaceIdentity[Candidate]] = []
    if detection.boxes:
        client = _client(tenant)
        answer = timer(
            lambda: client.identify(
                photo=photo.source,
                gallery=where,
                bbox=[_bbox(box.rect) for box in detection.boxes],
                threshold=threshold,
                n=n,
            )
        )
        for box in detection.boxes:
            drawn = _bbox(box.rect)
            hit = max(answer.faces, key=lambda f: _overlap(f.bbox, drawn), default=None)
            matches = hit.matches if hit is not None and _overlap(hit.bbox, drawn) >= 0.5 else ()
            faces.append(FaceIdentity(box, tuple(_candidate(tenant, m) for m in matches)))
    return Identification(
        detection=detection,
        faces=tuple(faces),
        searched=(SearchedGallery(where or "every face (default)"),),
        skipped=(),
        api_ms=timer.ms,
        threshold=threshold,
    )


@audit.audited_lookup("lookup.verify", audit.target_verify, audit.summary_gallery_verify)
def photo_verify_faces(
    *,
    tenant: Tenant,
    first: Photo,
    second: Photo,
    threshold: Preset,
    first_face: FaceRectangle | None = None,
    second_face: FaceRectangle | None = None,
    user: Actor = None,
) -> Verification:
    """Are the chosen faces (the largest by default) of two photos the same person?"""
    timer = _Timer()
    one = _detect(tenant, first, timer)
    two = _detect(tenant, second, timer)
    box1, box2 = one.box_for(first_face), two.box_for(second_face)
    if box1 is None:
        raise PhotoError(f"No face was found on photo A ({first.filename}).")
    if box2 is None:
        raise PhotoError(f"No face was found on photo B ({second.filename}).")
    client = _client(tenant)
    answer = timer(
        lambda: client.verify(
            photo1=first.source,
            photo2=second.source,
            bbox1=[_bbox(box1.rect)],
            bbox2=[_bbox(box2.rect)],
            threshold=threshold,
        )
    )
    best = answer.best
    if best is None:
        raise PhotoError("The provider compared no faces.")
    verdict = Verdict(bool(best.verified), best.confidence)
    return Verification(one, box1, verdict, two, box2, api_ms=timer.ms, threshold=threshold)
