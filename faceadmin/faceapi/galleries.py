"""Services and selectors for a FindFace tenant's galleries and their faces.

What the collection pages call for a tenant whose provider keeps galleries (see
`faceapi.providers`). Everything goes through the tenant's `FindFaceClient`, so the remote
cloud and this server's facade are handled alike. Writes leave an audit event, failed ones
with the provider's code.

FindFace keeps the face crop itself and gives its URL (`thumbnail`), so unlike the Azure
kinds no image is stored here; `thumbnail_src` makes the URL usable by the operator's browser.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from faceadmin.clients.embedded import EMBEDDED_ORIGIN
from faceadmin.clients.findface import DEFAULT_GALLERY, META_MAX_BYTES
from faceadmin.clients.findface_types import BBox, Face
from faceadmin.clients.types import FaceRectangle
from faceadmin.faceapi.common import _audited
from faceadmin.faceapi.connection import findface_client_for as _client
from faceadmin.tenants.models import Tenant


class Photo(Protocol):
    """What enrolling needs of a photo (`faceapi.lookup.Photo` is one): its bytes, else its
    URL. A protocol, so this module does not import the lookup package, which imports it."""

    @property
    def data(self) -> bytes | None: ...

    @property
    def url(self) -> str | None: ...


GALLERY_PAGE_SIZE = 24

__all__ = [
    "DEFAULT_GALLERY",
    "GALLERY_PAGE_SIZE",
    "META_MAX_BYTES",
    "GalleryFace",
    "GalleryOverview",
    "GalleryPage",
    "gallery_create",
    "gallery_delete",
    "gallery_enroll",
    "gallery_face_delete",
    "gallery_face_update",
    "gallery_faces_page",
    "gallery_list",
    "gallery_overview",
    "thumbnail_src",
]


def thumbnail_src(tenant: Tenant, url: str | None) -> str:
    """The face crop's URL as the browser must load it.

    The in-process facade writes URLs on `embedded.invalid` (or bare paths): they are paths
    of this very server. Remote URLs are kept; anything but http(s) is dropped."""
    if not url:
        return ""
    if tenant.is_embedded and url.startswith(EMBEDDED_ORIGIN + "/"):
        return url[len(EMBEDDED_ORIGIN) :]
    if url.startswith("/") and not url.startswith("//"):
        return url
    return url if url.startswith(("https://", "http://")) else ""


@dataclass(frozen=True)
class GalleryFace:
    face: Face
    thumbnail: str

    @property
    def id(self) -> int:
        return self.face.id

    @property
    def other_galleries(self) -> tuple[str, ...]:
        return tuple(g for g in self.face.galleries if g != DEFAULT_GALLERY)


def _gallery_face(tenant: Tenant, face: Face) -> GalleryFace:
    return GalleryFace(face, thumbnail_src(tenant, face.thumbnail))


# --- galleries ------------------------------------------------------------------------------


def gallery_list(*, tenant: Tenant) -> list[str]:
    """Every gallery's name, `default` (all faces) first."""
    names = _client(tenant).gallery_list()
    others = sorted(n for n in names if n != DEFAULT_GALLERY)
    return [DEFAULT_GALLERY, *others]


@dataclass(frozen=True)
class GalleryOverview:
    galleries: list[str]
    people: int  # distinct non-empty metas
    named_faces: int  # faces carrying one of them

    @property
    def own_galleries(self) -> int:
        return len([g for g in self.galleries if g != DEFAULT_GALLERY])


def gallery_overview(*, tenant: Tenant) -> GalleryOverview:
    """Counts for the tenant's home page: two provider calls."""
    client = _client(tenant)
    metas = [entry for entry in client.meta_list() if entry.meta]
    return GalleryOverview(
        galleries=gallery_list(tenant=tenant),
        people=len(metas),
        named_faces=sum(entry.count for entry in metas),
    )


def gallery_create(*, tenant: Tenant, user: Any, name: str) -> None:
    with _audited(
        action="gallery.create", tenant=tenant, user=user, target_kind="gallery", target_id=name
    ):
        _client(tenant).gallery_create(name=name)


def gallery_delete(*, tenant: Tenant, user: Any, name: str) -> None:
    """Delete a gallery; the provider drops the faces that were only in it."""
    with _audited(
        action="gallery.delete", tenant=tenant, user=user, target_kind="gallery", target_id=name
    ):
        _client(tenant).gallery_delete(name=name)


# --- faces ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GalleryPage:
    """One page of a gallery's faces, newest first. `max_id` is this page's bound (None on
    the first page), `next_max_id` the next (older) page's, `prev_min_id` the newer one's."""

    gallery: str
    faces: list[GalleryFace]
    max_id: int | None
    next_max_id: int | None
    prev_min_id: int | None


def gallery_faces_page(
    *,
    tenant: Tenant,
    gallery: str,
    max_id: int | None = None,
    min_id: int | None = None,
    limit: int = GALLERY_PAGE_SIZE,
) -> GalleryPage:
    page = _client(tenant).face_list(gallery=gallery, max_id=max_id, min_id=min_id, limit=limit)
    faces = [_gallery_face(tenant, face) for face in page.faces[:limit]]
    return GalleryPage(
        gallery=gallery,
        faces=faces,
        max_id=max_id,
        next_max_id=page.next_max_id if page.next_page else None,
        prev_min_id=page.prev_min_id if page.prev_page else None,
    )


def gallery_enroll(
    *,
    tenant: Tenant,
    user: Any,
    gallery: str,
    photo: Photo,
    meta: str,
    faces: Literal["biggest", "all"] = "biggest",
    target: FaceRectangle | None = None,
) -> list[GalleryFace]:
    """Store the photo's face (the largest, the one at `target`, or every one) in `gallery`
    with `meta`. A photo given as a URL is fetched by the provider."""
    source: str | bytes = photo.data if photo.data is not None else (photo.url or "")
    galleries = [] if gallery == DEFAULT_GALLERY else [gallery]
    bbox = (
        [BBox.from_rect(target.left, target.top, target.width, target.height)] if target else None
    )
    reason = f"meta {meta!r}" if meta else ""
    with _audited(
        action="face.enroll",
        tenant=tenant,
        user=user,
        target_kind="gallery",
        target_id=gallery,
        reason=reason,
    ) as note:
        created = _client(tenant).face_create(
            photo=source,
            meta=meta,
            galleries=galleries,
            bbox=bbox,
            mf_selector=None if bbox else faces,
        )
        note.reason = f"{reason} faces {', '.join(str(f.id) for f in created)}".strip()
    return [_gallery_face(tenant, face) for face in created]


def gallery_face_delete(*, tenant: Tenant, user: Any, face_id: int) -> None:
    with _audited(
        action="face.delete", tenant=tenant, user=user, target_kind="face", target_id=str(face_id)
    ):
        _client(tenant).face_delete(face_id=face_id)


def gallery_face_update(
    *,
    tenant: Tenant,
    user: Any,
    face_id: int,
    meta: str | None = None,
    galleries: Sequence[str] | None = None,
) -> GalleryFace:
    """A face's new meta and/or its whole list of galleries (`default` is implied)."""
    chosen = None if galleries is None else [g for g in galleries if g != DEFAULT_GALLERY]
    with _audited(
        action="face.update", tenant=tenant, user=user, target_kind="face", target_id=str(face_id)
    ):
        face = _client(tenant).face_update(face_id=face_id, meta=meta, galleries_set=chosen)
    return _gallery_face(tenant, face)
