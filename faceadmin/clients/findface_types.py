"""Results of the FindFace Cloud API (v0 / v1) as small frozen dataclasses.

JSON is parsed here and nowhere else; a body without the promised shape raises
`InvalidResponse`. Following the contract (section 2.1), every face field but `id` is
optional, ids stay Python ints (some exceed 2^53) and unknown fields are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Self
from urllib.parse import parse_qs, urlsplit

from .errors import InvalidResponse

__all__ = [
    "PRESET_THRESHOLDS",
    "BBox",
    "DetectedBox",
    "Detection",
    "Face",
    "FaceMatch",
    "FacePage",
    "Identification",
    "IdentifiedFace",
    "MetaEntry",
    "MfSelector",
    "Preset",
    "Threshold",
    "Verification",
    "VerifiedPair",
]

Preset = Literal["strict", "medium", "low", "none"]
Threshold = Preset | float
MfSelector = Literal["biggest", "all", "reject"]

# Named thresholds and their confidences (contract 2.2).
PRESET_THRESHOLDS: Mapping[str, float] = {
    "strict": 0.7834,
    "medium": 0.6616,
    "low": 0.5690,
    "none": 0.0,
}

_BOX_KEY = re.compile(r"^\[\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(-?\d+)\s*\]$")


def _invalid(what: str, data: Any) -> InvalidResponse:
    shown = repr(data)
    if len(shown) > 80:
        shown = shown[:80] + "…"
    return InvalidResponse(f"Unexpected {what} in the FindFace response: {shown}")


def _obj(data: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise _invalid(f"{what} (expected an object)", data)
    return data


def _list(data: Any, what: str) -> Sequence[Any]:
    if not isinstance(data, list):
        raise _invalid(f"{what} (expected an array)", data)
    return data


def _int(value: Any, what: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    raise _invalid(what, value)


def _num(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _invalid(what, value)
    return float(value)


def _opt_str(d: Mapping[str, Any], key: str) -> str | None:
    value = d.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid(f"'{key}'", value)
    return value


def _str_tuple(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    items = _list(value, what)
    if not all(isinstance(item, str) for item in items):
        raise _invalid(what, value)
    return tuple(items)


def parse_findface_timestamp(value: str) -> datetime | None:
    """`2016-06-13T11:06:42.075754` (no zone; read as UTC by convention). None if unreadable."""
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass(frozen=True, slots=True, order=True)
class BBox:
    """A face box: (x1, y1) top-left, (x2, y2) bottom-right, in the photo's pixels."""

    x1: int
    y1: int
    x2: int
    y2: int

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """A `{"x1",...}` object or an `[x1, y1, x2, y2]` list."""
        if isinstance(data, list) and len(data) == 4:
            return cls(*(_int(v, "bbox coordinate") for v in data))
        d = _obj(data, "bbox")
        return cls(
            x1=_int(d.get("x1"), "'x1'"),
            y1=_int(d.get("y1"), "'y1'"),
            x2=_int(d.get("x2"), "'x2'"),
            y2=_int(d.get("y2"), "'y2'"),
        )

    @classmethod
    def from_key(cls, key: str) -> Self:
        """The identify result key `"[x1, y1, x2, y2]"`."""
        match = _BOX_KEY.match(key.strip())
        if match is None:
            raise _invalid("identify result key", key)
        return cls(*(int(group) for group in match.groups()))

    @classmethod
    def from_rect(cls, left: int, top: int, width: int, height: int) -> Self:
        return cls(left, top, left + width, top + height)

    def as_json(self) -> dict[str, int]:
        return {"x1": self.x1, "y1": self.y1, "x2": self.x2, "y2": self.y2}

    def as_key(self) -> str:
        return f"[{self.x1}, {self.y1}, {self.x2}, {self.y2}]"

    @property
    def width(self) -> int:
        return self.x2 - self.x1

    @property
    def height(self) -> int:
        return self.y2 - self.y1


def _face_box(d: Mapping[str, Any]) -> BBox | None:
    if all(key in d for key in ("x1", "y1", "x2", "y2")):
        return BBox.from_json(d)
    return None


@dataclass(frozen=True, slots=True)
class Face:
    """A stored face. `timestamp` is naive (the API sends no zone)."""

    id: int
    meta: str = ""
    galleries: tuple[str, ...] = ()
    bbox: BBox | None = None
    photo: str | None = None
    photo_hash: str | None = None
    thumbnail: str | None = None
    timestamp: datetime | None = None
    age: float | None = None
    gender: str | None = None
    emotions: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Any) -> Self:
        d = _obj(data, "face")
        raw_time = _opt_str(d, "timestamp")
        raw_age = d.get("age")
        return cls(
            id=_int(d.get("id"), "face 'id'"),
            meta=_opt_str(d, "meta") or "",
            galleries=_str_tuple(d.get("galleries"), "'galleries'"),
            bbox=_face_box(d),
            photo=_opt_str(d, "photo"),
            photo_hash=_opt_str(d, "photo_hash"),
            thumbnail=_opt_str(d, "thumbnail"),
            timestamp=parse_findface_timestamp(raw_time) if raw_time else None,
            age=_num(raw_age, "'age'") if raw_age is not None else None,
            gender=_opt_str(d, "gender"),
            emotions=_str_tuple(d.get("emotions"), "'emotions'"),
        )

    @classmethod
    def from_get(cls, data: Any) -> Self:
        """GET /faces/id/{id}/: a bare object (v0, SRV) or a one-element array (Go v1)."""
        if isinstance(data, list):
            if len(data) != 1:
                raise _invalid("face (expected one)", data)
            data = data[0]
        return cls.from_json(data)


@dataclass(frozen=True, slots=True)
class DetectedBox:
    """A face found by /detect/; attributes only when asked for (v1)."""

    bbox: BBox
    age: float | None = None
    gender: str | None = None
    emotions: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Any) -> Self:
        d = _obj(data, "detected face")
        raw_age = d.get("age")
        return cls(
            bbox=BBox.from_json(d),
            age=_num(raw_age, "'age'") if raw_age is not None else None,
            gender=_opt_str(d, "gender"),
            emotions=_str_tuple(d.get("emotions"), "'emotions'"),
        )


@dataclass(frozen=True, slots=True)
class Detection:
    faces: tuple[DetectedBox, ...]
    orientation: int | None = None

    @classmethod
    def from_json(cls, data: Any) -> Self:
        d = _obj(data, "detect answer")
        raw_orientation = d.get("orientation")
        return cls(
            faces=tuple(DetectedBox.from_json(f) for f in _list(d.get("faces", []), "'faces'")),
            orientation=_int(raw_orientation, "'orientation'")
            if raw_orientation is not None
            else None,
        )


@dataclass(frozen=True, slots=True)
class VerifiedPair:
    bbox1: BBox
    bbox2: BBox
    confidence: float
    verified: bool | None  # None with threshold "none"

    @classmethod
    def from_json(cls, data: Any) -> Self:
        d = _obj(data, "verify result")
        verified = d.get("verified")
        if verified is not None and not isinstance(verified, bool):
            raise _invalid("'verified'", verified)
        return cls(
            bbox1=BBox.from_json(d.get("bbox1")),
            bbox2=BBox.from_json(d.get("bbox2")),
            confidence=_num(d.get("confidence"), "'confidence'"),
            verified=verified,
        )


@dataclass(frozen=True, slots=True)
class Verification:
    results: tuple[VerifiedPair, ...]
    verified: bool | None

    @classmethod
    def from_json(cls, data: Any) -> Self:
        d = _obj(data, "verify answer")
        verified = d.get("verified")
        if verified is not None and not isinstance(verified, bool):
            raise _invalid("'verified'", verified)
        return cls(
            results=tuple(VerifiedPair.from_json(r) for r in _list(d.get("results"), "results")),
            verified=verified,
        )

    @property
    def best(self) -> VerifiedPair | None:
        return max(self.results, key=lambda pair: pair.confidence, default=None)


@dataclass(frozen=True, slots=True)
class FaceMatch:
    confidence: float
    face: Face

    @classmethod
    def from_json(cls, data: Any) -> Self:
        d = _obj(data, "identify match")
        return cls(
            confidence=_num(d.get("confidence"), "'confidence'"),
            face=Face.from_json(d.get("face")),
        )


@dataclass(frozen=True, slots=True)
class IdentifiedFace:
    bbox: BBox
    matches: tuple[FaceMatch, ...]


@dataclass(frozen=True, slots=True)
class Identification:
    """Per query face (its box), the matches above the threshold, best first."""

    faces: tuple[IdentifiedFace, ...]

    @classmethod
    def from_json(cls, data: Any) -> Self:
        d = _obj(data, "identify answer")
        results = _obj(d.get("results", {}), "'results'")
        faces = tuple(
            IdentifiedFace(
                bbox=BBox.from_key(str(key)),
                matches=tuple(
                    sorted(
                        (FaceMatch.from_json(m) for m in _list(matches or [], "matches")),
                        key=lambda m: -m.confidence,
                    )
                ),
            )
            for key, matches in results.items()
        )
        return cls(faces=faces)


@dataclass(frozen=True, slots=True)
class FacePage:
    """One page of a face listing, newest first, with the links to its neighbours."""

    faces: tuple[Face, ...]
    next_page: str | None = None
    prev_page: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Self:
        d = _obj(data, "face list")
        return cls(
            faces=tuple(Face.from_json(f) for f in _list(d.get("results", []), "results")),
            next_page=_opt_str(d, "next_page") or None,
            prev_page=_opt_str(d, "prev_page") or None,
        )

    @property
    def next_max_id(self) -> int | None:
        """The `max_id` of the next (older) page, read from its link."""
        return _link_param(self.next_page, "max_id")

    @property
    def prev_min_id(self) -> int | None:
        """The `min_id` of the previous (newer) page, read from its link."""
        return _link_param(self.prev_page, "min_id")


def _link_param(link: str | None, name: str) -> int | None:
    if not link:
        return None
    values = parse_qs(urlsplit(link).query).get(name)
    if not values:
        return None
    try:
        return int(values[0])
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class MetaEntry:
    """One distinct meta string: how many faces carry it, and one of them."""

    meta: str
    count: int
    face: Face | None

    @classmethod
    def from_json(cls, data: Any) -> Self:
        d = _obj(data, "meta entry")
        raw_face = d.get("face")
        return cls(
            meta=_opt_str(d, "meta") or "",
            count=_int(d.get("count", 0), "'count'"),
            face=Face.from_json(raw_face) if raw_face is not None else None,
        )
