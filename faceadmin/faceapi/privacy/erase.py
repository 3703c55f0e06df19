"""Erase the ticked matches: the `privacy_erase` job, its start, and the local clean-up."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from django.core import signing
from django.db import transaction

from faceadmin.clients.azure import AzureFaceClient
from faceadmin.clients.errors import FaceApiError, NotFoundError
from faceadmin.clients.findface import FindFaceClient
from faceadmin.clients.transport import Response
from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi.common import _mark_changed
from faceadmin.faceapi.connection import client_for, findface_client_for
from faceadmin.faceapi.kinds import TRAINABLE_KINDS
from faceadmin.faceapi.models import FaceImage, PendingPhoto
from faceadmin.faceapi.privacy.matches import _SIGNING_SALT, ErasureMatch
from faceadmin.faceapi.privacy.receipts import _audit_receipt, _receipt
from faceadmin.faceapi.training import training_status
from faceadmin.jobs.registry import job_kind
from faceadmin.tenants.audit import audit_record
from faceadmin.tenants.models import Provider, Tenant


class ErasureRequestError(ValueError):
    """The posted erase form is damaged, stale or empty."""


def erase_start(*, tenant: Tenant, user: Any, token: str, chosen: Sequence[str]) -> Any:
    """Start the erase job for the ticked matches (keys) of a signed search."""
    from faceadmin.jobs.services import job_create

    try:
        findings = signing.loads(token, salt=_SIGNING_SALT, max_age=60 * 60 * 24)
    except signing.BadSignature:
        raise ErasureRequestError(
            "The search results are damaged or too old; search again."
        ) from None
    if findings.get("tenant") != tenant.pk:
        raise ErasureRequestError("These search results belong to another tenant; search again.")
    names: dict[str, str] = findings.get("names", {})
    found = [ErasureMatch.from_entry(e, "") for e in findings["found"]]
    by_key = {m.key: m for m in found}
    picked = [by_key[key] for key in dict.fromkeys(chosen) if key in by_key]
    if not picked:
        raise ErasureRequestError("Tick at least one match to erase.")
    params = {
        "found": findings["found"],
        "erase": [m.receipt_entry() for m in picked],
        "names": {m.key: names.get(m.key, "") for m in found},
        "searched": findings.get("searched", []),
        "skipped": findings.get("skipped", []),
    }
    return job_create(
        tenant=tenant,
        user=user,
        kind="privacy_erase",
        title=f"Erase a person everywhere ({len(picked)} match{'es' if len(picked) != 1 else ''})",
        params=params,
        total=len(picked),
    )


class _RequestIds:
    """A transport that passes every request on and keeps the provider's request ids."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.ids: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def request(self, method: str, path: str, **kwargs: Any) -> Response:
        try:
            response: Response = self.inner.request(method, path, **kwargs)
        except FaceApiError as exc:
            if exc.request_id:
                self.ids.append(exc.request_id)
            raise
        if response.request_id:
            self.ids.append(response.request_id)
        return response

    def take(self) -> list[str]:
        ids, self.ids = self.ids, []
        return ids


def _sha256_of_file(field_file: Any) -> str:
    digest = hashlib.sha256()
    try:
        with field_file.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 16), b""):
                digest.update(chunk)
    except OSError:
        return ""
    return digest.hexdigest()


def _forget_locally(
    *, tenant: Tenant, kind: str, collection_id: str, person_id: str, face_ids: Iterable[str]
) -> tuple[int, int]:
    """Drop the stored images and pending photos of an erased person / face; (images, pending).

    Pending photos of a person go by person; a face list's pending photos (not tied to a
    person) go when their file is the very photo an erased face was enrolled from."""
    images = FaceImage.objects.filter(tenant=tenant, kind=kind, collection_id=collection_id)
    if person_id:
        images = images.filter(person_id=person_id)
    else:
        images = images.filter(persisted_face_id__in=list(face_ids))
    hashes = set(images.values_list("sha256", flat=True))
    pending = PendingPhoto.objects.filter(tenant=tenant, kind=kind, collection_id=collection_id)
    doomed = [p.pk for p in pending.filter(person_id=person_id)] if person_id else []
    if hashes:
        doomed += [
            p.pk for p in pending.exclude(pk__in=doomed) if _sha256_of_file(p.image) in hashes
        ]
    with transaction.atomic():
        dropped, _ = images.delete()
        gone, _ = PendingPhoto.objects.filter(pk__in=doomed).delete()
    return dropped, gone


def _erase_azure(
    client: AzureFaceClient, recorder: _RequestIds, tenant: Tenant, match: ErasureMatch
) -> dict[str, Any]:
    kind = CollectionKind(match.kind)
    where = match.collection_id
    outcome = "deleted"
    face_ids: list[str] = []
    try:
        if match.person_id:
            person = client.person_get(kind, collection_id=where, person_id=match.person_id)
            face_ids = list(person.persisted_face_ids)
            client.person_delete(kind, collection_id=where, person_id=match.person_id)
        else:
            face_ids = [match.face_id]
            client.delete_face(kind, collection_id=where, persisted_face_id=match.face_id)
    except NotFoundError:
        outcome = "already gone"
    if match.person_id and not face_ids:
        face_ids = list(
            FaceImage.objects.filter(
                tenant=tenant,
                kind=kind.value,
                collection_id=match.collection_id,
                person_id=match.person_id,
            ).values_list("persisted_face_id", flat=True)
        )
    images, pending = _forget_locally(
        tenant=tenant,
        kind=kind.value,
        collection_id=match.collection_id,
        person_id=match.person_id,
        face_ids=face_ids,
    )
    _mark_changed(
        tenant=tenant, kind=kind, collection_id=match.collection_id, action="privacy.erase"
    )
    return {
        "outcome": outcome,
        "faces": face_ids,
        "stored_images": images,
        "pending_photos": pending,
        "request_ids": recorder.take(),
    }


def _erase_findface(
    client: FindFaceClient, recorder: _RequestIds, match: ErasureMatch
) -> dict[str, Any]:
    outcome = "deleted"
    try:
        client.face_delete(face_id=int(match.face_id))
    except NotFoundError:
        outcome = "already gone"
    # FindFace keeps its face crops itself: faceadmin stores nothing of a gallery face.
    return {
        "outcome": outcome,
        "faces": [match.face_id],
        "stored_images": 0,
        "pending_photos": 0,
        "request_ids": recorder.take(),
    }


@job_kind(
    "privacy_erase",
    label="Erase a person everywhere",
    result_template="dashboard/privacy_receipt_result.html",
)
def erase_run(ctx: Any) -> dict[str, Any]:
    """The `privacy_erase` job: delete each ticked match (a step each), retrain, receipt."""
    tenant: Tenant = ctx.tenant
    user = ctx.job.created_by
    params = ctx.params
    picked = [ErasureMatch.from_entry(e) for e in params["erase"]]
    finished = ctx.finished_steps()
    ctx.progress(done=sum(1 for m in picked if f"erase:{m.key}" in finished), total=len(picked))
    findface = tenant.provider == Provider.FINDFACE
    base = findface_client_for(tenant) if findface else client_for(tenant)
    recorder = _RequestIds(base.transport)
    azure = AzureFaceClient(recorder) if not findface else None
    ff = FindFaceClient(recorder, version=getattr(base, "version", None)) if findface else None
    for match in picked:
        key = f"erase:{match.key}"
        if key in finished:
            continue
        ctx.check_control()
        ctx.progress(message=f"Erasing {match.what} from {match.kind} {match.collection_id}")
        try:
            if ff is not None:
                data = _erase_findface(ff, recorder, match)
            else:
                assert azure is not None
                data = _erase_azure(azure, recorder, tenant, match)
        except FaceApiError as exc:
            data = {
                "outcome": f"failed: {exc.code}",
                "message": exc.message[:300],
                "faces": [],
                "stored_images": 0,
                "pending_photos": 0,
                "request_ids": recorder.take(),
            }
        data |= match.receipt_entry()
        audit_record(
            action="person.delete" if match.person_id else "face.delete",
            tenant=tenant,
            user=user,
            target_kind="person" if match.person_id else "face",
            target_id=match.person_id or match.face_id,
            outcome="ok" if not data["outcome"].startswith("failed") else data["outcome"][8:],
            reason=(
                f"{match.kind} {match.collection_id}; erasure {ctx.job.pk}; "
                f"provider request {', '.join(data['request_ids']) or 'none'}"
            ),
        )
        finished[key] = ctx.record_step(key, data=data)
        ctx.progress(advance=1)
    retrained = _retrain(ctx, tenant, user, picked, finished, azure, recorder)
    if "receipt" in finished:  # a retry after the receipt was written: write it once only
        written: dict[str, Any] = finished["receipt"].data
        return written
    receipt = _receipt(ctx, params, picked, finished, retrained)
    with transaction.atomic():  # all of the receipt's events, and the step, or none
        _audit_receipt(tenant=tenant, user=user, receipt=receipt)
        ctx.record_step("receipt", data=receipt)
    return receipt


def _retrain(
    ctx: Any,
    tenant: Tenant,
    user: Any,
    picked: Sequence[ErasureMatch],
    finished: dict[str, Any],
    client: AzureFaceClient | None,
    recorder: _RequestIds,
) -> list[dict[str, Any]]:
    """Train again every trainable collection something was deleted from (and that had been
    trained: an untrained one answers nobody until someone trains it anyway)."""
    if client is None:
        return []
    out: list[dict[str, Any]] = []
    touched = dict.fromkeys(
        (m.kind, m.collection_id)
        for m in picked
        if CollectionKind(m.kind) in TRAINABLE_KINDS
        and finished[f"erase:{m.key}"].data.get("outcome") == "deleted"
    )
    for kind_value, collection_id in touched:
        key = f"train:{kind_value}:{collection_id}"
        if key in finished:
            out.append(finished[key].data)
            continue
        kind = CollectionKind(kind_value)
        entry: dict[str, Any] = {"kind": kind_value, "collection": collection_id}
        try:
            if training_status(tenant=tenant, kind=kind, collection_id=collection_id) is None:
                entry["outcome"] = "not trained before; left untrained"
            else:
                client.train(kind, collection_id=collection_id)
                entry["outcome"] = "training started"
                audit_record(
                    action="collection.train",
                    tenant=tenant,
                    user=user,
                    target_kind=kind_value,
                    target_id=collection_id,
                    reason=f"after erasure {ctx.job.pk}",
                )
        except FaceApiError as exc:
            entry["outcome"] = f"failed: {exc.code}"
        entry["request_ids"] = recorder.take()
        finished[key] = ctx.record_step(key, data=entry)
        out.append(entry)
    return out
