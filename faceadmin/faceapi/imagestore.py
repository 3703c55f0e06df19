"""The face image store: thumbnails and originals of the faces faceadmin enrolls.

The face API keeps only descriptors, never the photo, so an operator reviewing a group would
otherwise see ids. Every face enrolled through faceadmin gets a 160 px JPEG of the face with
some margin, and the uploaded original when `FACEADMIN_STORE_ORIGINALS` is on, keyed by
tenant + collection kind + collection id + persistedFaceId.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Iterable
from datetime import timedelta
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import QuerySet
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from faceadmin.clients.types import CollectionKind, FaceRectangle
from faceadmin.faceapi.models import FaceImage, PendingPhoto
from faceadmin.tenants.models import Tenant

logger = logging.getLogger(__name__)

THUMBNAIL_SIZE = 160
# Room around the face rectangle on each side, as a share of its size: enough to show hair and
# chin, which is what operators recognise people by.
THUMBNAIL_MARGIN = 0.35
_ORIGINAL_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "BMP": "bmp", "WEBP": "webp"}


class UnreadableImage(ValueError):
    """The upload is not an image Pillow can open."""


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def open_upright(data: bytes) -> Image.Image:
    """The image as a viewer shows it: EXIF orientation applied (as the face API does)."""
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise UnreadableImage(str(exc)) from exc
    upright = ImageOps.exif_transpose(image)
    return upright if upright is not None else image


def image_size(data: bytes) -> tuple[int, int]:
    return open_upright(data).size


def thumbnail_bytes(data: bytes, face: FaceRectangle | None) -> bytes:
    """A square JPEG of the face with a margin (or of the image's centre when unknown)."""
    image = open_upright(data).convert("RGB")
    width, height = image.size
    if face is None:
        side = min(width, height)
        box = ((width - side) // 2, (height - side) // 2)
        crop = image.crop((box[0], box[1], box[0] + side, box[1] + side))
    else:
        span = round(max(face.width, face.height) * (1 + 2 * THUMBNAIL_MARGIN))
        cx, cy = face.left + face.width / 2, face.top + face.height / 2
        left, top = round(cx - span / 2), round(cy - span / 2)
        # crop() pads outside the image with black; a face near the edge keeps its place.
        crop = image.crop((left, top, left + span, top + span))
    crop = crop.resize((THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    crop.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


def _extension(data: bytes) -> str:
    try:
        fmt = Image.open(io.BytesIO(data)).format or ""
    except (UnidentifiedImageError, OSError):
        fmt = ""
    return _ORIGINAL_EXTENSIONS.get(fmt, "bin")


def _base_name(tenant: Tenant, kind: CollectionKind, collection_id: str, face_id: str) -> str:
    # Ids are checked by the client ([a-z0-9_-]) or come from the provider (GUIDs); the path
    # is rebuilt from its parts anyway so nothing in it can climb out of the store.
    parts = [str(tenant.pk), kind.value, collection_id, face_id]
    safe = [PurePosixPath(part).name.replace("..", "_") or "_" for part in parts]
    return "/".join(safe)


def face_image_save(
    *,
    tenant: Tenant,
    user: Any,
    kind: CollectionKind,
    collection_id: str,
    person_id: str,
    persisted_face_id: str,
    image: bytes,
    filename: str,
    face: FaceRectangle | None,
    user_data: str | None,
) -> FaceImage | None:
    """Keep the thumbnail (and original) of a face that was just enrolled.

    The face is enrolled already, so a photo we cannot store is logged, not raised: the
    operator then sees "no image stored", which is true.
    """
    base = _base_name(tenant, kind, collection_id, persisted_face_id)
    try:
        thumb = thumbnail_bytes(image, face)
    except UnreadableImage:
        logger.warning("face %s enrolled but its photo could not be read", persisted_face_id)
        return None
    known_user = user if getattr(user, "is_authenticated", False) else None
    record = FaceImage(
        tenant=tenant,
        kind=kind.value,
        collection_id=collection_id,
        person_id=person_id,
        persisted_face_id=persisted_face_id,
        user_data=user_data or "",
        source_filename=PurePosixPath(filename.replace("\\", "/")).name[:255],
        sha256=sha256_of(image),
        uploaded_by=known_user,
        uploaded_by_username=known_user.get_username() if known_user else "",
    )
    if face is not None:
        record.face_left, record.face_top = max(face.left, 0), max(face.top, 0)
        record.face_width, record.face_height = face.width, face.height
    record.thumbnail.save(f"{base}-thumb.jpg", ContentFile(thumb), save=False)
    if settings.FACEADMIN_STORE_ORIGINALS:
        record.original.save(f"{base}-original.{_extension(image)}", ContentFile(image), save=False)
    record.save()
    return record


def face_image_copy(
    *,
    source: FaceImage,
    tenant: Tenant,
    kind: CollectionKind,
    collection_id: str,
    person_id: str,
    persisted_face_id: str,
) -> FaceImage:
    """The stored image of `source`, kept again for another face (one a snapshot apply made
    from it). The files are copied, not shared: deleting either face deletes only its own."""
    base = _base_name(tenant, kind, collection_id, persisted_face_id)
    copy = FaceImage(
        tenant=tenant,
        kind=kind.value,
        collection_id=collection_id,
        person_id=person_id,
        persisted_face_id=persisted_face_id,
        user_data=source.user_data,
        face_left=source.face_left,
        face_top=source.face_top,
        face_width=source.face_width,
        face_height=source.face_height,
        source_filename=source.source_filename,
        sha256=source.sha256,
        uploaded_by=source.uploaded_by,
        uploaded_by_username=source.uploaded_by_username,
    )
    with source.thumbnail.open("rb") as handle:
        copy.thumbnail.save(f"{base}-thumb.jpg", ContentFile(handle.read()), save=False)
    if source.original:
        with source.original.open("rb") as handle:
            data = handle.read()
        copy.original.save(f"{base}-original.{_extension(data)}", ContentFile(data), save=False)
    copy.save()
    return copy


def face_images(*, tenant: Tenant, persisted_face_ids: Iterable[str]) -> dict[str, FaceImage]:
    """The stored images we have for these faces, by persistedFaceId (one query)."""
    ids = list(dict.fromkeys(persisted_face_ids))
    if not ids:
        return {}
    rows = FaceImage.objects.filter(tenant=tenant, persisted_face_id__in=ids).select_related(
        "tenant"
    )
    return {row.persisted_face_id: row for row in rows}


def person_face_images(
    *, tenant: Tenant, kind: CollectionKind, group_id: str, person_id: str
) -> list[FaceImage]:
    """The stored images of one person's faces, oldest first (no API call)."""
    return list(
        FaceImage.objects.filter(
            tenant=tenant, kind=kind.value, collection_id=group_id, person_id=person_id
        ).select_related("tenant")
    )


def face_images_delete(
    *,
    tenant: Tenant,
    kind: CollectionKind,
    collection_id: str,
    person_id: str | None = None,
    persisted_face_id: str | None = None,
) -> int:
    """Forget stored images (rows now, files when the transaction commits)."""
    rows: QuerySet[FaceImage] = FaceImage.objects.filter(
        tenant=tenant, kind=kind.value, collection_id=collection_id
    )
    if person_id is not None:
        rows = rows.filter(person_id=person_id)
    if persisted_face_id is not None:
        rows = rows.filter(persisted_face_id=persisted_face_id)
    deleted, _ = rows.delete()
    return deleted


def pending_photo_save(
    *,
    tenant: Tenant,
    user: Any,
    kind: CollectionKind,
    collection_id: str,
    person_id: str,
    image: bytes,
    filename: str,
    user_data: str | None,
    faces: list[FaceRectangle],
    warning: str = "",
) -> PendingPhoto:
    # Picks nobody came back for are dropped after the tenant's retention (a day by default;
    # the daily retention job catches the ones of tenants nobody uploads to any more).
    ttl = timedelta(hours=tenant.retention_pending_hours)
    for stale in PendingPhoto.objects.filter(tenant=tenant, created_at__lt=timezone.now() - ttl):
        stale.delete()  # one by one, so each file goes with its row (post_delete)
    width, height = image_size(image)
    pending = PendingPhoto(
        tenant=tenant,
        kind=kind.value,
        collection_id=collection_id,
        person_id=person_id,
        filename=PurePosixPath(filename.replace("\\", "/")).name[:255],
        user_data=user_data or "",
        faces=[[f.left, f.top, f.width, f.height] for f in faces],
        warning=warning,
        width=width,
        height=height,
        uploaded_by=user if getattr(user, "is_authenticated", False) else None,
    )
    pending.image.save(
        f"pending/{tenant.pk}/{pending.token}.{_extension(image)}", ContentFile(image), save=False
    )
    pending.save()
    return pending
