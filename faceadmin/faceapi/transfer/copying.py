"""Copy a collection to another tenant, provider or recognition model.

The face API cannot move descriptors between accounts or models, so a copy re-enrolls the
stored originals: it exports the source collection to a ZIP in the job's folder and imports
that ZIP into the target (the same code as Import, so rate limits, 429s, resuming and
idempotence hold here too). The dry run lists the faces that cannot move (no stored
original). Once enrolled, each new face's stored image takes over the old one's provenance
(file name, who enrolled it), and the result maps old ids to new ones.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from faceadmin.clients.errors import FaceApiError
from faceadmin.faceapi import collections as colls
from faceadmin.faceapi.kinds import KIND_BY_SLUG
from faceadmin.faceapi.models import FaceImage
from faceadmin.faceapi.transfer.exporting import collection_export_zip
from faceadmin.faceapi.transfer.importing import ImportParams, run_import
from faceadmin.faceapi.transfer.targets import GALLERY, target_for
from faceadmin.jobs.models import JobItem
from faceadmin.jobs.runner import JobContext
from faceadmin.tenants.audit import audit_record
from faceadmin.tenants.models import Tenant


def _create_target(ctx: JobContext, target_tenant: Tenant, source: Any) -> None:
    """Create the target collection once (a retry finds the step done)."""
    if ctx.finished_step("target:create") is not None:
        return
    kind = str(ctx.params["target_kind"])
    target_id = str(ctx.params["target_id"])
    if kind == GALLERY:
        from faceadmin.faceapi.galleries import gallery_create, gallery_list

        if target_id not in gallery_list(tenant=target_tenant):
            gallery_create(tenant=target_tenant, user=ctx.job.created_by, name=target_id)
    else:
        target_kind = KIND_BY_SLUG[kind]
        try:
            colls.collection_get(tenant=target_tenant, kind=target_kind, collection_id=target_id)
        except FaceApiError:
            colls.collection_create(
                tenant=target_tenant,
                user=ctx.job.created_by,
                kind=target_kind,
                collection_id=target_id,
                name=source.name or target_id,
                user_data=source.user_data,
                recognition_model=str(
                    ctx.params.get("recognition_model") or colls.DEFAULT_RECOGNITION_MODEL
                ),
            )
    ctx.record_step("target:create")


def _old_ids(path: str) -> tuple[str, str]:
    """(old personId or "", old persistedFaceId) from photos/<personId|faces>/<faceId>.<ext>."""
    parts = PurePosixPath(path).parts
    if len(parts) != 3:
        return "", ""
    folder, face_id = parts[1], PurePosixPath(parts[2]).stem
    return ("" if folder == "faces" else folder), face_id


def copy_job(ctx: JobContext) -> dict[str, Any]:
    source_kind = KIND_BY_SLUG[str(ctx.params["source_kind"])]
    source_id = str(ctx.params["source_id"])
    target_tenant = Tenant.objects.get(pk=ctx.params["target_tenant"])
    archive = ctx.workdir / "inputs" / "copy.zip"
    ctx.progress(message="Reading the stored originals", force=True)
    summary = collection_export_zip(
        tenant=ctx.tenant, kind=source_kind, collection_id=source_id, out=archive
    )
    movable = {"movable": summary.exported, "faces": summary.faces, "persons": summary.persons}
    if ctx.params.get("dry_run"):
        return {"dry_run": True, **movable, "missing": summary.missing[:500]}
    source = colls.collection_get(tenant=ctx.tenant, kind=source_kind, collection_id=source_id)
    _create_target(ctx, target_tenant, source)
    options = ImportParams(
        kind=str(ctx.params["target_kind"]),
        collection_id=str(ctx.params["target_id"]),
        policy="largest",
        skip_small=False,
    )
    target = target_for(
        tenant=target_tenant, kind=options.kind, collection_id=options.collection_id
    )
    imported = run_import(ctx, path=archive, options=options, target=target)
    face_map: dict[str, str] = {}
    person_map: dict[str, str] = {}
    for item in JobItem.objects.filter(job=ctx.job, key__startswith="file:", status="enrolled"):
        old_person, old_face = _old_ids(str(item.data.get("file", "")))
        new_face = str(item.data.get("persistedFaceId", ""))
        if old_face and new_face:
            face_map[old_face] = new_face
        if old_person and item.data.get("personId"):
            person_map[old_person] = str(item.data["personId"])
    _carry_provenance(ctx.tenant, target_tenant, face_map)
    audit_record(
        action="collection.copy",
        tenant=ctx.tenant,
        user=ctx.job.created_by,
        target_kind=source_kind.value,
        target_id=source_id,
        reason=f"to {target_tenant.slug} {options.kind} {options.collection_id}: "
        f"{len(face_map)} faces, {len(summary.missing)} without an original",
    )
    return (
        imported
        | movable
        | {
            "missing": summary.missing[:500],
            "face_map": face_map,
            "person_map": person_map,
            "target_tenant": target_tenant.slug,
        }
    )


def _carry_provenance(source: Tenant, target: Tenant, face_map: dict[str, str]) -> None:
    """The new faces' stored images keep the old ones' file name and enroller."""
    if not face_map:
        return
    old_rows = {
        row.persisted_face_id: row
        for row in FaceImage.objects.filter(tenant=source, persisted_face_id__in=list(face_map))
    }
    for old_id, new_id in face_map.items():
        old = old_rows.get(old_id)
        if old is None:
            continue
        FaceImage.objects.filter(tenant=target, persisted_face_id=new_id).update(
            source_filename=old.source_filename,
            uploaded_by=old.uploaded_by,
            uploaded_by_username=old.uploaded_by_username,
        )
