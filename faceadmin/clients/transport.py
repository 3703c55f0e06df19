"""The one request loop of the project: every HTTP call to a face API goes through here.

build request → send with (connect, read) timeouts → map failures to typed errors → retry
what is safe to retry, with exponential backoff and full jitter, honouring Retry-After,
bounded by a number of retries and by a total time budget.

Keys travel only in a header: Azure's `Ocp-Apim-Subscription-Key` by default, or whatever
`auth_header` / `auth_format` say (FindFace: `Authorization: Token <key>`). They are never
logged, never put in URLs and are scrubbed from any message the provider echoes back. Each
provider's error bodies are read by its own `error_parser`; the loop itself is shared.
"""

from __future__ import annotations

import json as jsonlib
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from requests.structures import CaseInsensitiveDict

from .endpoints import PrivateAddressRefused
from .errors import (
    FaceApiError,
    InvalidResponse,
    ProviderUnavailable,
    error_from_response,
    parse_retry_after,
    request_id_from_headers,
)

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_READ_TIMEOUT",
    "IDEMPOTENT_METHODS",
    "KEY_HEADER",
    "ErrorParser",
    "HttpTransport",
    "KeyFailoverCallback",
    "ParamValue",
    "Response",
    "Transport",
    "base_url_for",
    "encode_params",
]

logger = logging.getLogger(__name__)

KEY_HEADER = "Ocp-Apim-Subscription-Key"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
OCTET_STREAM = "application/octet-stream"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"})
DEFAULT_CONNECT_TIMEOUT = 3.05
DEFAULT_READ_TIMEOUT = 30.0
USER_AGENT = "faceadmin-faceapi/0.1"
# The embedded engine names the key's subscription id in this header of every authenticated
# answer (see `faceadmin.engine.http`); Azure sends no such header.
SUBSCRIPTION_ID_HEADER = "X-Faceadmin-Subscription-Id"

# Failures where the answer was lost on the way; worth another try when the call is idempotent.
_RETRYABLE_EXCEPTIONS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)

ParamValue = str | int | float | bool | Sequence[str] | None
KeyFailoverCallback = Callable[[int, str], None]
# (method, path without query, milliseconds, failed): told of every HTTP exchange.
CallObserver = Callable[[str, str, float, bool], None]
# (status, body, headers) of a non-2xx answer -> the typed error to raise.
ErrorParser = Callable[[int, bytes, Mapping[str, str]], FaceApiError]


def base_url_for(endpoint: str) -> str:
    """`https://westus.api.cognitive.microsoft.com` → `…/face/v1.0` (kept if already there)."""
    endpoint = endpoint.strip().rstrip("/")
    if not endpoint:
        raise ValueError("The face API endpoint is empty.")
    if endpoint.endswith("/face/v1.0"):
        return endpoint
    return f"{endpoint}/face/v1.0"


def encode_params(params: Mapping[str, ParamValue] | None) -> list[tuple[str, str]]:
    """Query parameters as the API wants them: booleans lower-case, arrays comma-separated,
    None left out."""
    encoded: list[tuple[str, str]] = []
    for name, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, str):
            text = value
        elif isinstance(value, int | float):
            text = str(value)
        else:
            text = ",".join(value)
        encoded.append((name, text))
    return encoded


@dataclass(frozen=True)
class Response:
    """A successful (2xx) answer. `data` is the parsed JSON, or None for an empty body."""

    status: int
    headers: Mapping[str, str]
    body: bytes = b""
    data: Any = field(default=None)

    @property
    def request_id(self) -> str | None:
        return request_id_from_headers(self.headers)

    def header(self, name: str) -> str | None:
        return CaseInsensitiveDict(self.headers).get(name)

    @property
    def subscription_id(self) -> str | None:
        """The key's subscription id, when the provider names it (the embedded engine does,
        in `SUBSCRIPTION_ID_HEADER`; Azure does not)."""
        return self.header(SUBSCRIPTION_ID_HEADER)


@dataclass(frozen=True)
class _Call:
    """One call as `HttpTransport.request` sends it, at every try."""

    method: str
    path: str
    url: str
    query: list[tuple[str, str]]
    body: bytes | None
    content_type: str | None
    idempotent: bool
    shown: str  # the path and the names of the params, for the log


@dataclass
class _Tries:
    """Where the retry loop of one call stands."""

    started: float
    waited: float = 0.0
    retries: int = 0
    attempt: int = 0
    tried_failover: bool = False


class Transport(Protocol):
    """What `AzureFaceClient` needs; `HttpTransport` is the implementation."""

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, ParamValue] | None = None,
        json: Any = None,
        data: bytes | None = None,
        idempotent: bool | None = None,
    ) -> Response: ...


def _refused(exc: BaseException) -> str | None:
    """Why the endpoint guard refused to connect (endpoints.public_only_session), if it did."""
    arg = exc.args[0] if exc.args else None
    reason = getattr(arg, "reason", arg)
    if isinstance(reason, PrivateAddressRefused):
        return str(reason.args[0] if reason.args else "refused")
    return None


class HttpTransport:
    """Sends requests to one face API endpoint with one key pair.

    `base_url` is `{endpoint}/face/v1.0` (see `base_url_for`). Retries: 429 on any method
    (the request was not processed); 5xx, connection errors and timeouts only when the call
    is idempotent. At most `max_retries` retries, and no retry that would take the total time
    past `max_retry_seconds`.

    With a `secondary_key`, a 401 on the primary key is retried once with the secondary key;
    `on_key_failover(status, code)` is called once and the transport keeps the secondary key
    from then on.

    The key goes in the `auth_header` header, formatted by `auth_format` (default: Azure's
    `Ocp-Apim-Subscription-Key: <key>`); `error_parser` turns a provider's error answer into
    a `FaceApiError` (default: Azure's error body).
    """

    def __init__(
        self,
        base_url: str,
        primary_key: str,
        *,
        secondary_key: str | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        max_retries: int = 3,
        max_retry_seconds: float = 30.0,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
        session: requests.Session | None = None,
        on_key_failover: KeyFailoverCallback | None = None,
        sleep: Callable[[float], None] = time.sleep,
        auth_header: str = KEY_HEADER,
        auth_format: str = "{key}",
        error_parser: ErrorParser = error_from_response,
        on_call: CallObserver | None = None,
    ) -> None:
        if not primary_key:
            raise ValueError("A subscription key is required.")
        if max_retries < 0 or max_retry_seconds < 0:
            raise ValueError("Retry bounds must not be negative.")
        if "{key}" not in auth_format:
            raise ValueError("auth_format must contain '{key}'.")
        self.base_url = base_url.rstrip("/")
        self._origin = "{0.scheme}://{0.netloc}".format(urlsplit(self.base_url))
        self._primary_key = primary_key
        self._secondary_key = secondary_key or None
        self._using_secondary = False
        self._key_lock = threading.Lock()
        self.timeout = (connect_timeout, read_timeout)
        self.max_retries = max_retries
        self.max_retry_seconds = max_retry_seconds
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._owns_session = session is None
        self.session = session if session is not None else requests.Session()
        self._on_key_failover = on_key_failover
        self._sleep = sleep
        self._auth_header = auth_header
        self._auth_format = auth_format
        self._error_parser = error_parser
        self._on_call = on_call

    def __repr__(self) -> str:
        return f"HttpTransport({self.base_url!r}, using_secondary_key={self._using_secondary})"

    @property
    def using_secondary_key(self) -> bool:
        return self._using_secondary

    def close(self) -> None:
        if self._owns_session:
            self.session.close()

    def __enter__(self) -> HttpTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- the loop ---------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, ParamValue] | None = None,
        json: Any = None,
        data: bytes | None = None,
        idempotent: bool | None = None,
        content_type: str | None = None,
    ) -> Response:
        """Send one call. `data` is a raw body (an image by default; `content_type` names
        another type, e.g. a multipart or urlencoded body built by the caller)."""
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        if json is not None and data is not None:
            raise ValueError("Send either a JSON body or image bytes, not both.")
        query = encode_params(params)
        body, content_type = self._body(json, data, content_type)
        call = _Call(
            method=method,
            path=path,
            url=self.base_url + (path if path.startswith("/") else "/" + path),
            query=query,
            body=body,
            content_type=content_type,
            idempotent=idempotent,
            # Param names only: values such as userData may hold personal data.
            shown=path + ("?" + "&".join(name for name, _ in query) if query else ""),
        )
        tries = _Tries(started=time.monotonic())
        while True:
            tries.attempt += 1
            key = self._current_key()
            sent_at = time.monotonic()
            try:
                raw = self._send(call, key)
            except requests.RequestException as exc:
                self._after_lost_answer(call, tries, exc, sent_at)
                continue
            status = raw.status_code
            self._log(method, call.shown, status, sent_at, tries.attempt)
            self._observe(method, path, sent_at, failed=not 200 <= status < 300)
            if 200 <= status < 300:
                return self._success(status, raw.headers, raw.content)
            self._after_error_answer(call, tries, key, raw)

    # -- the steps of the loop --------------------------------------------------------------

    def _send(self, call: _Call, key: str) -> requests.Response:
        headers = {
            self._auth_header: self._auth_format.format(key=key),
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        if call.content_type:
            headers["Content-Type"] = call.content_type
        return self.session.request(
            call.method,
            call.url,
            params=call.query,
            data=call.body,
            headers=headers,
            timeout=self.timeout,
            allow_redirects=False,
        )

    def _after_lost_answer(
        self, call: _Call, tries: _Tries, exc: requests.RequestException, sent_at: float
    ) -> None:
        """The answer was lost: raise, or wait before the next try."""
        error = self._transport_error(exc)
        self._log(call.method, call.shown, type(exc).__name__, sent_at, tries.attempt)
        self._observe(call.method, call.path, sent_at, failed=True)
        if _refused(exc) is not None:
            raise error from exc  # the same address will be refused again
        if not call.idempotent or not isinstance(exc, _RETRYABLE_EXCEPTIONS):
            raise error from exc
        delay = self._next_delay(None, tries.retries, tries.started, tries.waited)
        if delay is None:
            raise error from exc
        self._wait(tries, delay)

    def _after_error_answer(
        self, call: _Call, tries: _Tries, key: str, raw: requests.Response
    ) -> None:
        """A non-2xx answer: raise its error, or fail over / wait before the next try."""
        status, resp_headers = raw.status_code, raw.headers
        error = self._redact(self._error_parser(status, raw.content, resp_headers))
        if (
            status == 401
            and not tries.tried_failover
            and self._secondary_key is not None
            and key == self._primary_key
        ):
            tries.tried_failover = True
            self._fail_over(status, error.code)
            return
        if not (status == 429 or (status >= 500 and call.idempotent)):
            raise error
        retry_after = parse_retry_after(resp_headers.get("Retry-After"))
        delay = self._next_delay(retry_after, tries.retries, tries.started, tries.waited)
        if delay is None:
            raise error
        logger.info(
            "faceapi %s %s: HTTP %s, retrying in %.2f s (retry %d of %d)",
            call.method,
            call.shown,
            status,
            delay,
            tries.retries + 1,
            self.max_retries,
        )
        self._wait(tries, delay)

    def _wait(self, tries: _Tries, delay: float) -> None:
        tries.retries += 1
        tries.waited += delay
        self._sleep(delay)

    # -- pieces of the loop -----------------------------------------------------------------

    @staticmethod
    def _body(
        json: Any, data: bytes | None, content_type: str | None = None
    ) -> tuple[bytes | None, str | None]:
        if data is not None:
            return bytes(data), content_type or OCTET_STREAM
        if json is not None:
            text = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":"))
            return text.encode("utf-8"), JSON_CONTENT_TYPE
        return None, None

    def _current_key(self) -> str:
        if self._using_secondary and self._secondary_key is not None:
            return self._secondary_key
        return self._primary_key

    def _fail_over(self, status: int, code: str) -> None:
        with self._key_lock:
            if self._using_secondary:
                return  # another thread switched already and told the callback
            self._using_secondary = True
        logger.warning(
            "faceapi: primary key rejected (HTTP %s, %s) at %s; using the secondary key",
            status,
            code,
            self._origin,
        )
        if self._on_key_failover is not None:
            try:
                self._on_key_failover(status, code)
            except Exception:
                # Recording the failover must not break the call that found it.
                logger.exception("faceapi: on_key_failover callback failed")

    def _next_delay(
        self, retry_after: float | None, retries: int, started: float, waited: float
    ) -> float | None:
        """Seconds to sleep before the next try, or None to give up now."""
        if retries >= self.max_retries:
            return None
        # With an injected sleep the clock does not move; count the planned waits too.
        spent = max(time.monotonic() - started, waited)
        remaining = self.max_retry_seconds - spent
        if retry_after is not None:
            return retry_after if retry_after <= remaining else None
        if remaining <= 0:
            return None
        ceiling = min(self.backoff_max, self.backoff_base * (2**retries))
        return min(random.uniform(0, ceiling), remaining)

    def _success(self, status: int, headers: Mapping[str, str], content: bytes) -> Response:
        data: Any = None
        if content.strip():
            try:
                data = jsonlib.loads(content.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                raise InvalidResponse(
                    f"The face API answered HTTP {status} with a body that is not JSON.",
                    status=status,
                    request_id=request_id_from_headers(headers),
                ) from None
        return Response(status=status, headers=headers, body=content, data=data)

    def _transport_error(self, exc: requests.RequestException) -> FaceApiError:
        # Own wording: requests' messages quote the full URL, query values included.
        refused = _refused(exc)
        if refused is not None:
            message = f"{self._origin} was not contacted: {refused}"
        elif isinstance(exc, requests.ConnectTimeout):
            message = f"Timed out connecting to {self._origin}."
        elif isinstance(exc, requests.Timeout):
            message = f"{self._origin} did not answer in time."
        elif isinstance(exc, requests.ConnectionError):
            message = f"Could not connect to {self._origin}."
        elif isinstance(exc, requests.exceptions.ChunkedEncodingError):
            message = f"The answer from {self._origin} was cut off."
        else:
            message = f"The request to {self._origin} failed ({type(exc).__name__})."
        return ProviderUnavailable(message)

    def _redact(self, error: FaceApiError) -> FaceApiError:
        for key in (self._primary_key, self._secondary_key):
            if key and key in error.message:
                error.message = error.message.replace(key, "***")
                error.args = (error.message,)
        return error

    def _observe(self, method: str, path: str, sent_at: float, *, failed: bool) -> None:
        if self._on_call is None:
            return
        try:
            self._on_call(method, path, (time.monotonic() - sent_at) * 1000, failed)
        except Exception:
            # Counting a call must not break it.
            logger.exception("faceapi: on_call observer failed")

    def _log(
        self, method: str, shown: str, outcome: int | str, sent_at: float, attempt: int
    ) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            elapsed_ms = (time.monotonic() - sent_at) * 1000
            logger.debug(
                "faceapi %s %s -> %s in %.0f ms (attempt %d)",
                method,
                shown,
                outcome,
                elapsed_ms,
                attempt,
            )
