"""The client against a simulated remote FindFace cloud (`responses`): its error codes mapped
onto the `FaceApiError` hierarchy, retries, the token header and the request encodings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import responses
from responses import matchers

from faceadmin.clients.errors import (
    AuthFailed,
    BadParam,
    BadRequestError,
    ExtractionError,
    FaceApiError,
    InvalidResponse,
    MalformedJson,
    NotFoundError,
    ProviderUnavailable,
    RateLimited,
    ServiceUnavailable,
    TooManyFaces,
    Unauthorized,
)
from faceadmin.clients.findface import FindFaceClient, findface_base_url, findface_transport
from faceadmin.clients.findface_types import BBox

BASE = "https://api.findface.pro/v1"
TOKEN = "0123456789abcdef0123456789abcdef"
SECOND = "fedcba9876543210fedcba9876543210"
FACE = {
    "id": 2333,
    "meta": "Sam Berry",
    "galleries": ["default", "ppl"],
    "photo": "http://static.findface.pro/sample.jpg",
    "photo_hash": "dc7ac54590729669ca869a18d92cd05e",
    "thumbnail": "https://static.findface.pro/57726179/dc7ac545_thumb.jpg",
    "timestamp": "2016-06-13T11:06:42.075754",
    "x1": 225,
    "y1": 345,
    "x2": 307,
    "y2": 428,
}
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 2048


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def cloud() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def make_client(sleeps: Sleeps, **options: Any) -> FindFaceClient:
    return FindFaceClient(findface_transport(BASE, TOKEN, sleep=sleeps, **options))


@pytest.fixture
def client(sleeps: Sleeps) -> FindFaceClient:
    return make_client(sleeps)


# --- status and code mapping -----------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "error_class", "code"),
    [
        (401, {"code": "AUTH_FAILED", "reason": "bad token"}, AuthFailed, "AUTH_FAILED"),
        (403, {"code": "AUTH_FAILED", "reason": "forbidden"}, AuthFailed, "AUTH_FAILED"),
        (403, {"reason": "no"}, Unauthorized, "401"),
        (400, {"code": "BAD_PARAM", "reason": "x", "param": "n", "value": "0"}, BadParam, None),
        (400, {"code": "MALFORMED_JSON", "reason": "bad json"}, MalformedJson, None),
        (400, {"code": "SOMETHING_NEW", "reason": "?"}, BadRequestError, "SOMETHING_NEW"),
        (404, {"code": "NOT_FOUND", "reason": "no face"}, NotFoundError, "NOT_FOUND"),
        (404, {"code": "BAD_PARAM", "reason": "status first"}, NotFoundError, "BAD_PARAM"),
        (503, {"code": "SERVICE_UNAVAILABLE", "reason": "down"}, ServiceUnavailable, None),
        (500, {"code": "EXTRACTION_ERROR", "reason": "refused"}, ExtractionError, None),
        (502, {}, ProviderUnavailable, "ProviderUnavailable"),
    ],
)
def test_each_status_and_code_maps_onto_the_hierarchy(
    cloud: responses.RequestsMock,
    sleeps: Sleeps,
    status: int,
    body: dict[str, Any],
    error_class: type[FaceApiError],
    code: str | None,
) -> None:
    cloud.get(f"{BASE}/galleries/", status=status, json=body)
    client = make_client(sleeps, max_retries=0)

    with pytest.raises(error_class) as caught:
        client.gallery_list()

    error = caught.value
    assert type(error) is error_class
    assert error.status == status
    assert error.code == (code or body["code"])
    if body.get("reason"):
        assert error.message == body["reason"]


def test_bad_param_keeps_the_parameter_and_value(
    cloud: responses.RequestsMock, client: FindFaceClient
) -> None:
    cloud.post(
        f"{BASE}/identify/",
        status=400,
        json={"code": "BAD_PARAM", "reason": "no", "param": "threshold", "value": "very"},
    )

    with pytest.raises(BadParam) as caught:
        client.identify(photo="http://example.com/a.jpg")

    assert (caught.value.param, caught.value.value) == ("threshold", "very")
    assert "BAD_PARAM: no (HTTP 400)" in str(caught.value)


def test_too_many_faces_keeps_the_boxes(
    cloud: responses.RequestsMock, client: FindFaceClient
) -> None:
    boxes = [{"x1": 1952, "x2": 2137, "y1": 838, "y2": 1023}, [1766, 1312, 1952, 1498]]
    cloud.post(
        f"{BASE}/face/",
        status=400,
        json={"code": 400, "reason": "Too many faces: 2", "faces": boxes},
    )

    with pytest.raises(TooManyFaces) as caught:
        client.face_create(photo="http://example.com/many.jpg", mf_selector="reject")

    assert caught.value.code == "400"
    assert caught.value.faces == ((1952, 838, 2137, 1023), (1766, 1312, 1952, 1498))


# --- retries --------------------------------------------------------------------------------


def test_a_429_is_retried_after_its_retry_after(
    cloud: responses.RequestsMock, client: FindFaceClient, sleeps: Sleeps
) -> None:
    cloud.get(f"{BASE}/galleries/", status=429, json={}, headers={"Retry-After": "3"})
    cloud.get(f"{BASE}/galleries/", json={"results": ["default"]})

    assert client.gallery_list() == ["default"]
    assert sleeps == [3.0]


def test_a_429_that_never_ends_is_rate_limited_with_its_hint(
    cloud: responses.RequestsMock, sleeps: Sleeps
) -> None:
    cloud.post(
        f"{BASE}/face/",
        status=429,
        json={"code": "RATE_LIMITED", "reason": "slow down"},
        headers={"Retry-After": "2"},
    )
    client = make_client(sleeps, max_retries=2)

    with pytest.raises(RateLimited) as caught:
        client.face_create(photo="http://example.com/a.jpg")

    assert caught.value.retry_after == 2.0 and caught.value.message == "slow down"
    assert len(cloud.calls) == 3  # a 429 was not processed: even a create is retried


def test_a_5xx_is_retried_on_a_compute_call_only(
    cloud: responses.RequestsMock, client: FindFaceClient, sleeps: Sleeps
) -> None:
    cloud.post(f"{BASE}/detect/", status=503, json={"code": "SERVICE_UNAVAILABLE"})
    cloud.post(f"{BASE}/detect/", json={"faces": [], "orientation": 1})
    cloud.post(f"{BASE}/face/", status=500, json={"code": "EXTRACTION_ERROR", "reason": "x"})

    assert client.detect(photo=JPEG).faces == ()
    with pytest.raises(ExtractionError):
        client.face_create(photo=JPEG)

    assert [c.request.url for c in cloud.calls].count(f"{BASE}/face/") == 1
    assert len(sleeps) == 1


def test_a_refused_token_fails_over_to_the_secondary(
    cloud: responses.RequestsMock, sleeps: Sleeps
) -> None:
    cloud.get(
        f"{BASE}/galleries/",
        status=401,
        json={"code": "AUTH_FAILED", "reason": "no"},
        match=[matchers.header_matcher({"Authorization": f"Token {TOKEN}"})],
    )
    cloud.get(
        f"{BASE}/galleries/",
        json={"results": ["default"]},
        match=[matchers.header_matcher({"Authorization": f"Token {SECOND}"})],
    )
    failovers: list[tuple[int, str]] = []
    client = make_client(
        sleeps, secondary_key=SECOND, on_key_failover=lambda s, c: failovers.append((s, c))
    )

    assert client.gallery_list() == ["default"]
    assert failovers == [(401, "AUTH_FAILED")]


def test_a_token_echoed_in_an_error_is_masked(
    cloud: responses.RequestsMock, client: FindFaceClient
) -> None:
    cloud.get(f"{BASE}/galleries/", status=401, json={"code": "AUTH_FAILED", "reason": TOKEN})

    with pytest.raises(AuthFailed) as caught:
        client.gallery_list()

    assert TOKEN not in str(caught.value)


# --- malformed answers ------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"<html>gateway</html>", b'{"results": "nope"}', b'{"results": [{"meta": "no id"}]}'],
)
def test_an_answer_that_is_not_the_contracts_is_invalid_response(
    cloud: responses.RequestsMock, client: FindFaceClient, body: bytes
) -> None:
    cloud.get(f"{BASE}/faces/", body=body, content_type="application/json")

    with pytest.raises(InvalidResponse):
        client.face_list()


def test_an_error_body_that_is_not_json_still_maps_by_status(
    cloud: responses.RequestsMock, sleeps: Sleeps
) -> None:
    cloud.get(f"{BASE}/galleries/", status=500, body=b"<html>oops</html>")

    with pytest.raises(ProviderUnavailable) as caught:
        make_client(sleeps, max_retries=0).gallery_list()

    assert caught.value.message == "FindFace failed with HTTP 500."


# --- what goes on the wire ------------------------------------------------------------------


def test_every_call_carries_the_token_header(
    cloud: responses.RequestsMock, client: FindFaceClient
) -> None:
    cloud.get(
        f"{BASE}/galleries/",
        json={"results": ["default"]},
        match=[matchers.header_matcher({"Authorization": f"Token {TOKEN}"})],
    )

    client.gallery_list()


def test_a_photo_url_goes_in_a_json_body_with_every_parameter(
    cloud: responses.RequestsMock, client: FindFaceClient
) -> None:
    cloud.post(
        f"{BASE}/faces/gallery/ppl/identify/",
        json={"results": {"[610, 157, 796, 342]": [{"confidence": 1, "face": FACE}]}},
        match=[
            matchers.json_params_matcher(
                {
                    "photo": "http://static.findface.pro/sample2.jpg",
                    "bbox": [{"x1": 1, "y1": 2, "x2": 3, "y2": 4}],
                    "threshold": "medium",
                    "n": 10,
                    "mf_selector": "biggest",
                }
            )
        ],
    )

    answer = client.identify(
        photo="http://static.findface.pro/sample2.jpg",
        gallery="ppl",
        bbox=[BBox(1, 2, 3, 4)],
        threshold="medium",
        n=10,
        mf_selector="biggest",
    )

    (face,) = answer.faces
    assert face.bbox == BBox(610, 157, 796, 342)
    assert face.matches[0].face.id == 2333 and face.matches[0].confidence == 1.0


def test_an_uploaded_photo_goes_as_a_multipart_file_part(
    cloud: responses.RequestsMock, client: FindFaceClient
) -> None:
    cloud.post(f"{BASE}/face/", json={"results": [FACE]})

    client.face_create(photo=JPEG, meta="sample", galleries=["ppl", "staff"], age=True)

    request = cloud.calls[0].request
    assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    body = request.body if isinstance(request.body, bytes) else b""
    assert b'name="photo"; filename="photo.jpg"' in body and JPEG in body
    assert b'name="galleries"\r\n\r\nppl,staff' in body
    assert b'name="meta"\r\n\r\nsample' in body
    assert b'name="age"\r\n\r\ntrue' in body


def test_a_galleries_list_goes_as_a_json_list_with_a_url(
    cloud: responses.RequestsMock, client: FindFaceClient
) -> None:
    cloud.post(
        f"{BASE}/face/",
        json={"results": [FACE]},
        match=[
            matchers.json_params_matcher(
                {"photo": "http://x/a.jpg", "meta": "Sam Berry", "galleries": ["ppl"]}
            )
        ],
    )

    (face,) = client.face_create(photo="http://x/a.jpg", meta="Sam Berry", galleries=["ppl"])

    assert face.galleries == ("default", "ppl")


def test_listings_take_max_id_and_min_id_in_the_query(
    cloud: responses.RequestsMock, client: FindFaceClient
) -> None:
    cloud.get(
        f"{BASE}/faces/gallery/testgal/",
        json={"results": [FACE], "next_page": "/v1/faces/gallery/testgal?max_id=2333"},
        match=[matchers.query_param_matcher({"max_id": "3000"})],
    )
    cloud.get(
        f"{BASE}/faces/gallery/testgal",
        json={"results": [], "next_page": None, "prev_page": None},
        match=[matchers.query_param_matcher({"max_id": "2333"})],
    )

    page = client.face_list(gallery="testgal", max_id=3000)
    following = client.page(page.next_page or "")

    assert page.next_max_id == 2333 and following.faces == ()


def test_a_cloud_link_without_the_version_resolves_under_the_base(
    cloud: responses.RequestsMock, client: FindFaceClient
) -> None:
    cloud.get(
        f"{BASE}/faces/",
        json={"results": []},
        match=[matchers.query_param_matcher({"max_id": "2333"})],
    )

    assert client.page("/faces/?max_id=2333").faces == ()


def test_meta_is_percent_encoded_with_spaces_as_percent_20(
    cloud: responses.RequestsMock, client: FindFaceClient
) -> None:
    cloud.get(f"{BASE}/faces/meta/Sam%20Berry%2FJr./", json={"results": [FACE]})
    cloud.delete(f"{BASE}/faces/gallery/ppl/meta/Sam%20Berry/", status=204)

    assert client.faces_by_meta(meta="Sam Berry/Jr.").faces[0].id == 2333
    client.faces_delete_by_meta(meta="Sam Berry", gallery="ppl")

    assert "+" not in (cloud.calls[0].request.url or "")


def test_face_get_takes_an_object_or_a_one_element_array(
    cloud: responses.RequestsMock, client: FindFaceClient
) -> None:
    cloud.get(f"{BASE}/faces/id/2333/", json=FACE)
    cloud.get(f"{BASE}/faces/id/2334/", json=[FACE])

    assert client.face_get(face_id=2333) == client.face_get(face_id=2334)


def test_face_update_sends_one_gallery_change(
    cloud: responses.RequestsMock, client: FindFaceClient
) -> None:
    cloud.put(
        f"{BASE}/faces/id/2333/",
        json=FACE,
        match=[matchers.json_params_matcher({"meta": "New", "galleries": {"add": ["a"]}})],
    )

    client.face_update(face_id=2333, meta="New", galleries_add=["a"])
    with pytest.raises(BadParam):
        client.face_update(face_id=2333, galleries_add=["a"], galleries_del=["b"])


def test_a_16_digit_id_stays_an_exact_integer(
    cloud: responses.RequestsMock, client: FindFaceClient
) -> None:
    big = 3827229391220303123
    cloud.get(f"{BASE}/faces/", body=json.dumps({"results": [{**FACE, "id": big}]}))

    assert client.face_list().faces[0].id == big


def test_galleries_are_created_with_a_name_and_deleted_by_path(
    cloud: responses.RequestsMock, client: FindFaceClient
) -> None:
    cloud.post(
        f"{BASE}/galleries/",
        status=201,
        body=b"",
        match=[matchers.json_params_matcher({"name": "my_gallery"})],
    )
    cloud.delete(f"{BASE}/galleries/my_gallery/", status=204)
    cloud.get(
        f"{BASE}/meta/gallery/my_gallery/",
        json={"results": [{"meta": "Sam Berry", "count": 15, "face": FACE}]},
    )

    client.gallery_create(name="my_gallery")
    entries = client.meta_list(gallery="my_gallery")
    client.gallery_delete(name="my_gallery")

    assert [(e.meta, e.count) for e in entries] == [("Sam Berry", 15)]


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.gallery_create(name="no spaces"),
        lambda c: c.identify(photo="http://x/a.jpg", threshold="very"),
        lambda c: c.identify(photo="http://x/a.jpg", threshold=1.5),
        lambda c: c.identify(photo="http://x/a.jpg", n=0),
        lambda c: c.verify(photo1="", photo2="http://x/b.jpg"),
        lambda c: c.faces_by_meta(meta=""),
    ],
)
def test_values_the_contract_forbids_are_refused_before_sending(
    cloud: responses.RequestsMock, client: FindFaceClient, call: Any
) -> None:
    with pytest.raises(BadParam):
        call(client)

    assert len(cloud.calls) == 0


@pytest.mark.parametrize(
    ("endpoint", "base"),
    [
        ("https://api.findface.pro", "https://api.findface.pro/v1"),
        ("https://api.findface.pro/v0/", "https://api.findface.pro/v0"),
        ("http://ffserver:8000/findface", "http://ffserver:8000/findface/v1"),
    ],
)
def test_the_base_url_gets_the_version_unless_it_has_one(endpoint: str, base: str) -> None:
    assert findface_base_url(endpoint) == base


def test_the_transport_needs_the_key_placeholder_in_its_auth_format() -> None:
    from faceadmin.clients.transport import HttpTransport

    with pytest.raises(ValueError, match="key"):
        HttpTransport(BASE, TOKEN, auth_header="Authorization", auth_format="Token")
