"""Checks on ids, names, userData, query parameters and JSON fields (contract section 7).

Each function returns the clean value or raises `EngineError` with Azure's code.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

from faceadmin.engine.errors import Kind, bad_argument

COLLECTION_ID_RE = re.compile(r"^[a-z0-9\-_]+$")
COLLECTION_ID_MAX = 64
NAME_MAX = 128
USER_DATA_MAX = 16 * 1024
FACE_USER_DATA_MAX = 1024
TOP_MAX = 1000

RECOGNITION_MODELS = ("recognition_01", "recognition_02", "recognition_03", "recognition_04")
DETECTION_MODELS = ("detection_01", "detection_02", "detection_03")
DEFAULT_RECOGNITION_MODEL = "recognition_01"
DEFAULT_DETECTION_MODEL = "detection_01"


def is_collection_id(value: object) -> bool:
    return (
        isinstance(value, str)
        and len(value) <= COLLECTION_ID_MAX
        and COLLECTION_ID_RE.match(value) is not None
    )


def collection_id(value: str, kind: Kind, *, status: int = 404) -> str:
    """A group/list id from the URL: 404 `<Entity>NotFound` when malformed (400 on create)."""
    if not is_collection_id(value):
        raise kind.invalid_id(status)
    return value


def parse_uuid(value: object) -> uuid.UUID | None:
    """Any-case UUID string to UUID, None when it is not one."""
    if not isinstance(value, str) or len(value) > 36:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def name(value: object, *, required: bool) -> str | None:
    if value is None:
        if required:
            raise bad_argument("'name' is empty.")
        return None
    if not isinstance(value, str):
        raise bad_argument("'name' is invalid.")
    if not value:
        raise bad_argument("'name' is empty.")
    if len(value) > NAME_MAX:
        raise bad_argument(f"'name' is too long; the maximum length is {NAME_MAX}.")
    return value


def user_data(value: object, *, limit: int = USER_DATA_MAX) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad_argument("'userData' is invalid.")
    if len(value) > limit:
        raise bad_argument(f"'userData' is too long; the maximum length is {limit}.")
    return value


def model_name(value: object, allowed: tuple[str, ...], *, field: str, default: str) -> str:
    """A recognition/detection model name, any casing, emitted in the swagger spelling."""
    if value is None:
        return default
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in allowed:
            return lowered
    raise bad_argument(f"Invalid argument {field}: '{value}' is not a supported model.")


def recognition_model(value: object) -> str:
    return model_name(
        value, RECOGNITION_MODELS, field="recognitionModel", default=DEFAULT_RECOGNITION_MODEL
    )


def detection_model(value: object) -> str:
    return model_name(
        value, DETECTION_MODELS, field="detectionModel", default=DEFAULT_DETECTION_MODEL
    )


# --- query string ---------------------------------------------------------------------


def query_bool(query: Mapping[str, str], field: str, default: bool) -> bool:
    raw = query.get(field)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise bad_argument(f"Invalid argument {field}: '{raw}' is not a boolean.")


def query_int(
    query: Mapping[str, str], field: str, default: int, *, minimum: int, maximum: int
) -> int:
    raw = query.get(field)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise bad_argument(f"Invalid argument {field}: '{raw}' is not an integer.") from None
    if not minimum <= value <= maximum:
        raise bad_argument(f"Invalid argument {field}: must be between {minimum} and {maximum}.")
    return value


def query_top(query: Mapping[str, str]) -> int:
    return query_int(query, "top", TOP_MAX, minimum=1, maximum=TOP_MAX)


def query_start(query: Mapping[str, str]) -> str | None:
    start = query.get("start")
    if not start:
        return None
    if len(start) > COLLECTION_ID_MAX:
        raise bad_argument(f"Invalid argument start: the maximum length is {COLLECTION_ID_MAX}.")
    return start


def query_uuid_start(query: Mapping[str, str]) -> uuid.UUID | None:
    """`start` for person / face listings: the last id of the previous page."""
    start = query_start(query)
    if start is None:
        return None
    parsed = parse_uuid(start)
    if parsed is None:
        raise bad_argument("Invalid argument start: not a valid id.")
    return parsed


def target_face(raw: str | None) -> tuple[int, int, int, int] | None:
    """`targetFace=left,top,width,height`; whether it lies inside the image is checked later."""
    if raw is None or raw == "":
        return None
    parts = raw.split(",")
    try:
        left, top, width, height = (int(p.strip()) for p in parts)
    except ValueError:
        raise bad_argument("Invalid argument targetFace.") from None
    if left < 0 or top < 0 or width <= 0 or height <= 0:
        raise bad_argument("Invalid argument targetFace.")
    return left, top, width, height


# --- JSON bodies ------------------------------------------------------------------------


def body_uuid(body: Mapping[str, Any], field: str, *, required: bool = True) -> uuid.UUID | None:
    value = body.get(field)
    if value is None:
        if required:
            raise bad_argument(f"'{field}' is empty.")
        return None
    parsed = parse_uuid(value)
    if parsed is None:
        raise bad_argument(f"'{field}' is invalid.")
    return parsed


def body_uuid_list(
    body: Mapping[str, Any], field: str, *, minimum: int, maximum: int
) -> list[uuid.UUID]:
    value = body.get(field)
    if value is None:
        raise bad_argument(f"'{field}' is empty.")
    if not isinstance(value, list):
        raise bad_argument(f"'{field}' is invalid.")
    if not minimum <= len(value) <= maximum:
        raise bad_argument(f"The number of '{field}' must be between {minimum} and {maximum}.")
    ids = []
    for item in value:
        parsed = parse_uuid(item)
        if parsed is None:
            raise bad_argument(f"'{field}' contains an invalid face ID.")
        ids.append(parsed)
    return ids


def body_int(
    body: Mapping[str, Any], field: str, default: int, *, minimum: int, maximum: int
) -> int:
    value = body.get(field)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_argument(f"'{field}' is invalid.")
    if not minimum <= value <= maximum:
        raise bad_argument(f"'{field}' must be between {minimum} and {maximum}.")
    return value


def body_confidence(body: Mapping[str, Any], field: str, default: float) -> float:
    value = body.get(field)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad_argument(f"'{field}' is invalid.")
    if not 0.0 <= value <= 1.0:
        raise bad_argument(f"'{field}' must be between 0 and 1.")
    return float(value)


def body_collection_id(body: Mapping[str, Any], kind: Kind) -> str | None:
    """A group/list id inside a body: malformed is 400 BadArgument."""
    value = body.get(kind.id_field)
    if value is None:
        return None
    if not is_collection_id(value):
        raise kind.invalid_id(400)
    assert isinstance(value, str)
    return value
