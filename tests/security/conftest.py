"""Fixtures for the security suite: raw HTTP to the engine and the FindFace facade, served
in-process through the real WSGI stack (the dashboard's own path to them), with real keys,
real recognition and a real database. The server-level threats use a real gunicorn
(`tests/security/gunicorn.py`)."""

from __future__ import annotations

import functools
import http.server
import io
import socket
import ssl
import struct
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from faceadmin.clients.embedded import EMBEDDED_ORIGIN, embedded_session
from faceadmin.engine.accounts import account_create
from faceadmin.engine.findface.accounts import token_account_create
from tests.security.server import Server, gunicorn


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


# --- a photo server that also answers redirects to any Location ----------------------------

DATA = Path(__file__).resolve().parent.parent / "data"


class _PhotoHandler(http.server.SimpleHTTPRequestHandler):
    """tests/data as static files; `/location?to=<url>` answers 302 to that exact URL; every
    request is counted in `hits` (so a test can tell whether the server was reached)."""

    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        if self.path.startswith("/location?"):
            target = parse_qs(self.path.split("?", 1)[1])["to"][0]
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class PhotoServer:
    url: str
    port: int
    hits: list[str]


def _serve(server: http.server.ThreadingHTTPServer) -> None:
    threading.Thread(target=server.serve_forever, daemon=True).start()


@pytest.fixture(scope="session")
def photo_server() -> Iterator[PhotoServer]:
    handler = functools.partial(_PhotoHandler, directory=str(DATA))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    _serve(server)
    port = server.server_address[1]
    yield PhotoServer(f"http://127.0.0.1:{port}", port, _PhotoHandler.hits)
    server.shutdown()
    server.server_close()


def self_signed(hostname: str, directory: Path) -> tuple[Path, Path]:
    """A certificate for `hostname` only (and its key), valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture(scope="session")
def tls_photo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """tests/data over https on 127.0.0.1 with a certificate for `photos.test` only; yields
    the port and the certificate (to trust)."""
    cert, key = self_signed("photos.test", tmp_path_factory.mktemp("tls"))
    handler = functools.partial(_PhotoHandler, directory=str(DATA))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    _serve(server)
    yield server.server_address[1], cert
    server.shutdown()
    server.server_close()


class FakeDNS:
    """socket.getaddrinfo with some names answered from a script: `answers[name]` is the
    list of addresses to give at the 1st, 2nd, ... lookup (the last one repeats)."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.lookups: list[str] = []
        self.real = socket.getaddrinfo

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name not in self.answers:
            return self.real(host, port, *args, **kwargs)
        self.lookups.append(name)
        script = self.answers[name]
        address = script[min(len(self.lookups_of(name)) - 1, len(script) - 1)]
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sockaddr = (address, int(port or 0), 0, 0) if ":" in address else (address, int(port or 0))
        return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr)]

    def lookups_of(self, name: str) -> list[str]:
        return [n for n in self.lookups if n == name]


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> Any:
    """`fake_dns({"rebind.test": ["93.184.216.34", "127.0.0.1"]})` installs a FakeDNS."""

    def install(answers: dict[str, list[str]]) -> FakeDNS:
        fake = FakeDNS(answers)
        monkeypatch.setattr(socket, "getaddrinfo", fake)
        return fake

    return install


# --- a real gunicorn -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def gunicorn_server(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    with gunicorn(tmp_path_factory.mktemp("gunicorn") / "gunicorn.log") as server:
        yield server


@pytest.fixture
def live_keys(transactional_db: None) -> dict[str, str]:
    """An engine key and a FindFace token, committed (the gunicorn processes read them)."""
    _, key = account_create(name="live")
    _, token = token_account_create(name="live")
    return {"azure": key, "findface": token}
