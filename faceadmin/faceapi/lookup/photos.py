"""Photos a lookup is given: an upload checked before any provider sees it, or a URL."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from typing import Final

from PIL import Image, UnidentifiedImageError

__all__ = [
    "MAX_IMAGE_BYTES",
    "MIN_IMAGE_BYTES",
    "Photo",
    "PhotoError",
    "photo_from_bytes",
    "photo_from_url",
]

MAX_IMAGE_BYTES: Final = 6 * 1024 * 1024  # Azure's limit per image
MIN_IMAGE_BYTES: Final = 1024  # ... and its minimum

_FORMATS: Final = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "BMP": "image/bmp"}
_TRANSPOSED_ORIENTATIONS: Final = frozenset({5, 6, 7, 8})
_EXIF_ORIENTATION: Final = 0x0112


class PhotoError(ValueError):
    """Input an operator can fix (not a photo, too large, no face...): a plain message."""


@dataclass(frozen=True)
class Photo:
    """An uploaded photo held in memory for one request, or a URL the provider fetches.

    `width`/`height` are as displayed (EXIF orientation applied), the pixel space of the
    face rectangles; unknown (0) for a URL, which faceadmin never fetches itself.
    """

    filename: str
    data: bytes | None = field(default=None, repr=False)
    url: str | None = None
    width: int = 0
    height: int = 0
    content_type: str = "application/octet-stream"

    @property
    def is_upload(self) -> bool:
        return self.data is not None

    def data_uri(self) -> str:
        """The photo inline, for the pages rendered without JavaScript."""
        if self.data is None:
            return self.url or ""
        return f"data:{self.content_type};base64,{base64.b64encode(self.data).decode('ascii')}"

    @property
    def source(self) -> str | bytes:
        """What a provider is sent: the bytes, else the URL."""
        return self.data if self.data is not None else (self.url or "")


def photo_from_bytes(*, data: bytes, filename: str = "photo") -> Photo:
    """Check an upload before any provider sees it: size, then that it is a usable image.

    Only the image header is read (Pillow opens lazily), so this costs well under a
    millisecond even for a 6 MB photo.
    """
    name = filename or "photo"
    if len(data) > MAX_IMAGE_BYTES:
        raise PhotoError(
            f"{name} is {len(data) / 1024 / 1024:.1f} MB; photos can be at most 6 MB. "
            "Export a smaller copy and try again."
        )
    if len(data) < MIN_IMAGE_BYTES:
        raise PhotoError(f"{name} is too small to be a photo (under 1 KB).")
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt = image.format or ""
            width, height = image.size
            orientation = image.getexif().get(_EXIF_ORIENTATION)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise PhotoError(
            f"{name} is not an image faceadmin can read; use a JPEG, PNG, GIF or BMP photo."
        ) from None
    if fmt not in _FORMATS:
        raise PhotoError(f"{name} is a {fmt or 'unknown'} image; use JPEG, PNG, GIF or BMP.")
    if orientation in _TRANSPOSED_ORIENTATIONS:
        width, height = height, width
    return Photo(
        filename=name,
        data=data,
        width=width,
        height=height,
        content_type=_FORMATS[fmt],
    )


def photo_from_url(*, url: str) -> Photo:
    return Photo(filename=url.rsplit("/", 1)[-1] or "photo", url=url)
