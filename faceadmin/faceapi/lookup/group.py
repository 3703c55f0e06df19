"""Group in one request (Azure-compatible providers): the faces of up to 100 photos by likeness.

The dashboard groups in a job (`faceapi.grouping`), which shares the crops (`lookup.crops`);
this in-request form is kept for the services' callers and its tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from faceadmin.clients.errors import BadRequestError
from faceadmin.clients.types import GroupResult
from faceadmin.faceapi.lookup import audit
from faceadmin.faceapi.lookup.crops import MAX_CLUSTER_ENROLL, ClusterFace, cut_faces
from faceadmin.faceapi.lookup.detect import face_of, retry_expired
from faceadmin.faceapi.lookup.photos import Photo, PhotoError
from faceadmin.faceapi.lookup.recording import AzureSession
from faceadmin.faceapi.lookup.results import Detection, DetectSettings, FaceBox
from faceadmin.tenants.models import Tenant
from faceadmin.tenants.services import Actor

__all__ = ["MAX_GROUP_FACES", "MAX_GROUP_PHOTOS", "Cluster", "Grouping", "photo_group"]

MAX_GROUP_PHOTOS: Final = 100
MAX_GROUP_FACES: Final = 1000  # group takes 2..1000 faceIds


@dataclass(frozen=True)
class Cluster:
    number: int
    faces: tuple[ClusterFace, ...]
    messy: bool = False

    @property
    def enroll_faces(self) -> tuple[ClusterFace, ...]:
        """The faces "create a person from this cluster" sends (the largest cluster's
        first MAX_CLUSTER_ENROLL); more can be added on the person's page later."""
        return self.faces[:MAX_CLUSTER_ENROLL]


@dataclass(frozen=True)
class Grouping:
    clusters: tuple[Cluster, ...]
    messy: Cluster | None
    photos: int
    faces: int
    without_faces: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]
    api_ms: float


def _detect_rectangles(session: AzureSession, photo: Photo, settings: DetectSettings) -> Detection:
    faces = session.client.detect_with_stream(
        image=photo.data or b"",
        return_face_id=True,
        recognition_model=settings.recognition_model,
        detection_model=settings.detection_model,
    )
    boxes = tuple(FaceBox(n, face_of(face)) for n, face in enumerate(faces, start=1))
    return Detection(photo, settings, boxes, None, 0.0)


class _Batch:
    """The faces of all photos, detected (again, when the provider forgot the face ids)."""

    def __init__(
        self, session: AzureSession, photos: Sequence[Photo], settings: DetectSettings
    ) -> None:
        self.session, self.photos = session, photos
        self.settings = DetectSettings(
            settings.detection_model, settings.recognition_model, landmarks=False
        )
        self.detections: dict[int, Detection] = {}
        self.without: list[str] = []
        self.failed: list[tuple[str, str]] = []
        self.detect_all()

    def detect_all(self) -> None:
        self.detections.clear()
        self.without.clear()
        self.failed.clear()
        for index, photo in enumerate(self.photos):
            try:
                detection = _detect_rectangles(self.session, photo, self.settings)
            except BadRequestError as exc:  # this photo only: InvalidImage, too small...
                self.failed.append((photo.filename, exc.message))
                continue
            if detection.boxes:
                self.detections[index] = detection
            else:
                self.without.append(photo.filename)

    def index(self) -> dict[str, tuple[int, FaceBox]]:
        return {
            box.face.face_id: (i, box)
            for i, d in self.detections.items()
            for box in d.boxes
            if box.face.face_id
        }


def _check_counts(photos: Sequence[Photo], batch: _Batch | None = None) -> None:
    if batch is None:
        if len(photos) > MAX_GROUP_PHOTOS:
            raise PhotoError(
                f"Group at most {MAX_GROUP_PHOTOS} photos at once ({len(photos)} sent)."
            )
        if not photos:
            raise PhotoError("Choose the photos to group.")
        return
    count = sum(len(d.boxes) for d in batch.detections.values())
    if count < 2:
        raise PhotoError(f"Grouping needs at least two faces; these photos have {count}.")
    if count > MAX_GROUP_FACES:
        raise PhotoError(
            f"These photos have {count} faces; grouping takes at most {MAX_GROUP_FACES}. "
            "Send fewer photos at once."
        )


@audit.audited_lookup("lookup.group", audit.target_group, audit.summary_group)
def photo_group(
    *, tenant: Tenant, photos: Sequence[Photo], settings: DetectSettings, user: Actor = None
) -> Grouping:
    """Detect every face on up to 100 photos and group them by likeness.

    Thumbnails and enrollment crops are cut here from the photos in memory; the photos
    themselves are dropped when the request ends.
    """
    _check_counts(photos)
    session = AzureSession(tenant)
    batch = _Batch(session, photos, settings)
    _check_counts(photos, batch)

    def call() -> GroupResult:
        return session.client.group(face_ids=list(batch.index()))

    result = retry_expired(call, batch.detect_all)
    where = batch.index()
    crops = cut_faces(photos, where)

    def cluster(number: int, ids: Iterable[str], messy: bool = False) -> Cluster:
        return Cluster(number, tuple(crops[i] for i in ids if i in crops), messy)

    clusters = tuple(cluster(n, ids) for n, ids in enumerate(result.groups, start=1))
    messy = cluster(0, result.messy_group, messy=True) if result.messy_group else None
    return Grouping(
        clusters=clusters,
        messy=messy,
        photos=len(photos),
        faces=len(where),
        without_faces=tuple(batch.without),
        failed=tuple(batch.failed),
        api_ms=session.api_ms,
    )
