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

It costs two calls per face with an original, so it runs in a background thread and the page
polls the scan's progress.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from faceadmin.faceapi import imagestore
from faceadmin.faceapi.collections import DETECTION_MODEL, _client, collection_get, face_list_faces
from faceadmin.faceapi.errors import (
    FaceApiError,
    NotTrainedError,
    ProviderUnavailable,
    RateLimited,
    Unauthorized,
)
from faceadmin.faceapi.models import DuplicateScan, ScanStatus
from faceadmin.faceapi.types import CollectionKind, FaceRectangle
from faceadmin.tenants.audit import audit_record
from faceadmin.tenants.models import Tenant

logger = logging.getLogger(__name__)

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


def duplicate_scan_is_stale(scan: DuplicateScan) -> bool:
    return scan.is_running and timezone.now() - scan.updated_at > STALE_AFTER


def duplicate_scan_start(
    *,
    tenant: Tenant,
    user: Any,
    kind: CollectionKind,
    list_id: str,
    threshold: float = DEFAULT_THRESHOLD,
    background: bool = True,
) -> DuplicateScan:
    """Create a scan and run it (in a thread once this transaction commits, by default)."""
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
        transaction.on_commit(lambda: _start_thread(scan.pk))
    else:
        duplicate_scan_run(scan.pk)
        scan.refresh_from_db()
    return scan


def _start_thread(scan_id: Any) -> None:
    threading.Thread(
        target=_run_in_thread, args=(scan_id,), name=f"duplicates-{scan_id}", daemon=True
    ).start()


def _run_in_thread(scan_id: Any) -> None:
    # A fresh thread gets its own connection; drop it at the end so none leaks.
    close_old_connections()
    try:
        duplicate_scan_run(scan_id)
    finally:
        connection.close()


def _overlap(a: FaceRectangle, b: FaceRectangle) -> float:
    """Intersection over union of two rectangles."""
    width = min(a.left + a.width, b.left + b.width) - max(a.left, b.left)
    height = min(a.top + a.height, b.top + b.height) - max(a.top, b.top)
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    return inter / (a.width * a.height + b.width * b.height - inter)


def duplicate_scan_run(scan_id: Any) -> None:
    """The scan itself. Records progress after every face; never raises.

    It may run inside the caller's request and transaction, so it never touches the
    connection's lifecycle itself (the thread wrapper does).
    """
    scan = DuplicateScan.objects.select_related("tenant").get(pk=scan_id)
    kind = CollectionKind(scan.kind)
    try:
        _scan(scan, kind)
    except FaceApiError as exc:
        scan.status, scan.error = ScanStatus.FAILED, f"{exc.code}: {exc.message}"
    except Exception as exc:  # a thread has nobody to raise to: record it
        logger.exception("duplicate scan %s failed", scan_id)
        scan.status, scan.error = ScanStatus.FAILED, f"Unexpected error: {exc}"
    else:
        scan.status = ScanStatus.SUCCEEDED
    scan.finished_at = timezone.now()
    scan.save()


def _scan(scan: DuplicateScan, kind: CollectionKind) -> None:
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
    scan.total, scan.skipped = len(probes), skipped
    scan.save(update_fields=["total", "skipped", "updated_at"])

    scope = (
        {"face_list_id": scan.collection_id}
        if kind == CollectionKind.FACE_LIST
        else {"large_face_list_id": scan.collection_id}
    )
    pairs: dict[tuple[str, str], float] = {}
    for image in probes:
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
                skipped.append({"face": image.persisted_face_id, "reason": "face not found again"})
            else:
                for hit in client.find_similar(
                    face_id=best.face_id,
                    max_num_of_candidates_returned=MAX_CANDIDATES,
                    mode="matchFace",
                    **scope,
                ):
                    other = hit.persisted_face_id
                    if not other or other == image.persisted_face_id:
                        continue
                    if hit.confidence >= scan.threshold:
                        key = tuple(sorted((image.persisted_face_id, other)))
                        pair = (key[0], key[1])
                        pairs[pair] = max(pairs.get(pair, 0.0), hit.confidence)
        except _FATAL:
            raise
        except (FaceApiError, OSError) as exc:
            reason = exc.code if isinstance(exc, FaceApiError) else "original unreadable"
            skipped.append({"face": image.persisted_face_id, "reason": reason})
        scan.checked += 1
        scan.save(update_fields=["checked", "updated_at"])

    scan.pairs = [
        {"a": a, "b": b, "confidence": round(confidence, 4)}
        for (a, b), confidence in sorted(pairs.items(), key=lambda item: -item[1])
    ]
    scan.skipped = skipped
