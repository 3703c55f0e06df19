"""Export a collection to a ZIP that import reads back: a portable backup.

The ZIP holds `manifest.csv` (the import manifest's columns, plus the old ids and the
original file names for provenance), `collection.json` (name, userData, recognition model)
and the stored original of every face under `photos/<personId>/<persistedFaceId>.<ext>`.
The face API never gives a photo back, so a face enrolled without faceadmin (or with
FACEADMIN_STORE_ORIGINALS off) has no original and cannot be exported: the result lists
those faces. A person left without photos is still written (a manifest row with no file),
so a round trip keeps every person and its userData.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import collections as colls
from faceadmin.faceapi.kinds import KIND_BY_SLUG
from faceadmin.faceapi.models import FaceImage
from faceadmin.faceapi.transfer.sources import MANIFEST_COLUMNS, MANIFEST_NAME
from faceadmin.jobs.runner import JobContext, job_workdir
from faceadmin.tenants.audit import audit_record
from faceadmin.tenants.models import Tenant

EXPORT_COLUMNS = (*MANIFEST_COLUMNS, "persisted_face_id", "source_filename")


@dataclass
class ExportSummary:
    persons: int = 0
    faces: int = 0
    exported: int = 0
    missing: list[dict[str, str]] = field(default_factory=list)
    bytes: int = 0

    def as_result(self) -> dict[str, Any]:
        return {
            "persons": self.persons,
            "faces": self.faces,
            "exported": self.exported,
            "missing": self.missing[:500],
            "missing_count": len(self.missing),
            "bytes": self.bytes,
        }


def _persons(tenant: Tenant, kind: CollectionKind, collection_id: str) -> list[Any]:
    found: list[Any] = []
    start = None
    while True:
        page = colls.person_page(
            tenant=tenant, kind=kind, group_id=collection_id, start=start, top=999
        )
        found.extend(page.items)
        if not page.has_next:
            return found
        start = page.next_start


def _original(row: FaceImage | None) -> bytes | None:
    if row is None or not row.original:
        return None
    try:
        with row.original.open("rb") as handle:
            return handle.read()
    except OSError:
        return None


class _Photos:
    """Writes the stored originals into the archive and a manifest row for each."""

    def __init__(
        self,
        archive: zipfile.ZipFile,
        writer: csv.DictWriter[str],
        stored: dict[str, FaceImage],
        summary: ExportSummary,
        progress: Any,
    ) -> None:
        self.archive, self.writer, self.stored = archive, writer, stored
        self.summary, self.progress = summary, progress

    def add(self, ref: str, name: str, user_data: str, face_id: str, folder: str) -> bool:
        summary = self.summary
        summary.faces += 1
        row = self.stored.get(face_id)
        data = _original(row)
        if data is None or row is None:
            summary.missing.append(
                {"person": name, "persistedFaceId": face_id, "reason": "no stored original"}
            )
            return False
        ext = PurePosixPath(row.original.name or "").suffix or ".jpg"
        path = f"photos/{folder}/{face_id}{ext}"
        self.archive.writestr(path, data)
        summary.exported += 1
        summary.bytes += len(data)
        self.writer.writerow(
            {
                "person_id_or_name": ref,
                "name": name,
                "user_data": user_data,
                "file": path,
                "persisted_face_id": face_id,
                "source_filename": row.source_filename,
            }
        )
        if self.progress is not None:
            self.progress(advance=1)
        return True


def collection_export_zip(
    *,
    tenant: Tenant,
    kind: CollectionKind,
    collection_id: str,
    out: Path,
    progress: Any = None,
) -> ExportSummary:
    """Write the collection to `out`; reads stored images, lists persons/faces (API calls)."""
    collection = colls.collection_get(tenant=tenant, kind=kind, collection_id=collection_id)
    summary = ExportSummary()
    manifest = io.StringIO()
    writer = csv.DictWriter(manifest, fieldnames=EXPORT_COLUMNS)
    writer.writeheader()
    out.parent.mkdir(parents=True, exist_ok=True)
    stored = {
        row.persisted_face_id: row
        for row in FaceImage.objects.filter(
            tenant=tenant, kind=kind.value, collection_id=collection_id
        )
    }
    # Photos are compressed already: store them as they are.
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        photos = _Photos(archive, writer, stored, summary, progress)
        if kind in colls.PERSON_KINDS:
            _export_persons(tenant, kind, collection_id, photos, progress)
        else:
            faces = list(colls.face_list_faces(tenant=tenant, kind=kind, list_id=collection_id))
            if progress is not None:
                progress(total=len(faces), done=0)
            for face in faces:
                photos.add("", "", face.user_data or "", face.persisted_face_id, "faces")
        archive.writestr(MANIFEST_NAME, manifest.getvalue())
        archive.writestr(
            "collection.json",
            json.dumps(
                {
                    "kind": kind.value,
                    "id": collection.id,
                    "name": collection.name,
                    "userData": collection.user_data,
                    "recognitionModel": collection.recognition_model,
                },
                indent=2,
            ),
        )
    return summary


def _export_persons(
    tenant: Tenant, kind: CollectionKind, collection_id: str, photos: _Photos, progress: Any
) -> None:
    """Every person's photos; a person without any gets a manifest row of its own."""
    persons = _persons(tenant, kind, collection_id)
    photos.summary.persons = len(persons)
    if progress is not None:
        progress(total=sum(len(p.persisted_face_ids) for p in persons), done=0)
    for person in persons:
        moved = [
            photos.add(person.person_id, person.name, person.user_data or "", fid, person.person_id)
            for fid in person.persisted_face_ids
        ]
        if not any(moved):
            photos.writer.writerow(
                {
                    "person_id_or_name": person.person_id,
                    "name": person.name,
                    "user_data": person.user_data or "",
                    "file": "",
                }
            )


def export_path(job: Any) -> Path:
    return job_workdir(job) / "export.zip"


def export_job(ctx: JobContext) -> dict[str, Any]:
    kind = KIND_BY_SLUG[str(ctx.params["kind"])]
    collection_id = str(ctx.params["collection_id"])
    summary = collection_export_zip(
        tenant=ctx.tenant,
        kind=kind,
        collection_id=collection_id,
        out=export_path(ctx.job),
        progress=ctx.progress,
    )
    audit_record(
        action="collection.export",
        tenant=ctx.tenant,
        user=ctx.job.created_by,
        target_kind=kind.value,
        target_id=collection_id,
        reason=f"{summary.exported} of {summary.faces} faces, {summary.persons} persons",
    )
    return summary.as_result() | {"kind": ctx.params["kind"], "collection_id": collection_id}
