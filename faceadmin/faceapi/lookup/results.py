"""What a lookup hands the dashboard, whichever provider answered.

Provider-neutral: detected faces with boxes (and attributes where the provider measures
them), identify candidates (an enrolled person of an Azure-compatible collection, or a
stored face of FindFace, with names, confidence and thumbnails), verify verdicts and
find-similar matches. The providers' own records are converted into these, never dressed
up as each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Protocol

from faceadmin.clients.errors import FaceApiError
from faceadmin.clients.types import (
    Collection,
    CollectionKind,
    FaceRectangle,
    HeadPose,
    LevelValue,
    Person,
)
from faceadmin.faceapi.kinds import KIND_SLUGS
from faceadmin.faceapi.lookup.photos import Photo, PhotoError
from faceadmin.faceapi.lookup.recording import ApiCall

__all__ = [
    "DETECTION_MODELS",
    "MAX_FACES_PER_PHOTO",
    "QUALITY_MODELS",
    "RECOGNITION_MODELS",
    "Candidate",
    "DetectSettings",
    "Detection",
    "Enrollment",
    "Face",
    "FaceAttributes",
    "FaceBox",
    "FaceIdentity",
    "GroupRef",
    "Identification",
    "IdentifyQuery",
    "PersonCandidate",
    "Searched",
    "SearchedGallery",
    "SimilarMatch",
    "SimilarSearch",
    "SkippedGroup",
    "Verdict",
    "Verification",
    "iou",
]

MAX_FACES_PER_PHOTO: Final = 100  # detect reports at most this many, largest first
DETECTION_MODELS: Final = ("detection_01", "detection_02", "detection_03")
RECOGNITION_MODELS: Final = ("recognition_01", "recognition_02", "recognition_03", "recognition_04")
QUALITY_MODELS: Final = ("recognition_03", "recognition_04")


# --- detect -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DetectSettings:
    """The models an Azure-compatible detect uses; a provider without models ignores them."""

    detection_model: str = "detection_01"
    recognition_model: str = "recognition_04"
    landmarks: bool = True

    def with_recognition_model(self, model: str) -> DetectSettings:
        return DetectSettings(self.detection_model, model, self.landmarks)

    @property
    def attributes(self) -> tuple[str, ...]:
        """What the dashboard shows, limited to what the detection model can return."""
        quality = ("qualityForRecognition",) if self.recognition_model in QUALITY_MODELS else ()
        if self.detection_model == "detection_01":
            return ("headPose", "blur", "exposure", "noise", *quality)
        if self.detection_model == "detection_03":
            return ("headPose", *quality)
        return ()  # detection_02 returns rectangles only

    @property
    def wants_landmarks(self) -> bool:
        return self.landmarks and self.detection_model != "detection_02"


@dataclass(frozen=True)
class FaceAttributes:
    """What detect measured of a face; None where the provider did not return it."""

    head_pose: HeadPose | None = None
    blur: LevelValue | None = None
    exposure: LevelValue | None = None
    noise: LevelValue | None = None
    quality: str | None = None  # for recognition: "Low", "Medium" or "High"


@dataclass(frozen=True)
class Face:
    """A detected face: its rectangle, and what else the provider gave.

    `face_id` is the provider's handle for follow-up calls of the same lookup (Azure's
    expiring faceId); None when the provider has none."""

    rectangle: FaceRectangle
    face_id: str | None = None
    landmarks: tuple[tuple[float, float], ...] = ()
    attributes: FaceAttributes | None = None  # None: none asked for, or none offered


def iou(a: FaceRectangle, b: FaceRectangle) -> float:
    """Intersection over union of two rectangles: 1 for the same box, 0 for disjoint ones."""
    left, top = max(a.left, b.left), max(a.top, b.top)
    right = min(a.left + a.width, b.left + b.width)
    bottom = min(a.top + a.height, b.top + b.height)
    inter = max(0, right - left) * max(0, bottom - top)
    union = a.width * a.height + b.width * b.height - inter
    return inter / union if union > 0 else 0.0


@dataclass(frozen=True)
class FaceBox:
    """A detected face with its number on the photo (1 = largest)."""

    number: int
    face: Face

    @property
    def rect(self) -> FaceRectangle:
        return self.face.rectangle

    @property
    def target(self) -> str:
        return self.face.rectangle.as_target()

    @property
    def landmark_points(self) -> list[tuple[float, float]]:
        return list(self.face.landmarks)

    @property
    def quality(self) -> str | None:
        return self.face.attributes.quality if self.face.attributes else None


@dataclass(frozen=True)
class Detection:
    photo: Photo
    settings: DetectSettings
    boxes: tuple[FaceBox, ...]
    call: ApiCall | None  # the recorded request, where the provider's calls are recorded
    api_ms: float

    @property
    def truncated(self) -> bool:
        """The provider reports at most 100 faces: smaller ones may be missing."""
        return len(self.boxes) >= MAX_FACES_PER_PHOTO

    @property
    def stroke(self) -> float:
        """Label size in the photo's pixels, so numbers stay readable at any scale."""
        return max(12.0, max(self.photo.width, self.photo.height) / 28)

    @property
    def dot(self) -> float:
        """Landmark radius in the photo's pixels."""
        return max(1.5, max(self.photo.width, self.photo.height) / 400)

    def box_for(self, target: FaceRectangle | None) -> FaceBox | None:
        """The face the operator picked (by rectangle), else the largest one."""
        if not self.boxes:
            return None
        if target is None:
            return self.boxes[0]
        return max(self.boxes, key=lambda b: iou(b.rect, target))


# --- where a lookup searches ------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class GroupRef:
    """A collection named in a form as "Kind:id" (e.g. "PersonGroup:staff")."""

    kind: CollectionKind
    id: str

    @classmethod
    def parse(cls, value: str) -> GroupRef:
        kind, sep, ident = value.partition(":")
        if not sep or not ident:
            raise PhotoError(f"{value!r} does not name a collection.")
        try:
            return cls(CollectionKind.parse(kind), ident)
        except FaceApiError:
            raise PhotoError(f"{value!r} does not name a collection.") from None

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.id}"

    @property
    def slug(self) -> str:
        """The kind as the dashboard's URLs spell it ("persongroups")."""
        return KIND_SLUGS[self.kind]


@dataclass(frozen=True)
class SkippedGroup:
    ref: GroupRef
    name: str
    reason: str


@dataclass(frozen=True)
class IdentifyQuery:
    """What identify searches and how: the lookup form's choices, for any provider.

    `collections` (Azure-compatible: None = every trained person group) or `gallery`
    (FindFace: None = every face); a confidence `threshold` or a named `preset`."""

    settings: DetectSettings = DetectSettings()
    collections: tuple[GroupRef, ...] | None = None
    gallery: str | None = None
    max_candidates: int = 3
    threshold: float | None = None
    preset: str = "medium"


# --- identify ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Candidate:
    """Who a face may be: an enrolled person (`person_id`) or a stored face (`face_id`)."""

    name: str
    confidence: float
    group_name: str  # where it is enrolled: the collection, or the galleries
    thumbnails: tuple[str, ...] = ()
    user_data: str | None = None
    person_id: str = ""  # links to the person's page and offers "enroll to this person"
    face_id: str = ""

    @property
    def percent(self) -> int:
        return round(self.confidence * 100)


@dataclass(frozen=True, kw_only=True)
class PersonCandidate(Candidate):
    """A person of a person group (Azure-compatible providers)."""

    group: GroupRef


class Searched(Protocol):
    """A searched collection or gallery, as the result names it."""

    @property
    def name(self) -> str: ...

    @property
    def id(self) -> str: ...


@dataclass(frozen=True)
class SearchedGallery:
    name: str
    id: str = ""


@dataclass(frozen=True)
class FaceIdentity[C: Candidate]:
    box: FaceBox
    candidates: tuple[C, ...]


@dataclass(frozen=True)
class Identification[C: Candidate, S: Searched]:
    detection: Detection
    faces: tuple[FaceIdentity[C], ...]
    searched: tuple[S, ...]
    skipped: tuple[SkippedGroup, ...]
    api_ms: float
    threshold: str = ""  # the named threshold, where the provider has them

    @property
    def shared_names(self) -> frozenset[str]:
        """Names that more than one searched group carries: those groups show their ids."""
        names = [c.name for c in self.searched]
        return frozenset(name for name in names if names.count(name) > 1)


# --- verify, find similar, enroll -------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    is_identical: bool
    confidence: float


@dataclass(frozen=True)
class Verification:
    first: Detection
    first_box: FaceBox
    result: Verdict
    second: Detection | None = None
    second_box: FaceBox | None = None
    group: Collection | None = None  # compared with an enrolled person of this group
    person: Person | None = None
    api_ms: float = 0.0
    threshold: str = ""  # the named threshold, where the provider has them

    @property
    def percent(self) -> int:
        return round(self.result.confidence * 100)


@dataclass(frozen=True)
class SimilarMatch:
    persisted_face_id: str
    confidence: float
    user_data: str | None = None
    thumbnail_url: str | None = None

    @property
    def percent(self) -> int:
        return round(self.confidence * 100)


@dataclass(frozen=True)
class SimilarSearch:
    detection: Detection
    box: FaceBox
    face_list: Collection
    mode: str
    matches: tuple[SimilarMatch, ...]
    api_ms: float


@dataclass(frozen=True)
class Enrollment:
    person_id: str  # "" where faces are not enrolled to persons (FindFace)
    persisted_face_ids: tuple[str, ...]
    created: bool
    failures: tuple[str, ...] = ()
