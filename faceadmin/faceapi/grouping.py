"""Photo grouping as a background job: up to 1,000 photos, every face, gathered by likeness.

Azure's group call takes up to 1,000 faceIds, and detecting a thousand photos takes minutes,
far past a request's life. So the dashboard saves the uploads into the job's work folder
(`inputs/`) and queues a `photo_grouping` job; the worker detects each photo (one recorded
step per photo: a retry never detects a photo twice while its faceIds live), calls group
once, and cuts a thumbnail and an enrollment crop of every face.

What stays after the job, and for how long:
- the photos: never. The runner removes `inputs/` when the job succeeds or is cancelled; a
  failed job's inputs stay for a retry until FACEADMIN_JOBS_FILES_RETENTION_HOURS pass (or
  the job is deleted), then `jobs.retention` removes them.
- thumbnails (96 px, in the job's result) and enrollment crops (`crops/`, sent back when an
  operator creates a person from a cluster): with the result, until the same retention
  removes them (the result then keeps counts and file names only) or the job is deleted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, Final

from faceadmin.clients.errors import BadRequestError, FaceNotFound
from faceadmin.clients.types import FaceRectangle
from faceadmin.faceapi.lookup import (
    MAX_CLUSTER_ENROLL,
    MAX_GROUP_FACES,
    MAX_IMAGE_BYTES,
    DetectSettings,
    PhotoError,
    photo_from_bytes,
)
from faceadmin.faceapi.lookup.crops import CROP_FACE_PX, cut, upright
from faceadmin.faceapi.lookup.recording import AzureSession
from faceadmin.jobs.models import Job, JobItem
from faceadmin.jobs.runner import JobContext, job_workdir
from faceadmin.jobs.services import User, job_create, job_enqueue
from faceadmin.tenants.models import Tenant

KIND: Final = "photo_grouping"
MAX_JOB_PHOTOS: Final = 1000  # the dashboard accepts as many photos as group takes faceIds
_CHUNK: Final = 1024 * 1024


def _inputs(job: Job) -> Path:
    return job_workdir(job) / "inputs"


def _crops(job: Job) -> Path:
    return job_workdir(job) / "crops"


def photo_group_start(
    *,
    tenant: Tenant,
    user: User,
    uploads: Sequence[tuple[str, IO[bytes]]],
    settings: DetectSettings,
) -> Job:
    """Save the uploads (name, file) into a new grouping job's inputs and queue it."""
    if not uploads:
        raise PhotoError("Choose the photos to group.")
    if len(uploads) > MAX_JOB_PHOTOS:
        raise PhotoError(f"Group at most {MAX_JOB_PHOTOS} photos at once ({len(uploads)} sent).")
    job = job_create(
        tenant=tenant,
        user=user,
        kind=KIND,
        title=f"Group the faces of {len(uploads)} photo{'s' if len(uploads) != 1 else ''}",
        params={
            "detection_model": settings.detection_model,
            "recognition_model": settings.recognition_model,
            "files": [name[:200] for name, _ in uploads],
        },
        total=len(uploads),
        enqueue=False,
    )
    folder = _inputs(job)
    folder.mkdir(parents=True, exist_ok=True)
    for index, (_, handle) in enumerate(uploads):
        with (folder / f"{index:04d}").open("wb") as out:
            while chunk := handle.read(_CHUNK):
                out.write(chunk)
    return job_enqueue(job=job)


# --- the job --------------------------------------------------------------------------------


def _detect(ctx: JobContext, lookup: AzureSession, settings: DetectSettings) -> dict[str, JobItem]:
    """Detect every photo not detected yet; one recorded step per photo."""
    files: list[str] = list(ctx.params["files"])
    steps = ctx.finished_steps()
    ctx.progress(done=len(steps), total=len(files), message="Detecting faces", force=True)
    for index, name in enumerate(files):
        key = f"detect:{index}"
        if key in steps:
            continue
        ctx.check_control()
        try:
            photo = photo_from_bytes(
                data=(_inputs(ctx.job) / f"{index:04d}").read_bytes(), filename=name
            )
            faces = lookup.client.detect_with_stream(
                image=photo.data or b"",
                return_face_id=True,
                recognition_model=settings.recognition_model,
                detection_model=settings.detection_model,
            )
            data: dict[str, Any] = {
                "faces": [
                    [face.face_id, *_rect_list(face.rectangle)] for face in faces if face.face_id
                ]
            }
        except (PhotoError, BadRequestError) as exc:  # this photo only
            data = {"failed": exc.message if isinstance(exc, BadRequestError) else str(exc)}
        steps[key] = ctx.record_step(key, data=data)
        ctx.progress(advance=1)
    ctx.progress(force=True)
    return steps


def _rect_list(rect: FaceRectangle) -> list[int]:
    return [rect.left, rect.top, rect.width, rect.height]


def group_photos(ctx: JobContext) -> dict[str, Any]:
    """The `photo_grouping` job's handler."""
    params = ctx.params
    settings = DetectSettings(params["detection_model"], params["recognition_model"], False)
    files: list[str] = list(params["files"])
    lookup = AzureSession(ctx.tenant)

    def detected() -> dict[str, tuple[int, FaceRectangle]]:
        steps = _detect(ctx, lookup, settings)
        where: dict[str, tuple[int, FaceRectangle]] = {}
        for index in range(len(files)):
            for face_id, left, top, width, height in steps[f"detect:{index}"].data.get("faces", []):
                where[face_id] = (index, FaceRectangle(left, top, width, height))
        return where

    where = detected()
    if len(where) < 2:
        raise PhotoError(f"Grouping needs at least two faces; these photos have {len(where)}.")
    if len(where) > MAX_GROUP_FACES:
        raise PhotoError(
            f"These photos have {len(where)} faces; grouping takes at most {MAX_GROUP_FACES}. "
            "Send fewer photos at once."
        )
    ctx.check_control()
    ctx.progress(message=f"Grouping {len(where)} faces", force=True)
    try:
        result = lookup.client.group(face_ids=list(where))
    except FaceNotFound:
        # The faceIds of an earlier attempt expired: detect everything again, once.
        JobItem.objects.filter(job=ctx.job, key__startswith="detect:").delete()
        where = detected()
        result = lookup.client.group(face_ids=list(where))

    ctx.progress(message="Cutting face thumbnails", force=True)
    faces = _cut_all(ctx.job, files, where)
    steps = ctx.finished_steps()
    without = [files[i] for i in range(len(files)) if steps[f"detect:{i}"].data.get("faces") == []]
    failed = [
        [files[i], steps[f"detect:{i}"].data["failed"]]
        for i in range(len(files))
        if "failed" in steps[f"detect:{i}"].data
    ]

    def cluster(number: int, ids: Sequence[str]) -> dict[str, Any]:
        return {"number": number, "faces": [faces[i] for i in ids if i in faces]}

    ctx.progress(
        message=f"Grouped {len(where)} faces into {len(result.groups)} clusters", force=True
    )
    return {
        "photos": len(files),
        "faces": len(where),
        "clusters": [cluster(n, ids) for n, ids in enumerate(result.groups, start=1)],
        "messy": cluster(0, result.messy_group) if result.messy_group else None,
        "without_faces": without,
        "failed": failed,
        "api_ms": round(lookup.api_ms),
        "images_kept": True,
    }


def _cut_all(
    job: Job, files: list[str], where: dict[str, tuple[int, FaceRectangle]]
) -> dict[str, dict[str, Any]]:
    """Thumbnail (into the result) and enrollment crop (a file) of every face, photo by photo,
    so that only one photo is in memory at a time."""
    by_photo: dict[int, list[tuple[str, FaceRectangle]]] = {}
    for face_id, (index, rect) in where.items():
        by_photo.setdefault(index, []).append((face_id, rect))
    folder = _crops(job)
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, dict[str, Any]] = {}
    for index, items in sorted(by_photo.items()):
        photo = photo_from_bytes(
            data=(_inputs(job) / f"{index:04d}").read_bytes(), filename=files[index]
        )
        smallest = min(max(rect.width, rect.height) for _, rect in items)
        image, scale = upright(photo.data or b"", min(1.0, CROP_FACE_PX / max(1, smallest)))
        for face_id, rect in items:
            face = cut(image, scale, photo, index, rect)
            (folder / f"{face_id}.txt").write_text(face.crop_value)
            out[face_id] = {"id": face_id, "file": files[index], "thumb": face.thumbnail_uri}
    return out


# --- the result -----------------------------------------------------------------------------


_FACE_ID = re.compile(r"^[0-9a-fA-F-]{36}$")


def grouping_cluster(*, job: Job, number: int) -> dict[str, Any] | None:
    """Cluster `number` of a finished grouping job's result (None when there is none)."""
    result = job.result or {}
    if job.kind != KIND:
        return None
    for cluster in result.get("clusters", []):
        if cluster["number"] == number:
            return dict(cluster)
    return None


def grouping_cluster_crops(*, job: Job, number: int) -> list[str]:
    """The enrollment crops ("l,t,w,h:base64") of a cluster's first MAX_CLUSTER_ENROLL faces;
    empty when the result's face images were removed (retention) or there is no such cluster."""
    cluster = grouping_cluster(job=job, number=number)
    if cluster is None:
        return []
    crops = []
    for face in cluster["faces"][:MAX_CLUSTER_ENROLL]:
        face_id = str(face["id"])
        if not _FACE_ID.match(face_id):
            continue
        path = _crops(job) / f"{face_id}.txt"
        if path.is_file():
            crops.append(path.read_text())
    return crops


def grouping_forget_images(job: Job) -> None:
    """Drop the thumbnails from a grouping result (retention); the crops go with the folder."""
    result = job.result
    if not isinstance(result, dict) or not result.get("images_kept"):
        return
    for cluster in [*result.get("clusters", []), result.get("messy") or {"faces": []}]:
        for face in cluster.get("faces", []):
            face.pop("thumb", None)
    result["images_kept"] = False
    Job.objects.filter(pk=job.pk).update(result=result)


__all__ = [
    "KIND",
    "MAX_IMAGE_BYTES",
    "MAX_JOB_PHOTOS",
    "group_photos",
    "grouping_cluster",
    "grouping_cluster_crops",
    "grouping_forget_images",
    "photo_group_start",
]
