"""Fixtures for the security suite: raw HTTP to the engine and the FindFace facade, served
in-process through the real WSGI stack (the dashboard's own path to them), with real keys,
real recognition and a real database. The server-level threats use a real gunicorn
(`tests/security/gunicorn.py`)."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import pytest
import requests

from faceadmin.engine.accounts import account_create
from faceadmin.engine.findface.accounts import token_account_create
from faceadmin.faceapi.embedded import EMBEDDED_ORIGIN, embedded_session


class Raw:
    """`raw("POST", "detect", ...)`: one API of this server, in-process, authenticated."""

    def __init__(self, prefix: str, headers: dict[str, str]) -> None:
        self.prefix = prefix
        self.headers = headers
        self.session = embedded_session()

    def __call__(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        url = f"{EMBEDDED_ORIGIN}{self.prefix}{path.lstrip('/')}"
        return self.session.request(method, url, headers=headers, timeout=60, **kwargs)


@pytest.fixture
def azure(db: None) -> Raw:
    _, key = account_create(name="security")
    return Raw("/face/v1.0/", {"Ocp-Apim-Subscription-Key": key})


@pytest.fixture
def findface(db: None) -> Raw:
    _, token = token_account_create(name="security")
    return Raw("/findface/v1/", {"Authorization": f"Token {token}"})


def azure_error(response: requests.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def findface_error(response: requests.Response) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


def png_header(width: int, height: int, *, bit_depth: int = 8, colour_type: int = 2) -> bytes:
    """A PNG that declares `width` x `height` pixels but carries one stub row, padded past
    1 KB: a decoder that trusts the header would allocate the whole image."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"tEXt", b"Comment\x00" + b"x" * 2000)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def png_bomb(width: int, height: int) -> bytes:
    """A complete, valid 16-bit RGB PNG of zeros: tiny on the wire, huge once decoded."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + width * 6)
    out = io.BytesIO()
    for _ in range(height):
        out.write(compressor.compress(row))
    out.write(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", out.getvalue())
        + chunk(b"IEND", b"")
    )
