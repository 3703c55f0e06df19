"""The gunicorn worker faceadmin runs (`worker_class` in gunicorn.conf.py): gthread, plus

* the current gunicorn request is known to `faceadmin.serving`, so that an answer given
  without reading the whole body can say `Connection: close` (gunicorn ignores that header
  from applications);
* a connection the application asked to close (a body refused or cut off unread) is shut
  down at once, after what already arrived is discarded: gunicorn would otherwise close it
  "gracefully" on its main thread, waiting up to 2 s for the client to close first, and a
  stalled client never does, so a handful of them would stall accepting new connections;
* requests gunicorn refuses before any application code runs (request line over
  `limit_request_line`, too many or too large headers, malformed request line, header or
  chunk) are answered with a JSON error in the Azure Face shape, `{"error": {"code",
  "message"}}` with the HTTP status as the code (`"414"`, `"431"`, ...; `"BadArgument"` for
  400), instead of gunicorn's HTML page. The path is unknown at that point, so FindFace and
  dashboard clients get the same shape; both APIs' clients go by the status first.
"""

from __future__ import annotations

import contextlib
import json
import socket
from typing import Any

from gunicorn import util
from gunicorn.http import errors as http_errors
from gunicorn.workers.gthread import ThreadWorker

from faceadmin.serving import FAST_CLOSE, set_current_request

_BAD_REQUEST = (
    http_errors.InvalidRequestLine,
    http_errors.InvalidRequestMethod,
    http_errors.InvalidHTTPVersion,
    http_errors.InvalidHeader,
    http_errors.InvalidHeaderName,
    http_errors.ObsoleteFolding,
    http_errors.InvalidSchemeHeaders,
    http_errors.InvalidChunkSize,
    http_errors.ChunkMissingTerminator,
    http_errors.InvalidChunkExtension,
)


def client_error(exc: BaseException) -> tuple[int, str, str] | None:
    """Status, reason phrase and message for a request gunicorn refused; None otherwise."""
    if isinstance(exc, (http_errors.InvalidResponseHeader, http_errors.InvalidResponseHeaderName)):
        return None  # the application's fault: gunicorn's own 500
    if isinstance(exc, http_errors.LimitRequestLine):
        return 414, "URI Too Long", "The request line is too long."
    if isinstance(exc, http_errors.LimitRequestHeaders):
        return 431, "Request Header Fields Too Large", "Too many or too large request headers."
    if isinstance(exc, http_errors.UnsupportedTransferCoding):
        return 501, "Not Implemented", "Unsupported transfer coding."
    if isinstance(exc, _BAD_REQUEST):
        return 400, "Bad Request", "Malformed request."
    return None


def json_error(status: int, reason: str, message: str) -> bytes:
    code = "BadArgument" if status == 400 else str(status)
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


def _shut(sock: socket.socket) -> None:
    """Discard what the client already sent (so closing sends no reset over the answer just
    written), then shut both directions: gunicorn's graceful close then finds end-of-file at
    once instead of lingering for a client that may never close."""
    with contextlib.suppress(OSError):
        sock.setblocking(False)
        for _ in range(64):  # at most 4 MB, only what is already buffered
            if not sock.recv(65536):
                break
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class Worker(ThreadWorker):
    def handle_request(self, req: Any, conn: Any) -> Any:
        set_current_request(req)
        try:
            keep_alive = super().handle_request(req, conn)
        finally:
            set_current_request(None)
        if getattr(req, FAST_CLOSE, False):
            _shut(conn.sock)
            return False
        return keep_alive

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        refused = client_error(exc)
        if refused is None:
            super().handle_error(req, client, addr, exc)
            return
        status, reason, message = refused
        self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        try:
            util.write_nonblock(client, json_error(status, reason, message))
        except Exception:
            self.log.debug("Failed to send error message.")
