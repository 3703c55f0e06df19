"""Stored face photos, served only to members of the tenant (never from a public URL)."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from faceadmin.faceapi.models import FaceImage, PendingPhoto
from faceadmin.tenants.access import TenantRequest, tenant_view
from faceadmin.tenants.models import Role

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
    except ValueError:  # not a UUID
        raise Http404("No such photo.") from None
    return _private_file(pending.image)
