"""Errors as the service layer raises and presents them.

The provider errors come from the clients (`faceadmin.clients.errors`) and are re-exported here,
so the dashboard catches them without importing the clients; `ApiErrorView` is what an operator
is shown for one.
"""

from __future__ import annotations

from dataclasses import dataclass

from faceadmin.clients.errors import (
    BadRequestError,
    FaceApiError,
    NotFoundError,
    NotTrainedError,
    UnsupportedFeature,
)

__all__ = [
    "ApiErrorView",
    "BadRequestError",
    "FaceApiError",
    "NotFoundError",
    "NotTrainedError",
    "UnsupportedFeature",
]

# Plain-words titles for the error codes an operator meets most; the provider's own message
# is always shown beneath.
_TITLES = {
    "401": "The provider refused the API key.",
    "429": "The provider is rate-limiting requests; try again shortly.",
    "ProviderUnavailable": "The provider did not answer.",
    "InvalidResponse": "The provider sent an answer faceadmin cannot read.",
    "QuotaExceeded": "The provider's quota for this is used up.",
    "InvalidImage": "The photo could not be used.",
    "InvalidImageSize": "The photo is too small or too large (1 KB to 6 MB).",
    "InvalidURL": "The provider could not fetch that photo URL.",
    "BadArgument": "The provider rejected a value.",
    "UnsupportedFeature": "The provider does not support that feature.",
    "FaceNotFound": "That detected face has expired or is unknown; detect the photo again.",
    "AUTH_FAILED": "The provider refused the API token.",
    "BAD_PARAM": "The provider rejected a value.",
    "MALFORMED_JSON": "The provider could not read the request.",
    "NOT_FOUND": "That face or gallery does not exist (any more).",
    "EXTRACTION_ERROR": "The provider could not read the face; try again later.",
    "SERVICE_UNAVAILABLE": "The provider did not answer.",
}


_ENTITY_WORDS = {
    "PersonGroup": "person group",
    "LargePersonGroup": "large person group",
    "FaceList": "face list",
    "LargeFaceList": "large face list",
    "Person": "person",
    "PersistedFace": "enrolled face",
    "Face": "detected face",
    "Snapshot": "snapshot",
    "Operation": "operation",
}


def _title_by_pattern(error: FaceApiError) -> str:
    """Plain words for the families of codes: <Entity>Exists, NotFound, NotTrained, ..."""
    code = error.code
    for suffix, template in (
        ("TrainingNotFinished", "The {} is still training; wait for it to finish."),
        ("NotTrained", "The {} has not been trained yet; train it first."),
        ("NotFound", "That {} does not exist (any more)."),
        ("Exists", "A {} with that id already exists; choose another id."),
        ("NotReady", "The {} is empty; add faces first."),
    ):
        if code.endswith(suffix) and code[: -len(suffix)] in _ENTITY_WORDS:
            return template.format(_ENTITY_WORDS[code[: -len(suffix)]])
    if code.startswith("PersonGroupIdAndLargePersonGroupId"):
        return "Choose exactly one person group or large person group."
    if error.status == 404:
        return "Not found."
    if error.status is not None and error.status >= 500:
        return "The provider had an internal error; try again later."
    return "The provider refused the request."


@dataclass(frozen=True)
class ApiErrorView:
    """What an operator is shown for a failed provider call."""

    title: str
    message: str
    code: str
    status: int | None
    request_id: str | None

    @classmethod
    def of(cls, error: FaceApiError) -> ApiErrorView:
        title = _TITLES.get(error.code) or _title_by_pattern(error)
        return cls(title, error.message, error.code, error.status, error.request_id)
