"""The request loop against a simulated remote endpoint (`responses`) and a closed port."""

import json
import logging
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import requests
import responses

from faceadmin.clients.azure import AzureFaceClient
from faceadmin.clients.errors import (
    BadArgument,
    FaceApiError,
    InvalidResponse,
    PersonGroupNotFound,
    ProviderUnavailable,
    RateLimited,
    Unauthorized,
)
from faceadmin.clients.transport import KEY_HEADER, HttpTransport, base_url_for, encode_params
from faceadmin.clients.types import CollectionKind

from .support import BASE_URL, PRIMARY, SECONDARY, SleepRecorder

GROUPS_URL = f"{BASE_URL}/persongroups"
PERSONS_URL = f"{BASE_URL}/persongroups/g1/persons"
RATE_LIMITED = {"error": {"code": "429", "message": "Rate limit is exceeded."}}
SERVER_ERROR = {"error": {"code": "InternalServerError", "message": "Try again later."}}
BAD_KEY = {
    "error": {
        "code": "401",
        "message": "Access denied due to invalid subscription key or wrong API endpoint.",
    }
}

MakeTransport = Callable[..., HttpTransport]


def used_keys(rsps: responses.RequestsMock) -> list[str]:
    return [str(call.request.headers[KEY_HEADER]) for call in rsps.calls]


# --- 429 -------------------------------------------------------------------------------------


def test_it_retries_a_429_after_the_retry_after_delay(
    make_transport: MakeTransport, sleeps: SleepRecorder, mocked: responses.RequestsMock
) -> None:
    mocked.get(GROUPS_URL, status=429, json=RATE_LIMITED, headers={"Retry-After": "2"})
    mocked.get(GROUPS_URL, status=200, json=[])

    response = make_transport().request("GET", "/persongroups")

    assert response.status == 200
    assert response.data == []
    assert len(mocked.calls) == 2
    assert sleeps.delays == [2.0]


def test_it_honours_a_retry_after_given_as_an_http_date(
    make_transport: MakeTransport, sleeps: SleepRecorder, mocked: responses.RequestsMock
) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=5), usegmt=True)
    mocked.get(GROUPS_URL, status=429, json=RATE_LIMITED, headers={"Retry-After": when})
    mocked.get(GROUPS_URL, status=200, json=[])

    make_transport().request("GET", "/persongroups")

    (delay,) = sleeps.delays
    assert 3.0 <= delay <= 5.0


def test_it_gives_up_on_a_429_that_never_ends(
    make_transport: MakeTransport, sleeps: SleepRecorder, mocked: responses.RequestsMock
) -> None:
    mocked.get(GROUPS_URL, status=429, json=RATE_LIMITED, headers={"Retry-After": "1"})

    with pytest.raises(RateLimited) as caught:
        make_transport(max_retries=3, max_retry_seconds=30).request("GET", "/persongroups")

    assert caught.value.retry_after == 1.0
    assert caught.value.status == 429
    assert len(mocked.calls) == 4
    assert sleeps.delays == [1.0, 1.0, 1.0]


def test_the_time_budget_bounds_429_retries_too(
    make_transport: MakeTransport, sleeps: SleepRecorder, mocked: responses.RequestsMock
) -> None:
    mocked.get(GROUPS_URL, status=429, json=RATE_LIMITED, headers={"Retry-After": "4"})

    with pytest.raises(RateLimited) as caught:
        make_transport(max_retries=10, max_retry_seconds=10).request("GET", "/persongroups")

    assert caught.value.retry_after == 4.0
    assert sleeps.delays == [4.0, 4.0]
    assert len(mocked.calls) == 3


def test_it_gives_up_at_once_when_retry_after_exceeds_the_budget(
    make_transport: MakeTransport, sleeps: SleepRecorder, mocked: responses.RequestsMock
) -> None:
    mocked.get(GROUPS_URL, status=429, json=RATE_LIMITED, headers={"Retry-After": "120"})

    with pytest.raises(RateLimited) as caught:
        make_transport(max_retry_seconds=30).request("GET", "/persongroups")

    assert caught.value.retry_after == 120.0
    assert len(mocked.calls) == 1
    assert sleeps.delays == []


def test_it_retries_a_429_even_on_a_post_that_creates(
    client: AzureFaceClient, sleeps: SleepRecorder, mocked: responses.RequestsMock
) -> None:
    # A 429 means the request was not processed, so repeating it cannot create twice.
    mocked.post(PERSONS_URL, status=429, json=RATE_LIMITED, headers={"Retry-After": "1"})
    mocked.post(PERSONS_URL, status=200, json={"personId": "p-1"})

    assert (
        client.person_create(CollectionKind.PERSON_GROUP, collection_id="g1", name="Ann") == "p-1"
    )
    assert sleeps.delays == [1.0]


# --- 5xx, timeouts, refused connections --------------------------------------------------------


def test_it_retries_a_get_after_a_500(
    make_transport: MakeTransport, sleeps: SleepRecorder, mocked: responses.RequestsMock
) -> None:
    mocked.get(GROUPS_URL, status=500, json=SERVER_ERROR)
    mocked.get(GROUPS_URL, status=200, json=[])

    response = make_transport(backoff_base=0.5).request("GET", "/persongroups")

    assert response.status == 200
    (delay,) = sleeps.delays
    assert 0 <= delay <= 0.5


def test_backoff_grows_exponentially_with_full_jitter(
    make_transport: MakeTransport, sleeps: SleepRecorder, mocked: responses.RequestsMock
) -> None:
    mocked.get(GROUPS_URL, status=503, json=SERVER_ERROR)

    with pytest.raises(ProviderUnavailable):
        make_transport(
            max_retries=5, max_retry_seconds=1000, backoff_base=1.0, backoff_max=4.0
        ).request("GET", "/persongroups")

    ceilings = [1.0, 2.0, 4.0, 4.0, 4.0]
    assert len(sleeps.delays) == len(ceilings)
    assert all(0 <= d <= c for d, c in zip(sleeps.delays, ceilings, strict=True))


def test_it_reports_a_503_that_never_ends_as_provider_unavailable(
    make_transport: MakeTransport, sleeps: SleepRecorder, mocked: responses.RequestsMock
) -> None:
    mocked.get(
        GROUPS_URL,
        status=503,
        json={"error": {"code": "ServiceUnavailable", "message": "Down for maintenance."}},
        headers={"apim-request-id": "r-503"},
    )

    with pytest.raises(ProviderUnavailable) as caught:
        make_transport(max_retries=2).request("GET", "/persongroups")

    assert caught.value.status == 503
    assert caught.value.code == "ServiceUnavailable"
    assert caught.value.request_id == "r-503"
    assert len(mocked.calls) == 3
    assert len(sleeps.delays) == 2


def test_it_does_not_retry_a_post_that_creates_after_a_500(
    client: AzureFaceClient, sleeps: SleepRecorder, mocked: responses.RequestsMock
) -> None:
    mocked.post(PERSONS_URL, status=500, json=SERVER_ERROR)

    with pytest.raises(ProviderUnavailable):
        client.person_create(CollectionKind.PERSON_GROUP, collection_id="g1", name="Ann")

    assert len(mocked.calls) == 1
    assert sleeps.delays == []


def test_it_retries_a_post_that_only_computes_after_a_500(
    client: AzureFaceClient, sleeps: SleepRecorder, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE_URL}/verify", status=500, json=SERVER_ERROR)
    mocked.post(f"{BASE_URL}/verify", status=200, json={"isIdentical": False, "confidence": 0.1})

    result = client.verify_face_to_face(face_id1="a", face_id2="b")

    assert result.confidence == 0.1
    assert len(sleeps.delays) == 1


def test_it_does_not_retry_client_errors(
    make_transport: MakeTransport, sleeps: SleepRecorder, mocked: responses.RequestsMock
) -> None:
    mocked.get(
        f"{GROUPS_URL}/g1",
        status=404,
        json={"error": {"code": "PersonGroupNotFound", "message": "Person group is not found."}},
    )

    with pytest.raises(PersonGroupNotFound):
        make_transport().request("GET", "/persongroups/g1")

    assert len(mocked.calls) == 1
    assert sleeps.delays == []


@pytest.mark.parametrize(
    "exception", [requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout]
)
def test_a_timeout_is_provider_unavailable_after_retries(
    make_transport: MakeTransport,
    sleeps: SleepRecorder,
    mocked: responses.RequestsMock,
    exception: type[Exception],
) -> None:
    mocked.get(GROUPS_URL, body=exception("timed out"))

    with pytest.raises(ProviderUnavailable) as caught:
        make_transport(max_retries=2).request("GET", "/persongroups")

    assert caught.value.status is None
    assert caught.value.code == "ProviderUnavailable"
    assert len(mocked.calls) == 3
    assert len(sleeps.delays) == 2


def test_a_timeout_then_success_is_retried(
    make_transport: MakeTransport, mocked: responses.RequestsMock
) -> None:
    mocked.get(GROUPS_URL, body=requests.exceptions.ReadTimeout("slow"))
    mocked.get(GROUPS_URL, status=200, json=[])

    assert make_transport().request("GET", "/persongroups").status == 200


def test_a_read_timeout_on_a_post_that_creates_is_not_retried(
    client: AzureFaceClient, sleeps: SleepRecorder, mocked: responses.RequestsMock
) -> None:
    mocked.post(PERSONS_URL, body=requests.exceptions.ReadTimeout("slow"))

    with pytest.raises(ProviderUnavailable):
        client.person_create(CollectionKind.PERSON_GROUP, collection_id="g1", name="Ann")

    assert len(mocked.calls) == 1
    assert sleeps.delays == []


def test_a_refused_connection_is_provider_unavailable(
    make_transport: MakeTransport, sleeps: SleepRecorder
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The socket is closed: nothing listens on the port now.
    transport = make_transport(base_url=f"http://127.0.0.1:{port}/face/v1.0", max_retries=1)

    with pytest.raises(ProviderUnavailable) as caught:
        transport.request("GET", "/persongroups")

    assert caught.value.status is None
    assert f"127.0.0.1:{port}" in caught.value.message
    assert len(sleeps.delays) == 1


def test_no_retries_when_the_budget_is_zero(
    make_transport: MakeTransport, sleeps: SleepRecorder, mocked: responses.RequestsMock
) -> None:
    mocked.get(GROUPS_URL, status=500, json=SERVER_ERROR)

    with pytest.raises(ProviderUnavailable):
        make_transport(max_retry_seconds=0).request("GET", "/persongroups")

    assert len(mocked.calls) == 1
    assert sleeps.delays == []


# --- keys ------------------------------------------------------------------------------------


def answer_by_key(good_keys: set[str], body: Any = None) -> Callable[[Any], Any]:
    def callback(request: Any) -> tuple[int, dict[str, str], str]:
        if request.headers[KEY_HEADER] in good_keys:
            return 200, {}, json.dumps([] if body is None else body)
        return 401, {"apim-request-id": "r-401"}, json.dumps(BAD_KEY)

    return callback


def test_a_401_on_the_primary_key_fails_over_to_the_secondary(
    make_transport: MakeTransport, sleeps: SleepRecorder, mocked: responses.RequestsMock
) -> None:
    failovers: list[tuple[int, str]] = []
    mocked.add_callback(responses.GET, GROUPS_URL, callback=answer_by_key({SECONDARY}))
    transport = make_transport(
        secondary_key=SECONDARY,
        on_key_failover=lambda status, code: failovers.append((status, code)),
    )

    assert transport.request("GET", "/persongroups").status == 200
    assert transport.request("GET", "/persongroups").status == 200
    assert transport.request("GET", "/persongroups").status == 200

    assert used_keys(mocked) == [PRIMARY, SECONDARY, SECONDARY, SECONDARY]
    assert failovers == [(401, "401")]
    assert transport.using_secondary_key
    assert sleeps.delays == []


def test_a_401_on_both_keys_is_unauthorized(
    make_transport: MakeTransport, mocked: responses.RequestsMock
) -> None:
    failovers: list[tuple[int, str]] = []
    mocked.add_callback(responses.GET, GROUPS_URL, callback=answer_by_key(set()))
    transport = make_transport(
        secondary_key=SECONDARY,
        on_key_failover=lambda status, code: failovers.append((status, code)),
    )

    with pytest.raises(Unauthorized) as caught:
        transport.request("GET", "/persongroups")
    with pytest.raises(Unauthorized):
        transport.request("GET", "/persongroups")

    assert caught.value.status == 401
    assert caught.value.code == "401"
    assert caught.value.request_id == "r-401"
    assert used_keys(mocked) == [PRIMARY, SECONDARY, SECONDARY]
    assert failovers == [(401, "401")]


def test_a_401_without_a_secondary_key_is_unauthorized_at_once(
    make_transport: MakeTransport, mocked: responses.RequestsMock
) -> None:
    mocked.add_callback(responses.GET, GROUPS_URL, callback=answer_by_key(set()))

    with pytest.raises(Unauthorized):
        make_transport().request("GET", "/persongroups")

    assert used_keys(mocked) == [PRIMARY]


def test_a_failing_failover_callback_does_not_break_the_call(
    make_transport: MakeTransport, mocked: responses.RequestsMock
) -> None:
    def broken(status: int, code: str) -> None:
        raise RuntimeError("database is down")

    mocked.add_callback(responses.GET, GROUPS_URL, callback=answer_by_key({SECONDARY}))
    transport = make_transport(secondary_key=SECONDARY, on_key_failover=broken)

    assert transport.request("GET", "/persongroups").status == 200


def test_keys_never_show_in_errors_or_logs(
    make_transport: MakeTransport,
    mocked: responses.RequestsMock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    # A provider that echoes the key back in its message.
    echo = {"error": {"code": "401", "message": f"Key {PRIMARY} / {SECONDARY} is not valid."}}
    mocked.get(GROUPS_URL, status=401, json=echo)
    mocked.get(f"{GROUPS_URL}/g1", status=500, json=SERVER_ERROR)
    mocked.get(f"{GROUPS_URL}/g2", body=requests.exceptions.ConnectTimeout("slow"))
    transport = make_transport(
        secondary_key=SECONDARY, max_retries=1, on_key_failover=lambda status, code: None
    )

    raised: list[FaceApiError] = []
    for path in ("/persongroups", "/persongroups/g1", "/persongroups/g2"):
        with pytest.raises(FaceApiError) as caught:
            transport.request("GET", path)
        raised.append(caught.value)

    shown = " ".join(f"{e} {e!r} {e.args} {e.message}" for e in raised)
    assert "is not valid" in shown
    for key in (PRIMARY, SECONDARY):
        assert key not in shown
        assert key not in caplog.text
        assert key not in repr(transport)
        assert all(key not in call.request.url for call in mocked.calls)
    assert any("GET /persongroups -> 401" in r.getMessage() for r in caplog.records)


def test_logs_show_parameter_names_but_not_their_values(
    client: AzureFaceClient,
    mocked: responses.RequestsMock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="faceadmin.clients")
    mocked.post(f"{PERSONS_URL}/p1/persistedfaces", json={"persistedFaceId": "f1"})

    client.person_add_face_from_stream(
        CollectionKind.PERSON_GROUP,
        collection_id="g1",
        person_id="p1",
        image=b"jpeg",
        user_data="Jane Doe, badge 4711",
    )

    (record,) = [r for r in caplog.records if r.levelno == logging.DEBUG]
    message = record.getMessage()
    assert "POST /persongroups/g1/persons/p1/persistedfaces?userData&detectionModel" in message
    assert "-> 200 in" in message
    assert "(attempt 1)" in message
    assert "Jane Doe" not in caplog.text


# --- what goes on the wire, and what comes back -------------------------------------------


def test_it_sends_json_with_charset_and_the_key_header(
    make_transport: MakeTransport, mocked: responses.RequestsMock
) -> None:
    mocked.put(f"{GROUPS_URL}/g1", status=200)

    make_transport(connect_timeout=1.5, read_timeout=9.0).request(
        "PUT", "/persongroups/g1", json={"name": "Zoë"}
    )

    (call,) = mocked.calls
    assert call.request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert call.request.headers[KEY_HEADER] == PRIMARY
    assert json.loads(call.request.body) == {"name": "Zoë"}
    assert call.request.req_kwargs["timeout"] == (1.5, 9.0)  # type: ignore[attr-defined]


def test_it_sends_images_as_octet_stream(
    make_transport: MakeTransport, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE_URL}/detect", json=[])

    make_transport().request("POST", "/detect", data=b"\xff\xd8image", idempotent=True)

    (call,) = mocked.calls
    assert call.request.headers["Content-Type"] == "application/octet-stream"
    assert call.request.body == b"\xff\xd8image"


def test_a_bodiless_request_has_no_content_type(
    make_transport: MakeTransport, mocked: responses.RequestsMock
) -> None:
    mocked.delete(f"{GROUPS_URL}/g1", status=200)

    response = make_transport().request("DELETE", "/persongroups/g1")

    assert response.data is None
    assert "Content-Type" not in mocked.calls[0].request.headers


def test_malformed_json_on_a_200_is_an_invalid_response(
    make_transport: MakeTransport, mocked: responses.RequestsMock
) -> None:
    mocked.get(GROUPS_URL, status=200, body="[{not json", headers={"apim-request-id": "r-1"})

    with pytest.raises(InvalidResponse) as caught:
        make_transport().request("GET", "/persongroups")

    assert caught.value.status == 200
    assert caught.value.request_id == "r-1"


def test_a_200_with_the_wrong_shape_is_an_invalid_response(
    client: AzureFaceClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(GROUPS_URL, status=200, json={"value": []})

    with pytest.raises(InvalidResponse):
        client.collection_list(CollectionKind.PERSON_GROUP)


def test_params_are_encoded_the_way_the_api_reads_them() -> None:
    assert encode_params(
        {
            "returnFaceId": True,
            "returnFaceLandmarks": False,
            "returnFaceAttributes": ["headPose", "mask"],
            "faceIdTimeToLive": 60,
            "start": None,
        }
    ) == [
        ("returnFaceId", "true"),
        ("returnFaceLandmarks", "false"),
        ("returnFaceAttributes", "headPose,mask"),
        ("faceIdTimeToLive", "60"),
    ]


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://westus.api.cognitive.microsoft.com",
        "https://westus.api.cognitive.microsoft.com/",
        "https://westus.api.cognitive.microsoft.com/face/v1.0",
    ],
)
def test_base_url_for_adds_the_api_path_once(endpoint: str) -> None:
    assert base_url_for(endpoint) == BASE_URL


def test_a_transport_needs_a_key() -> None:
    with pytest.raises(ValueError, match="key"):
        HttpTransport(BASE_URL, "")


def test_client_side_validation_sends_nothing(
    client: AzureFaceClient, mocked: responses.RequestsMock
) -> None:
    with pytest.raises(BadArgument):
        client.collection_get(CollectionKind.PERSON_GROUP, collection_id="Not A Valid Id")

    assert len(mocked.calls) == 0


def test_an_answer_cut_off_midway_is_retried_on_a_get(
    make_transport: MakeTransport, mocked: responses.RequestsMock
) -> None:
    mocked.get(GROUPS_URL, body=requests.exceptions.ChunkedEncodingError("cut"))
    mocked.get(GROUPS_URL, status=200, json=[])

    assert make_transport().request("GET", "/persongroups").status == 200
