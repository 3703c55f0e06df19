"""Export everything held about one person as a ZIP (Azure-compatible or FindFace)."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from faceadmin.clients.errors import NotFoundError
from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import imagestore
from faceadmin.faceapi.connection import client_for, findface_client_for
from faceadmin.faceapi.models import FaceImage, PendingPhoto
from faceadmin.tenants.audit import audit_record
from faceadmin.tenants.models import Tenant


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
    person, faces = _provider_person(tenant, kind, group_id, person_id)
    images = imagestore.person_face_images(
        tenant=tenant, kind=kind, group_id=group_id, person_id=person_id
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        stored, count = _write_images(archive, images)
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


def _provider_person(
    tenant: Tenant, kind: CollectionKind, group_id: str, person_id: str
) -> tuple[Any, list[dict[str, Any]]]:
    """The provider's record of the person, and each of their faces' userData."""
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
    return person, faces


def _write_images(
    archive: zipfile.ZipFile, images: Sequence[FaceImage]
) -> tuple[list[dict[str, Any]], int]:
    """Every stored image (thumbnail and original) into `images/`; (provenance, files)."""
    stored = []
    count = 0
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
    return stored, count


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
