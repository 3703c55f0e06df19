"""Import, export and copy pages of a collection (or a FindFace gallery).

Each starts a job and sends the operator to its page, where the job's result template
(templates/transfer/) shows the dry-run report, the per-file CSV, the export download, or
what a copy moved.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from faceadmin.dashboard.forms_transfer import CopyForm, ImportForm
from faceadmin.dashboard.views.collection_support import base_context, kind_or_404
from faceadmin.faceapi.kinds import KIND_SLUGS
from faceadmin.faceapi.providers import provider_for
from faceadmin.faceapi.transfer.exporting import export_path
from faceadmin.faceapi.transfer.importing import (
    DEFAULT_MATCH_THRESHOLD,
    ImportParams,
    import_csv_lines,
)
from faceadmin.faceapi.transfer.services import (
    TransferError,
    copy_create,
    export_create,
    import_check_create,
    import_create,
)
from faceadmin.faceapi.transfer.targets import GALLERY
from faceadmin.jobs.models import Job, JobStatus
from faceadmin.jobs.services import job_get
from faceadmin.tenants.access import TenantRequest, tenant_view
from faceadmin.tenants.models import Role, Tenant


def _job_or_404(request: TenantRequest, job_id: uuid.UUID, *kinds: str) -> Job:
    try:
        job = job_get(tenant=request.tenant, job_id=job_id)
    except Job.DoesNotExist:
        raise Http404("No such job in this tenant.") from None
    if job.kind not in kinds:
        raise Http404("This job has no such download.")
    return job


def _import_page(request: TenantRequest, kind: str, collection_id: str) -> HttpResponse:
    context = base_context(
        request, None if kind == GALLERY else kind_or_404(kind), collection_id
    ) | {
        "collection_id": collection_id,
        "target_kind": kind,
        "max_upload": settings.FACEADMIN_IMPORT_MAX_UPLOAD_BYTES,
        "max_files": settings.FACEADMIN_IMPORT_MAX_FILES,
        "max_file": settings.FACEADMIN_IMPORT_MAX_FILE_BYTES,
    }
    form = ImportForm()
    status = 200
    if request.method == "POST":
        # Refuse an oversized upload from its header, before Django reads (and spools) it.
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > settings.FACEADMIN_IMPORT_MAX_UPLOAD_BYTES:
            context["upload_error"] = (
                f"The upload is {length:,} bytes; the limit is "
                f"{settings.FACEADMIN_IMPORT_MAX_UPLOAD_BYTES:,}. Use `manage.py import` "
                "on the server for sets this large."
            )
            status = 413
        else:
            form = ImportForm(request.POST, request.FILES)
            if form.is_valid():
                options = ImportParams(
                    kind=kind,
                    collection_id=collection_id,
                    policy=form.cleaned_data["policy"],
                    detect=form.cleaned_data["detect"],
                    skip_small=form.cleaned_data["skip_small"],
                    match_threshold=form.cleaned_data["match_threshold"] or DEFAULT_MATCH_THRESHOLD,
                )
                job = import_check_create(
                    tenant=request.tenant,
                    user=request.user,
                    options=options,
                    upload=form.cleaned_data["source"],
                )
                messages.success(request, "Upload received; the check runs now.")
                return redirect("dashboard:job", request.tenant.slug, job.pk)
            status = 400
    context["form"] = form
    return render(request, "transfer/import.html", context, status=status)


@tenant_view(Role.OPERATOR)
def collection_import(request: TenantRequest, kind: str, collection_id: str) -> HttpResponse:
    if not provider_for(request.tenant).capabilities.collection_kinds:
        raise Http404("A FindFace tenant imports into galleries.")
    return _import_page(request, KIND_SLUGS[kind_or_404(kind)], collection_id)


@tenant_view(Role.OPERATOR)
def gallery_import(request: TenantRequest, gallery: str) -> HttpResponse:
    if not provider_for(request.tenant).capabilities.galleries:
        raise Http404("Only FindFace tenants have galleries.")
    return _import_page(request, GALLERY, gallery)


@tenant_view(Role.OPERATOR)
@require_POST
def import_run(request: TenantRequest, job_id: uuid.UUID) -> HttpResponse:
    check = _job_or_404(request, job_id, "import_check")
    try:
        job = import_create(check=check, user=request.user)
    except TransferError as exc:
        messages.error(request, str(exc))
        return redirect("dashboard:job", request.tenant.slug, check.pk)
    return redirect("dashboard:job", request.tenant.slug, job.pk)


@tenant_view(Role.VIEWER)
def import_result_csv(request: TenantRequest, job_id: uuid.UUID) -> StreamingHttpResponse:
    job = _job_or_404(request, job_id, "import", "copy")
    response = StreamingHttpResponse(import_csv_lines(job), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}.csv"'
    return response


@tenant_view(Role.OPERATOR)
@require_POST
def collection_export(request: TenantRequest, kind: str, collection_id: str) -> HttpResponse:
    slug = KIND_SLUGS[kind_or_404(kind)]
    job = export_create(
        tenant=request.tenant, user=request.user, kind=slug, collection_id=collection_id
    )
    return redirect("dashboard:job", request.tenant.slug, job.pk)


@tenant_view(Role.OPERATOR)
def export_download(request: TenantRequest, job_id: uuid.UUID) -> FileResponse:
    job = _job_or_404(request, job_id, "export")
    archive = export_path(job)
    if job.status != JobStatus.SUCCEEDED or not archive.exists():
        raise Http404("This export has no file (yet).")
    name = f"{job.params.get('collection_id', 'collection')}-export.zip"
    return FileResponse(archive.open("rb"), as_attachment=True, filename=name)


def _copy_targets(request: TenantRequest) -> QuerySet[Tenant]:
    """This tenant, and every other tenant the user administers."""
    return Tenant.objects.filter(
        memberships__user=request.user.pk, memberships__role=Role.ADMIN
    ).order_by("name")


@tenant_view(Role.ADMIN)
def collection_copy(request: TenantRequest, kind: str, collection_id: str) -> HttpResponse:
    source_kind = kind_or_404(kind)
    tenants = _copy_targets(request)
    form = CopyForm(
        request.POST or None,
        tenants=tenants,
        initial={"target_tenant": request.tenant.pk, "target_kind": KIND_SLUGS[source_kind]},
    )
    if request.method == "POST" and form.is_valid():
        job = copy_create(
            tenant=request.tenant,
            user=request.user,
            source_kind=KIND_SLUGS[source_kind],
            source_id=collection_id,
            target_tenant=form.cleaned_data["target_tenant"],
            target_kind=form.cleaned_data["target_kind"],
            target_id=form.cleaned_data["target_id"],
            recognition_model=form.cleaned_data["recognition_model"],
            dry_run=request.POST.get("action") != "copy",
        )
        return redirect("dashboard:job", request.tenant.slug, job.pk)
    context = base_context(request, source_kind, collection_id) | {"form": form}
    return render(
        request,
        "transfer/copy.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


_C = "t/<slug:slug>/collections/<str:kind>/<str:collection_id>"

urlpatterns: list[URLPattern] = [
    path(f"{_C}/import/", collection_import, name="collection_import"),
    path(f"{_C}/export/", collection_export, name="collection_export"),
    path(f"{_C}/copy/", collection_copy, name="collection_copy"),
    path("t/<slug:slug>/galleries/<str:gallery>/import/", gallery_import, name="gallery_import"),
    path("t/<slug:slug>/jobs/<uuid:job_id>/import/run/", import_run, name="import_run"),
    path("t/<slug:slug>/jobs/<uuid:job_id>/import.csv", import_result_csv, name="import_csv"),
    path("t/<slug:slug>/jobs/<uuid:job_id>/export.zip", export_download, name="export_download"),
]
