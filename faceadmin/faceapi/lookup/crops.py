"""Face thumbnails and enrollment crops cut from a photo in memory (grouping), and read back."""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from PIL import Image, ImageOps

from faceadmin.clients.types import FaceRectangle
from faceadmin.faceapi.lookup.photos import Photo, PhotoError
from faceadmin.faceapi.lookup.results import FaceBox

__all__ = [
    "CROP_FACE_PX",
    "MAX_CLUSTER_ENROLL",
    "ClusterFace",
    "cut",
    "cut_faces",
    "parse_crop",
    "upright",
]

_THUMB_PX: Final = 96
CROP_FACE_PX: Final = 200  # enrollment crops keep the face at most this wide
_CROP_MARGIN: Final = 0.5  # ... with half a face of context on every side
# Crops travel back as form fields (~50 KB each in base64); Django refuses a POST whose
# fields pass DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), so one step enrolls at most this many.
MAX_CLUSTER_ENROLL: Final = 40


@dataclass(frozen=True)
class ClusterFace:
    """A face of the grouped photos: a small thumbnail to look at, and an enrollment crop
    (face plus margin, as base64 JPEG) the page posts back to create a person. Neither is
    stored on the server."""

    photo_index: int
    filename: str
    rect: FaceRectangle
    thumbnail_uri: str
    crop_b64: str = field(repr=False)
    crop_target: FaceRectangle

    @property
    def crop_value(self) -> str:
        """One form value: "left,top,width,height:base64"."""
        return f"{self.crop_target.as_target()}:{self.crop_b64}"


def upright(data: bytes, scale_hint: float = 1.0) -> tuple[Image.Image, float]:
    """The photo decoded upright (EXIF applied), possibly reduced while decoding (JPEG
    draft mode, much faster for big photos); returns the image and its scale."""
    image = Image.open(io.BytesIO(data))
    full_w, full_h = image.size
    if image.format == "JPEG" and scale_hint < 1.0:
        image.draft("RGB", (max(1, int(full_w * scale_hint)), max(1, int(full_h * scale_hint))))
    scale = image.size[0] / full_w
    straight = ImageOps.exif_transpose(image).convert("RGB")
    return straight, scale


def cut_faces(
    photos: Sequence[Photo], faces: Mapping[str, tuple[int, FaceBox]]
) -> dict[str, ClusterFace]:
    by_photo: dict[int, list[tuple[str, FaceBox]]] = {}
    for face_id, (index, box) in faces.items():
        by_photo.setdefault(index, []).append((face_id, box))
    out: dict[str, ClusterFace] = {}
    for index, items in by_photo.items():
        photo = photos[index]
        smallest = min(max(box.rect.width, box.rect.height) for _, box in items)
        # Decode only as much resolution as the largest crop needs.
        hint = min(1.0, CROP_FACE_PX / max(1, smallest))
        image, scale = upright(photo.data or b"", hint)
        for face_id, box in items:
            out[face_id] = cut(image, scale, photo, index, box.rect)
    return out


def cut(
    image: Image.Image, scale: float, photo: Photo, index: int, rect: FaceRectangle
) -> ClusterFace:
    left, top = rect.left * scale, rect.top * scale
    width, height = rect.width * scale, rect.height * scale
    # Thumbnail: the face, a little context, square.
    side = max(width, height) * 1.2
    cx, cy = left + width / 2, top + height / 2
    thumb = image.crop(
        (round(cx - side / 2), round(cy - side / 2), round(cx + side / 2), round(cy + side / 2))
    )
    thumb = thumb.resize((_THUMB_PX, _THUMB_PX), Image.Resampling.LANCZOS)
    # Enrollment crop: face plus margin, clipped to the photo, face at most CROP_FACE_PX.
    margin_x, margin_y = width * _CROP_MARGIN, height * _CROP_MARGIN
    box = (
        max(0, round(left - margin_x)),
        max(0, round(top - margin_y)),
        min(image.width, round(left + width + margin_x)),
        min(image.height, round(top + height + margin_y)),
    )
    crop = image.crop(box)
    shrink = min(1.0, CROP_FACE_PX / max(width, height, 1))
    if shrink < 1.0:
        crop = crop.resize(
            (max(1, round(crop.width * shrink)), max(1, round(crop.height * shrink))),
            Image.Resampling.LANCZOS,
        )
    target = FaceRectangle(
        left=max(0, round((left - box[0]) * shrink)),
        top=max(0, round((top - box[1]) * shrink)),
        width=max(1, round(width * shrink)),
        height=max(1, round(height * shrink)),
    )
    return ClusterFace(
        photo_index=index,
        filename=photo.filename,
        rect=rect,
        thumbnail_uri="data:image/jpeg;base64," + _jpeg_b64(thumb, 80),
        crop_b64=_jpeg_b64(crop, 90),
        crop_target=target,
    )


def _jpeg_b64(image: Image.Image, quality: int) -> str:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return base64.b64encode(out.getvalue()).decode("ascii")


def parse_crop(value: str) -> tuple[FaceRectangle, bytes]:
    """Read back a `ClusterFace.crop_value` posted by the page."""
    target, sep, b64 = value.partition(":")
    try:
        left, top, width, height = (int(v) for v in target.split(","))
        data = base64.b64decode(b64, validate=True)
    except ValueError:
        raise PhotoError("A face crop sent back by the page is damaged; group again.") from None
    if not sep or width <= 0 or height <= 0:
        raise PhotoError("A face crop sent back by the page is damaged; group again.")
    return FaceRectangle(left, top, width, height), data
