"""Find duplicates in a face list: faces that match each other above a threshold.

Find-similar searches a face list, but only for a *faceId* (a face detected within the last
24 hours), never for a persistedFaceId already in the list. So each face is checked through
its stored original: detect the original again with the list's recognition model, take the
detected face that overlaps the enrolled rectangle, and run find-similar (matchFace) against
the list. Hits other than the face itself above the threshold are duplicate pairs.

Faces without a stored original (enrolled elsewhere, or with FACEADMIN_STORE_ORIGINALS off)
cannot be checked as probes and are reported as such; they still show up as the *other*
side of a pair, because the search runs over the whole list. A large face list is searched
as of its last training, so faces added since then are only found as probes.

It costs two calls per face with an original, so it runs as a background job
(`duplicate_scan`, run by a `manage.py db_worker`) and the page polls the scan's progress.
Each face checked is a recorded step: a retried scan (after a worker died) checks only the
faces it had not checked yet. The scan row keeps the result the face list page shows.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from faceadmin.clients.errors import (
    FaceApiError,
    NotTrainedError,
    ProviderUnavailable,
    RateLimited,
    Unauthorized,
)
from faceadmin.clients.types import CollectionKind, FaceRectangle
from faceadmin.faceapi import imagestore
from faceadmin.faceapi.collections import collection_get, face_list_faces
from faceadmin.faceapi.common import _client
from faceadmin.faceapi.kinds import DETECTION_MODEL, KIND_SLUGS
from faceadmin.faceapi.models import DuplicateScan, ScanStatus
from faceadmin.jobs.models import FINISHED_STATUSES, Job
from faceadmin.tenants.audit import audit_record
from faceadmin.tenants.models import Tenant

if TYPE_CHECKING:
    from faceadmin.jobs.runner import JobContext

logger = logging.getLogger(__name__)

KIND = "duplicate_scan"

DEFAULT_THRESHOLD = 0.7
MAX_CANDIDATES = 50
# A running scan whose row was not touched for this long lost its thread (server restart).
STALE_AFTER = timedelta(minutes=5)
# Errors that would fail every face the same way: stop the scan instead of skipping faces.
_FATAL = (NotTrainedError, Unauthorized, ProviderUnavailable, RateLimited)


def duplicate_scan_latest(
    *, tenant: Tenant, kind: CollectionKind, list_id: str
) -> DuplicateScan | None:
    return DuplicateScan.objects.filter(
        tenant=tenant, kind=kind.value, collection_id=list_id
    ).first()


def duplicate_scan_get(*, tenant: Tenant, scan_id: Any) -> DuplicateScan | None:
    return DuplicateScan.objects.filter(tenant=tenant, pk=scan_id).first()


def duplicate_scan_job(scan: DuplicateScan) -> Job | None:
    """The job running (or that ran) this scan."""
    return (
        Job.objects.filter(tenant_id=scan.tenant_id, kind=KIND, params__scan_id=str(scan.pk))
        .order_by("-created_at")
        .first()
    )


def duplicate_scan_is_stale(scan: DuplicateScan) -> bool:
    """A running scan nobody runs any more: its job ended (a worker died, an operator
    cancelled it) without finishing it, or it has not moved for a long time."""
    if not scan.is_running:
        return False
    if timezone.now() - scan.updated_at > STALE_AFTER:
        return True
    job = duplicate_scan_job(scan)
    if job is None:
        return False
    from faceadmin.jobs.runner import mark_stale

    mark_stale(Job.objects.filter(pk=job.pk))
    job.refresh_from_db(fields=["status"])
    return job.status in FINISHED_STATUSES


def duplicate_scan_start(
    *,
    tenant: Tenant,
    user: Any,
    kind: CollectionKind,
    list_id: str,
    threshold: float = DEFAULT_THRESHOLD,
    background: bool = True,
) -> DuplicateScan:
    """Create a scan and queue its job (or, with `background=False`, run it here)."""
    from faceadmin.jobs.services import job_create

    scan = DuplicateScan.objects.create(
        tenant=tenant,
        kind=kind.value,
        collection_id=list_id,
        threshold=threshold,
        started_by=user if getattr(user, "is_authenticated", False) else None,
    )
    audit_record(
        action="facelist.find_duplicates",
        tenant=tenant,
        user=user,
        target_kind=kind.value,
        target_id=list_id,
        reason=f"threshold {threshold:.2f}",
    )
    if background:
        job_create(
            tenant=tenant,
            user=user,
            kind=KIND,
            title=f"Find duplicates in {list_id} (threshold {threshold:.2f})",
            params={"scan_id": str(scan.pk)},
        )
    else:
        duplicate_scan_run(scan.pk)
        scan.refresh_from_db()
    return scan


def _overlap(a: FaceRectangle, b: FaceRectangle) -> float:
    """Intersection over union of two rectangles."""
    width = min(a.left + a.width, b.left + b.width) - max(a.left, b.left)
    height = min(a.top + a.height, b.top + b.height) - max(a.top, b.top)
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    return inter / (a.width * a.height + b.width * b.height - inter)


def duplicate_scan_run(scan_id: Any) -> None:
    """The scan in the caller's thread. Records progress after every face; never raises."""
    scan = DuplicateScan.objects.select_related("tenant").get(pk=scan_id)
    kind = CollectionKind(scan.kind)
    try:
        _scan(scan, kind)
    except FaceApiError as exc:
        scan.status, scan.error = ScanStatus.FAILED, f"{exc.code}: {exc.message}"
    except Exception as exc:
        logger.exception("duplicate scan %s failed", scan_id)
        scan.status, scan.error = ScanStatus.FAILED, f"Unexpected error: {exc}"
    else:
        scan.status = ScanStatus.SUCCEEDED
    scan.finished_at = timezone.now()
    scan.save()


def duplicate_scan_handler(ctx: JobContext) -> dict[str, Any]:
    """The `duplicate_scan` job: the scan, resumable face by face. A failure is recorded on
    the scan (for the face list page) and raised (for the job page)."""
    from faceadmin.jobs.runner import JobInterrupted

    scan = DuplicateScan.objects.select_related("tenant").get(pk=ctx.params["scan_id"])
    kind = CollectionKind(scan.kind)
    scan.status, scan.error, scan.finished_at = ScanStatus.RUNNING, "", None
    scan.save(update_fields=["status", "error", "finished_at", "updated_at"])
    try:
        _scan(scan, kind, ctx)
    except JobInterrupted:
        scan.status, scan.error = ScanStatus.FAILED, "Stopped by an operator."
        raise
    except FaceApiError as exc:
        scan.status, scan.error = ScanStatus.FAILED, f"{exc.code}: {exc.message}"
        raise
    except Exception as exc:
        scan.status, scan.error = ScanStatus.FAILED, f"Unexpected error: {exc}"
        raise
    else:
        scan.status = ScanStatus.SUCCEEDED
    finally:
        scan.finished_at = timezone.now()
        scan.save()
    return {
        "scan_id": str(scan.pk),
        "kind_slug": KIND_SLUGS[kind],
        "list_id": scan.collection_id,
        "threshold": scan.threshold,
        "pairs": len(scan.pairs),
        "checked": scan.checked,
        "skipped": len(scan.skipped),
    }


def _scan(scan: DuplicateScan, kind: CollectionKind, ctx: JobContext | None = None) -> None:
    tenant = scan.tenant
    client = _client(tenant)
    model = (
        collection_get(tenant=tenant, kind=kind, collection_id=scan.collection_id).recognition_model
        or "recognition_01"
    )
    faces = list(face_list_faces(tenant=tenant, kind=kind, list_id=scan.collection_id))
    images = imagestore.face_images(
        tenant=tenant, persisted_face_ids=[f.persisted_face_id for f in faces]
    )
    probes, skipped = [], []
    for face in faces:
        image = images.get(face.persisted_face_id)
        if image is None:
            skipped.append({"face": face.persisted_face_id, "reason": "no image stored"})
        elif not image.has_original:
            skipped.append({"face": face.persisted_face_id, "reason": "thumbnail only"})
        else:
            probes.append(image)
    done = ctx.finished_steps() if ctx is not None else {}
    scan.total, scan.skipped, scan.checked = len(probes), skipped, 0
    scan.save(update_fields=["total", "skipped", "checked", "updated_at"])
    if ctx is not None:
        ctx.progress(done=0, total=len(probes), message="Checking faces", force=True)

    scope = (
        {"face_list_id": scan.collection_id}
        if kind == CollectionKind.FACE_LIST
        else {"large_face_list_id": scan.collection_id}
    )
    pairs: dict[tuple[str, str], float] = {}
    for image in probes:
        step = done.get(f"face:{image.persisted_face_id}")
        if step is not None:
            hits, reason = step.data.get("hits", []), step.data.get("skipped")
        else:
            if ctx is not None:
                ctx.check_control()
            hits, reason = _probe(client, image, model, scope, scan.threshold)
            if ctx is not None:
                ctx.record_step(
                    f"face:{image.persisted_face_id}", data={"hits": hits, "skipped": reason}
                )
        if reason:
            skipped.append({"face": image.persisted_face_id, "reason": reason})
        for other, confidence in hits:
            key = tuple(sorted((image.persisted_face_id, other)))
            pair = (key[0], key[1])
            pairs[pair] = max(pairs.get(pair, 0.0), confidence)
        scan.checked += 1
        scan.save(update_fields=["checked", "updated_at"])
        if ctx is not None:
            ctx.progress(advance=1)

    scan.pairs = [
        {"a": a, "b": b, "confidence": round(confidence, 4)}
        for (a, b), confidence in sorted(pairs.items(), key=lambda item: -item[1])
    ]
    scan.skipped = skipped


def _probe(
    client: Any, image: Any, model: str, scope: dict[str, str], threshold: float
) -> tuple[list[tuple[str, float]], str | None]:
    """One face searched against the list: its hits above the threshold, or why it could
    not be checked."""
    try:
        with image.original.open("rb") as handle:
            data = handle.read()
        detected = client.detect_with_stream(
            image=data, recognition_model=model, detection_model=DETECTION_MODEL
        )
        enrolled = image.rectangle
        best = max(
            detected,
            key=lambda d: _overlap(d.rectangle, enrolled) if enrolled else 0.0,
            default=None,
        )
        if (
            best is None
            or best.face_id is None
            or (enrolled is not None and _overlap(best.rectangle, enrolled) < 0.3)
        ):
            return [], "face not found again"
        hits = []
        for hit in client.find_similar(
            face_id=best.face_id,
            max_num_of_candidates_returned=MAX_CANDIDATES,
            mode="matchFace",
            **scope,
        ):
            other = hit.persisted_face_id
            if other and other != image.persisted_face_id and hit.confidence >= threshold:
                hits.append((other, hit.confidence))
        return hits, None
    except _FATAL:
        raise
    except (FaceApiError, OSError) as exc:
        return [], exc.code if isinstance(exc, FaceApiError) else "original unreadable"
