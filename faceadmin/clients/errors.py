"""Typed errors for the Azure Face v1.0 API.

Size: about 660 lines, kept in one module on purpose. Most of it is the flat hierarchy of
~45 tiny classes (one per provider code, 5 lines each) that callers import from one place;
the two parsers that pick a class (Azure's and FindFace's) read the same tables. Splitting
the classes from their parsers would only scatter one lookup table over several files.

Every failure the client can report is a `FaceApiError`. The subclass is picked from the
provider's error `code` first (case-insensitively), because Azure is not consistent about
statuses: `PersonGroupNotFound` comes back as 400 from identify and as 404 from a GET. When
the code is unknown the HTTP status decides (401, 404, 409, 429, 5xx, ...).

Views catch `FaceApiError` once and show `str(exc)`; code that needs to react to one case
catches the subclass (`PersonGroupNotFound`) or a grouping base (`NotFoundError`).

FindFace answers `{"code": "BAD_PARAM", "reason": ...}` instead; `findface_error_from_response`
maps those onto the same hierarchy, by HTTP status first and then by code (its contract,
section 4), so views handle both providers' failures alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar

__all__ = [
    "REQUEST_ID_HEADERS",
    "AuthFailed",
    "BadArgument",
    "BadParam",
    "BadRequestError",
    "ConcurrentOperationConflict",
    "ConflictError",
    "ExtractionError",
    "FaceApiError",
    "FaceListExists",
    "FaceListNotFound",
    "FaceListNotReady",
    "FaceNotFound",
    "ForbiddenError",
    "InvalidImage",
    "InvalidImageSize",
    "InvalidResponse",
    "InvalidURL",
    "LargeFaceListExists",
    "LargeFaceListNotFound",
    "LargeFaceListNotTrained",
    "LargeFaceListTrainingNotFinished",
    "LargePersonGroupExists",
    "LargePersonGroupNotFound",
    "LargePersonGroupNotTrained",
    "LargePersonGroupTrainingNotFinished",
    "MalformedJson",
    "NotFoundError",
    "NotTrainedError",
    "OperationNotFound",
    "PersistedFaceNotFound",
    "PersonGroupExists",
    "PersonGroupIdAndLargePersonGroupIdBothNotNull",
    "PersonGroupIdAndLargePersonGroupIdBothNull",
    "PersonGroupNotFound",
    "PersonGroupNotTrained",
    "PersonGroupTrainingNotFinished",
    "PersonNotFound",
    "ProviderUnavailable",
    "QuotaExceeded",
    "RateLimited",
    "ServiceUnavailable",
    "SnapshotNotFound",
    "TooManyFaces",
    "TrainingNotFinishedError",
    "Unauthorized",
    "UnsupportedFeature",
    "error_from_response",
    "findface_error_from_response",
    "parse_retry_after",
    "request_id_from_headers",
]

# Azure API Management sends apim-request-id; the others show up behind other gateways.
REQUEST_ID_HEADERS = ("apim-request-id", "x-ms-request-id", "x-request-id")

_MAX_MESSAGE_CHARS = 500


class FaceApiError(Exception):
    """A failed call: the provider's code and message, the HTTP status and the request id.

    `status` is None when nothing came back over HTTP (connection refused, timeout, a value
    rejected before sending).
    """

    default_code: ClassVar[str] = "FaceApiError"
    default_message: ClassVar[str] = "The face API call failed."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        self.message: str = message or self.default_message
        self.code: str = code or self.default_code
        self.status: int | None = status
        self.request_id: str | None = request_id
        super().__init__(self.message)

    def __str__(self) -> str:
        where = []
        if self.status is not None:
            where.append(f"HTTP {self.status}")
        if self.request_id:
            where.append(f"request {self.request_id}")
        suffix = f" ({', '.join(where)})" if where else ""
        return f"{self.code}: {self.message}{suffix}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, "
            f"status={self.status!r}, request_id={self.request_id!r})"
        )


# --- grouping bases: instantiable, they are also the fallback for an unknown code ----------


class BadRequestError(FaceApiError):
    """400 with a code we have no class for; base of the argument/image errors."""

    default_code = "BadRequest"
    default_message = "The request was rejected as invalid."


class ForbiddenError(FaceApiError):
    """403: quota or feature access."""

    default_code = "Forbidden"
    default_message = "The request is not allowed for this subscription."


class NotFoundError(FaceApiError):
    """Something referenced by the call does not exist (whatever the status: 400 or 404)."""

    default_code = "NotFound"
    default_message = "The resource was not found."


class ConflictError(FaceApiError):
    """409: exists already, or another operation on the resource is still running."""

    default_code = "Conflict"
    default_message = "The resource is busy or already exists."


class NotTrainedError(FaceApiError):
    """The group or list has never been trained successfully."""

    default_code = "NotTrained"
    default_message = "The collection has not been trained."


class TrainingNotFinishedError(ConflictError):
    """Training is still running."""

    default_code = "TrainingNotFinished"
    default_message = "Training is not finished."


# --- one class per provider code ------------------------------------------------------------


class BadArgument(BadRequestError):
    default_code = "BadArgument"
    default_message = "A request argument is invalid."


class InvalidURL(BadRequestError):
    default_code = "InvalidURL"
    default_message = "The image URL is invalid or could not be downloaded."


class InvalidImage(BadRequestError):
    default_code = "InvalidImage"
    default_message = "The image is invalid."


class InvalidImageSize(BadRequestError):
    default_code = "InvalidImageSize"
    default_message = "The image is too small or too large."


class PersonGroupIdAndLargePersonGroupIdBothNull(BadRequestError):
    default_code = "PersonGroupIdAndLargePersonGroupIdBothNull"
    default_message = "Neither personGroupId nor largePersonGroupId was given."


class PersonGroupIdAndLargePersonGroupIdBothNotNull(BadRequestError):
    default_code = "PersonGroupIdAndLargePersonGroupIdBothNotNull"
    default_message = "Only one of personGroupId and largePersonGroupId may be given."


class FaceListNotReady(BadRequestError):
    default_code = "FaceListNotReady"
    default_message = "The face list is empty."


class Unauthorized(FaceApiError):
    default_code = "401"
    default_message = "The subscription key is invalid or belongs to another endpoint."


class UnsupportedFeature(ForbiddenError):
    default_code = "UnsupportedFeature"
    default_message = "The feature is not available for this subscription."


class QuotaExceeded(ForbiddenError):
    default_code = "QuotaExceeded"
    default_message = "A quota of the subscription is exhausted."


class ConcurrentOperationConflict(ConflictError):
    default_code = "ConcurrentOperationConflict"
    default_message = "Another operation on the same resource is in progress."


class RateLimited(FaceApiError):
    """429. `retry_after` is the provider's hint in seconds, when it gave one."""

    default_code = "429"
    default_message = "Rate limit is exceeded."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, code=code, status=status, request_id=request_id)
        self.retry_after: float | None = retry_after

    def __str__(self) -> str:
        text = super().__str__()
        if self.retry_after is not None:
            text += f" Retry after {self.retry_after:g} s."
        return text


class FaceNotFound(NotFoundError):
    default_code = "FaceNotFound"
    default_message = "Face is not found."


class PersonNotFound(NotFoundError):
    default_code = "PersonNotFound"
    default_message = "Person is not found."


class PersistedFaceNotFound(NotFoundError):
    default_code = "PersistedFaceNotFound"
    default_message = "Persisted face is not found."


class PersonGroupNotFound(NotFoundError):
    default_code = "PersonGroupNotFound"
    default_message = "Person group is not found."


class LargePersonGroupNotFound(NotFoundError):
    default_code = "LargePersonGroupNotFound"
    default_message = "Large person group is not found."


class FaceListNotFound(NotFoundError):
    default_code = "FaceListNotFound"
    default_message = "Face list is not found."


class LargeFaceListNotFound(NotFoundError):
    default_code = "LargeFaceListNotFound"
    default_message = "Large face list is not found."


class SnapshotNotFound(NotFoundError):
    default_code = "SnapshotNotFound"
    default_message = "Snapshot is not found."


class OperationNotFound(NotFoundError):
    default_code = "OperationNotFound"
    default_message = "Operation is not found."


class PersonGroupExists(ConflictError):
    default_code = "PersonGroupExists"
    default_message = "Person group already exists."


class LargePersonGroupExists(ConflictError):
    default_code = "LargePersonGroupExists"
    default_message = "Large person group already exists."


class FaceListExists(ConflictError):
    default_code = "FaceListExists"
    default_message = "Face list already exists."


class LargeFaceListExists(ConflictError):
    default_code = "LargeFaceListExists"
    default_message = "Large face list already exists."


class PersonGroupNotTrained(NotTrainedError):
    default_code = "PersonGroupNotTrained"
    default_message = "Person group not trained."


class LargePersonGroupNotTrained(NotTrainedError):
    default_code = "LargePersonGroupNotTrained"
    default_message = "Large person group not trained."


class LargeFaceListNotTrained(NotTrainedError):
    default_code = "LargeFaceListNotTrained"
    default_message = "Large face list not trained."


class PersonGroupTrainingNotFinished(TrainingNotFinishedError):
    default_code = "PersonGroupTrainingNotFinished"
    default_message = "Person group training is not finished."


class LargePersonGroupTrainingNotFinished(TrainingNotFinishedError):
    default_code = "LargePersonGroupTrainingNotFinished"
    default_message = "Large person group training is not finished."


class LargeFaceListTrainingNotFinished(TrainingNotFinishedError):
    default_code = "LargeFaceListTrainingNotFinished"
    default_message = "Large face list training is not finished."


# --- failures of the exchange itself ------------------------------------------------------


class ProviderUnavailable(FaceApiError):
    """The provider could not be reached or failed on its side (DNS, refused, timeout, 5xx)."""

    default_code = "ProviderUnavailable"
    default_message = "The face API is unavailable."


class InvalidResponse(FaceApiError):
    """The provider answered, but not with what the contract promises."""

    default_code = "InvalidResponse"
    default_message = "The face API sent a response that could not be understood."


# --- FindFace codes (its contract, section 4) ----------------------------------------------


class AuthFailed(Unauthorized):
    default_code = "AUTH_FAILED"
    default_message = "The FindFace token is wrong or missing."


class BadParam(BadRequestError):
    """FindFace's BAD_PARAM; `param` and `value` name what was refused, when it said so."""

    default_code = "BAD_PARAM"
    default_message = "A request parameter is invalid."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        request_id: str | None = None,
        param: str | None = None,
        value: str | None = None,
    ) -> None:
        super().__init__(message, code=code, status=status, request_id=request_id)
        self.param: str | None = param
        self.value: str | None = value


class MalformedJson(BadRequestError):
    default_code = "MALFORMED_JSON"
    default_message = "The request body is not valid JSON."


class TooManyFaces(BadRequestError):
    """`mf_selector=reject` found several faces; `faces` are their boxes (x1, y1, x2, y2)."""

    default_code = "TOO_MANY_FACES"
    default_message = "The photo has more than one face."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        request_id: str | None = None,
        faces: tuple[tuple[int, int, int, int], ...] = (),
    ) -> None:
        super().__init__(message, code=code, status=status, request_id=request_id)
        self.faces = faces


class ServiceUnavailable(ProviderUnavailable):
    default_code = "SERVICE_UNAVAILABLE"
    default_message = "A FindFace backend component is down."


class ExtractionError(ProviderUnavailable):
    default_code = "EXTRACTION_ERROR"
    default_message = "FindFace could not extract the face."


_CODE_CLASSES: tuple[type[FaceApiError], ...] = (
    BadArgument,
    InvalidURL,
    InvalidImage,
    InvalidImageSize,
    Unauthorized,
    UnsupportedFeature,
    QuotaExceeded,
    ConcurrentOperationConflict,
    RateLimited,
    FaceNotFound,
    PersonNotFound,
    PersistedFaceNotFound,
    PersonGroupNotFound,
    LargePersonGroupNotFound,
    FaceListNotFound,
    LargeFaceListNotFound,
    PersonGroupExists,
    LargePersonGroupExists,
    FaceListExists,
    LargeFaceListExists,
    PersonGroupNotTrained,
    LargePersonGroupNotTrained,
    LargeFaceListNotTrained,
    FaceListNotReady,
    PersonGroupTrainingNotFinished,
    LargePersonGroupTrainingNotFinished,
    LargeFaceListTrainingNotFinished,
    PersonGroupIdAndLargePersonGroupIdBothNull,
    PersonGroupIdAndLargePersonGroupIdBothNotNull,
    SnapshotNotFound,
    OperationNotFound,
)

CODE_TO_CLASS: Mapping[str, type[FaceApiError]] = {
    cls.default_code.lower(): cls for cls in _CODE_CLASSES
}


def _class_for_status(status: int) -> type[FaceApiError]:
    if status >= 500:
        return ProviderUnavailable
    return {
        400: BadRequestError,
        401: Unauthorized,
        403: ForbiddenError,
        404: NotFoundError,
        409: ConflictError,
        429: RateLimited,
    }.get(status, FaceApiError)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        # A plain dict is accepted too, so look the name up without regard to case.
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value


def request_id_from_headers(headers: Mapping[str, str]) -> str | None:
    for name in REQUEST_ID_HEADERS:
        value = _header(headers, name)
        if value:
            return value
    return None


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def _code_and_message(body: bytes) -> tuple[str | None, str | None]:
    """Code and message of a face-API error body, else (None, None).

    Only the shapes a face API answers with are read: `{"error": {"code", "message"}}`, and
    the API Management gateway's `{"statusCode": 401, "message"}`. Any other body — an HTML
    page, some other service's JSON — is never shown: the endpoint may not be a face API at
    all, and its answer is none of the user's business.
    """
    try:
        data: Any = json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, None
    if not isinstance(data, dict):
        return None, None
    inner = data.get("error")
    if isinstance(inner, dict) and isinstance(inner.get("code"), str):
        code: Any = inner.get("code")
        message: Any = inner.get("message")
    elif isinstance(data.get("statusCode"), int) and not isinstance(data["statusCode"], bool):
        code, message = data["statusCode"], data.get("message")
    else:
        return None, None
    code_text = str(code) if isinstance(code, str | int) and str(code) else None
    message_text = message if isinstance(message, str) and message else None
    if message_text and len(message_text) > _MAX_MESSAGE_CHARS:
        message_text = message_text[:_MAX_MESSAGE_CHARS] + "…"
    return code_text, message_text


def error_from_response(status: int, body: bytes, headers: Mapping[str, str]) -> FaceApiError:
    """Build the typed error for a non-2xx answer."""
    code, message = _code_and_message(body)
    cls = CODE_TO_CLASS.get(code.lower()) if code else None
    if cls is None:
        cls = _class_for_status(status)
    else:
        code = cls.default_code  # the contract's spelling, whatever casing came back
    if message is None and status >= 500:
        message = f"The face API failed with HTTP {status}."
    request_id = request_id_from_headers(headers)
    if issubclass(cls, RateLimited):
        return cls(
            message,
            code=code,
            status=status,
            request_id=request_id,
            retry_after=parse_retry_after(_header(headers, "Retry-After")),
        )
    return cls(message, code=code, status=status, request_id=request_id)


# --- FindFace ------------------------------------------------------------------------------

_FINDFACE_CODES: Mapping[str, type[FaceApiError]] = {
    cls.default_code: cls
    for cls in (AuthFailed, BadParam, MalformedJson, ServiceUnavailable, ExtractionError)
}


def _findface_class_for_status(status: int) -> type[FaceApiError]:
    if status >= 500:
        return ProviderUnavailable
    return {
        400: BadRequestError,
        401: Unauthorized,
        # The PHP samples treat 403 as a refused token; the docs say 401.
        403: Unauthorized,
        404: NotFoundError,
        409: ConflictError,
        429: RateLimited,
    }.get(status, FaceApiError)


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value)[:_MAX_MESSAGE_CHARS]


def _boxes(value: Any) -> tuple[tuple[int, int, int, int], ...]:
    boxes: list[tuple[int, int, int, int]] = []
    for item in value if isinstance(value, list) else []:
        try:
            if isinstance(item, dict):
                boxes.append((int(item["x1"]), int(item["y1"]), int(item["x2"]), int(item["y2"])))
            elif isinstance(item, list) and len(item) == 4:
                boxes.append((int(item[0]), int(item[1]), int(item[2]), int(item[3])))
        except (KeyError, TypeError, ValueError):
            continue
    return tuple(boxes)


def findface_error_from_response(
    status: int, body: bytes, headers: Mapping[str, str]
) -> FaceApiError:
    """The typed error for a FindFace answer `{"code", "reason", ...}` with a non-2xx status.

    The status picks the family (401 refused token, 400 bad request, 404 not found, 429 rate
    limit, 5xx unavailable); a known code narrows it when it belongs to that family. The
    code may be a string or, for "too many faces", the integer 400.
    """
    try:
        data: Any = json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError, RecursionError):
        data = None
    # Only FindFace's own shape {"code", "reason"} is read; any other body is never shown.
    findface_shaped = (
        isinstance(data, dict)
        and isinstance(data.get("reason"), str)
        and isinstance(data.get("code", ""), str | int)
    )
    fields: Mapping[str, Any] = data if findface_shaped else {}
    code = _text(fields.get("code"))
    message = _text(fields.get("reason"))
    if message and len(message) > _MAX_MESSAGE_CHARS:
        message = message[:_MAX_MESSAGE_CHARS] + "…"
    if message is None and status >= 500:
        message = f"FindFace failed with HTTP {status}."
    request_id = request_id_from_headers(headers)

    family = _findface_class_for_status(status)
    cls = _FINDFACE_CODES.get(code or "")
    if cls is None or not (family is FaceApiError or issubclass(cls, family)):
        cls = family
    if status == 400 and cls is BadRequestError and isinstance(fields.get("faces"), list):
        return TooManyFaces(
            message, code=code, status=status, request_id=request_id, faces=_boxes(fields["faces"])
        )
    if issubclass(cls, RateLimited):
        return cls(
            message,
            code=code,
            status=status,
            request_id=request_id,
            retry_after=parse_retry_after(_header(headers, "Retry-After")),
        )
    if issubclass(cls, BadParam):
        return cls(
            message,
            code=code,
            status=status,
            request_id=request_id,
            param=_text(fields.get("param")),
            value=_text(fields.get("value")),
        )
    return cls(message, code=code, status=status, request_id=request_id)
