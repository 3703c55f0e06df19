"""Errors the facade answers with, in FindFace's shape: `{"code", "reason", ...}`.

Codes and statuses from the contract (section 4): AUTH_FAILED 401, BAD_PARAM 400 (with
`param` and `value`), MALFORMED_JSON 400, and too-many-faces as the integer code 400 with the
boxes. No source names a not-found code; the facade answers 404 `NOT_FOUND` for a path that
names a face or gallery that does not exist (a parameter naming one is a BAD_PARAM).
"""

from __future__ import annotations

from typing import Any


class FindFaceError(Exception):
    def __init__(self, status: int, code: str | int, reason: str, **extra: Any) -> None:
        super().__init__(f"{status} {code}: {reason}")
        self.status = status
        self.code = code
        self.reason = reason
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "reason": self.reason, **self.extra}


def auth_failed(reason: str) -> FindFaceError:
    return FindFaceError(401, "AUTH_FAILED", reason)


def bad_param(param: str, value: Any, reason: str) -> FindFaceError:
    shown = value if isinstance(value, str | int | float | bool) or value is None else str(value)
    if isinstance(shown, str) and len(shown) > 200:
        shown = shown[:200] + "…"
    return FindFaceError(400, "BAD_PARAM", reason, param=param, value=shown)


def malformed_json(reason: str = "The request body is not valid JSON.") -> FindFaceError:
    return FindFaceError(400, "MALFORMED_JSON", reason)


def not_found(reason: str) -> FindFaceError:
    return FindFaceError(404, "NOT_FOUND", reason)


def too_many_faces(boxes: list[dict[str, int]]) -> FindFaceError:
    # The one documented example uses the integer 400 as the code.
    return FindFaceError(400, 400, f"Too many faces: {len(boxes)}", faces=boxes)
