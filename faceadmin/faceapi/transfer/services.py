"""Starting transfer jobs (services): what the dashboard views and `manage.py import` call."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.move import file_move_safe
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi.kinds import KIND_LABELS, KIND_SLUGS
from faceadmin.faceapi.transfer.importing import ImportParams, source_path
from faceadmin.faceapi.transfer.targets import GALLERY
from faceadmin.jobs.models import Job, JobStatus
from faceadmin.jobs.services import job_create, job_enqueue
from faceadmin.tenants.models import Tenant


class TransferError(ValueError):
    """The request cannot start a job (e.g. the check it builds on did not succeed)."""


def _label(kind: str, collection_id: str) -> str:
    if kind == GALLERY:
        return f"gallery {collection_id}"
    labels = {KIND_SLUGS[k]: KIND_LABELS[k] for k in CollectionKind}
    return f"{labels[kind].lower()} {collection_id}"


def import_check_create(
    *,
    tenant: Tenant,
    user: Any,
    options: ImportParams,
    upload: UploadedFile | None = None,
    path: Path | None = None,
    enqueue: bool = True,
) -> Job:
    """A dry-run check of an uploaded ZIP (copied into the job's folder, chunk by chunk) or
    of a ZIP/folder already on the server (`path`, from `manage.py import`)."""
    if (upload is None) == (path is None):
        raise TransferError("Give either an upload or a path.")
    params = options.as_params()
    if path is not None:
        params["source_path"] = str(path.resolve())
    job = job_create(
        tenant=tenant,
        user=user,
        kind="import_check",
        title=f"Import check into {_label(options.kind, options.collection_id)}",
        params=params,
        enqueue=False,
    )
    if upload is not None:
        target = source_path(job)
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(upload, TemporaryUploadedFile):
            # Streamed to a temporary file already: move it (as FileSystemStorage does).
            file_move_safe(upload.temporary_file_path(), str(target))
        else:
            with target.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
    if enqueue:
        job_enqueue(job=job)
    return job


def import_create(*, check: Job, user: Any, enqueue: bool = True) -> Job:
    """The import itself, over the same files and options as a succeeded check."""
    if check.kind != "import_check" or check.status != JobStatus.SUCCEEDED:
        raise TransferError("Run the import after its check has succeeded.")
    under_way = Job.objects.filter(
        kind="import",
        params__check_job=str(check.pk),
        status__in=(JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.PAUSED),
    )
    if under_way.exists():
        # Two runs of one set at once could both enroll a photo before either recorded it.
        raise TransferError("An import of these files is already under way; see the Jobs page.")
    params = dict(check.params)
    params["check_job"] = str(check.pk)
    params["source_path"] = str(source_path(check))
    if not Path(params["source_path"]).exists():
        raise TransferError("The files of this check are gone; upload them again.")
    job = job_create(
        tenant=check.tenant,
        user=user,
        kind="import",
        title=f"Import into {_label(params['kind'], params['collection_id'])}",
        params=params,
        enqueue=False,
    )
    if enqueue:
        job_enqueue(job=job)
    return job


def export_create(*, tenant: Tenant, user: Any, kind: str, collection_id: str) -> Job:
    return job_create(
        tenant=tenant,
        user=user,
        kind="export",
        title=f"Export of {_label(kind, collection_id)}",
        params={"kind": kind, "collection_id": collection_id},
    )


def copy_create(
    *,
    tenant: Tenant,
    user: Any,
    source_kind: str,
    source_id: str,
    target_tenant: Tenant,
    target_kind: str,
    target_id: str,
    recognition_model: str = "",
    dry_run: bool = False,
) -> Job:
    where = _label(target_kind, target_id)
    if target_tenant.pk != tenant.pk:
        where += f" of {target_tenant.name}"
    verb = "Copy check" if dry_run else "Copy"
    return job_create(
        tenant=tenant,
        user=user,
        kind="copy",
        title=f"{verb} of {_label(source_kind, source_id)} to {where}",
        params={
            "source_kind": source_kind,
            "source_id": source_id,
            "target_tenant": target_tenant.pk,
            "target_kind": target_kind,
            "target_id": target_id,
            "recognition_model": recognition_model,
            "dry_run": dry_run,
        },
    )


__all__ = [
    "TransferError",
    "copy_create",
    "export_create",
    "import_check_create",
    "import_create",
]
