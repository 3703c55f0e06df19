"""Threshold calibration of a FindFace gallery, scored by FindFace's own verify.

FindFace has no persons: a gallery is a flat list of faces with free-text `meta`. Here two
faces are **the same person when their meta is the same** (trimmed, case kept); faces with
an empty meta are left out, and so are metas with a single face (no genuine pair). Genuine
pairs are two faces of one meta, impostor pairs faces of two metas, sampled as for the Azure
kinds (`calibration.calibration_plan`) with the same seed rule and sample cap.

faceadmin keeps no original of a gallery face enrolled outside it, so each face is sent as
the best image we have: the stored original (with the face's box) when faceadmin has one,
otherwise FindFace's own face crop (the `thumbnail` URL, downloaded once per face). Each
pair is then one `POST /verify/` of the two images with threshold `none`, so the confidence
is FindFace's. The summary is `calibration.calibration_summary`: the same charts and
recommendations; FindFace's named presets are shown next to each recommended figure.

The job is the `calibration` kind (params `kind` = "gallery"), so the job page, CSV and the
threshold form of the Azure calibration serve it unchanged.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import requests

from faceadmin.clients.embedded import EMBEDDED_ORIGIN, embedded_session
from faceadmin.clients.errors import FaceApiError, ProviderUnavailable, RateLimited, Unauthorized
from faceadmin.clients.findface import DEFAULT_GALLERY
from faceadmin.clients.findface_types import PRESET_THRESHOLDS, BBox, Face
from faceadmin.faceapi import imagestore
from faceadmin.faceapi.calibration import (
    JOB_KIND,
    MAX_SAMPLE,
    PAIRS_PER_STEP,
    SampleFace,
    _impostor_pairs,
    _Pair,
    _result,
    _Scored,
    calibration_run,
    default_sample,
)
from faceadmin.faceapi.connection import findface_client_for
from faceadmin.faceapi.galleries import thumbnail_src
from faceadmin.jobs.registry import job_kind
from faceadmin.jobs.runner import JobContext
from faceadmin.tenants.models import Tenant

__all__ = [
    "GALLERY_KIND",
    "GalleryCalibrationPlan",
    "closest_preset",
    "gallery_calibration_latest",
    "gallery_calibration_plan",
    "gallery_calibration_run",
    "gallery_calibration_start",
]

GALLERY_KIND = "gallery"
# FindFace lookups use "medium" unless told otherwise (faceapi.lookup.operations).
FINDFACE_DEFAULT_THRESHOLD = PRESET_THRESHOLDS["medium"]
LISTING_PAGE = 100  # faces per listing call the count assumes (the cloud's own page size)
CROP_TIMEOUT = 30
_FATAL = (Unauthorized, ProviderUnavailable, RateLimited)


def closest_preset(threshold: float) -> dict[str, Any]:
    """FindFace's named threshold nearest to a number (strict, medium or low)."""
    name, value = min(
        ((n, v) for n, v in PRESET_THRESHOLDS.items() if n != "none"),
        key=lambda item: abs(item[1] - threshold),
    )
    return {"name": name, "value": value}


@dataclass(frozen=True)
class GalleryCalibrationPlan:
    gallery: str
    faces: list[dict[str, Any]]  # {"id", "meta", "thumbnail", "box"}
    metas_with_faces: int
    persons_used: int
    listed: int
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
        """Provider calls: the face listing (pages) and one verify per pair."""
        return max(1, math.ceil(self.listed / LISTING_PAGE)) + self.pairs

    @property
    def usable(self) -> bool:
        return bool(self.genuine) and bool(self.impostor)

    def to_params(self) -> dict[str, Any]:
        return {
            "kind": GALLERY_KIND,
            "collection_id": self.gallery,
            "collection_name": self.gallery,
            "persons_used": self.persons_used,
            "names": {},
            "gallery_faces": self.faces,
            "genuine": [list(p) for p in self.genuine],
            "impostor": [list(p) for p in self.impostor],
            "possible_genuine": self.possible_genuine,
            "possible_impostor": self.possible_impostor,
            "sample": self.sample,
        }


def _face_row(tenant: Tenant, face: Face) -> dict[str, Any]:
    box = face.bbox
    return {
        "id": str(face.id),
        "meta": face.meta.strip(),
        "thumbnail": face.thumbnail or "",
        "thumb": thumbnail_src(tenant, face.thumbnail),
        "box": [box.x1, box.y1, box.x2, box.y2] if box is not None else None,
    }


def _pairs_sample(
    metas: dict[str, list[int]], count: int, sample: int, rng: random.Random
) -> tuple[list[tuple[int, int]], list[tuple[int, int]], int, int]:
    genuine_all = [
        (a, b) for idx in metas.values() for n, a in enumerate(idx) for b in idx[n + 1 :]
    ]
    possible_impostor = count * (count - 1) // 2 - len(genuine_all)
    n_genuine = min(len(genuine_all), sample // 2)
    genuine = sorted(rng.sample(genuine_all, n_genuine))
    owner = {i: meta for meta, idx in metas.items() for i in idx}
    faces = [SampleFace(str(i), owner[i]) for i in range(count)]
    impostor = _impostor_pairs(
        faces, possible_impostor, min(possible_impostor, sample - n_genuine), rng
    )
    return genuine, impostor, len(genuine_all), possible_impostor


def gallery_calibration_plan(
    *, tenant: Tenant, gallery: str, sample: int | None = None
) -> GalleryCalibrationPlan:
    """What a calibration of this gallery would score (lists the gallery's faces)."""
    sample = max(2, min(sample or default_sample(tenant), MAX_SAMPLE))
    client = findface_client_for(tenant)
    where = None if gallery == DEFAULT_GALLERY else gallery
    listed = list(client.iter_faces(gallery=where))
    by_meta: dict[str, list[Face]] = defaultdict(list)
    for face in listed:
        if face.meta.strip():
            by_meta[face.meta.strip()].append(face)
    used = {m: sorted(fs, key=lambda f: f.id) for m, fs in sorted(by_meta.items()) if len(fs) >= 2}
    faces = [face for fs in used.values() for face in fs]
    metas: dict[str, list[int]] = defaultdict(list)
    for i, face in enumerate(faces):
        metas[face.meta.strip()].append(i)
    seed = hashlib.sha256(f"{tenant.pk}:gallery:{gallery}".encode()).digest()[:8]
    rng = random.Random(int.from_bytes(seed, "big"))
    genuine, impostor, possible_g, possible_i = _pairs_sample(metas, len(faces), sample, rng)
    needed = sorted({i for pair in genuine + impostor for i in pair})
    remap = {old: new for new, old in enumerate(needed)}
    return GalleryCalibrationPlan(
        gallery=gallery,
        faces=[_face_row(tenant, faces[i]) for i in needed],
        metas_with_faces=len(by_meta),
        persons_used=len(used),
        listed=len(listed),
        genuine=[(remap[a], remap[b]) for a, b in genuine],
        impostor=[(remap[a], remap[b]) for a, b in impostor],
        possible_genuine=possible_g,
        possible_impostor=possible_i,
        sample=sample,
    )


# --- the job ----------------------------------------------------------------------------------


def _crop(url: str) -> bytes:
    """FindFace's face crop behind a `thumbnail` URL (this server's facade in-process)."""
    if url.startswith(EMBEDDED_ORIGIN + "/"):
        response = embedded_session().get(url, timeout=CROP_TIMEOUT)
    else:
        response = requests.get(url, timeout=CROP_TIMEOUT)
    response.raise_for_status()
    return response.content


def _images(ctx: JobContext, faces: list[dict[str, Any]]) -> tuple[dict[int, Any], list[Any]]:
    """Each face's image for verify: (bytes, box or None), by index; and the skipped faces."""
    stored = imagestore.face_images(tenant=ctx.tenant, persisted_face_ids=[f["id"] for f in faces])
    images: dict[int, Any] = {}
    skipped: list[dict[str, str]] = []
    for i, face in enumerate(faces):
        ctx.check_control()
        image = stored.get(face["id"])
        try:
            if image is not None and image.has_original and face["box"]:
                with image.original.open("rb") as handle:
                    images[i] = (handle.read(), BBox(*face["box"]))
            elif face["thumbnail"]:
                images[i] = (_crop(face["thumbnail"]), None)
            else:
                skipped.append({"face": face["id"], "reason": "no crop URL"})
        except (OSError, requests.RequestException):
            skipped.append({"face": face["id"], "reason": "crop unreadable"})
        ctx.progress(done=i + 1, total=len(faces), message="Fetching the face crops")
    return images, skipped


def _verify(client: Any, one: Any, two: Any) -> float | None:
    try:
        answer = client.verify(
            photo1=one[0],
            photo2=two[0],
            bbox1=[one[1]] if one[1] is not None else None,
            bbox2=[two[1]] if two[1] is not None else None,
            threshold="none",
            mf_selector=None if one[1] is not None and two[1] is not None else "biggest",
        )
    except _FATAL:
        raise
    except FaceApiError:
        return None
    best = answer.best
    return float(best.confidence) if best is not None else None


def gallery_calibration_run(ctx: JobContext) -> dict[str, Any]:
    """The job for a gallery: fetch each face's image once, verify every pair, summarise."""
    params = ctx.params
    faces = params["gallery_faces"]
    pairs = [(int(a), int(b), True) for a, b in params["genuine"]]
    pairs += [(int(a), int(b), False) for a, b in params["impostor"]]
    total = len(faces) + len(pairs)
    images, skipped = _images(ctx, faces)
    client = findface_client_for(ctx.tenant)
    scored = _Scored(
        faces=[SampleFace(f["id"], f["meta"]) for f in faces],
        names={f["meta"]: f["meta"] for f in faces},
    )
    failed = 0
    finished = ctx.finished_steps()
    for start in range(0, len(pairs), PAIRS_PER_STEP):
        key, block = f"pairs:{start}", pairs[start : start + PAIRS_PER_STEP]
        item = finished.get(key)
        if item is not None:
            scores = item.data["scores"]
        else:
            ctx.check_control()
            scores = [
                _verify(client, images[a], images[b]) if a in images and b in images else None
                for a, b, _ in block
            ]
            ctx.record_step(key, data={"scores": scores})
        for (a, b, same), score in zip(block, scores, strict=True):
            if score is None:
                failed += 1
            else:
                (scored.genuine if same else scored.impostor).append(_Pair(a, b, float(score)))
        ctx.progress(done=len(faces) + start + len(block), total=total, message="Scoring pairs")
    result = _result(ctx, scored, skipped, failed)
    thumbs = {f["id"]: f["thumb"] for f in faces}
    for listed in (result["closest_impostors"], result["farthest_genuine"]):
        for pair in listed:
            for side in (pair["a"], pair["b"]):
                side["thumb"] = thumbs.get(side["face"], "")
    for row in result["recommendations"]:
        if row["threshold"] is not None:
            row["preset"] = closest_preset(row["threshold"])
    return result | _current(ctx.tenant, result)


def _current(tenant: Tenant, result: dict[str, Any]) -> dict[str, Any]:
    """The threshold lookups use now: the tenant's saved one, else FindFace's `medium`."""
    from faceadmin.faceapi.calibration_stats import false_match_rate, false_non_match_rate

    saved = tenant.identify_threshold
    current = saved if saved is not None else FINDFACE_DEFAULT_THRESHOLD
    return {
        "provider_default": FINDFACE_DEFAULT_THRESHOLD,
        "current_threshold": current,
        "current_preset": closest_preset(current),
        "current_fmr": round(false_match_rate(result["impostor_scores"], current), 6),
        "current_fnmr": round(false_non_match_rate(result["genuine_scores"], current), 6),
    }


def gallery_calibration_latest(*, tenant: Tenant, gallery: str) -> Any:
    """The newest calibration job of this gallery (any status), or None."""
    from faceadmin.jobs.models import Job

    return (
        Job.objects.filter(
            tenant=tenant, kind=JOB_KIND, params__kind=GALLERY_KIND, params__collection_id=gallery
        )
        .order_by("-created_at")
        .first()
    )


def gallery_calibration_start(*, tenant: Tenant, user: Any, plan: GalleryCalibrationPlan) -> Any:
    """Queue a calibration job for this gallery plan; returns the Job."""
    from faceadmin.jobs.services import job_create

    return job_create(
        tenant=tenant,
        user=user,
        kind=JOB_KIND,
        title=f"Calibrate gallery {plan.gallery}",
        params=plan.to_params(),
        total=len(plan.faces) + plan.pairs,
    )


@job_kind(
    JOB_KIND,
    label="Threshold calibration",
    result_template="dashboard/calibration_result.html",
)
def calibration_job(ctx: JobContext) -> dict[str, Any]:
    """Person groups (`calibration.calibration_run`) and FindFace galleries alike."""
    if ctx.params["kind"] == GALLERY_KIND:
        return gallery_calibration_run(ctx)
    return calibration_run(ctx)
