"""The engine's HTTP plumbing: authentication, body reading, Azure-style responses.

`endpoint(GET=..., POST=...)` builds one Django view per URL that authenticates the
`Ocp-Apim-Subscription-Key`, dispatches on the method (405 otherwise) and turns
`EngineError` (and any unexpected exception) into Azure's JSON error body. Handlers get
a `Call`: the account, the query string and lazy access to the body.

Bodies are read straight from `wsgi.input`, not from `request.body`: the SDK uploads
images with `Transfer-Encoding: chunked` and no Content-Length, which Django's request
(and its 2.5 MB DATA_UPLOAD_MAX_MEMORY_SIZE) cannot handle.
"""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from faceadmin.engine import accounts, errors
from faceadmin.engine.models import Account
from faceadmin.engine.recognition import MAX_IMAGE_BYTES

logger = logging.getLogger(__name__)

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
KEY_HEADER = "HTTP_OCP_APIM_SUBSCRIPTION_KEY"
# Every answer to an authenticated call names the key's subscription id (the account's UUID),
# so that a client learns it over the wire: Azure does not reveal it, and clients ignore
# headers they do not know. `faceadmin.clients.transport.SUBSCRIPTION_ID_HEADER` reads it.
SUBSCRIPTION_ID_HEADER = "X-Faceadmin-Subscription-Id"
# A body larger than this is refused without being read; images are capped at 6 MB and
# JSON bodies (1,000 faceIds at most) are far smaller.
BODY_LIMIT = MAX_IMAGE_BYTES
# How much of an oversized chunked body we read and discard to keep a keep-alive
# connection usable; beyond this the client is misbehaving and the connection is lost.
DRAIN_LIMIT = 64 * 1024 * 1024
_BODY_READ = "faceadmin.engine.body_read"
# No request of either API nests deeper than a few levels; hostile JSON nested thousands
# deep would otherwise end in a RecursionError (a 500) here or in code that walks it.
MAX_JSON_DEPTH = 64

MISSING_KEY_MESSAGE = (
    "Access denied due to missing subscription key. "
    "Make sure to include subscription key when making requests to an API."
)
INVALID_KEY_MESSAGE = (
    "Access denied due to invalid subscription key or wrong API endpoint. "
    "Make sure to provide a valid key for an active subscription and use a correct "
    "regional API endpoint for your resource."
)


# --- responses ---------------------------------------------------------------------------


def json_response(data: Any, status: int = 200) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(body.encode("utf-8"), status=status, content_type=JSON_CONTENT_TYPE)


def empty_response(status: int = 200) -> HttpResponse:
    response = HttpResponse(b"", status=status)
    del response["Content-Type"]
    return response


def error_response(status: int, code: str, message: str) -> HttpResponse:
    return json_response({"error": {"code": code, "message": message}}, status=status)


# --- JSON ------------------------------------------------------------------------------------


def parse_json(raw: str | bytes) -> Any:
    """`json.loads`, bounded: ValueError for invalid JSON, and also for an integer over
    Python's digit limit (4,300), nesting deeper than MAX_JSON_DEPTH, or bytes not UTF-8.

    Callers turn the ValueError into their API's 400; nothing here can end in a 500."""
    try:
        data = json.loads(raw)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    _check_depth(data)
    return data


def _check_depth(data: Any) -> None:
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            raise ValueError("JSON nested too deeply")
        stack.extend((child, depth + 1) for child in children)


# --- request bodies ----------------------------------------------------------------------


class BodyTooLarge(Exception):
    pass


def _read_capped(stream: IO[bytes], limit: int, length: int | None = None) -> bytes:
    """Read to EOF (or `length` bytes), refusing more than `limit` bytes."""
    chunks: list[bytes] = []
    total = 0
    remaining = length
    while remaining is None or remaining > 0:
        size = 65536 if remaining is None else min(65536, remaining)
        chunk = stream.read(size)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if remaining is not None:
            remaining -= len(chunk)
        if total > limit:
            raise BodyTooLarge
    return b"".join(chunks)


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    parts: list[bytes] = []
    while size > 0:
        part = stream.read(size)
        if not part:
            raise ValueError("connection closed inside a chunk")
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def read_chunked(stream: IO[bytes], limit: int) -> bytes:
    """Decode a `Transfer-Encoding: chunked` body from a raw socket stream.

    Reads exactly up to the end of the body (last chunk and trailers), never to EOF, so a
    keep-alive connection stays usable. An oversized body is drained (up to DRAIN_LIMIT)
    before `BodyTooLarge` is raised, for the same reason.
    """
    parts: list[bytes] = []
    total = 0
    while True:
        line = stream.readline(1026)
        if not line.endswith(b"\n"):
            raise ValueError("malformed chunk size line")
        size = int(line.split(b";", 1)[0].strip() or b"x", 16)
        if size < 0:
            raise ValueError("negative chunk size")
        if size == 0:
            break
        if total + size > DRAIN_LIMIT:
            raise BodyTooLarge
        if total + size <= limit:
            parts.append(_read_exactly(stream, size))
        else:
            for start in range(0, size, 65536):
                _read_exactly(stream, min(65536, size - start))
        total += size
        if _read_exactly(stream, 2) != b"\r\n":
            raise ValueError("chunk not followed by CRLF")
    while stream.readline(8192).strip():  # trailers, up to the blank line
        pass
    if total > limit:
        raise BodyTooLarge
    return b"".join(parts)


def _raw_stream(stream: Any) -> Any:
    # Django's development server (runserver, live_server) wraps the socket in a
    # LimitedStream of Content-Length bytes: zero for a chunked upload. Decoding the
    # chunks ourselves needs the socket file underneath.
    if isinstance(stream, LimitedStream):
        return stream._read.__self__  # type: ignore[attr-defined]
    return stream


def read_body(request: HttpRequest, limit: int = BODY_LIMIT) -> bytes:
    """The request body, at most `limit` bytes (else BodyTooLarge). Call it once."""
    environ = request.META
    environ[_BODY_READ] = True
    stream = environ["wsgi.input"]
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    try:
        length: int | None = int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        length = None
    if length is not None and length > limit:
        raise BodyTooLarge  # refused from its declared size, unread (faceadmin.serving too)
    if environ.get("wsgi.input_terminated"):
        # gunicorn (and other servers setting this flag) de-chunk the body and end the
        # stream where the body ends: read to EOF.
        return _read_capped(stream, limit)
    if chunked:
        try:
            return read_chunked(_raw_stream(stream), limit)
        except (ValueError, OSError) as exc:
            raise errors.bad_argument("Malformed chunked request body.") from exc
    if length is None or length <= 0:
        return b""
    return _read_capped(stream, limit, length)


def discard_body(request: HttpRequest) -> None:
    """Consume a chunked body nobody read, so the next request on the connection parses."""
    environ = request.META
    if environ.get(_BODY_READ) or environ.get("wsgi.input_terminated"):
        return
    if "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return  # Content-Length bodies are discarded by the server itself
    with contextlib.suppress(BodyTooLarge, errors.EngineError):
        read_body(request, limit=0)


def media_type(request: HttpRequest) -> str:
    return request.META.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()


# --- calls ---------------------------------------------------------------------------------


@dataclass
class Call:
    """What a handler needs from the request: the account, the query string, the body."""

    request: HttpRequest
    account: Account
    query: dict[str, str]
    _body: bytes | None = field(default=None, repr=False)

    @property
    def media_type(self) -> str:
        return media_type(self.request)

    def body(self) -> bytes:
        """The raw body, e.g. an image (400 InvalidImageSize over 6 MB)."""
        return self._read(errors.invalid_image_size("Image size is too big."))

    def _read(self, too_large: errors.EngineError) -> bytes:
        if self._body is None:
            try:
                self._body = read_body(self.request)
            except BodyTooLarge:
                raise too_large from None
        return self._body

    def json(self) -> dict[str, Any]:
        """The body as a JSON object (400 BadArgument otherwise)."""
        raw = self._read(errors.bad_argument("Request body is too large."))
        if not raw.strip():
            raise errors.invalid_body()
        try:
            data = parse_json(raw.decode("utf-8"))
        except ValueError:  # UnicodeDecodeError and JSONDecodeError included
            raise errors.json_parsing_error() from None
        if not isinstance(data, dict):
            raise errors.invalid_body()
        return data


Handler = Callable[..., HttpResponse]


def _query(request: HttpRequest) -> dict[str, str]:
    # Query parameter names are matched case-insensitively, like Azure does.
    query: dict[str, str] = {}
    for key in request.GET:
        value = request.GET.get(key)
        if value is not None:
            query[key.lower()] = value
    return query


def authenticate(request: HttpRequest) -> Account:
    key = request.META.get(KEY_HEADER, "").strip()
    if not key:
        raise errors.EngineError(401, "401", MISSING_KEY_MESSAGE)
    account = accounts.account_for_key(key)
    if account is None:
        raise errors.EngineError(401, "401", INVALID_KEY_MESSAGE)
    return account


def _handle(
    request: HttpRequest, handlers: dict[str, Handler], kwargs: dict[str, str]
) -> HttpResponse:
    try:
        account = authenticate(request)
    except errors.EngineError as exc:
        return error_response(exc.status, exc.code, exc.message)
    except Exception:
        logger.exception("engine: unexpected error in %s %s", request.method, request.path)
        return error_response(500, "InternalServerError", "An internal server error occurred.")
    response = _dispatch(request, account, handlers, kwargs)
    response[SUBSCRIPTION_ID_HEADER] = str(account.id)
    return response


def _dispatch(
    request: HttpRequest, account: Account, handlers: dict[str, Handler], kwargs: dict[str, str]
) -> HttpResponse:
    try:
        handler = handlers.get(request.method or "")
        if handler is None:
            response = error_response(
                405, "405", f"The HTTP method '{request.method}' is not allowed on this resource."
            )
            response["Allow"] = ", ".join(sorted(handlers))
            return response
        call = Call(request=request, account=account, query=_query(request))
        return handler(call, **kwargs)
    except errors.EngineError as exc:
        return error_response(exc.status, exc.code, exc.message)
    except Exception:
        logger.exception("engine: unexpected error in %s %s", request.method, request.path)
        return error_response(500, "InternalServerError", "An internal server error occurred.")


def endpoint(**handlers: Handler) -> Callable[..., HttpResponse]:
    """One view for one URL, dispatching on the HTTP method: endpoint(GET=f, PUT=g)."""

    @csrf_exempt
    def view(request: HttpRequest, **kwargs: str) -> HttpResponse:
        response = _handle(request, handlers, kwargs)
        discard_body(request)
        response["apim-request-id"] = str(uuid.uuid4())
        return response

    return view


@csrf_exempt
def not_found(request: HttpRequest, **kwargs: str) -> HttpResponse:
    """Any path under /face/v1.0/ that is no operation: Azure's 404, never a router page."""
    discard_body(request)
    response = error_response(404, "404", "Resource not found")
    response["apim-request-id"] = str(uuid.uuid4())
    return response
