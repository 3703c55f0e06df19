"""Photo lookup for a FindFace tenant: detect, identify (in every face or one gallery) and
verify, with the named thresholds.

Results have the shapes the lookup pages already draw (`lookup.Detection` with numbered
`FaceBox`es for the overlay; identities with candidates; a verdict), so the same templates
render both providers. Faces are matched to the drawn boxes by their rectangles: identify and
verify are sent the detected boxes (`bbox`), which the provider answers under the same keys.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from faceadmin.clients.findface import DEFAULT_GALLERY
from faceadmin.clients.findface_types import BBox, Preset
from faceadmin.clients.types import DetectedFace, FaceRectangle
from faceadmin.faceapi import lookup_audit as audit
from faceadmin.faceapi.connection import findface_client_for as _client
from faceadmin.faceapi.galleries import thumbnail_src
from faceadmin.faceapi.lookup import Detection, DetectSettings, FaceBox, Photo, PhotoError
from faceadmin.tenants.models import Tenant
from faceadmin.tenants.services import Actor

__all__ = [
    "GalleryCandidate",
    "GalleryIdentification",
    "GalleryIdentity",
    "GalleryVerification",
    "photo_detect_faces",
    "photo_identify_in_gallery",
    "photo_verify_faces",
]


def _rect(box: BBox) -> FaceRectangle:
    return FaceRectangle(box.x1, box.y1, box.x2 - box.x1, box.y2 - box.y1)


def _bbox(rect: FaceRectangle) -> BBox:
    return BBox.from_rect(rect.left, rect.top, rect.width, rect.height)


def _source(photo: Photo) -> str | bytes:
    return photo.data if photo.data is not None else (photo.url or "")


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
    found = timer(lambda: client.detect(photo=_source(photo)))
    boxes = sorted(found.faces, key=lambda f: -(f.bbox.width * f.bbox.height))
    return Detection(
        photo=photo,
        settings=DetectSettings(landmarks=False),
        boxes=tuple(
            FaceBox(number, DetectedFace(rectangle=_rect(face.bbox)))
            for number, face in enumerate(boxes, start=1)
        ),
        call=None,
        api_ms=timer.ms,
    )


@audit.audited_lookup("lookup.detect", audit.target_detect, audit.summary_detect)
def photo_detect_faces(*, tenant: Tenant, photo: Photo, user: Actor = None) -> Detection:
    """The faces on a photo, largest first (numbered as drawn)."""
    return _detect(tenant, photo, _Timer())


@dataclass(frozen=True)
class GalleryCandidate:
    """A stored face that matches, in the attributes the lookup page shows for a person."""

    face_id: int
    name: str
    group_name: str
    confidence: float
    thumbnails: tuple[str, ...]
    user_data: str | None = None
    person_id: str = ""  # Azure's enroll-to-this-person button does not apply

    @property
    def percent(self) -> int:
        return round(self.confidence * 100)


@dataclass(frozen=True)
class GalleryIdentity:
    box: FaceBox
    candidates: tuple[GalleryCandidate, ...]


@dataclass(frozen=True)
class _Searched:
    name: str


@dataclass(frozen=True)
class GalleryIdentification:
    detection: Detection
    faces: tuple[GalleryIdentity, ...]
    searched: tuple[_Searched, ...]
    threshold: str
    api_ms: float
    skipped: tuple[Any, ...] = ()


def _overlap(a: BBox, b: BBox) -> float:
    left, top, right, bottom = max(a.x1, b.x1), max(a.y1, b.y1), min(a.x2, b.x2), min(a.y2, b.y2)
    inter = max(0, right - left) * max(0, bottom - top)
    union = a.width * a.height + b.width * b.height - inter
    return inter / union if union > 0 else 0.0


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
    faces: list[GalleryIdentity] = []
    if detection.boxes:
        client = _client(tenant)
        answer = timer(
            lambda: client.identify(
                photo=_source(photo),
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
            candidates = tuple(
                GalleryCandidate(
                    face_id=m.face.id,
                    name=m.face.meta or f"face {m.face.id}",
                    group_name=", ".join(g for g in m.face.galleries if g != DEFAULT_GALLERY)
                    or DEFAULT_GALLERY,
                    confidence=m.confidence,
                    thumbnails=tuple(t for t in [thumbnail_src(tenant, m.face.thumbnail)] if t),
                )
                for m in matches
            )
            faces.append(GalleryIdentity(box, candidates))
    return GalleryIdentification(
        detection=detection,
        faces=tuple(faces),
        searched=(_Searched(where or "every face (default)"),),
        threshold=threshold,
        api_ms=timer.ms,
    )


@dataclass(frozen=True)
class _Verdict:
    is_identical: bool
    confidence: float


@dataclass(frozen=True)
class GalleryVerification:
    """Two photos' chosen faces compared (the attributes the verify page shows)."""

    first: Detection
    first_box: FaceBox
    second: Detection
    second_box: FaceBox
    result: _Verdict
    threshold: str
    api_ms: float
    person: None = None
    group: None = None

    @property
    def percent(self) -> int:
        return round(self.result.confidence * 100)


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
) -> GalleryVerification:
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
            photo1=_source(first),
            photo2=_source(second),
            bbox1=[_bbox(box1.rect)],
            bbox2=[_bbox(box2.rect)],
            threshold=threshold,
        )
    )
    best = answer.best
    if best is None:
        raise PhotoError("The provider compared no faces.")
    verdict = _Verdict(bool(best.verified), best.confidence)
    return GalleryVerification(one, box1, two, box2, verdict, threshold, timer.ms)
