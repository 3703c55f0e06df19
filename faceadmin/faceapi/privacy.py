"""Privacy operations: find a person everywhere from one photo, erase them, export them.

A data-subject request ("delete everything you hold about me") starts from a photo: every
collection of the tenant is searched (identify across the trained person groups and large
person groups, find-similar across face lists and trained large face lists, identify over
every FindFace face), and each match is listed with where it is. Person groups that cannot
identify because they are not trained are checked with verify (face to person, which needs no
training) when they have at most VERIFY_UNTRAINED_LIMIT persons; the rest, and untrained large
face lists, are named as not searched, with the reason. The admin ticks the matches to
erase; a job (`privacy_erase`) deletes them at the provider and every stored image and
pending photo of them here, retrains what needs it, and writes an **erasure receipt** into
the audit trail: what was found, what was deleted, when, by whom, with the provider's
request ids. The receipt holds ids, collection names, confidences and counts only: no
image, no descriptor, no name or userData of the person erased.

The query photo is never stored: the search runs inside the request on the photo in memory,
and the job it starts receives only the matches (signed, so a page cannot add targets).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any, Final

from django.core import signing
from django.db import transaction
from django.utils import timezone

from faceadmin.clients.azure import AzureFaceClient
from faceadmin.clients.errors import FaceApiError, NotFoundError
from faceadmin.clients.findface import DEFAULT_GALLERY, FindFaceClient
from faceadmin.clients.transport import Response
from faceadmin.clients.types import Collection, CollectionKind, FaceRectangle
from faceadmin.faceapi import imagestore
from faceadmin.faceapi.common import _mark_changed
from faceadmin.faceapi.connection import client_for, findface_client_for
from faceadmin.faceapi.kinds import KIND_LABELS, TRAINABLE_KINDS
from faceadmin.faceapi.lookup import (
    LIST_KINDS,
    PERSON_KINDS,
    DetectSettings,
    GroupRef,
    Photo,
    PhotoError,
    _untrained_reason,
    collection_options,
    photo_detect,
    photo_identify,
)
from faceadmin.faceapi.models import FaceImage, PendingPhoto
from faceadmin.faceapi.training import training_status
from faceadmin.jobs.registry import job_kind
from faceadmin.tenants.audit import audit_record
from faceadmin.tenants.models import AuditEvent, Provider, Tenant

__all__ = [
    "ErasureMatch",
    "ErasureRequestError",
    "ErasureSearch",
    "Export",
    "erase_run",
    "erase_search",
    "erase_search_person",
    "erase_start",
    "erasure_receipt",
    "erasure_receipts",
    "findface_subject_export",
    "person_export",
]

GALLERY: Final = "gallery"  # the kind of a FindFace match
IDENTIFY_CANDIDATES: Final = 100  # identify's maximum
SIMILAR_CANDIDATES: Final = 1000  # find-similar's maximum
FINDFACE_CANDIDATES: Final = 1000
FINDFACE_THRESHOLD: Final = "medium"
RECEIPT_ACTION: Final = "privacy.erase"
# An untrained person group this small is checked with verify, one call per person.
VERIFY_UNTRAINED_LIMIT: Final = 200
_SIGNING_SALT: Final = "faceadmin.privacy.erase"
_AUDIT_REASON_LIMIT: Final = 1900  # audit_record keeps 2,000 characters of a reason


# --- search -----------------------------------------------------------------------------------


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


def erase_search(
    *, tenant: Tenant, photo: Photo, face: FaceRectangle | None = None
) -> ErasureSearch:
    """Every place the person on the photo (the face at `face`, else the largest) is held.

    Runs on the photo in memory; nothing of it is written anywhere."""
    if photo.data is None:
        raise PhotoError("Erasure searches need the photo itself; upload it.")
    if tenant.provider == Provider.FINDFACE:
        found = _search_findface(tenant, photo, face)
    else:
        found = _search_azure(tenant, photo, face)
    return replace(found, tenant_id=tenant.pk)


class _SubjectFaces:
    """The subject's face id per recognition model: the photo is detected once per model
    (face ids of one model cannot be compared with another's), not once per collection."""

    def __init__(self, tenant: Tenant, photo: Photo, target: FaceRectangle | None) -> None:
        self.tenant, self.photo, self.target = tenant, photo, target
        self.ids: dict[str, str | None] = {}

    def seed(self, model: str, face_id: str | None) -> None:
        self.ids[model] = face_id

    def __call__(self, model: str) -> str | None:
        if model not in self.ids:
            settings = DetectSettings(recognition_model=model, landmarks=False)
            detection = photo_detect(tenant=self.tenant, photo=self.photo, settings=settings)
            box = detection.box_for(self.target)
            self.ids[model] = box.face.face_id if box is not None else None
        return self.ids[model]


def _search_azure(tenant: Tenant, photo: Photo, face: FaceRectangle | None) -> ErasureSearch:
    settings = DetectSettings(landmarks=False)
    known = collection_options(tenant=tenant, kinds=(*PERSON_KINDS, *LIST_KINDS))
    identification = photo_identify(
        tenant=tenant,
        photo=photo,
        settings=settings,
        max_candidates=IDENTIFY_CANDIDATES,
        known=[c for c in known if c.kind in PERSON_KINDS],
    )
    boxes = identification.detection.boxes
    if not boxes:
        raise PhotoError(f"No face was found on {photo.filename}.")
    subject = identification.detection.box_for(face)
    matches: list[ErasureMatch] = []
    for identity in identification.faces:
        if subject is None or identity.box.number != subject.number:
            continue
        for candidate in identity.candidates:
            matches.append(
                ErasureMatch(
                    kind=candidate.group.kind.value,
                    collection_id=candidate.group.id,
                    collection_name=candidate.group_name,
                    person_id=candidate.person_id,
                    face_id="",
                    confidence=candidate.confidence,
                    label=candidate.name,
                    thumbnails=candidate.thumbnails,
                )
            )
    searched = [_where(c.kind, c.name) for c in identification.searched]
    skipped: list[tuple[str, str]] = []
    target = subject.rect if subject is not None else None
    face_id_for = _SubjectFaces(tenant, photo, target)
    if subject is not None:
        face_id_for.seed(identification.detection.settings.recognition_model, subject.face.face_id)
    by_ref = {GroupRef(c.kind, c.id): c for c in known}
    for skip in identification.skipped:
        where = _where(skip.ref.kind, skip.name)
        collection = by_ref.get(skip.ref)
        if collection is None:  # gone since it was listed
            skipped.append((where, skip.reason))
            continue
        try:
            found = _verify_untrained(tenant, face_id_for, collection)
        except _TooLarge as exc:
            skipped.append((where, f"{skip.reason}, and {exc}"))
            continue
        except FaceApiError as exc:
            skipped.append(
                (where, f"{skip.reason}; verifying person by person failed: {exc.message}")
            )
            continue
        searched.append(f"{where} (untrained: checked person by person)")
        matches.extend(found)
    for collection in (c for c in known if c.kind in LIST_KINDS):
        where = _where(collection.kind, collection.name)
        if collection.kind is CollectionKind.LARGE_FACE_LIST:
            reason = _untrained_reason(tenant, collection)
            if reason is not None:
                skipped.append((where, f"{collection.name} cannot be searched yet: {reason}."))
                continue
        try:
            found = _find_similar(tenant, face_id_for, collection)
        except FaceApiError as exc:
            skipped.append((where, exc.message or exc.code))
            continue
        searched.append(where)
        matches.extend(found)
    matches.sort(key=lambda m: -m.confidence)
    return ErasureSearch(tuple(matches), tuple(searched), tuple(skipped), len(boxes))


def _find_similar(
    tenant: Tenant, face_id_for: _SubjectFaces, collection: Collection
) -> list[ErasureMatch]:
    face_id = face_id_for(collection.recognition_model or "recognition_01")
    if not face_id:
        return []
    scope = (
        {"face_list_id": collection.id}
        if collection.kind is CollectionKind.FACE_LIST
        else {"large_face_list_id": collection.id}
    )
    hits = client_for(tenant).find_similar(
        face_id=face_id,
        max_num_of_candidates_returned=SIMILAR_CANDIDATES,
        mode="matchPerson",
        **scope,
    )
    ids = [h.persisted_face_id for h in hits if h.persisted_face_id]
    images = imagestore.face_images(tenant=tenant, persisted_face_ids=ids)
    found = []
    for hit in hits:
        if not hit.persisted_face_id:
            continue
        image = images.get(hit.persisted_face_id)
        found.append(
            ErasureMatch(
                kind=collection.kind.value,
                collection_id=collection.id,
                collection_name=collection.name,
                person_id="",
                face_id=hit.persisted_face_id,
                confidence=hit.confidence,
                label=image.user_data if image is not None else "",
                thumbnails=(image.thumbnail_url,) if image is not None else (),
            )
        )
    return found


class _TooLarge(Exception):
    pass


def _verify_untrained(
    tenant: Tenant, face_id_for: _SubjectFaces, collection: Collection
) -> list[ErasureMatch]:
    """An untrained person group cannot identify, but verify (face to person) needs no
    training: check every person of a small group one by one."""
    client = client_for(tenant)
    ref = GroupRef(collection.kind, collection.id)
    persons = list(client.iter_persons(collection.kind, collection_id=collection.id))
    persons = [p for p in persons if p.persisted_face_ids]
    if len(persons) > VERIFY_UNTRAINED_LIMIT:
        raise _TooLarge(
            f"it has {len(persons)} persons with faces (more than {VERIFY_UNTRAINED_LIMIT} "
            "to verify one by one); train it and search again"
        )
    if not persons:
        return []
    face_id = face_id_for(collection.recognition_model or "recognition_01")
    if not face_id:
        return []
    group = (
        {"large_person_group_id": collection.id}
        if collection.kind is CollectionKind.LARGE_PERSON_GROUP
        else {"person_group_id": collection.id}
    )
    found = []
    for person in persons:
        verdict = client.verify_face_to_person(face_id=face_id, person_id=person.person_id, **group)
        if not verdict.is_identical:
            continue
        images = imagestore.person_face_images(
            tenant=tenant, kind=ref.kind, group_id=ref.id, person_id=person.person_id
        )
        found.append(
            ErasureMatch(
                kind=collection.kind.value,
                collection_id=collection.id,
                collection_name=collection.name,
                person_id=person.person_id,
                face_id="",
                confidence=verdict.confidence,
                label=person.name,
                thumbnails=tuple(i.thumbnail_url for i in images[:4]),
            )
        )
    return found


def _where(kind: CollectionKind, name: str) -> str:
    return f"{KIND_LABELS[kind]} {name}"


def _search_findface(tenant: Tenant, photo: Photo, face: FaceRectangle | None) -> ErasureSearch:
    from faceadmin.faceapi.findface_lookup import photo_identify_in_gallery

    identification = photo_identify_in_gallery(
        tenant=tenant,
        photo=photo,
        gallery=None,
        threshold=FINDFACE_THRESHOLD,
        n=FINDFACE_CANDIDATES,
    )
    if not identification.detection.boxes:
        raise PhotoError(f"No face was found on {photo.filename}.")
    subject = identification.detection.box_for(face)
    matches = [
        ErasureMatch(
            kind=GALLERY,
            collection_id=DEFAULT_GALLERY,
            collection_name=candidate.group_name,
            person_id="",
            face_id=str(candidate.face_id),
            confidence=candidate.confidence,
            label=candidate.name,
            thumbnails=candidate.thumbnails,
        )
        for identity in identification.faces
        if subject is not None and identity.box.number == subject.number
        for candidate in identity.candidates
    ]
    return ErasureSearch(
        tuple(sorted(matches, key=lambda m: -m.confidence)),
        ("every FindFace face (all galleries)",),
        (),
        len(identification.detection.boxes),
    )


def erase_search_person(
    *, tenant: Tenant, kind: CollectionKind, group_id: str, person_id: str
) -> ErasureSearch:
    """Start from a person: search with their stored original photo (in memory), and list
    the person itself whatever the search finds."""
    images = imagestore.person_face_images(
        tenant=tenant, kind=kind, group_id=group_id, person_id=person_id
    )
    found: ErasureSearch | None = None
    for image in images:
        if not image.original:
            continue
        with image.original.open("rb") as handle:
            data = handle.read()
        try:
            from faceadmin.faceapi.lookup import photo_from_bytes

            photo = photo_from_bytes(data=data, filename=image.source_filename or "original")
            found = erase_search(tenant=tenant, photo=photo, face=image.rectangle)
        except PhotoError:
            continue
        break
    collection = client_for(tenant)
    try:
        name = collection.collection_get(kind, collection_id=group_id).name
    except FaceApiError:
        name = group_id
    itself = ErasureMatch(
        kind=kind.value,
        collection_id=group_id,
        collection_name=name,
        person_id=person_id,
        face_id="",
        confidence=1.0,
        label="(the person you started from)",
        thumbnails=tuple(i.thumbnail_url for i in images[:4]),
    )
    if found is None:
        return ErasureSearch(
            (itself,),
            (),
            (("every other collection", "the person has no stored original photo to search with"),),
            0,
            tenant.pk,
        )
    others = tuple(m for m in found.matches if m.key != itself.key)
    return replace(found, matches=(itself, *others))


# --- erase ----------------------------------------------------------------------------------


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


def _receipt(
    ctx: Any,
    params: Mapping[str, Any],
    picked: Sequence[ErasureMatch],
    finished: Mapping[str, Any],
    retrained: list[dict[str, Any]],
) -> dict[str, Any]:
    job = ctx.job
    deleted = [dict(finished[f"erase:{m.key}"].data) for m in picked]
    return {
        "receipt": str(job.pk),
        "tenant": ctx.tenant.slug,
        "requested_by": job.created_by_name,
        "requested_at": job.created_at.isoformat(),
        "completed_at": timezone.now().isoformat(),
        "searched": list(params.get("searched", [])),
        "not_searched": [list(s) for s in params.get("skipped", [])],
        "found": list(params.get("found", [])),
        "deleted": deleted,
        "retrained": retrained,
        "totals": {
            "found": len(params.get("found", [])),
            "erased": sum(1 for d in deleted if d["outcome"] in ("deleted", "already gone")),
            "failed": sum(1 for d in deleted if str(d["outcome"]).startswith("failed")),
            "provider_faces": sum(len(d.get("faces", [])) for d in deleted),
            "stored_images": sum(int(d.get("stored_images", 0)) for d in deleted),
            "pending_photos": sum(int(d.get("pending_photos", 0)) for d in deleted),
        },
    }


def _chunks(items: list[Any], header: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """Split `items` into parts whose JSON (with `header`) fits in one audit reason."""
    parts: list[dict[str, Any]] = []
    current: list[Any] = []
    for item in items:
        trial = {**header, name: [*current, item]}
        if current and len(json.dumps(trial, separators=(",", ":"))) > _AUDIT_REASON_LIMIT:
            parts.append({**header, name: current})
            current = []
        current.append(item)
    if current or not parts:
        parts.append({**header, name: current})
    return parts


def _audit_receipt(*, tenant: Tenant, user: Any, receipt: Mapping[str, Any]) -> None:
    """Write the receipt into the audit trail as JSON, in as many events as it needs (an
    event's reason holds 2,000 characters). Every event names the receipt and its part."""
    summary = {
        k: receipt[k] for k in ("receipt", "requested_by", "requested_at", "completed_at", "totals")
    }
    events: list[dict[str, Any]] = [
        {**summary, "searched": receipt["searched"], "not_searched": receipt["not_searched"]}
    ]
    for section in ("found", "deleted", "retrained"):
        if receipt[section]:
            events += _chunks(list(receipt[section]), {"receipt": receipt["receipt"]}, section)
    failed = receipt["totals"]["failed"]
    for number, body in enumerate(events, start=1):
        body = {"part": f"{number}/{len(events)}", **body}
        audit_record(
            action=RECEIPT_ACTION,
            tenant=tenant,
            user=user,
            target_kind="receipt",
            target_id=str(receipt["receipt"]),
            outcome="ok" if not failed else "partial",
            reason=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        )


def erasure_receipt(*, tenant: Tenant, receipt_id: str) -> dict[str, Any] | None:
    """The receipt put back together from the audit trail (None when there is none)."""
    events = AuditEvent.objects.filter(
        tenant=tenant, action=RECEIPT_ACTION, target_kind="receipt", target_id=receipt_id
    ).order_by("created_at")
    receipt: dict[str, Any] = {}
    for event in events:
        try:
            part = json.loads(event.reason)
        except ValueError:
            continue
        part.pop("part", None)
        for key, value in part.items():
            if key in ("found", "deleted", "retrained"):
                receipt.setdefault(key, []).extend(value)
            else:
                receipt[key] = value
        receipt["username"] = event.username
    if not receipt:
        return None
    for key in ("found", "deleted", "retrained"):
        receipt.setdefault(key, [])
    return receipt


def erasure_receipts(*, tenant: Tenant) -> list[AuditEvent]:
    """The first part of every receipt of the tenant, newest first."""
    return list(
        AuditEvent.objects.filter(
            tenant=tenant, action=RECEIPT_ACTION, reason__startswith='{"part":"1/'
        ).order_by("-created_at")
    )


# --- export ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Export:
    filename: str
    data: bytes
    files: int


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def person_export(
    *, tenant: Tenant, user: Any, kind: CollectionKind, group_id: str, person_id: str
) -> Export:
    """Everything held about one person as a ZIP: the provider's record (name, userData,
    face ids and each face's userData) and every stored image with its provenance."""
    client = client_for(tenant)
    person = client.person_get(kind, collection_id=group_id, person_id=person_id)
    faces = []
    for face_id in person.persisted_face_ids:
        try:
            face = client.person_get_face(
                kind, collection_id=group_id, person_id=person_id, persisted_face_id=face_id
            )
            faces.append({"persistedFaceId": face_id, "userData": face.user_data})
        except NotFoundError:
            faces.append({"persistedFaceId": face_id, "userData": None})
    images = imagestore.person_face_images(
        tenant=tenant, kind=kind, group_id=group_id, person_id=person_id
    )
    buffer = io.BytesIO()
    stored = []
    count = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for image in images:
            entry: dict[str, Any] = {
                "persistedFaceId": image.persisted_face_id,
                "sourceFilename": image.source_filename,
                "sha256": image.sha256,
                "uploadedBy": image.uploaded_by_username,
                "uploadedAt": _iso(image.created_at),
                "userData": image.user_data,
                "faceRectangle": asdict(image.rectangle) if image.rectangle else None,
                "files": [],
            }
            for label, file in (("thumbnail", image.thumbnail), ("original", image.original)):
                if not file:
                    continue
                name = f"images/{image.persisted_face_id}-{label}{_suffix(file.name or '')}"
                try:
                    with file.open("rb") as handle:
                        archive.writestr(name, handle.read())
                except OSError:
                    continue
                entry["files"].append(name)
                count += 1
            stored.append(entry)
        document = {
            "exportedAt": timezone.now().isoformat(),
            "exportedBy": user.get_username() if getattr(user, "is_authenticated", False) else "",
            "tenant": tenant.slug,
            "provider": {
                "kind": kind.value,
                "collectionId": group_id,
                "personId": person.person_id,
                "name": person.name,
                "userData": person.user_data,
                "persistedFaces": faces,
            },
            "storedImages": stored,
            "pendingPhotos": [
                {"filename": p.filename, "uploadedAt": _iso(p.created_at), "faces": len(p.faces)}
                for p in PendingPhoto.objects.filter(
                    tenant=tenant, kind=kind.value, collection_id=group_id, person_id=person_id
                )
            ],
        }
        archive.writestr("person.json", json.dumps(document, indent=2, ensure_ascii=False))
    audit_record(
        action="privacy.export",
        tenant=tenant,
        user=user,
        target_kind="person",
        target_id=person_id,
        reason=f"{kind.value} {group_id}: {len(faces)} provider faces, {count} stored files",
    )
    return Export(f"person-{person_id}.zip", buffer.getvalue(), count + 1)


def _face_record(face: Any) -> dict[str, Any]:
    return {
        "id": face.id,
        "meta": face.meta,
        "galleries": list(face.galleries),
        "bbox": asdict(face.bbox) if face.bbox else None,
        "photo": face.photo,
        "photoHash": face.photo_hash,
        "thumbnail": face.thumbnail,
        "timestamp": _iso(face.timestamp),
    }


def findface_subject_export(*, tenant: Tenant, user: Any, face_id: int) -> Export:
    """On a FindFace tenant a person is the faces sharing one meta: everything the provider
    holds about them (ids, meta, galleries, boxes, photo and crop URLs) as a ZIP. FindFace
    keeps the crops itself; faceadmin stores no image of a gallery face."""
    client = findface_client_for(tenant)
    face = client.face_get(face_id=face_id)
    faces = [face]
    if face.meta:
        faces, max_id = [], None
        while True:
            page = client.faces_by_meta(meta=face.meta, max_id=max_id)
            fresh = [f for f in page.faces if max_id is None or f.id < max_id]
            faces += fresh
            if not fresh or page.next_max_id is None:
                break
            max_id = page.next_max_id
    document: dict[str, Any] = {
        "exportedAt": timezone.now().isoformat(),
        "exportedBy": user.get_username() if getattr(user, "is_authenticated", False) else "",
        "tenant": tenant.slug,
        "provider": {"meta": face.meta, "faces": [_face_record(f) for f in faces]},
        "storedImages": [],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("person.json", json.dumps(document, indent=2, ensure_ascii=False))
    audit_record(
        action="privacy.export",
        tenant=tenant,
        user=user,
        target_kind="face",
        target_id=str(face_id),
        reason=f"{len(faces)} FindFace faces sharing the face's meta",
    )
    return Export(f"faces-{face_id}.zip", buffer.getvalue(), 1)


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:] if dot > name.rfind("/") else ""
