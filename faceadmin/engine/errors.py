"""Errors the engine answers with, as Azure Face v1.0 spells them.

Services raise `EngineError`; the HTTP layer turns it into
`{"error": {"code": ..., "message": ...}}` with the given status. Codes that depend on the
kind of collection (PersonGroupNotFound vs LargePersonGroupNotFound...) live on `Kind`.
"""

from __future__ import annotations

from dataclasses import dataclass


class EngineError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def bad_argument(message: str) -> EngineError:
    return EngineError(400, "BadArgument", message)


def invalid_body() -> EngineError:
    return bad_argument("Request body is invalid.")


def json_parsing_error() -> EngineError:
    return bad_argument("JSON parsing error.")


def invalid_url(message: str = "Invalid image URL.") -> EngineError:
    return EngineError(400, "InvalidURL", message)


def invalid_image(message: str = "Decoding error, image format unsupported.") -> EngineError:
    return EngineError(400, "InvalidImage", message)


def invalid_image_size(message: str) -> EngineError:
    return EngineError(400, "InvalidImageSize", message)


def face_not_found() -> EngineError:
    return EngineError(400, "FaceNotFound", "Face is not found.")


def incompatible_recognition_model() -> EngineError:
    return bad_argument("'recognitionModel' is incompatible.")


def person_not_found(status: int = 404) -> EngineError:
    return EngineError(status, "PersonNotFound", "Person is not found.")


def persisted_face_not_found(
    status: int = 404, message: str = "Persisted face is not found."
) -> EngineError:
    return EngineError(status, "PersistedFaceNotFound", message)


def quota_exceeded(message: str) -> EngineError:
    return EngineError(403, "QuotaExceeded", message)


def unsupported_feature(message: str) -> EngineError:
    return EngineError(403, "UnsupportedFeature", message)


@dataclass(frozen=True)
class Kind:
    """A kind of collection: person group, large person group, face list, large face list.

    Views and services are written once and parameterised by a Kind, which knows the
    JSON field name of its id and the error codes Azure uses for it.
    """

    entity: str  # "PersonGroup"
    label: str  # "Person group"
    id_field: str  # "personGroupId"
    large: bool
    trainable: bool

    def not_found(self, status: int = 404) -> EngineError:
        return EngineError(status, f"{self.entity}NotFound", f"{self.label} is not found.")

    def invalid_id(self, status: int = 404) -> EngineError:
        code = f"{self.entity}NotFound" if status == 404 else "BadArgument"
        return EngineError(status, code, f"{self.label} ID is invalid.")

    def exists(self) -> EngineError:
        return EngineError(409, f"{self.entity}Exists", f"{self.label} already exists.")

    def not_trained(self, status: int = 400) -> EngineError:
        return EngineError(status, f"{self.entity}NotTrained", f"{self.label} not trained.")

    def training_not_finished(self) -> EngineError:
        return EngineError(
            409, f"{self.entity}TrainingNotFinished", f"{self.label} is under training."
        )


PERSON_GROUP = Kind("PersonGroup", "Person group", "personGroupId", large=False, trainable=True)
LARGE_PERSON_GROUP = Kind(
    "LargePersonGroup", "Large person group", "largePersonGroupId", large=True, trainable=True
)
FACE_LIST = Kind("FaceList", "Face list", "faceListId", large=False, trainable=False)
LARGE_FACE_LIST = Kind(
    "LargeFaceList", "Large face list", "largeFaceListId", large=True, trainable=True
)
