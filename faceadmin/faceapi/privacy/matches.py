"""What an erasure search finds: one match per place the person is held, and the search."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from django.core import signing

from faceadmin.clients.findface import DEFAULT_GALLERY
from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi.kinds import KIND_LABELS

GALLERY: Final = "gallery"  # the kind of a FindFace match
_SIGNING_SALT: Final = "faceadmin.privacy.erase"


@dataclass(frozen=True)
class ErasureMatch:
    """One place where the person on the photo was found.

    `kind` is a `CollectionKind` value or "gallery"; persons of (large) person groups have a
    `person_id`, faces of face lists a `face_id` (persistedFaceId), FindFace faces a numeric
    `face_id`. `label` (name, userData or meta) and `thumbnails` are shown on the page only;
    they never reach the job or the receipt."""

    kind: str
    collection_id: str
    collection_name: str
    person_id: str
    face_id: str
    confidence: float
    label: str = field(default="", compare=False)
    thumbnails: tuple[str, ...] = field(default=(), compare=False)

    @property
    def key(self) -> str:
        return ":".join((self.kind, self.collection_id, self.person_id or self.face_id))

    @property
    def where(self) -> str:
        if self.kind == GALLERY:
            return f"FindFace gallery {self.collection_name or DEFAULT_GALLERY}"
        return f"{KIND_LABELS[CollectionKind(self.kind)]} {self.collection_name}"

    @property
    def what(self) -> str:
        return f"person {self.person_id}" if self.person_id else f"face {self.face_id}"

    @property
    def percent(self) -> int:
        return round(self.confidence * 100)

    def receipt_entry(self) -> dict[str, Any]:
        """What a receipt keeps about a match: where, which id, how sure (no names)."""
        entry: dict[str, Any] = {
            "kind": self.kind,
            "collection": self.collection_id,
            "confidence": round(self.confidence, 4),
        }
        entry["person" if self.person_id else "face"] = self.person_id or self.face_id
        return entry

    @classmethod
    def from_entry(cls, entry: Mapping[str, Any], collection_name: str = "") -> ErasureMatch:
        return cls(
            kind=str(entry["kind"]),
            collection_id=str(entry["collection"]),
            collection_name=collection_name or str(entry["collection"]),
            person_id=str(entry.get("person", "")),
            face_id=str(entry.get("face", "")),
            confidence=float(entry["confidence"]),
        )


@dataclass(frozen=True)
class ErasureSearch:
    matches: tuple[ErasureMatch, ...]
    searched: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...]  # (where, why it could not be searched)
    faces_on_photo: int
    tenant_id: int = 0

    @property
    def token(self) -> str:
        """The search's findings, signed: what the erase form posts back."""
        return signing.dumps(
            {
                "tenant": self.tenant_id,
                "found": [m.receipt_entry() for m in self.matches],
                "names": {m.key: m.collection_name for m in self.matches},
                "searched": list(self.searched),
                "skipped": [list(s) for s in self.skipped],
            },
            salt=_SIGNING_SALT,
            compress=True,
        )


def _where(kind: CollectionKind, name: str) -> str:
    return f"{KIND_LABELS[kind]} {name}"
