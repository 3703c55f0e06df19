"""Privacy operations: erase a person everywhere, erasure receipts, retention, subject export.

Every page here is for the tenant's admins: they find where a data subject is held, erase
them, read receipts, set retention and download exports.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from faceadmin.dashboard.forms_privacy import EraseSearchForm, EraseStartForm, RetentionForm
from faceadmin.faceapi.errors import FaceApiError
from faceadmin.faceapi.kinds import KIND_BY_SLUG, KIND_LABELS
from faceadmin.faceapi.lookup import MAX_IMAGE_BYTES, PhotoError
from faceadmin.faceapi.privacy import (
    ErasureRequestError,
    ErasureSearch,
    Export,
    erase_search,
    erase_search_person,
    erase_start,
    erasure_receipt,
    erasure_receipts,
    findface_subject_export,
    person_export,
)
from faceadmin.faceapi.retention import (
    retention_settings_update,
    retention_usage,
)
from faceadmin.faceapi.services import ApiErrorView
from faceadmin.faceapi.types import CollectionKind
from faceadmin.jobs.services import job_create
from faceadmin.tenants.access import TenantRequest, tenant_view
from faceadmin.tenants.models import Role


def _kind(kind_slug: str) -> CollectionKind:
    try:
        return KIND_BY_SLUG[kind_slug]
    except KeyError:
        raise Http404("No such collection kind.") from None


@tenant_view(Role.ADMIN)
def privacy(request: TenantRequest) -> HttpResponse:
    """The privacy overview: erase from a photo, what is stored and when it goes, receipts."""
    context = {
        "form": EraseSearchForm(),
        "retention_form": RetentionForm(instance=request.tenant),
        "usage": retention_usage(tenant=request.tenant),
        "receipts": erasure_receipts(tenant=request.tenant)[:50],
    }
    return render(request, "dashboard/privacy.html", context)


def _results(
    request: TenantRequest, search: ErasureSearch, started_from: str, status: int = 200
) -> HttpResponse:
    form = EraseStartForm(initial={"token": search.token})
    return render(
        request,
        "dashboard/privacy_erase.html",
        {"search": search, "form": form, "started_from": started_from},
        status=status,
    )


@tenant_view(Role.ADMIN)
@require_POST
@csrf_exempt  # checked below, once the upload handlers are set (CSRF reads the body)
def privacy_erase_search(request: TenantRequest) -> HttpResponse:
    """Search every collection for the person on the uploaded photo.

    The photo is kept in memory only: Django's temporary-file upload handler is switched
    off for this request, and a body too large for memory is refused unread."""
    request.upload_handlers = [MemoryFileUploadHandler(request)]
    response: HttpResponse = csrf_protect(_erase_search)(request)
    return response


def _erase_search(request: TenantRequest) -> HttpResponse:
    form = EraseSearchForm(request.POST, request.FILES)
    error = None
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > settings.FILE_UPLOAD_MAX_MEMORY_SIZE:
        form.add_error(None, f"Photos can be at most {MAX_IMAGE_BYTES // 1024 // 1024} MB.")
    elif form.is_valid():
        try:
            search = erase_search(tenant=request.tenant, photo=form.cleaned_data["photo"])
        except PhotoError as exc:
            form.add_error("photo", str(exc))
        except FaceApiError as exc:
            error = ApiErrorView.of(exc)
        else:
            return _results(request, search, started_from="a photo")
    return render(
        request,
        "dashboard/privacy.html",
        {
            "form": form,
            "api_error": error,
            "retention_form": RetentionForm(instance=request.tenant),
            "usage": retention_usage(tenant=request.tenant),
            "receipts": erasure_receipts(tenant=request.tenant)[:50],
        },
        status=400 if form.errors else 502,
    )


@tenant_view(Role.ADMIN)
def privacy_erase_person(
    request: TenantRequest, kind_slug: str, group_id: str, person_id: str
) -> HttpResponse:
    """Start from a person: search with their stored photo; the person is listed first."""
    kind = _kind(kind_slug)
    try:
        search = erase_search_person(
            tenant=request.tenant, kind=kind, group_id=group_id, person_id=person_id
        )
    except FaceApiError as exc:
        return render(
            request,
            "dashboard/privacy_erase.html",
            {"api_error": ApiErrorView.of(exc), "started_from": f"person {person_id}"},
            status=502,
        )
    where = f"{KIND_LABELS[kind].lower()} {group_id}"
    return _results(request, search, started_from=f"the stored photo of a person in {where}")


@tenant_view(Role.ADMIN)
@require_POST
def privacy_erase_start(request: TenantRequest) -> HttpResponse:
    form = EraseStartForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Tick at least one match to erase.")
        return redirect("dashboard:privacy", request.tenant.slug)
    try:
        job = erase_start(
            tenant=request.tenant,
            user=request.user,
            token=form.cleaned_data["token"],
            chosen=form.cleaned_data["match"],
        )
    except ErasureRequestError as exc:
        messages.error(request, str(exc))
        return redirect("dashboard:privacy", request.tenant.slug)
    messages.success(request, "Erasure started; its receipt appears here when it ends.")
    return redirect("dashboard:job", request.tenant.slug, job.pk)


@tenant_view(Role.ADMIN)
def privacy_receipt(request: TenantRequest, receipt_id: uuid.UUID) -> HttpResponse:
    receipt = erasure_receipt(tenant=request.tenant, receipt_id=str(receipt_id))
    if receipt is None:
        raise Http404("No such erasure receipt in this tenant.")
    return render(request, "dashboard/privacy_receipt.html", {"receipt": receipt})


@tenant_view(Role.ADMIN)
@require_POST
def privacy_retention(request: TenantRequest) -> HttpResponse:
    form = RetentionForm(request.POST, instance=request.tenant)
    if not form.is_valid():
        return render(
            request,
            "dashboard/privacy.html",
            {
                "form": EraseSearchForm(),
                "retention_form": form,
                "usage": retention_usage(tenant=request.tenant),
                "receipts": erasure_receipts(tenant=request.tenant)[:50],
            },
            status=400,
        )
    data = form.cleaned_data
    retention_settings_update(
        tenant=request.tenant,
        user=request.user,
        original_days=data["retention_original_days"],
        keep_thumbnails=data["retention_keep_thumbnails"],
        pending_hours=data["retention_pending_hours"],
    )
    messages.success(request, "Retention settings saved; the daily run applies them.")
    back = "dashboard:tenant_settings" if request.POST.get("next") == "settings" else ""
    return redirect(back or "dashboard:privacy", request.tenant.slug)


@tenant_view(Role.ADMIN)
@require_POST
def privacy_retention_run(request: TenantRequest) -> HttpResponse:
    job = job_create(
        tenant=request.tenant,
        user=request.user,
        kind="privacy_retention",
        title="Retention: remove expired photos",
    )
    return redirect("dashboard:job", request.tenant.slug, job.pk)


@tenant_view(Role.ADMIN)
@require_POST
def privacy_person_export(
    request: TenantRequest, kind_slug: str, group_id: str, person_id: str
) -> HttpResponse:
    """Everything held about one person, as a ZIP download (audited)."""
    kind = _kind(kind_slug)
    try:
        export = person_export(
            tenant=request.tenant,
            user=request.user,
            kind=kind,
            group_id=group_id,
            person_id=person_id,
        )
    except FaceApiError as exc:
        messages.error(request, f"{ApiErrorView.of(exc).title} {exc.message}")
        return redirect("dashboard:collection", request.tenant.slug, kind_slug, group_id)
    return _download(export)


@tenant_view(Role.ADMIN)
@require_POST
def privacy_face_export(request: TenantRequest, face_id: int) -> HttpResponse:
    """FindFace: every face sharing this face's meta, as a ZIP download (audited)."""
    try:
        export = findface_subject_export(tenant=request.tenant, user=request.user, face_id=face_id)
    except FaceApiError as exc:
        messages.error(request, f"{ApiErrorView.of(exc).title} {exc.message}")
        return redirect("dashboard:collections", request.tenant.slug)
    return _download(export)


def _download(export: Export) -> HttpResponse:
    response = HttpResponse(export.data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "no-store"
    return response


_PERSON = "<slug:kind_slug>/<str:group_id>/<str:person_id>/"

urlpatterns = [
    path("t/<slug:slug>/privacy/", privacy, name="privacy"),
    path("t/<slug:slug>/privacy/erase/", privacy_erase_search, name="privacy_erase_search"),
    path("t/<slug:slug>/privacy/erase/start/", privacy_erase_start, name="privacy_erase_start"),
    path(
        f"t/<slug:slug>/privacy/erase/person/{_PERSON}",
        privacy_erase_person,
        name="privacy_erase_person",
    ),
    path(
        "t/<slug:slug>/privacy/receipts/<uuid:receipt_id>/",
        privacy_receipt,
        name="privacy_receipt",
    ),
    path("t/<slug:slug>/privacy/retention/", privacy_retention, name="privacy_retention"),
    path(
        "t/<slug:slug>/privacy/retention/run/",
        privacy_retention_run,
        name="privacy_retention_run",
    ),
    path(f"t/<slug:slug>/privacy/export/{_PERSON}", privacy_person_export, name="privacy_export"),
    path(
        "t/<slug:slug>/privacy/export/face/<int:face_id>/",
        privacy_face_export,
        name="privacy_export_face",
    ),
]
