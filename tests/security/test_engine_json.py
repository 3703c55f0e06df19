"""Threat: hostile JSON turning into 500s (issue 13, item 3, engine side).

A 5,000-digit integer (over Python's int-conversion limit) and JSON nested thousands deep
(a RecursionError in the parser) used to escape as 500 InternalServerError. Every such body
is now Azure's 400 `BadArgument` "JSON parsing error."; nesting is capped at 64 levels.
"""

from __future__ import annotations

import pytest

from tests.security.conftest import Raw, azure_error

BIG = "9" * 5000


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


HOSTILE_BODIES = {
    "5000-digit-integer": f'{{"faceIds": [{BIG}], "personGroupId": "g"}}',
    "5000-digit-negative-integer": f'{{"faceIds": [-{BIG}], "personGroupId": "g"}}',
    "3000-deep-array": f'{{"faceIds": {nested(3000)}, "personGroupId": "g"}}',
    "3000-deep-object": '{"a":' * 3000 + "1" + "}" * 3000,
    "100000-deep-array": nested(100_000),
    "100-deep-array": f'{{"faceIds": {nested(100)}, "personGroupId": "g"}}',
}

ENDPOINTS = [
    ("POST", "identify"),
    ("POST", "detect"),
    ("POST", "findsimilars"),
    ("POST", "verify"),
    ("POST", "group"),
    ("PUT", "persongroups/hostile"),
]


@pytest.mark.parametrize("body", HOSTILE_BODIES)
@pytest.mark.parametrize(("method", "path"), ENDPOINTS, ids=[p for _, p in ENDPOINTS])
def test_hostile_json_is_a_400_bad_argument(azure: Raw, method: str, path: str, body: str) -> None:
    response = azure(
        method,
        path,
        data=HOSTILE_BODIES[body].encode(),
        headers={"Content-Type": "application/json"},
    )
    assert azure_error(response) == (400, "BadArgument")
    assert response.json()["error"]["message"] == "JSON parsing error."


def test_a_5000_digit_query_integer_is_a_400(azure: Raw) -> None:
    azure("PUT", "persongroups/g", json={"name": "g"})
    response = azure("GET", "persongroups", params={"top": BIG})
    assert azure_error(response) == (400, "BadArgument")


def test_sane_nesting_still_parses(azure: Raw) -> None:
    response = azure("PUT", "persongroups/fine", json={"name": "fine", "userData": "x"})
    assert response.status_code == 200
