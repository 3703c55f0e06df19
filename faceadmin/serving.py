"""Request bodies under gunicorn: read in full, in bounded time, before the application runs.

`BodyGuard` wraps the WSGI application (`faceadmin/wsgi.py`). Under gunicorn (it sees
`gunicorn.socket` in the environ; other servers pass through untouched) every request that
has a body gets it read here, into a spooled file, before Django sees the request:

* **Stalled bodies cannot starve the server.** At most FACEADMIN_REQUEST_BODY_READERS
  requests per worker process wait for their body at once; another one waits
  `SLOT_WAIT` seconds for a turn, then is answered 503 (`Retry-After: 1`) and its
  connection closed, so the remaining threads keep serving everyone else (the login page
  included). A body that has not arrived within FACEADMIN_REQUEST_BODY_TIMEOUT seconds plus
  one second per `MIN_BODY_RATE` bytes received is cut off: 408 and the connection closes.
  A watchdog thread enforces the deadline by shutting the socket's read side, so a client
  trickling a byte at a time cannot hold a thread either.
* **Keep-alive survives early answers.** The application may answer without reading the
  body (401 for a wrong key, 403 for an unsupported attribute): the body was already read
  here, so the next request on the connection parses. gunicorn itself drains at most 64 KB
  of an unread body and then drops the connection after announcing keep-alive.
* **Malformed bodies get the API's error, not a 500.** A bad chunk size (gunicorn raises
  while the application reads) is answered 400 in the shape of the API the path belongs to.
* **Size.** Bodies over `API_BODY_CAP` (the APIs' largest legitimate body is 11 MB) or
  `OTHER_BODY_CAP` (the dashboard: up to 100 photos of 6 MB, or FACEADMIN_IMPORT_MAX_UPLOAD_BYTES
  when larger, for import ZIPs) are not read: the application
  answers from Content-Length (the APIs' own 400) or sees a short body, and the connection
  closes.

Whenever the body is not consumed to its end, the connection is closed *honestly*: the
custom worker (`faceadmin.gunicorn_worker`, set in gunicorn.conf.py) lets this module mark the
gunicorn request `must_close`, so the answer carries `Connection: close`.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any, Final

from django.conf import settings

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]

API_PREFIXES: Final = ("/face/", "/findface/")
API_BODY_CAP: Final = 16 * 1024 * 1024
OTHER_BODY_CAP: Final = 640 * 1024 * 1024
# Bodies are held in memory up to this size, then in a temporary file.
SPOOL_MEMORY: Final = 8 * 1024 * 1024
# After FACEADMIN_REQUEST_BODY_TIMEOUT, a body must keep arriving at this rate on average.
MIN_BODY_RATE: Final = 32 * 1024
# How long a request waits for a body-reading turn before it is answered 503.
SLOT_WAIT: Final = 0.1
READ_SIZE: Final = 64 * 1024

_current = threading.local()
# Set on a gunicorn request whose connection must close without waiting for the client.
FAST_CLOSE: Final = "faceadmin_fast_close"


def set_current_request(request: Any) -> None:
    """Called by the gunicorn worker around each request (see faceadmin.gunicorn_worker)."""
    _current.request = request


def close_connection(environ: Environ) -> None:
    """Make gunicorn close the connection after this answer, announcing `Connection: close`
    when the custom worker is in use, and closing it in any case (an unfinished gunicorn
    body marked failed is never drained into the next request)."""
    request = getattr(_current, "request", None)
    if request is not None:
        request.must_close = True
        setattr(request, FAST_CLOSE, True)
    body = environ.get("faceadmin.raw_input")
    if body is not None and hasattr(body, "failed"):
        body.failed = True


# --- the watchdog ----------------------------------------------------------------------


@dataclass(eq=False)
class _Read:
    sock: socket.socket
    started: float
    grace: float
    received: int = 0
    expired: bool = False

    def deadline(self) -> float:
        return self.started + self.grace + self.received / MIN_BODY_RATE


@dataclass
class _Watchdog:
    """One thread per process that cuts off body reads past their deadline."""

    reads: set[_Read] = field(default_factory=set)
    lock: threading.Condition = field(default_factory=threading.Condition)
    pid: int = 0

    def watch(self, read: _Read) -> None:
        with self.lock:
            if self.pid != os.getpid():  # first use in this (forked) process
                self.pid = os.getpid()
                threading.Thread(target=self._run, name="body-watchdog", daemon=True).start()
            self.reads.add(read)
            self.lock.notify()

    def unwatch(self, read: _Read) -> None:
        with self.lock:
            self.reads.discard(read)

    def _run(self) -> None:
        while True:
            with self.lock:
                while not self.reads:
                    self.lock.wait()
                now = time.monotonic()
                for read in [r for r in self.reads if now > r.deadline()]:
                    read.expired = True
                    self.reads.discard(read)
                    # Wakes the thread blocked in recv() with end-of-file; the write side
                    # stays open for the 408.
                    with contextlib.suppress(OSError):
                        read.sock.shutdown(socket.SHUT_RD)
                self.lock.wait(timeout=0.2)


_watchdog = _Watchdog()


# --- reading -----------------------------------------------------------------------------


class _BodyError(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _content_length(environ: Environ) -> int | None:
    try:
        return int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


def _has_body(environ: Environ) -> bool:
    if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return True
    return (_content_length(environ) or 0) > 0


def _read_all(environ: Environ, cap: int, grace: float) -> tuple[IO[bytes], bool]:
    """The whole body (at most `cap` bytes) in a rewound file, and whether it was complete."""
    stream = environ["wsgi.input"]
    length = _content_length(environ)
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)  # noqa: SIM115
    read = _Read(sock=environ["gunicorn.socket"], started=time.monotonic(), grace=grace)
    _watchdog.watch(read)
    complete = True
    try:
        while True:
            want = (
                READ_SIZE if chunked or length is None else min(READ_SIZE, length - read.received)
            )
            if want <= 0:
                break
            try:
                chunk = stream.read(want)
            except Exception as exc:  # gunicorn's parse errors, socket errors
                if read.expired:
                    raise _BodyError(408, "timeout") from exc
                raise _BodyError(400, "malformed") from exc
            if not chunk:
                if read.expired:
                    raise _BodyError(408, "timeout")
                if not chunked and length is not None and read.received < length:
                    raise _BodyError(400, "truncated")
                break
            spool.write(chunk)
            read.received += len(chunk)
            if read.received > cap:
                complete = False
                break
    except BaseException:
        spool.close()
        raise
    finally:
        _watchdog.unwatch(read)
    spool.seek(0)
    return spool, complete


# --- answers -----------------------------------------------------------------------------

_MESSAGES: Final = {
    "timeout": "The request body did not arrive in time.",
    "malformed": "Malformed chunked request body.",
    "truncated": "The request body ended before its Content-Length.",
    "busy": "The server is busy receiving other uploads; retry in a second.",
}


def error_answer(path: str, status: int, reason: str) -> tuple[str, list[tuple[str, str]], bytes]:
    """Status line, headers and body of an error answered before the application ran, in the
    shape of the API `path` belongs to (Azure Face for /face/, FindFace for /findface/)."""
    message = _MESSAGES.get(reason, reason)
    titles = {400: "Bad Request", 408: "Request Timeout", 503: "Service Unavailable"}
    status_line = f"{status} {titles.get(status, 'Error')}"
    headers = [("Content-Type", "application/json; charset=utf-8")]
    data: dict[str, Any]
    if path.startswith("/findface/"):
        if status == 400:
            data = {"code": "BAD_PARAM", "reason": message, "param": "body", "value": None}
        else:
            data = {"code": "REQUEST_TIMEOUT" if status == 408 else "BUSY", "reason": message}
        headers.append(("X-Request-Id", uuid.uuid4().hex))
    elif path.startswith("/face/"):
        code = "BadArgument" if status == 400 else str(status)
        data = {"error": {"code": code, "message": message}}
        headers.append(("apim-request-id", str(uuid.uuid4())))
    else:
        headers = [("Content-Type", "text/plain; charset=utf-8")]
        body = f"{status_line}: {message}\n".encode()
        return status_line, [*headers, ("Content-Length", str(len(body)))], body
    body = json.dumps(data, separators=(",", ":")).encode()
    if status == 503:
        headers.append(("Retry-After", "1"))
    return status_line, [*headers, ("Content-Length", str(len(body)))], body


def _dashboard_body_cap() -> int:
    """Dashboard bodies: 100 photos of 6 MB, or the largest ZIP the import page accepts."""
    return max(OTHER_BODY_CAP, int(getattr(settings, "FACEADMIN_IMPORT_MAX_UPLOAD_BYTES", 0)))


class BodyGuard:
    """WSGI middleware: see the module docstring."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self._slots: threading.BoundedSemaphore | None = None
        self._slots_lock = threading.Lock()

    def _readers(self) -> threading.BoundedSemaphore:
        with self._slots_lock:
            if self._slots is None:
                self._slots = threading.BoundedSemaphore(
                    max(1, int(settings.FACEADMIN_REQUEST_BODY_READERS))
                )
            return self._slots

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if "gunicorn.socket" not in environ or not _has_body(environ):
            return self.app(environ, start_response)
        environ["faceadmin.raw_input"] = environ["wsgi.input"]
        path = environ.get("PATH_INFO", "")
        cap = API_BODY_CAP if path.startswith(API_PREFIXES) else _dashboard_body_cap()
        length = _content_length(environ)
        if length is not None and length > cap:
            # Not worth reading: the application refuses it from its Content-Length.
            environ["wsgi.input"] = tempfile.SpooledTemporaryFile()  # noqa: SIM115
            close_connection(environ)
            return self.app(environ, start_response)
        slots = self._readers()
        if not slots.acquire(timeout=SLOT_WAIT):
            return self._refuse(environ, start_response, path, 503, "busy")
        try:
            body, complete = _read_all(environ, cap, float(settings.FACEADMIN_REQUEST_BODY_TIMEOUT))
        except _BodyError as exc:
            return self._refuse(environ, start_response, path, exc.status, exc.reason)
        finally:
            slots.release()
        if not complete:
            close_connection(environ)
        environ["wsgi.input"] = body
        return self.app(environ, start_response)

    def _refuse(
        self, environ: Environ, start_response: StartResponse, path: str, status: int, reason: str
    ) -> Iterable[bytes]:
        close_connection(environ)
        status_line, headers, body = error_answer(path, status, reason)
        start_response(status_line, headers)
        return [body]
