"""Threat: decompression bombs (issue 13, item 4).

A 95 KB PNG can declare 7000 x 7000 16-bit pixels: ~460 MB and seconds of CPU per detect
once decoded. The engine and the FindFace facade read the header first and refuse, before
decoding, any image with a side outside 36..4096 px or more than 64 MiB of raw pixels
(bit depth counted), with Azure's `InvalidImageSize` (FindFace: `BAD_PARAM` on the photo).
"""

from __future__ import annotations

import io
from functools import cache

import pytest
from PIL import Image

from faceadmin.engine.recognition import (
    MAX_DECODED_BYTES,
    MAX_IMAGE_SIDE,
    ImageError,
    decode_image,
)
from tests.security.conftest import Raw, azure_error, findface_error, png_bomb, png_header


@cache
def bomb() -> bytes:
    return png_bomb(7000, 7000)


def encoded(fmt: str, size: tuple[int, int], mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, 90).save(out, fmt)
    data = out.getvalue()
    # JPEG, GIF and PNG ignore trailing bytes: pad past Azure's 1 KB minimum.
    return data + b"\x00" * max(0, 1100 - len(data))


HOSTILE = {
    "7000x7000-16bit-png-header": lambda: png_header(7000, 7000, bit_depth=16),
    "4096x4096-16bit-rgb-png": lambda: png_header(4096, 4096, bit_depth=16),
    "4096x4096-16bit-rgba-png": lambda: png_header(4096, 4096, bit_depth=16, colour_type=6),
    "4097-wide-png": lambda: png_header(MAX_IMAGE_SIDE + 1, 100),
    "4097-high-png": lambda: png_header(100, MAX_IMAGE_SIDE + 1),
    "60000x60000-png": lambda: png_header(60000, 60000),
    "5000-wide-jpeg": lambda: encoded("JPEG", (5000, 64)),
    "5000-wide-gif": lambda: encoded("GIF", (5000, 40), "L"),
    "5000-wide-bmp": lambda: encoded("BMP", (5000, 40), "L"),
    "20-px-high-png": lambda: encoded("PNG", (2000, 20)),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_the_decoder_refuses_from_the_header(name: str) -> None:
    with pytest.raises(ImageError) as caught:
        decode_image(HOSTILE[name]())
    assert caught.value.code == "InvalidImageSize"


def test_the_limits_still_admit_the_largest_documented_image() -> None:
    assert MAX_DECODED_BYTES == 4096 * 4096 * 4
    image = decode_image(encoded("JPEG", (4096, 64)))
    assert (image.width, image.height) == (4096, 64)


def test_a_real_png_bomb_is_refused_by_detect(azure: Raw) -> None:
    assert len(bomb()) < 400_000
    response = azure(
        "POST", "detect", data=bomb(), headers={"Content-Type": "application/octet-stream"}
    )
    assert azure_error(response) == (400, "InvalidImageSize")
    assert response.json()["error"]["message"] == "Image size is too big."


def test_a_real_png_bomb_is_refused_by_the_findface_facade(findface: Raw) -> None:
    response = findface("POST", "detect", files={"photo": ("bomb.png", bomb(), "image/png")})
    assert findface_error(response) == (400, "BAD_PARAM")
    assert response.json()["param"] == "photo"
    assert "too big" in response.json()["reason"]


def test_a_webp_is_checked_before_it_is_converted(findface: Raw) -> None:
    # FindFace accepts WEBP, which the facade converts itself before the recognition core.
    webp = encoded("WEBP", (5000, 40))
    response = findface("POST", "detect", files={"photo": ("wide.webp", webp, "image/webp")})
    assert findface_error(response) == (400, "BAD_PARAM")
    assert "too big" in response.json()["reason"]
