"""Threshold calibration on the tenant's own enrolled faces.

A confidence threshold means nothing until it is measured on the faces it will judge. From
the stored originals (`imagestore`) of a person group's persons with at least two faces we
build *genuine* pairs (two faces of one person) and *impostor* pairs (faces of two different
persons) and score each pair with the provider's own verify call, so the numbers are the
provider's: detect each original once (its faceId lives 24 hours on Azure and on the
embedded engine, `faceIdTimeToLive` 86400 s), then one face-to-face verify per pair.

From the scores: the false-match rate (impostor pairs at or above a threshold) and the
false-non-match rate (genuine pairs below it) for every threshold, and the lowest threshold
that keeps the false-match rate at or under 1 %, 0.1 % and 0.01 % — only where the sample
has at least 3/FMR impostor pairs (with none observed above it, the "rule of three" bounds
the true rate at about FMR with 95 % confidence; fewer pairs cannot support the figure).

The work runs as a job (`job_kinds.py` registers `calibration_run`): each detected face and
each block of scored pairs is a recorded step, so a retried job repeats neither while its
faceIds are still alive.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from faceadmin.clients.errors import (
    FaceApiError,
    FaceNotFound,
    NotTrainedError,
    ProviderUnavailable,
    RateLimited,
    Unauthorized,
)
from faceadmin.clients.types import CollectionKind, FaceRectangle, Person
from faceadmin.faceapi import imagestore
from faceadmin.faceapi.calibration_stats import (
    HISTOGRAM_BIN,
    _histogram,
    _rate_at,
    false_match_rate,
    false_non_match_rate,
    pairs_needed,
    recommended_threshold,
)
from faceadmin.faceapi.collections import collection_get
from faceadmin.faceapi.common import _client
from faceadmin.faceapi.kinds import DETECTION_MODEL, PERSON_KINDS
from faceadmin.faceapi.models import FaceImage
from faceadmin.jobs.runner import JobContext
from faceadmin.tenants.audit import audit_record
from faceadmin.tenants.models import Tenant

JOB_KIND = "calibration"
# Pairs scored per run unless the operator says otherwise: cheap in-process on the embedded
# engine, a bill on a cloud tenant.
DEFAULT_SAMPLE_EMBEDDED = 5000
DEFAULT_SAMPLE_CLOUD = 500
MAX_SAMPLE = 50_000
# The provider keeps a faceId for 24 h; reuse one from an earlier attempt only well within it.
FACE_ID_REUSE = timedelta(hours=23)
FACE_ID_TTL_SECONDS = 86400
PAIRS_PER_STEP = 100
TARGET_FMRS = (0.01, 0.001, 0.0001)
# The provider's own default when the tenant has saved none (Azure: isIdentical from 0.5).
PROVIDER_DEFAULT_THRESHOLD = 0.5
CURVE_STEP = 0.01
LIST_PAIRS = 10
_FATAL = (NotTrainedError, Unauthorized, ProviderUnavailable, RateLimited)


# --- the plan: which faces and pairs --------------------------------------------------------


@dataclass(frozen=True)
class SampleFace:
    persisted_face_id: str
    person_id: str


@dataclass(frozen=True)
class CalibrationPlan:
    kind: CollectionKind
    collection_id: str
    collection_name: str
    recognition_model: str
    persons_with_originals: int
    persons_used: int
    names: dict[str, str]
    faces: list[SampleFace]
    genuine: list[tuple[int, int]]
    impostor: list[tuple[int, int]]
    possible_genuine: int
    possible_impostor: int
    sample: int

    @property
    def pairs(self) -> int:
        return len(self.genuine) + len(self.impostor)

    @property
    def calls(self) -> int:
        """Provider calls the run costs: a detect per face, a verify per pair, and the
        person listing (one call per 1000 persons)."""
        return len(self.faces) + self.pairs + max(1, math.ceil(len(self.names) / 1000))

    @property
    def usable(self) -> bool:
        return bool(self.genuine) and bool(self.impostor)

    def to_params(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "collection_id": self.collection_id,
            "collection_name": self.collection_name,
            "recognition_model": self.recognition_model,
            "persons_used": self.persons_used,
            "names": self.names,
            "faces": [[f.persisted_face_id, f.person_id] for f in self.faces],
            "genuine": [list(p) for p in self.genuine],
            "impostor": [list(p) for p in self.impostor],
            "possible_genuine": self.possible_genuine,
            "possible_impostor": self.possible_impostor,
            "sample": self.sample,
        }


def default_sample(tenant: Tenant) -> int:
    return DEFAULT_SAMPLE_EMBEDDED if tenant.is_embedded else DEFAULT_SAMPLE_CLOUD


def _persons(tenant: Tenant, kind: CollectionKind, group_id: str) -> list[Person]:
    return list(_client(tenant).iter_persons(kind, collection_id=group_id))


def _seed(tenant: Tenant, kind: CollectionKind, group_id: str) -> int:
    # The same group gives the same sample, so two runs compare like with like.
    text = f"{tenant.pk}:{kind.value}:{group_id}".encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big")


def _impostor_pairs(
    faces: list[SampleFace], possible: int, wanted: int, rng: random.Random
) -> list[tuple[int, int]]:
    if wanted <= 0:
        return []
    if possible <= 4 * wanted:  # small enough to list them all and pick
        every = [
            (i, j)
            for i in range(len(faces))
            for j in range(i + 1, len(faces))
            if faces[i].person_id != faces[j].person_id
        ]
        return sorted(rng.sample(every, min(wanted, len(every))))
    chosen: set[tuple[int, int]] = set()
    while len(chosen) < wanted:
        i, j = rng.randrange(len(faces)), rng.randrange(len(faces))
        if faces[i].person_id != faces[j].person_id:
            chosen.add((min(i, j), max(i, j)))
    return sorted(chosen)


def calibration_plan(
    *, tenant: Tenant, kind: CollectionKind, group_id: str, sample: int | None = None
) -> CalibrationPlan:
    """What a calibration of this group would score, and so what it costs (a person listing
    and the group's details: two or three calls; no face is detected here)."""
    if kind not in PERSON_KINDS:
        raise ValueError("Only person groups and large person groups can be calibrated.")
    sample = max(2, min(sample or default_sample(tenant), MAX_SAMPLE))
    collection = collection_get(tenant=tenant, kind=kind, collection_id=group_id)
    persons = _persons(tenant, kind, group_id)
    enrolled = {p.person_id: set(p.persisted_face_ids) for p in persons}
    by_person: dict[str, list[str]] = defaultdict(list)
    rows = FaceImage.objects.filter(
        tenant=tenant, kind=kind.value, collection_id=group_id, person_id__in=list(enrolled)
    ).exclude(original="")
    for pfid, person_id in rows.values_list("persisted_face_id", "person_id"):
        if pfid in enrolled.get(person_id, ()):
            by_person[person_id].append(pfid)
    used = {pid: sorted(pfids) for pid, pfids in sorted(by_person.items()) if len(pfids) >= 2}
    faces = [SampleFace(pfid, pid) for pid, pfids in used.items() for pfid in pfids]
    index = {f.persisted_face_id: i for i, f in enumerate(faces)}
    genuine_all = [
        (index[a], index[b])
        for pfids in used.values()
        for n, a in enumerate(pfids)
        for b in pfids[n + 1 :]
    ]
    total_pairs = len(faces) * (len(faces) - 1) // 2
    possible_impostor = total_pairs - len(genuine_all)
    rng = random.Random(_seed(tenant, kind, group_id))
    n_genuine = min(len(genuine_all), sample // 2)
    genuine = sorted(rng.sample(genuine_all, n_genuine))
    impostor = _impostor_pairs(
        faces, possible_impostor, min(possible_impostor, sample - n_genuine), rng
    )
    # Detect only the faces some chosen pair needs.
    needed = sorted({i for pair in genuine + impostor for i in pair})
    remap = {old: new for new, old in enumerate(needed)}
    return CalibrationPlan(
        kind=kind,
        collection_id=group_id,
        collection_name=collection.name,
        recognition_model=collection.recognition_model or "recognition_01",
        persons_with_originals=len(by_person),
        persons_used=len(used),
        names={p.person_id: p.name for p in persons if p.person_id in used},
        faces=[faces[i] for i in needed],
        genuine=[(remap[a], remap[b]) for a, b in genuine],
        impostor=[(remap[a], remap[b]) for a, b in impostor],
        possible_genuine=len(genuine_all),
        possible_impostor=possible_impostor,
        sample=sample,
    )


# --- the numbers ----------------------------------------------------------------------------


@dataclass
class _Pair:
    a: int
    b: int
    score: float


@dataclass
class _Scored:
    faces: list[SampleFace]
    names: dict[str, str]
    genuine: list[_Pair] = field(default_factory=list)
    impostor: list[_Pair] = field(default_factory=list)


def _pair_view(scored: _Scored, pair: _Pair) -> dict[str, Any]:
    def side(i: int) -> dict[str, str]:
        face = scored.faces[i]
        return {
            "face": face.persisted_face_id,
            "person": face.person_id,
            "name": scored.names.get(face.person_id, ""),
        }

    return {"a": side(pair.a), "b": side(pair.b), "score": round(pair.score, 4)}


def calibration_summary(
    *,
    genuine: list[float],
    impostor: list[float],
    current_threshold: float | None,
) -> dict[str, Any]:
    """Histograms, rate curves and recommendations from the two lists of scores."""
    g_sorted, i_sorted = sorted(genuine), sorted(impostor)
    steps = round(1 / CURVE_STEP)
    thresholds = [round(k * CURVE_STEP, 2) for k in range(steps + 1)]
    fmr = [
        round((len(i_sorted) - _rate_at(i_sorted, t)) / len(i_sorted), 6) if i_sorted else 0.0
        for t in thresholds
    ]
    fnmr = [
        round(_rate_at(g_sorted, t) / len(g_sorted), 6) if g_sorted else 0.0 for t in thresholds
    ]
    recommendations = []
    for target in TARGET_FMRS:
        threshold = recommended_threshold(impostor, target)
        row: dict[str, Any] = {
            "target": target,
            "label": f"{target * 100:g} %",
            "needed": pairs_needed(target),
            "impostor_pairs": len(impostor),
            "genuine_pairs": len(genuine),
            "threshold": threshold,
        }
        if threshold is not None:
            row["false_matches"] = sum(1 for s in impostor if s >= threshold)
            row["fmr"] = round(false_match_rate(impostor, threshold), 6)
            row["false_non_matches"] = sum(1 for s in genuine if s < threshold)
            row["fnmr"] = round(false_non_match_rate(genuine, threshold), 6)
        recommendations.append(row)
    current = current_threshold if current_threshold is not None else PROVIDER_DEFAULT_THRESHOLD
    return {
        "histogram": {
            "bin": HISTOGRAM_BIN,
            "starts": [round(k * HISTOGRAM_BIN, 2) for k in range(round(1 / HISTOGRAM_BIN))],
            "genuine": _histogram(genuine),
            "impostor": _histogram(impostor),
        },
        "curve": {"thresholds": thresholds, "fmr": fmr, "fnmr": fnmr},
        "recommendations": recommendations,
        "current_threshold": current,
        "current_is_default": current_threshold is None,
        "current_fmr": round(false_match_rate(impostor, current), 6),
        "current_fnmr": round(false_non_match_rate(genuine, current), 6),
    }


# --- the job ----------------------------------------------------------------------------------


def _overlap(a: FaceRectangle, b: FaceRectangle) -> float:
    width = min(a.left + a.width, b.left + b.width) - max(a.left, b.left)
    height = min(a.top + a.height, b.top + b.height) - max(a.top, b.top)
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    return inter / (a.width * a.height + b.width * b.height - inter)


def _detect(ctx: JobContext, image: FaceImage, model: str) -> str | None:
    """A fresh faceId for the enrolled face on its original, or None if it is not found."""
    with image.original.open("rb") as handle:
        data = handle.read()
    detected = _client(ctx.tenant).detect_with_stream(
        image=data,
        recognition_model=model,
        detection_model=DETECTION_MODEL,
        face_id_time_to_live=FACE_ID_TTL_SECONDS,
    )
    enrolled = image.rectangle
    if enrolled is None:
        best = detected[0] if len(detected) == 1 else None
    else:
        best = max(detected, key=lambda d: _overlap(d.rectangle, enrolled), default=None)
        if best is not None and _overlap(best.rectangle, enrolled) < 0.3:
            best = None
    return best.face_id if best is not None else None


def _face_ids(
    ctx: JobContext, faces: list[SampleFace], model: str, done_before: int, total: int
) -> tuple[dict[int, str], list[dict[str, str]]]:
    """faceIds of every sample face: reused from this job's earlier attempts when fresh,
    detected otherwise (each detection a recorded step)."""
    finished = ctx.finished_steps()
    now = timezone.now()
    images = imagestore.face_images(
        tenant=ctx.tenant, persisted_face_ids=[f.persisted_face_id for f in faces]
    )
    ids: dict[int, str] = {}
    skipped: list[dict[str, str]] = []
    for i, face in enumerate(faces):
        key = f"face:{face.persisted_face_id}"
        item = finished.get(key)
        if item is not None:
            at = datetime.fromisoformat(item.data.get("at", "1970-01-01T00:00:00+00:00"))
            if item.status == "skipped":
                skipped.append({"face": face.persisted_face_id, "reason": item.data["reason"]})
                continue
            if now - at < FACE_ID_REUSE:
                ids[i] = item.data["face_id"]
                continue
        ctx.check_control()
        image = images.get(face.persisted_face_id)
        reason = ""
        face_id: str | None = None
        try:
            if image is None or not image.has_original:
                reason = "no original stored"
            else:
                face_id = _detect(ctx, image, model)
                reason = "" if face_id else "face not found again on its original"
        except _FATAL:
            raise
        except (FaceApiError, OSError) as exc:
            reason = exc.code if isinstance(exc, FaceApiError) else "original unreadable"
        if face_id:
            ids[i] = face_id
            ctx.record_step(key, data={"face_id": face_id, "at": timezone.now().isoformat()})
        else:
            skipped.append({"face": face.persisted_face_id, "reason": reason})
            ctx.record_step(key, status="skipped", data={"reason": reason})
        ctx.progress(done=done_before + i + 1, total=total, message="Detecting the originals")
    return ids, skipped


def calibration_run(ctx: JobContext) -> dict[str, Any]:
    """The job: detect each sample face once, verify every pair, summarise."""
    params = ctx.params
    faces = [SampleFace(pfid, pid) for pfid, pid in params["faces"]]
    genuine_pairs = [(int(a), int(b)) for a, b in params["genuine"]]
    impostor_pairs = [(int(a), int(b)) for a, b in params["impostor"]]
    pairs = [(a, b, True) for a, b in genuine_pairs] + [(a, b, False) for a, b in impostor_pairs]
    total = len(faces) + len(pairs)
    ctx.progress(done=0, total=total, message="Detecting the originals", force=True)
    ids, skipped = _face_ids(ctx, faces, params["recognition_model"], 0, total)
    client = _client(ctx.tenant)
    scored = _Scored(faces=faces, names=dict(params.get("names", {})))
    failed_pairs = 0
    finished = ctx.finished_steps()
    for start in range(0, len(pairs), PAIRS_PER_STEP):
        key = f"pairs:{start}"
        block = pairs[start : start + PAIRS_PER_STEP]
        item = finished.get(key)
        if item is not None:
            scores = item.data["scores"]
        else:
            ctx.check_control()
            scores = []
            for a, b, _ in block:
                if a not in ids or b not in ids:
                    scores.append(None)
                    continue
                try:
                    try:
                        result = client.verify_face_to_face(face_id1=ids[a], face_id2=ids[b])
                    except FaceNotFound:
                        # A faceId outlived its 24 hours (a long or resumed run): detect again.
                        fresh, _ = _face_ids_again(ctx, faces, params["recognition_model"], (a, b))
                        ids.update(fresh)
                        result = client.verify_face_to_face(face_id1=ids[a], face_id2=ids[b])
                    scores.append(result.confidence)
                except _FATAL:
                    raise
                except FaceApiError:
                    scores.append(None)
            ctx.record_step(key, data={"scores": scores})
        for (a, b, same), score in zip(block, scores, strict=True):
            if score is None:
                failed_pairs += 1
            elif same:
                scored.genuine.append(_Pair(a, b, float(score)))
            else:
                scored.impostor.append(_Pair(a, b, float(score)))
        ctx.progress(done=len(faces) + start + len(block), total=total, message="Scoring pairs")
    ctx.progress(done=total, total=total, message="Summarising", force=True)
    summary = _result(ctx, scored, skipped, failed_pairs)
    ctx.progress(
        message=f"Scored {len(scored.genuine)} genuine and {len(scored.impostor)} impostor pairs.",
        force=True,
    )
    return summary


def _face_ids_again(
    ctx: JobContext, faces: list[SampleFace], model: str, which: tuple[int, int]
) -> tuple[dict[int, str], None]:
    images = imagestore.face_images(
        tenant=ctx.tenant, persisted_face_ids=[faces[i].persisted_face_id for i in which]
    )
    fresh: dict[int, str] = {}
    for i in which:
        image = images.get(faces[i].persisted_face_id)
        face_id = _detect(ctx, image, model) if image is not None else None
        if face_id:
            fresh[i] = face_id
            ctx.record_step(
                f"face:{faces[i].persisted_face_id}",
                data={"face_id": face_id, "at": timezone.now().isoformat()},
            )
    return fresh, None


def _result(
    ctx: JobContext, scored: _Scored, skipped: list[dict[str, str]], failed_pairs: int
) -> dict[str, Any]:
    params = ctx.params
    ctx.tenant.refresh_from_db(fields=["identify_threshold"])
    genuine = [p.score for p in scored.genuine]
    impostor = [p.score for p in scored.impostor]
    summary = calibration_summary(
        genuine=genuine, impostor=impostor, current_threshold=ctx.tenant.identify_threshold
    )
    closest = sorted(scored.impostor, key=lambda p: -p.score)[:LIST_PAIRS]
    farthest = sorted(scored.genuine, key=lambda p: p.score)[:LIST_PAIRS]
    return summary | {
        "collection": {
            "kind": params["kind"],
            "id": params["collection_id"],
            "name": params.get("collection_name", ""),
        },
        "counts": {
            "persons": params.get("persons_used", 0),
            "faces": len(scored.faces),
            "genuine": len(genuine),
            "impostor": len(impostor),
            "possible_genuine": params.get("possible_genuine", 0),
            "possible_impostor": params.get("possible_impostor", 0),
            "skipped_faces": len(skipped),
            "failed_pairs": failed_pairs,
        },
        "genuine_scores": [round(s, 5) for s in genuine],
        "impostor_scores": [round(s, 5) for s in impostor],
        "closest_impostors": [_pair_view(scored, p) for p in closest],
        "farthest_genuine": [_pair_view(scored, p) for p in farthest],
        "skipped": skipped[:50],
    }


# --- services -------------------------------------------------------------------------------


def calibration_start(*, tenant: Tenant, user: Any, plan: CalibrationPlan) -> Any:
    """Queue a calibration job for this plan; returns the Job."""
    from faceadmin.jobs.services import job_create

    name = plan.collection_name or plan.collection_id
    return job_create(
        tenant=tenant,
        user=user,
        kind=JOB_KIND,
        title=f"Calibrate {name}",
        params=plan.to_params(),
        total=len(plan.faces) + plan.pairs,
    )


def calibration_latest(*, tenant: Tenant, kind: CollectionKind, group_id: str) -> Any:
    """The newest calibration job of this group (any status), or None."""
    from faceadmin.jobs.models import Job

    return (
        Job.objects.filter(
            tenant=tenant,
            kind=JOB_KIND,
            params__kind=kind.value,
            params__collection_id=group_id,
        )
        .order_by("-created_at")
        .first()
    )


def identify_threshold_save(
    *, tenant: Tenant, user: Any, threshold: float | None, calibrated_at: datetime | None
) -> Tenant:
    """Save (or, with None, clear) the tenant's default identify threshold."""
    tenant.identify_threshold = threshold
    tenant.identify_threshold_calibrated_at = calibrated_at if threshold is not None else None
    tenant.save(update_fields=["identify_threshold", "identify_threshold_calibrated_at"])
    audit_record(
        action="tenant.identify_threshold",
        tenant=tenant,
        user=user,
        target_kind="tenant",
        target_id=tenant.slug,
        reason=f"{threshold:.3f}" if threshold is not None else "cleared",
    )
    return tenant


__all__ = [
    "JOB_KIND",
    "CalibrationPlan",
    "calibration_latest",
    "calibration_plan",
    "calibration_run",
    "calibration_start",
    "calibration_summary",
    "default_sample",
    "false_match_rate",
    "false_non_match_rate",
    "identify_threshold_save",
    "recommended_threshold",
]

# The job kind is registered in `calibration_gallery` (it runs galleries too).
