"""Serve `requests` calls in-process from a WSGI application.

The dashboard talks to the embedded engine through the same client and transport it uses
for Azure. Over a socket, a single-threaded server would deadlock: the worker handling the
dashboard request would wait on itself. Mounting `WSGIAdapter` on the session for the
engine's base URL hands each request straight to the WSGI callable instead::

    session = requests.Session()
    session.mount("http://embedded.invalid/", WSGIAdapter(get_wsgi_application()))

The adapter does not import Django; it works with any WSGI callable.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable, Mapping
from typing import IO, Any
from urllib.parse import unquote_to_bytes, urlsplit
from wsgiref.types import WSGIApplication, WSGIEnvironment

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

__all__ = ["WSGIAdapter", "session_for_wsgi_app"]

_DEFAULT_PORTS = {"http": "80", "https": "443"}


def _to_bytes(body: Any) -> bytes:
    """A prepared request body (bytes, str, file-like, or an iterable of chunks) as bytes."""
    if body is None:
        return b""
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    read = getattr(body, "read", None)
    if callable(read):
        return _to_bytes(read())
    # A generator body (what the Azure SDK's stream_upload produces): sent chunked over HTTP.
    return b"".join(_to_bytes(chunk) for chunk in body)


def _latin1(value: str | bytes) -> str:
    # PEP 3333: environ strings carry the raw bytes as latin-1.
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value.encode("utf-8").decode("latin-1")


class WSGIAdapter(BaseAdapter):
    """A transport adapter that answers requests by calling a WSGI application.

    Exceptions raised by the application propagate to the caller unchanged (a Django app
    turns its own errors into 500 responses unless told to propagate them).
    """

    def __init__(self, app: WSGIApplication) -> None:
        super().__init__()
        self.app = app

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        body = _to_bytes(request.body)
        environ = self.build_environ(request, body)

        captured: dict[str, Any] = {}
        written: list[bytes] = []

        def start_response(
            status: str,
            headers: list[tuple[str, str]],
            exc_info: Any = None,
        ) -> Any:
            if exc_info and captured:
                raise exc_info[1].with_traceback(exc_info[2])
            captured["status"] = status
            captured["headers"] = headers
            return written.append

        result: Iterable[bytes] = self.app(environ, start_response)
        try:
            chunks = [*written, *result]
        finally:
            close = getattr(result, "close", None)
            if callable(close):
                close()
        if "status" not in captured:
            raise RuntimeError("The WSGI application did not call start_response().")
        return self.build_response(
            request, captured["status"], captured["headers"], b"".join(chunks)
        )

    def close(self) -> None:
        pass

    @staticmethod
    def build_environ(request: requests.PreparedRequest, body: bytes) -> WSGIEnvironment:
        url = urlsplit(request.url or "")
        scheme = url.scheme or "http"
        environ: dict[str, Any] = {
            "REQUEST_METHOD": (request.method or "GET").upper(),
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote_to_bytes(url.path or "/").decode("latin-1"),
            "QUERY_STRING": url.query,
            "SERVER_NAME": url.hostname or "localhost",
            "SERVER_PORT": str(url.port) if url.port else _DEFAULT_PORTS.get(scheme, "80"),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        headers: Mapping[str, str | bytes] = request.headers or {}
        for name, value in headers.items():
            text = _latin1(value)
            key = name.upper().replace("-", "_")
            if key == "CONTENT_TYPE":
                environ["CONTENT_TYPE"] = text
            elif key in ("CONTENT_LENGTH", "TRANSFER_ENCODING"):
                continue  # the body is handed over whole; its length is set above
            else:
                environ[f"HTTP_{key}"] = text
        environ.setdefault("HTTP_HOST", url.netloc or environ["SERVER_NAME"])
        return environ

    def build_response(
        self,
        request: requests.PreparedRequest,
        status: str,
        headers: list[tuple[str, str]],
        body: bytes,
    ) -> requests.Response:
        code, _, reason = status.partition(" ")
        response = requests.Response()
        response.status_code = int(code)
        response.reason = reason
        merged: CaseInsensitiveDict[str] = CaseInsensitiveDict()
        for name, value in headers:
            merged[name] = f"{merged[name]}, {value}" if name in merged else value
        response.headers = merged
        response.encoding = get_encoding_from_headers(merged)
        raw: IO[bytes] = io.BytesIO(body)
        response.raw = raw
        response.url = request.url or ""
        response.request = request
        return response


def session_for_wsgi_app(
    app: WSGIApplication,
    *,
    origin: str,
    session: requests.Session | None = None,
) -> requests.Session:
    """A session whose requests under `origin` are served by `app` without a socket."""
    session = session if session is not None else requests.Session()
    session.mount(origin.rstrip("/") + "/", WSGIAdapter(app))
    return session
