"""Threat: hostile JSON turning into 500s (issue 13, item 3, FindFace facade).

Deep nesting (in the body or in a structured parameter such as `bbox`) and 5,000-digit
integers answer FindFace's own 400s: `MALFORMED_JSON` for the body, `BAD_PARAM` naming the
parameter otherwise; never 500.
"""

from __future__ import annotations

import pytest

from tests.security.conftest import Raw, findface_error

BIG = "9" * 5000


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    "body",
    [
        f'{{"photo": "http://example.invalid/a.jpg", "n": {BIG}}}',
        f'{{"photo": "http://example.invalid/a.jpg", "bbox": {nested(3000)}}}',
        '{"meta":' * 3000 + '"x"' + "}" * 3000,
        nested(100_000),
        f'{{"photo": "http://example.invalid/a.jpg", "bbox": {nested(100)}}}',
    ],
    ids=["5000-digit-n", "3000-deep-bbox", "3000-deep-object", "100000-deep", "100-deep-bbox"],
)
@pytest.mark.parametrize("path", ["detect", "identify", "verify", "face"])
def test_a_hostile_json_body_is_malformed_json(findface: Raw, path: str, body: str) -> None:
    response = findface(
        "POST", path, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    assert findface_error(response) == (400, "MALFORMED_JSON")


@pytest.mark.parametrize(
    ("param", "value"),
    [("bbox", nested(3000)), ("bbox", nested(100)), ("n", BIG)],
    ids=["3000-deep-bbox", "100-deep-bbox", "5000-digit-n"],
)
@pytest.mark.parametrize("where", ["form", "query"])
def test_a_hostile_parameter_is_bad_param(
    findface: Raw, param: str, value: str, where: str
) -> None:
    fields = {"photo": "http://example.invalid/a.jpg", param: value}
    if where == "form":
        response = findface("POST", "identify", data=fields)
    else:
        response = findface("POST", "identify", params=fields)
    assert findface_error(response) == (400, "BAD_PARAM")
    assert response.json()["param"] == param
