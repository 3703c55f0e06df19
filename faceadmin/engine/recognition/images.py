"""Turning uploaded bytes into the RGB pixels the detector reads.

Azure's rules (contract README, section 7): 1 KB to 6 MB, JPEG, PNG, GIF (first frame) or BMP.
The size check comes first, as Azure's does, so an oversized file is never parsed.

Conversions, all done once here so that the rest of the engine sees one layout
(C-contiguous ``uint8`` H x W x 3 RGB, read-only):

* EXIF orientation is applied, so pixel coordinates match what a viewer shows.
* Transparency is composited on white (a transparent PNG's hidden RGB is often black, which
  would hide a face); a fully opaque alpha channel is simply dropped.
* 16-bit greyscale PNGs are scaled to 8 bits (Pillow's own conversion clips at 255, turning
  almost every pixel white). 16-bit RGB PNGs are already reduced to 8 bits by Pillow.
* Palette, greyscale, CMYK and YCbCr images become RGB.

Decompression bombs are refused from the header, before any pixel is decoded (Pillow's
``Image.open`` reads only the header): a 95 KB PNG can declare 7000 x 7000 16-bit pixels
(~460 MB and seconds of CPU once decoded). The limits, all answered with Azure's
``InvalidImageSize``:

* each side 36 to 4096 px (Azure's documented detectable range);
* at most ``MAX_DECODED_BYTES`` (64 MiB) of raw pixels, counting the bit depth the header
  declares: any 8-bit image up to 4096 x 4096 RGBA fits, a 4096 x 4096 16-bit RGB PNG does not.

With these, one decode needs at most a few times 64 MiB, whatever the file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from PIL import Image

MIN_IMAGE_BYTES: Final = 1024
MAX_IMAGE_BYTES: Final = 6 * 1024 * 1024
MIN_IMAGE_SIDE: Final = 36
MAX_IMAGE_SIDE: Final = 4096
MAX_IMAGE_PIXELS: Final = MAX_IMAGE_SIDE * MAX_IMAGE_SIDE
MAX_DECODED_BYTES: Final = MAX_IMAGE_PIXELS * 4
TOO_SMALL: Final = "Image size is too small."
TOO_BIG: Final = "Image size is too big."

_FORMATS: Final = ("JPEG", "PNG", "GIF", "BMP")
_EXIF_ORIENTATION: Final = 0x0112
# EXIF orientation -> the transpose that makes the stored pixels upright (as Pillow's
# ImageOps.exif_transpose does, without its copy of the image when nothing needs turning).
_UPRIGHT: Final = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# PNG colour type -> samples per pixel (IHDR, PNG spec section 11.2.2).
_PNG_CHANNELS: Final = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
# Bytes per pixel of Pillow's modes wider than one byte per band.
_WIDE_MODES: Final = {"I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2, "I": 4, "F": 4}
_SIXTEEN_BIT_GREY: Final = frozenset({"I;16", "I;16B", "I;16L", "I;16N", "I"})
_ALPHA_MODES: Final = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})


class ImageError(Exception):
    """An upload the engine cannot use; ``code`` and ``message`` are Azure's."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"ImageError({self.code!r}, {self.message!r})"


@dataclass(frozen=True, eq=False)
class DecodedImage:
    """Upright RGB pixels (H x W x 3, uint8, C-contiguous, read-only) of one upload."""

    pixels: npt.NDArray[np.uint8]
    width: int
    height: int


def decode_image(data: bytes) -> DecodedImage:
    """Decode an upload as Azure would accept it, or raise ``ImageError``."""
    if len(data) < MIN_IMAGE_BYTES:
        raise ImageError("InvalidImageSize", TOO_SMALL)
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageError("InvalidImageSize", TOO_BIG)
    try:
        image = Image.open(io.BytesIO(data), formats=_FORMATS)
        check_dimensions(image, data)
        image.load()
        pixels = np.asarray(_upright(_to_rgb(image), image))
    except ImageError:
        raise
    except Image.DecompressionBombError:  # Pillow's own, looser limit; ours comes first
        raise ImageError("InvalidImageSize", TOO_BIG) from None
    except Exception as exc:  # Pillow signals bad data with many exception types.
        raise ImageError("InvalidImage", "Decoding error, image format unsupported.") from exc
    if not pixels.flags.c_contiguous:  # pragma: no cover - Pillow always hands out C order
        pixels = np.ascontiguousarray(pixels)
    pixels.flags.writeable = False
    height, width = pixels.shape[:2]
    return DecodedImage(pixels=pixels, width=width, height=height)


def decoded_bytes(image: Image.Image, data: bytes) -> int:
    """The raw size of the pixels the header declares, before any decoding.

    Pillow reports a 16-bit RGB PNG as mode "RGB", so for PNG the IHDR's bit depth and
    colour type are read directly."""
    width, height = image.size
    if image.format == "PNG" and data[12:16] == b"IHDR":
        bit_depth, colour_type = data[24], data[25]
        bits = _PNG_CHANNELS.get(colour_type, 4) * bit_depth
        return width * height * max(1, (bits + 7) // 8)
    per_pixel = _WIDE_MODES.get(image.mode) or len(image.getbands())
    return width * height * per_pixel


def check_dimensions(image: Image.Image, data: bytes) -> None:
    """InvalidImageSize unless the (not yet decoded) image is within the documented limits."""
    width, height = image.size
    if width < MIN_IMAGE_SIDE or height < MIN_IMAGE_SIDE:
        raise ImageError("InvalidImageSize", TOO_SMALL)
    if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE:
        raise ImageError("InvalidImageSize", TOO_BIG)
    if decoded_bytes(image, data) > MAX_DECODED_BYTES:
        raise ImageError("InvalidImageSize", TOO_BIG)


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in _SIXTEEN_BIT_GREY:
        wide = np.asarray(image).astype(np.uint32)
        grey = ((np.clip(wide, 0, 65535) * 255 + 32767) // 65535).astype(np.uint8)
        return Image.fromarray(grey).convert("RGB")
    if image.mode in _ALPHA_MODES or "transparency" in image.info:
        rgba = image.convert("RGBA")
        lowest_alpha, _ = rgba.getchannel("A").getextrema()
        if lowest_alpha == 255:
            return rgba.convert("RGB")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if image.mode != "RGB":
        return image.convert("RGB")
    return image


def _upright(rgb: Image.Image, original: Image.Image) -> Image.Image:
    orientation = original.getexif().get(_EXIF_ORIENTATION, 1)
    method = _UPRIGHT.get(orientation) if isinstance(orientation, int) else None
    return rgb if method is None else rgb.transpose(method)
