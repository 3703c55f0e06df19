"""Every photo lookup leaves an audit event: who looked up what, where, and who came back.

An operator of a face-recognition system must be able to answer "who searched for this
person, and when". Each lookup service is wrapped by `audited_lookup`, which records
`lookup.<kind>` with the collection searched (target), how many faces the photo(s) had, and
the ids that came back, or the error code when the lookup failed. The photo, its file name,
its URL, descriptors and face ids of detected (not enrolled) faces are never recorded.

Matched ids are written into the event's reason as `person:<id>;` (Azure person ids) or
`face:<id>;` (FindFace faces, persisted faces of face lists), which the audit screen's
"person or face id" filter searches for exactly.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from faceadmin.clients.errors import FaceApiError
from faceadmin.tenants.audit import audit_record

# Lookups may return hundreds of ids (100 faces x candidates); keep them all.
MAX_LOOKUP_REASON = 32_000


@dataclass(frozen=True)
class LookupTarget:
    kind: str
    id: str


def match_token(kind: str, value: object) -> str:
    """How one returned id is written into the reason (and searched for by the filter)."""
    return f"{kind}:{value};"


def _ids(kind: str, values: Iterable[object]) -> str:
    unique = list(dict.fromkeys(str(v) for v in values if str(v)))
    return " ".join(match_token(kind, v) for v in unique)


def _faces(count: int) -> str:
    return f"{count} face{'s' if count != 1 else ''}"


# --- targets (from the service's arguments) and summaries (from its result) -------------


def _ref_target(ref: Any, kind: str = "") -> LookupTarget:
    if ref is None:
        return LookupTarget(kind, "")
    return LookupTarget(str(ref.kind.value if hasattr(ref.kind, "value") else ref.kind), ref.id)


def target_detect(kwargs: Mapping[str, Any]) -> LookupTarget:
    return LookupTarget("photo", "")


def target_identify(kwargs: Mapping[str, Any]) -> LookupTarget:
    refs = kwargs.get("group_refs")
    if refs is None:
        return LookupTarget("person_groups", "all trained")
    return LookupTarget("person_groups", ",".join(str(r.id) for r in refs))


def target_verify(kwargs: Mapping[str, Any]) -> LookupTarget:
    if kwargs.get("second") is not None or kwargs.get("person_id") is None:
        return LookupTarget("photos", "two photos")
    return _ref_target(kwargs.get("group"))


def target_similar(kwargs: Mapping[str, Any]) -> LookupTarget:
    return _ref_target(kwargs.get("face_list"))


def target_group(kwargs: Mapping[str, Any]) -> LookupTarget:
    return LookupTarget("photos", f"{len(kwargs.get('photos') or ())} photos")


def target_gallery(kwargs: Mapping[str, Any]) -> LookupTarget:
    return LookupTarget("gallery", str(kwargs.get("gallery") or "default"))


def summary_detect(result: Any, kwargs: Mapping[str, Any]) -> str:
    return _faces(len(result.boxes)) + " detected"


def summary_identify(result: Any, kwargs: Mapping[str, Any]) -> str:
    searched = ", ".join(f"{c.kind.value}:{c.id}" for c in result.searched) or "none"
    people = [c.person_id for face in result.faces for c in face.candidates]
    return (
        f"{_faces(len(result.faces))}; searched {searched}; "
        f"{len(set(people))} matched: {_ids('person', people)}"
    ).strip()


def summary_verify(result: Any, kwargs: Mapping[str, Any]) -> str:
    verdict = "same person" if result.result.is_identical else "different persons"
    text = f"{verdict} ({result.percent}%)"
    person_id = kwargs.get("person_id")
    if person_id and kwargs.get("second") is None:
        text += f"; against {_ids('person', [person_id])}"
    return text


def summary_similar(result: Any, kwargs: Mapping[str, Any]) -> str:
    ids = [m.persisted_face_id for m in result.matches]
    return f"{_faces(len(result.detection.boxes))}; {len(ids)} similar: {_ids('face', ids)}".strip()


def summary_group(result: Any, kwargs: Mapping[str, Any]) -> str:
    return (
        f"{_faces(result.faces)} on {result.photos} photos; {len(result.clusters)} groups"
        f"{' and a messy group' if result.messy else ''}"
    )


def summary_gallery_identify(result: Any, kwargs: Mapping[str, Any]) -> str:
    ids = [c.face_id for face in result.faces for c in face.candidates]
    return (
        f"{_faces(len(result.faces))}; threshold {result.threshold}; "
        f"{len(set(ids))} matched: {_ids('face', ids)}"
    ).strip()


def summary_gallery_verify(result: Any, kwargs: Mapping[str, Any]) -> str:
    verdict = "same person" if result.result.is_identical else "different persons"
    return f"{verdict} ({result.percent}%); threshold {result.threshold}"


# --- the decorator -------------------------------------------------------------------------


def audited_lookup[**P, R](
    action: str,
    target: Callable[[Mapping[str, Any]], LookupTarget],
    summary: Callable[[Any, Mapping[str, Any]], str],
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Record `action` for every call of a lookup service (keyword arguments only, with
    `tenant` and optionally `user`): the summary on success, the error code on failure."""

    def decorator(service: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(service)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            where = target(kwargs)

            def record(outcome: str, reason: str) -> None:
                audit_record(
                    action=action,
                    tenant=kwargs["tenant"],  # type: ignore[arg-type]
                    user=kwargs.get("user"),  # type: ignore[arg-type]
                    target_kind=where.kind,
                    target_id=where.id,
                    outcome=outcome,
                    reason=reason,
                    max_reason=MAX_LOOKUP_REASON,
                )

            try:
                result = service(*args, **kwargs)
            except FaceApiError as exc:
                record(exc.code or "FaceApiError", exc.message or "")
                raise
            except ValueError as exc:  # PhotoError: no face, bad photo, ...
                # Not the message: it may name the photo's file.
                record(type(exc).__name__, "")
                raise
            record("ok", summary(result, kwargs))
            return result

        return wrapper

    return decorator
