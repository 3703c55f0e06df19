"""The collection pages of a FindFace tenant: galleries and their faces.

The collection views list, count and delete galleries through the provider interface
(`provider.collections`, ...); they come here for what only galleries have: creating one,
showing one with its faces and the enrol form, and the writes on faces. These render the
collection templates, whose gallery sections switch on `provider.capabilities`. The kind
segment of a gallery's URL is "galleries": `/t/<slug>/collections/galleries/<name>/`. Writes
on faces have routes of their own, listed in `urlpatterns`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from faceadmin.dashboard.forms_galleries import (
    GalleryCreateForm,
    GalleryEnrollForm,
    GalleryFaceForm,
)
from faceadmin.dashboard.views.collection_support import (
    done,
    error_context,
    error_status,
    kind_context,
    render_form,
)
from faceadmin.faceapi.errors import FaceApiError, NotFoundError
from faceadmin.faceapi.galleries import (
    GALLERY_PAGE_SIZE,
    gallery_create,
    gallery_enroll,
    gallery_face_delete,
    gallery_face_update,
)
from faceadmin.faceapi.lookup import PhotoError
from faceadmin.faceapi.providers import GALLERIES, GALLERY_KIND, provider_for
from faceadmin.tenants.access import TenantRequest, tenant_view
from faceadmin.tenants.models import Role


def gallery_context(request: TenantRequest, gallery: str = "") -> dict[str, Any]:
    return kind_context(request, GALLERY_KIND, gallery)


def gallery_url(request: TenantRequest, gallery: str) -> str:
    return reverse("dashboard:collection", args=[request.tenant.slug, GALLERIES, gallery])


def _check_kind(kind: str) -> None:
    if kind != GALLERIES:
        raise Http404("A FindFace tenant has galleries only.")


# --- pages (called by the collection views) ----------------------------------------------


def gallery_new(request: TenantRequest) -> HttpResponse:
    form = GalleryCreateForm(request.POST or None)
    context = gallery_context(request) | {"form": form}
    template = "dashboard/collection_new.html"
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["name"]
        try:
            gallery_create(tenant=request.tenant, user=request.user, name=name)
        except FaceApiError as exc:
            return render_form(
                request, template, context | error_context(exc), status=error_status(exc)
            )
        messages.success(request, f"Gallery {name} was created; enroll faces into it next.")
        return done(request, gallery_url(request, name))
    return render_form(request, template, context, status=400 if form.errors else 200)


def gallery_page(request: TenantRequest, kind: str, gallery: str) -> HttpResponse:
    """A gallery with one page of its faces (the provider's members, newest first), and the
    enroll form."""
    _check_kind(kind)
    context = gallery_context(request, gallery) | {
        "enroll_form": GalleryEnrollForm(),
        "face_form": GalleryFaceForm(),
    }
    provider = provider_for(request.tenant)
    found = provider.kind(kind)
    assert found is not None  # _check_kind
    try:
        page = provider.members(
            found,
            gallery,
            start=request.GET.get("max_id") or None,
            newer_than=request.GET.get("min_id") or None,
            top=GALLERY_PAGE_SIZE,
        )
    except FaceApiError as exc:
        context |= error_context(exc)
        return render(
            request, "dashboard/collection_detail.html", context, status=error_status(exc)
        )
    context |= {
        "collection": provider.collection(found, gallery),
        "undeletable": provider.why_not_deletable(found, gallery),
        "members": page,
    }
    return render(request, "dashboard/collection_detail.html", context)


# --- writes on faces ------------------------------------------------------------------------


def _gallery_only(request: TenantRequest) -> None:
    if not provider_for(request.tenant).capabilities.galleries:
        raise Http404("This tenant has no galleries.")


@tenant_view(Role.OPERATOR)
@require_POST
def gallery_enroll_faces(request: TenantRequest, gallery: str) -> HttpResponse:
    """Enroll the face(s) of an uploaded photo (or a photo URL) into the gallery."""
    _gallery_only(request)
    form = GalleryEnrollForm(request.POST, request.FILES)
    back = gallery_url(request, gallery)
    if not form.is_valid():
        problems = [str(e) for errors in form.errors.values() for e in errors]
        messages.error(request, " ".join(problems))
        return redirect(back)
    data = form.cleaned_data
    try:
        created = gallery_enroll(
            tenant=request.tenant,
            user=request.user,
            gallery=gallery,
            photo=data["picture"],
            meta=data.get("meta") or "",
            faces=data["faces"],
        )
    except PhotoError as exc:
        messages.error(request, str(exc))
    except FaceApiError as exc:
        view = error_context(exc)["api_error"]
        messages.error(request, f"{view.title} {view.message} ({view.code})")
    else:
        who = f" as {data['meta']}" if data.get("meta") else ""
        count = len(created)
        messages.success(request, f"Enrolled {count} face{'s' if count != 1 else ''}{who}.")
    return redirect(back)


@tenant_view(Role.OPERATOR)
@require_POST
def gallery_face_edit(request: TenantRequest, gallery: str, face_id: int) -> HttpResponse:
    _gallery_only(request)
    form = GalleryFaceForm(request.POST)
    if form.is_valid():
        try:
            gallery_face_update(
                tenant=request.tenant,
                user=request.user,
                face_id=face_id,
                meta=form.cleaned_data["meta"],
            )
        except FaceApiError as exc:
            messages.error(request, f"Face {face_id}: {exc.message} ({exc.code})")
        else:
            messages.success(request, f"Face {face_id} saved.")
    return redirect(gallery_url(request, gallery))


@tenant_view(Role.OPERATOR)
@require_POST
def gallery_face_remove(request: TenantRequest, gallery: str, face_id: int) -> HttpResponse:
    """Delete a face outright (from every gallery)."""
    _gallery_only(request)
    try:
        gallery_face_delete(tenant=request.tenant, user=request.user, face_id=face_id)
    except NotFoundError:
        messages.warning(request, f"Face {face_id} was already gone.")
    except FaceApiError as exc:
        messages.error(request, f"Face {face_id}: {exc.message} ({exc.code})")
    else:
        messages.success(request, f"Face {face_id} was deleted.")
    return redirect(gallery_url(request, gallery))


_G = "t/<slug:slug>/galleries/<str:gallery>"

urlpatterns: list[URLPattern] = [
    path(f"{_G}/enroll/", gallery_enroll_faces, name="gallery_enroll"),
    path(f"{_G}/faces/<int:face_id>/edit/", gallery_face_edit, name="gallery_face_edit"),
    path(f"{_G}/faces/<int:face_id>/delete/", gallery_face_remove, name="gallery_face_delete"),
]
