"""Results of the Azure Face v1.0 API as small frozen dataclasses.

JSON is parsed here and nowhere else. Each `from_json` raises `InvalidResponse` when the
provider's answer does not have the shape the contract promises, so callers never see a
KeyError from a half-understood body.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal, Self

from .errors import InvalidResponse

__all__ = [
    "Collection",
    "CollectionKind",
    "DetectedFace",
    "FaceRectangle",
    "GroupResult",
    "HeadPose",
    "IdentifyCandidate",
    "IdentifyResult",
    "LevelValue",
    "OperationStatus",
    "PersistedFace",
    "Person",
    "Point",
    "SimilarFace",
    "Snapshot",
    "Status",
    "TrainingStatus",
    "VerifyResult",
    "parse_status",
    "parse_timestamp",
]

Status = Literal["notstarted", "running", "succeeded", "failed"]

# The swagger's training enum says "nonstarted", its prose says "notstarted", v1.1 says
# "notStarted": all mean the same.
_STATUS_ALIASES: Mapping[str, Status] = {
    "notstarted": "notstarted",
    "nonstarted": "notstarted",
    "running": "running",
    "succeeded": "succeeded",
    "failed": "failed",
}

_TIMESTAMP = re.compile(
    r"^(?P<base>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2})"
    r"(?:\.(?P<fraction>\d+))?"
    r"(?P<zone>Z|z|[+-]\d{2}:?\d{2})?$"
)


# --- field helpers: each names the field it could not read ---------------------------------


def _invalid(what: str, data: Any) -> InvalidResponse:
    shown = repr(data)
    if len(shown) > 80:
        shown = shown[:80] + "…"
    return InvalidResponse(f"Unexpected {what} in the face API response: {shown}")


def _obj(data: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise _invalid(f"{what} (expected an object)", data)
    return data


def _list(data: Any, what: str) -> Sequence[Any]:
    if not isinstance(data, list):
        raise _invalid(f"{what} (expected an array)", data)
    return data


def _str(d: Mapping[str, Any], key: str) -> str:
    value = d.get(key)
    if not isinstance(value, str):
        raise _invalid(f"'{key}'", value)
    return value


def _opt_str(d: Mapping[str, Any], key: str) -> str | None:
    value = d.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid(f"'{key}'", value)
    return value


def _num(d: Mapping[str, Any], key: str) -> float:
    value = d.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _invalid(f"'{key}'", value)
    return float(value)


def _int(d: Mapping[str, Any], key: str) -> int:
    value = d.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise _invalid(f"'{key}'", value)


def _bool(d: Mapping[str, Any], key: str) -> bool:
    value = d.get(key)
    if not isinstance(value, bool):
        raise _invalid(f"'{key}'", value)
    return value


def _str_tuple(data: Any, what: str) -> tuple[str, ...]:
    items = _list(data, what)
    if not all(isinstance(item, str) for item in items):
        raise _invalid(what, data)
    return tuple(items)


def parse_timestamp(value: str) -> datetime:
    """An aware UTC datetime from Azure's ISO strings ("…27.00Z", "…02.2331413Z")."""
    match = _TIMESTAMP.match(value.strip())
    if match is None:
        raise _invalid("timestamp", value)
    # datetime takes at most microseconds; Azure sends up to 7 fractional digits.
    fraction = (match["fraction"] or "")[:6].ljust(6, "0")
    zone = match["zone"] or "+00:00"
    if zone in ("Z", "z"):
        zone = "+00:00"
    try:
        parsed = datetime.fromisoformat(f"{match['base']}.{fraction}{zone}")
    except ValueError:
        raise _invalid("timestamp", value) from None
    return parsed.astimezone(UTC)


def _dt(d: Mapping[str, Any], key: str) -> datetime:
    return parse_timestamp(_str(d, key))


def _opt_dt(d: Mapping[str, Any], key: str) -> datetime | None:
    value = _opt_str(d, key)
    return parse_timestamp(value) if value else None


def parse_status(value: Any) -> Status:
    """Training / operation status, case-insensitive, with the swagger's spelling variants."""
    status = _STATUS_ALIASES.get(value.lower()) if isinstance(value, str) else None
    if status is None:
        raise _invalid("'status'", value)
    return status


# --- geometry -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FaceRectangle:
    left: int
    top: int
    width: int
    height: int

    @classmethod
    def from_json(cls, data: Any) -> Self:
        d = _obj(data, "faceRectangle")
        return cls(
            left=_int(d, "left"),
            top=_int(d, "top"),
            width=_int(d, "width"),
            height=_int(d, "height"),
        )

    def as_target(self) -> str:
        """The `targetFace` query value: "left,top,width,height"."""
        return f"{self.left},{self.top},{self.width},{self.height}"


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float

    @classmethod
    def from_json(cls, data: Any) -> Self:
        d = _obj(data, "landmark")
        return cls(x=_num(d, "x"), y=_num(d, "y"))


@dataclass(frozen=True, slots=True)
class HeadPose:
    roll: float
    yaw: float
    pitch: float

    @classmethod
    def from_json(cls, data: Any) -> Self:
        d = _obj(data, "headPose")
        return cls(roll=_num(d, "roll"), yaw=_num(d, "yaw"), pitch=_num(d, "pitch"))


@dataclass(frozen=True, slots=True)
class LevelValue:
    """blur / exposure / noise: a level ("Low", "GoodExposure", ...) and a 0..1 value."""

    level: str
    value: float

    @classmethod
    def from_json(cls, data: Any, *, level_key: str) -> Self:
        d = _obj(data, level_key)
        return cls(level=_str(d, level_key), value=_num(d, "value"))


# --- detection ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DetectedFace:
    """One face from detect. Only `rectangle` is always there; the rest depends on the query.

    `attributes` keeps the raw `faceAttributes` object (retired attributes included); the
    properties read the ones the dashboard shows.
    """

    rectangle: FaceRectangle
    face_id: str | None = None
    recognition_model: str | None = None
    landmarks: dict[str, Point] | None = None
    attributes: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Any) -> Self:
        d = _obj(data, "detected face")
        raw_landmarks = d.get("faceLandmarks")
        landmarks = None
        if raw_landmarks is not None:
            landmarks = {
                str(name): Point.from_json(point)
                for name, point in _obj(raw_landmarks, "faceLandmarks").items()
            }
        raw_attributes = d.get("faceAttributes")
        attributes = dict(_obj(raw_attributes, "faceAttributes")) if raw_attributes else {}
        return cls(
            rectangle=FaceRectangle.from_json(d.get("faceRectangle")),
            face_id=_opt_str(d, "faceId"),
            recognition_model=_opt_str(d, "recognitionModel"),
            landmarks=landmarks,
            attributes=attributes,
        )

    @property
    def head_pose(self) -> HeadPose | None:
        raw = self.attributes.get("headPose")
        return HeadPose.from_json(raw) if raw is not None else None

    @property
    def blur(self) -> LevelValue | None:
        return self._level("blur", "blurLevel")

    @property
    def exposure(self) -> LevelValue | None:
        return self._level("exposure", "exposureLevel")

    @property
    def noise(self) -> LevelValue | None:
        return self._level("noise", "noiseLevel")

    @property
    def quality_for_recognition(self) -> str | None:
        """The level "Low", "Medium" or "High" (only with recognition_03 or _04)."""
        return _opt_str(self.attributes, "qualityForRecognition")

    def _level(self, name: str, level_key: str) -> LevelValue | None:
        raw = self.attributes.get(name)
        return LevelValue.from_json(raw, level_key=level_key) if raw is not None else None


# --- collections and their members ----------------------------------------------------------


class CollectionKind(StrEnum):
    """The four kinds of collection; the values are the snapshot `type` spellings."""

    PERSON_GROUP = "PersonGroup"
    LARGE_PERSON_GROUP = "LargePersonGroup"
    FACE_LIST = "FaceList"
    LARGE_FACE_LIST = "LargeFaceList"

    @property
    def id_field(self) -> str:
        """The JSON property holding the collection's id, e.g. "personGroupId"."""
        return self.value[0].lower() + self.value[1:] + "Id"

    @classmethod
    def parse(cls, value: Any) -> CollectionKind:
        if isinstance(value, str):
            for kind in cls:
                if kind.value.lower() == value.lower():
                    return kind
        raise _invalid("collection type", value)


@dataclass(frozen=True, slots=True)
class PersistedFace:
    persisted_face_id: str
    user_data: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Self:
        d = _obj(data, "persisted face")
        return cls(persisted_face_id=_str(d, "persistedFaceId"), user_data=_opt_str(d, "userData"))


@dataclass(frozen=True, slots=True)
class Collection:
    """A person group, large person group, face list or large face list.

    `recognition_model` is only there when asked for (`return_recognition_model=True`);
    `persisted_faces` only from a face-list GET (None elsewhere).
    """

    kind: CollectionKind
    id: str
    name: str
    user_data: str | None = None
    recognition_model: str | None = None
    persisted_faces: tuple[PersistedFace, ...] | None = None

    @classmethod
    def from_json(cls, data: Any, *, kind: CollectionKind | None = None) -> Self:
        d = _obj(data, "collection")
        if kind is None:
            kind = next((k for k in CollectionKind if k.id_field in d), None)
            if kind is None:
                raise _invalid("collection (no id field)", data)
        raw_faces = d.get("persistedFaces")
        faces = None
        if raw_faces is not None:
            faces = tuple(PersistedFace.from_json(f) for f in _list(raw_faces, "persistedFaces"))
        return cls(
            kind=kind,
            id=_str(d, kind.id_field),
            name=_str(d, "name"),
            user_data=_opt_str(d, "userData"),
            recognition_model=_opt_str(d, "recognitionModel"),
            persisted_faces=faces,
        )


@dataclass(frozen=True, slots=True)
class Person:
    person_id: str
    name: str
    user_data: str | None = None
    persisted_face_ids: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Any) -> Self:
        d = _obj(data, "person")
        raw_faces = d.get("persistedFaceIds")
        return cls(
            person_id=_str(d, "personId"),
            # Person create does not require a name, so an old person may have none.
            name=_opt_str(d, "name") or "",
            user_data=_opt_str(d, "userData"),
            persisted_face_ids=(
                _str_tuple(raw_faces, "persistedFaceIds") if raw_faces is not None else ()
            ),
        )


@dataclass(frozen=True, slots=True)
class TrainingStatus:
    status: Status
    created: datetime
    last_action: datetime | None = None
    last_successful_training: datetime | None = None
    message: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Self:
        d = _obj(data, "training status")
        return cls(
            status=parse_status(d.get("status")),
            created=_dt(d, "createdDateTime"),
            last_action=_opt_dt(d, "lastActionDateTime"),
            last_successful_training=_opt_dt(d, "lastSuccessfulTrainingDateTime"),
            message=_opt_str(d, "message"),
        )

    @property
    def is_finished(self) -> bool:
        return self.status in ("succeeded", "failed")


# --- matching -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SimilarFace:
    """A find-similar hit: `face_id` when searching faceIds, else `persisted_face_id`."""

    confidence: float
    face_id: str | None = None
    persisted_face_id: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Self:
        d = _obj(data, "similar face")
        face_id = _opt_str(d, "faceId")
        persisted_face_id = _opt_str(d, "persistedFaceId")
        if face_id is None and persisted_face_id is None:
            raise _invalid("similar face (no faceId or persistedFaceId)", data)
        return cls(
            confidence=_num(d, "confidence"),
            face_id=face_id,
            persisted_face_id=persisted_face_id,
        )


@dataclass(frozen=True, slots=True)
class IdentifyCandidate:
    person_id: str
    confidence: float

    @classmethod
    def from_json(cls, data: Any) -> Self:
        d = _obj(data, "candidate")
        return cls(person_id=_str(d, "personId"), confidence=_num(d, "confidence"))


@dataclass(frozen=True, slots=True)
class IdentifyResult:
    face_id: str
    candidates: tuple[IdentifyCandidate, ...] = ()

    @classmethod
    def from_json(cls, data: Any) -> Self:
        d = _obj(data, "identify result")
        return cls(
            face_id=_str(d, "faceId"),
            candidates=tuple(
                IdentifyCandidate.from_json(c) for c in _list(d.get("candidates", []), "candidates")
            ),
        )


@dataclass(frozen=True, slots=True)
class VerifyResult:
    is_identical: bool
    confidence: float

    @classmethod
    def from_json(cls, data: Any) -> Self:
        d = _obj(data, "verify result")
        return cls(is_identical=_bool(d, "isIdentical"), confidence=_num(d, "confidence"))


@dataclass(frozen=True, slots=True)
class GroupResult:
    groups: tuple[tuple[str, ...], ...]
    messy_group: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Any) -> Self:
        d = _obj(data, "group result")
        messy = d.get("messyGroup")  # omitted when empty
        return cls(
            groups=tuple(_str_tuple(g, "group") for g in _list(d.get("groups"), "groups")),
            messy_group=_str_tuple(messy, "messyGroup") if messy is not None else (),
        )


# --- snapshots ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Snapshot:
    id: str
    account: str
    type: CollectionKind
    apply_scope: tuple[str, ...]
    created_time: datetime
    last_update_time: datetime | None = None
    user_data: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Self:
        d = _obj(data, "snapshot")
        return cls(
            id=_str(d, "id"),
            account=_str(d, "account"),
            type=CollectionKind.parse(d.get("type")),
            apply_scope=_str_tuple(d.get("applyScope", []), "applyScope"),
            created_time=_dt(d, "createdTime"),
            last_update_time=_opt_dt(d, "lastUpdateTime"),
            user_data=_opt_str(d, "userData"),
        )


@dataclass(frozen=True, slots=True)
class OperationStatus:
    """Progress of a snapshot take/apply. `resource_location` is set once it succeeded."""

    status: Status
    created_time: datetime
    last_action_time: datetime | None = None
    resource_location: str | None = None
    message: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Self:
        d = _obj(data, "operation status")
        return cls(
            status=parse_status(d.get("status")),
            created_time=_dt(d, "createdTime"),
            last_action_time=_opt_dt(d, "lastActionTime"),
            resource_location=_opt_str(d, "resourceLocation"),
            message=_opt_str(d, "message"),
        )

    @property
    def is_finished(self) -> bool:
        return self.status in ("succeeded", "failed")
