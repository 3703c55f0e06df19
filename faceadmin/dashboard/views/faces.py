"""Faces: uploading and picking them, deleting them, and serving their stored photos.

Stored photos are served only to members of the tenant, never from a public URL.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from faceadmin.dashboard.forms_collections import (
    MAX_PHOTO_BYTES,
    MAX_PHOTOS_PER_UPLOAD,
    SIZE_RULE,
    FacePickForm,
    FaceUploadForm,
    size_text,
)
from faceadmin.dashboard.views.collection_support import (
    base_context,
    collection_url,
    error_status,
    face_list_kind_or_404,
    person_kind_or_404,
    person_url,
)
from faceadmin.faceapi.enroll import (
    PhotoOutcome,
    pending_photo_discard,
    pending_photo_enroll,
    photo_enroll,
)
from faceadmin.faceapi.errors import FaceApiError
from faceadmin.faceapi.kinds import KIND_SLUGS
from faceadmin.faceapi.models import FaceImage, PendingPhoto
from faceadmin.faceapi.services import ApiErrorView, face_list_delete_face, person_delete_face
from faceadmin.faceapi.types import CollectionKind
from faceadmin.tenants.access import TenantRequest, tenant_view
from faceadmin.tenants.models import Role

# htmx event: the faces of the page changed, so the faces panel (and its counts) reloads.
FACES_CHANGED = "faces-changed"

_CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "bmp": "image/bmp",
    "webp": "image/webp",
}


def _private_file(field: object) -> FileResponse:
    name = getattr(field, "name", "")
    if not name:
        raise Http404("No image stored.")
    try:
        handle = field.open("rb")  # type: ignore[attr-defined]
    except FileNotFoundError:
        raise Http404("The stored image file is missing.") from None
    extension = name.rsplit(".", 1)[-1].lower()
    response = FileResponse(
        handle, content_type=_CONTENT_TYPES.get(extension, "application/octet-stream")
    )
    # Face photos: private to the browser, never kept by shared caches.
    response["Cache-Control"] = "private, max-age=3600"
    return response


@tenant_view()
def face_thumbnail(request: TenantRequest, persisted_face_id: str) -> FileResponse:
    image = FaceImage.objects.filter(
        tenant=request.tenant, persisted_face_id=persisted_face_id
    ).first()
    if image is None:
        raise Http404("No image stored for this face.")
    return _private_file(image.thumbnail)


@tenant_view()
def face_original(request: TenantRequest, persisted_face_id: str) -> FileResponse:
    image = FaceImage.objects.filter(
        tenant=request.tenant, persisted_face_id=persisted_face_id
    ).first()
    if image is None:
        raise Http404("No image stored for this face.")
    return _private_file(image.original)


@tenant_view(Role.OPERATOR)
def pending_photo(request: TenantRequest, token: str) -> FileResponse:
    """A photo waiting for the operator to pick its faces."""
    try:
        pending = get_object_or_404(PendingPhoto, tenant=request.tenant, token=token)
    except (ValueError, ValidationError):  # not a UUID
        raise Http404("No such photo.") from None
    return _private_file(pending.image)


@tenant_view(Role.OPERATOR)
@require_POST
def pending_discard(request: TenantRequest, token: str) -> HttpResponse:
    """Drop a photo waiting for a pick without enrolling any of its faces."""
    pending = pending_photo_discard(tenant=request.tenant, token=token)
    if pending is None:
        raise Http404("This photo is no longer waiting for a pick.")
    if request.htmx:
        return render(
            request, "dashboard/collection_upload.html#discarded", {"filename": pending.filename}
        )
    messages.success(request, f"{pending.filename}: discarded; none of its faces was enrolled.")
    kind = CollectionKind(pending.kind)
    args = [request.tenant.slug, KIND_SLUGS[kind], pending.collection_id]
    if pending.person_id:
        return redirect("dashboard:person", *args, pending.person_id)
    return redirect("dashboard:collection", *args)


# --- enrolling uploads, picking faces, removing faces ----------------------------------------


def _upload(
    request: TenantRequest, kind: CollectionKind, collection_id: str, person_id: str
) -> HttpResponse:
    """Each photo: detect, enroll its only face, or keep it for a pick when it has several.

    The page's script posts one file per request and shows each result as it comes (htmx
    fragment); a plain form posts them all and gets the results page."""
    context = base_context(request, kind, collection_id) | {
        "person_id": person_id,
        "back_url": _back_url(request, kind, collection_id, person_id),
    }
    template = "dashboard/collection_upload.html"
    too_big = _refuse_by_length(request)
    if too_big:
        # Refused from the headers alone: the body (the photo) is never read.
        context |= {"outcomes": [], "refused": too_big, "upload_form": FaceUploadForm()}
        return render(request, template + ("#results" if request.htmx else ""), context, status=413)
    form = FaceUploadForm(request.POST, request.FILES)
    context |= {
        "upload_form": form,
        "upload_files": [f.name for f in request.FILES.getlist("photos")],
    }
    if not form.is_valid():
        context["outcomes"] = []
        return render(request, template + ("#results" if request.htmx else ""), context, status=400)
    outcomes = []
    for photo in form.cleaned_data["photos"]:
        outcomes.append(
            photo_enroll(
                tenant=request.tenant,
                user=request.user,
                kind=kind,
                collection_id=collection_id,
                person_id=person_id,
                image=photo.read(),
                filename=photo.name or "photo",
                user_data=form.cleaned_data["user_data"],
            )
        )
    context["outcomes"] = [outcome_view(o) for o in outcomes]
    return render(request, template + ("#results" if request.htmx else ""), context)


# A request carries one photo (the page's script) or up to MAX_PHOTOS_PER_UPLOAD (a plain
# form), plus the form's other fields.
_FORM_OVERHEAD = 64 * 1024


def _refuse_by_length(request: TenantRequest) -> str:
    """Why the upload is refused before its body is read, from Content-Length; "" if not."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return ""
    files = 1 if request.htmx else MAX_PHOTOS_PER_UPLOAD
    if length <= files * MAX_PHOTO_BYTES + _FORM_OVERHEAD:
        return ""
    name = unquote(request.headers.get("X-Upload-Filename", ""))[:255] or "This upload"
    return f"{name} is {size_text(length)}; {SIZE_RULE}."


def _pick(
    request: TenantRequest, kind: CollectionKind, collection_id: str, person_id: str
) -> HttpResponse:
    token = request.POST.get("token", "")
    try:
        pending = PendingPhoto.objects.get(
            tenant=request.tenant,
            token=token,
            kind=kind.value,
            collection_id=collection_id,
            person_id=person_id,
        )
    except (PendingPhoto.DoesNotExist, ValueError, ValidationError):
        raise Http404("This photo is no longer waiting for a pick.") from None
    form = FacePickForm(request.POST, rectangles=pending.rectangles)
    context = base_context(request, kind, collection_id) | {
        "person_id": person_id,
        "back_url": _back_url(request, kind, collection_id, person_id),
    }
    template = "dashboard/collection_upload.html" + ("#results" if request.htmx else "")
    if not form.is_valid():
        outcome = PhotoOutcome(pending.filename, "pick", pending=pending)
        context["outcomes"] = [outcome_view(outcome, form=form)]
        return render(request, template, context, status=400)
    outcome = pending_photo_enroll(
        tenant=request.tenant, user=request.user, pending=pending, faces=form.chosen()
    )
    context["outcomes"] = [outcome_view(outcome)]
    response = render(request, template, context, status=200)
    if outcome.faces:
        response["HX-Trigger"] = FACES_CHANGED
    return response


def outcome_view(outcome: PhotoOutcome, *, form: FacePickForm | None = None) -> dict[str, Any]:
    pending = outcome.pending
    pick_form = None
    if pending is not None and outcome.status == "pick":
        pick_form = form or FacePickForm(
            initial={"token": pending.token}, rectangles=pending.rectangles
        )
    return {
        "outcome": outcome,
        "api_error": ApiErrorView.of(outcome.error) if outcome.error else None,
        "pick_form": pick_form,
        "boxes": _boxes(pending) if pending is not None else [],
    }


def _boxes(pending: PendingPhoto) -> list[dict[str, Any]]:
    """The detected faces for the SVG overlay (in the photo's own pixel coordinates)."""
    return [
        {"number": n, "rect": r, "value": r.as_target(), "label_y": max(r.top - 8, 12)}
        for n, r in enumerate(pending.rectangles, start=1)
    ]


def _back_url(
    request: TenantRequest, kind: CollectionKind, collection_id: str, person_id: str
) -> str:
    if person_id:
        return person_url(request, kind, collection_id, person_id)
    return collection_url(request, kind, collection_id)


@tenant_view(Role.OPERATOR)
@require_POST
def person_faces_add(
    request: TenantRequest, kind: str, collection_id: str, person_id: str
) -> HttpResponse:
    return _upload(request, person_kind_or_404(kind), collection_id, person_id)


@tenant_view(Role.OPERATOR)
@require_POST
def person_faces_pick(
    request: TenantRequest, kind: str, collection_id: str, person_id: str
) -> HttpResponse:
    return _pick(request, person_kind_or_404(kind), collection_id, person_id)


@tenant_view(Role.OPERATOR)
@require_POST
def facelist_faces_add(request: TenantRequest, kind: str, collection_id: str) -> HttpResponse:
    return _upload(request, face_list_kind_or_404(kind), collection_id, "")


@tenant_view(Role.OPERATOR)
@require_POST
def facelist_faces_pick(request: TenantRequest, kind: str, collection_id: str) -> HttpResponse:
    return _pick(request, face_list_kind_or_404(kind), collection_id, "")


def _remove(
    request: TenantRequest,
    kind: CollectionKind,
    collection_id: str,
    person_id: str,
    persisted_face_id: str,
) -> HttpResponse:
    try:
        if person_id:
            person_delete_face(
                tenant=request.tenant,
                user=request.user,
                kind=kind,
                group_id=collection_id,
                person_id=person_id,
                persisted_face_id=persisted_face_id,
            )
        else:
            face_list_delete_face(
                tenant=request.tenant,
                user=request.user,
                kind=kind,
                list_id=collection_id,
                persisted_face_id=persisted_face_id,
            )
    except FaceApiError as exc:
        if request.htmx:
            return render(
                request,
                "partials/api_error.html",
                {"api_error": ApiErrorView.of(exc)},
                status=error_status(exc),
            )
        messages.error(request, f"{ApiErrorView.of(exc).title} ({exc.code}: {exc.message})")
        return redirect(_back_url(request, kind, collection_id, person_id))
    if request.htmx:
        # The face's tile is swapped out; the panel reloads its counts on this event.
        response = HttpResponse("")
        response["HX-Trigger"] = FACES_CHANGED
        return response
    messages.success(request, "The face was deleted with its stored image.")
    return redirect(_back_url(request, kind, collection_id, person_id))


@tenant_view(Role.ADMIN)
@require_POST
def person_face_remove(
    request: TenantRequest, kind: str, collection_id: str, person_id: str, persisted_face_id: str
) -> HttpResponse:
    return _remove(request, person_kind_or_404(kind), collection_id, person_id, persisted_face_id)


@tenant_view(Role.ADMIN)
@require_POST
def facelist_face_remove(
    request: TenantRequest, kind: str, collection_id: str, persisted_face_id: str
) -> HttpResponse:
    return _remove(request, face_list_kind_or_404(kind), collection_id, "", persisted_face_id)
