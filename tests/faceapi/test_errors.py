import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from faceadmin.clients import errors
from faceadmin.clients.errors import (
    BadRequestError,
    ConflictError,
    FaceApiError,
    ForbiddenError,
    NotFoundError,
    NotTrainedError,
    PersonGroupNotFound,
    ProviderUnavailable,
    RateLimited,
    Unauthorized,
    error_from_response,
    parse_retry_after,
)

# (status, code, class) for every code of the contract's section 6 that the client knows.
CODES = [
    (400, "BadArgument", errors.BadArgument),
    (400, "InvalidURL", errors.InvalidURL),
    (400, "InvalidImage", errors.InvalidImage),
    (400, "InvalidImageSize", errors.InvalidImageSize),
    (401, "401", errors.Unauthorized),
    (403, "UnsupportedFeature", errors.UnsupportedFeature),
    (403, "QuotaExceeded", errors.QuotaExceeded),
    (409, "ConcurrentOperationConflict", errors.ConcurrentOperationConflict),
    (429, "429", errors.RateLimited),
    (400, "FaceNotFound", errors.FaceNotFound),
    (404, "PersonNotFound", errors.PersonNotFound),
    (404, "PersistedFaceNotFound", errors.PersistedFaceNotFound),
    (404, "PersonGroupNotFound", errors.PersonGroupNotFound),
    (404, "LargePersonGroupNotFound", errors.LargePersonGroupNotFound),
    (404, "FaceListNotFound", errors.FaceListNotFound),
    (404, "LargeFaceListNotFound", errors.LargeFaceListNotFound),
    (409, "PersonGroupExists", errors.PersonGroupExists),
    (409, "LargePersonGroupExists", errors.LargePersonGroupExists),
    (409, "FaceListExists", errors.FaceListExists),
    (409, "LargeFaceListExists", errors.LargeFaceListExists),
    (404, "PersonGroupNotTrained", errors.PersonGroupNotTrained),
    (400, "LargePersonGroupNotTrained", errors.LargePersonGroupNotTrained),
    (400, "LargeFaceListNotTrained", errors.LargeFaceListNotTrained),
    (400, "FaceListNotReady", errors.FaceListNotReady),
    (409, "PersonGroupTrainingNotFinished", errors.PersonGroupTrainingNotFinished),
    (409, "LargePersonGroupTrainingNotFinished", errors.LargePersonGroupTrainingNotFinished),
    (409, "LargeFaceListTrainingNotFinished", errors.LargeFaceListTrainingNotFinished),
    (
        400,
        "PersonGroupIdAndLargePersonGroupIdBothNull",
        errors.PersonGroupIdAndLargePersonGroupIdBothNull,
    ),
    (
        400,
        "PersonGroupIdAndLargePersonGroupIdBothNotNull",
        errors.PersonGroupIdAndLargePersonGroupIdBothNotNull,
    ),
    (404, "SnapshotNotFound", errors.SnapshotNotFound),
    (404, "OperationNotFound", errors.OperationNotFound),
]


def body(code: object, message: str = "Something is wrong.") -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}).encode()


@pytest.mark.parametrize(("status", "code", "cls"), CODES, ids=[c for _, c, _ in CODES])
def test_each_contract_code_maps_to_its_class(
    status: int, code: str, cls: type[FaceApiError]
) -> None:
    error = error_from_response(status, body(code, "The message."), {"apim-request-id": "req-42"})

    assert type(error) is cls
    assert isinstance(error, FaceApiError)
    assert error.status == status
    assert error.code == code
    assert error.message == "The message."
    assert error.request_id == "req-42"


def test_it_matches_codes_without_regard_to_case() -> None:
    error = error_from_response(404, body("personGROUPnotfound"), {})

    assert type(error) is PersonGroupNotFound
    assert error.code == "PersonGroupNotFound"


def test_it_keys_on_the_code_not_the_status() -> None:
    # identify answers a missing group with 400, GET with 404: both are the same error.
    error = error_from_response(400, body("PersonGroupNotFound"), {})

    assert isinstance(error, PersonGroupNotFound)
    assert isinstance(error, NotFoundError)
    assert error.status == 400


def test_it_says_what_went_wrong_in_plain_words() -> None:
    error = error_from_response(
        404,
        body("PersonGroupNotFound", "Person group is not found."),
        {"apim-request-id": "1234"},
    )

    assert str(error) == "PersonGroupNotFound: Person group is not found. (HTTP 404, request 1234)"


def test_it_words_errors_without_status_or_request_id() -> None:
    assert str(errors.BadArgument("'top' is out of range.")) == (
        "BadArgument: 'top' is out of range."
    )


@pytest.mark.parametrize("header", ["apim-request-id", "x-ms-request-id", "X-Request-Id"])
def test_it_reads_the_request_id_from_any_known_header(header: str) -> None:
    error = error_from_response(400, body("BadArgument"), {header: "abc-123"})

    assert error.request_id == "abc-123"


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, Unauthorized),
        (403, ForbiddenError),
        (404, NotFoundError),
        (409, ConflictError),
        (429, RateLimited),
        (500, ProviderUnavailable),
        (502, ProviderUnavailable),
        (503, ProviderUnavailable),
        (418, FaceApiError),
    ],
)
def test_it_falls_back_to_the_status_for_unknown_codes(
    status: int, cls: type[FaceApiError]
) -> None:
    error = error_from_response(status, body("SomethingNew", "New failure."), {})

    assert type(error) is cls
    assert error.code == "SomethingNew"
    assert error.message == "New failure."


def test_it_handles_a_body_that_is_not_json() -> None:
    error = error_from_response(502, b"<html>Bad gateway</html>", {})

    assert type(error) is ProviderUnavailable
    assert error.code == "ProviderUnavailable"
    assert "502" in error.message


def test_it_handles_an_empty_401() -> None:
    error = error_from_response(401, b"", {})

    assert type(error) is Unauthorized
    assert error.code == "401"
    assert error.message


def test_it_understands_the_gateway_error_shape() -> None:
    gateway = json.dumps({"statusCode": 401, "message": "Access denied."}).encode()

    error = error_from_response(401, gateway, {})

    assert type(error) is Unauthorized
    assert error.message == "Access denied."


def test_rate_limited_carries_retry_after() -> None:
    error = error_from_response(429, body("429", "Rate limit is exceeded."), {"Retry-After": "7"})

    assert isinstance(error, RateLimited)
    assert error.retry_after == 7.0
    assert "Retry after 7 s." in str(error)


def test_grouping_bases_cover_their_codes() -> None:
    not_found = [cls for _, code, cls in CODES if code.endswith("NotFound")]
    assert all(issubclass(cls, NotFoundError) for cls in not_found)
    assert issubclass(errors.PersonGroupExists, ConflictError)
    assert issubclass(errors.PersonGroupTrainingNotFinished, ConflictError)
    assert issubclass(errors.LargeFaceListNotTrained, NotTrainedError)
    assert issubclass(errors.QuotaExceeded, ForbiddenError)
    assert issubclass(errors.InvalidImage, BadRequestError)


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    in_ten = format_datetime(now + timedelta(seconds=10), usegmt=True)

    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after(in_ten, now=now) == 10.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=5), usegmt=True), now=now) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
