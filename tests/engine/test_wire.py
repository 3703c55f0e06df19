"""Wire-level behaviour of the engine, checked with plain `requests` (and raw WSGI)."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from django.core.handlers.wsgi import WSGIHandler
from django.test import RequestFactory

from faceadmin.engine.accounts import account_create, account_revoke
from faceadmin.engine.http import BodyTooLarge, endpoint, read_chunked
from tests.engine.conftest import KEY_HEADER, Api, error_code, photo

JSON_TYPE = "application/json; charset=utf-8"
ONE_FACE = "probe/kit_harington.jpg"


def chunks(data: bytes, size: int = 4096) -> Iterator[bytes]:
    """What the SDK's stream_upload does: a generator, so requests sends it chunked."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


def test_it_answers_401_without_a_key(live_server: Any, transactional_db: None) -> None:
    response = requests.get(f"{live_server.url}/face/v1.0/persongroups", timeout=10)
    assert error_code(response) == (401, "401")
    assert response.headers["Content-Type"] == JSON_TYPE
    assert "subscription key" in response.json()["error"]["message"]


def test_it_answers_401_for_a_wrong_key(live_server: Any, transactional_db: None) -> None:
    response = requests.get(
        f"{live_server.url}/face/v1.0/persongroups", headers={KEY_HEADER: "0" * 32}, timeout=10
    )
    assert error_code(response) == (401, "401")


def test_it_answers_401_once_the_key_is_revoked(api: Api) -> None:
    assert api.get("persongroups").status_code == 200
    account_revoke(account="tests")
    assert error_code(api.get("persongroups")) == (401, "401")


def test_it_isolates_accounts(api: Api, live_server: Any) -> None:
    api.put("persongroups/mine", json={"name": "Mine"})
    _, other_key = account_create(name="other")
    other = Api(live_server.url, other_key, requests.Session())
    with other.session:
        assert error_code(other.get("persongroups/mine")) == (404, "PersonGroupNotFound")
        assert other.get("persongroups").json() == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "persongroups/g1"),
        ("DELETE", "detect"),
        ("GET", "identify"),
        ("PUT", "persongroups/g1/train"),
        ("OPTIONS", "facelists/l1"),
        ("GET", "facelists/l1/persistedfaces"),
    ],
)
def test_it_answers_405_with_an_azure_error_for_other_methods(
    api: Api, method: str, path: str
) -> None:
    response = api.request(method, path)
    assert error_code(response) == (405, "405")
    assert response.headers["Content-Type"] == JSON_TYPE
    assert response.headers["Allow"]


def test_it_answers_unknown_paths_with_an_azure_404(api: Api) -> None:
    response = api.get("nothing/here")
    assert error_code(response) == (404, "404")
    response = api.get("largepersongroups/x/persons/y/z")
    assert error_code(response) == (404, "404")


def test_it_accepts_a_trailing_slash_without_redirecting(api: Api) -> None:
    assert api.put("persongroups/slash/", json={"name": "Slash"}).status_code == 200
    response = api.get("persongroups/slash/", allow_redirects=False)
    assert response.status_code == 200
    assert response.json()["personGroupId"] == "slash"
    assert api.get("persongroups/", allow_redirects=False).status_code == 200


def test_it_answers_writes_with_empty_bodies(api: Api) -> None:
    created = api.put("persongroups/empty", json={"name": "Empty"})
    assert (created.status_code, created.content) == (200, b"")
    updated = api.patch("persongroups/empty", json={"name": "Still empty"})
    assert (updated.status_code, updated.content) == (200, b"")
    person = api.post("persongroups/empty/persons", json={"name": "P"})
    assert person.status_code == 200
    assert set(person.json()) == {"personId"}
    trained = api.post("persongroups/empty/train")
    assert (trained.status_code, trained.content) == (202, b"")
    assert "Operation-Location" not in trained.headers


def test_it_sends_a_request_id_on_every_answer(api: Api) -> None:
    assert api.get("persongroups").headers["apim-request-id"]
    assert api.get("persongroups/nope").headers["apim-request-id"]


def test_it_accepts_json_with_a_charset_and_any_content_type_on_bodiless_calls(api: Api) -> None:
    body = b'{"name": "Caf\xc3\xa9", "userData": "\xe2\x9c\x93"}'
    response = api.put("persongroups/cafe", data=body, headers={"Content-Type": JSON_TYPE})
    assert response.status_code == 200
    got = api.get("persongroups/cafe", headers={"Content-Type": "application/json"})
    assert got.headers["Content-Type"] == JSON_TYPE
    assert got.json() == {"personGroupId": "cafe", "name": "Café", "userData": "✓"}


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"", b"\xff\xfe"])
def test_it_answers_bad_json_with_bad_argument(api: Api, body: bytes) -> None:
    response = api.put("persongroups/bad", data=body, headers={"Content-Type": JSON_TYPE})
    assert error_code(response) == (400, "BadArgument")


def test_it_reads_chunked_uploads_on_the_development_server(api: Api) -> None:
    # wsgiref hands us the raw socket: the engine decodes the chunked framing itself and
    # stops at the last chunk, so the keep-alive connection serves the next requests.
    headers = {"Content-Type": "application/octet-stream"}
    for _ in range(2):
        response = api.post("detect", data=chunks(photo(ONE_FACE)), headers=headers)
        assert response.status_code == 200, response.text
        assert len(response.json()) == 1
    assert api.get("persongroups").status_code == 200


def test_it_refuses_oversized_chunked_uploads_and_keeps_the_connection(api: Api) -> None:
    big = photo(ONE_FACE) * 30  # ~6.9 MB
    response = api.post(
        "detect", data=chunks(big, 65536), headers={"Content-Type": "application/octet-stream"}
    )
    assert error_code(response) == (400, "InvalidImageSize")
    assert api.get("persongroups").status_code == 200


def test_it_reads_bodies_a_server_already_dechunked(transactional_db: None) -> None:
    # gunicorn de-chunks and sets wsgi.input_terminated: read to EOF, no Content-Length.
    _, key = account_create(name="gunicorn")
    environ = RequestFactory().post("/face/v1.0/detect").environ
    body = photo(ONE_FACE)
    environ.update(
        {
            "wsgi.input": io.BytesIO(body),
            "wsgi.input_terminated": True,
            "wsgi.errors": sys.stderr,
            "CONTENT_TYPE": "application/octet-stream",
            "HTTP_TRANSFER_ENCODING": "chunked",
            "HTTP_OCP_APIM_SUBSCRIPTION_KEY": key,
        }
    )
    environ.pop("CONTENT_LENGTH", None)
    status: list[str] = []
    result = WSGIHandler()(environ, lambda s, headers, exc=None: status.append(s))
    assert status == ["200 OK"]
    assert b'"faceRectangle"' in b"".join(result)


def test_it_ignores_the_overload_parameter(api: Api, photo_server: str) -> None:
    stream = api.post(
        "detect?overload=stream",
        data=photo(ONE_FACE),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert stream.status_code == 200
    assert len(stream.json()) == 1
    url = api.post("detect?overload=url", json={"url": f"{photo_server}/{ONE_FACE}"})
    assert url.status_code == 200
    assert len(url.json()) == 1


def test_it_refuses_other_media_types_for_images(api: Api) -> None:
    response = api.post("detect", data=photo(ONE_FACE), headers={"Content-Type": "image/jpeg"})
    assert error_code(response) == (400, "BadArgument")


def test_it_turns_unexpected_exceptions_into_an_azure_500(
    transactional_db: None, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(call: object) -> Any:
        raise RuntimeError("boom")

    _, key = account_create(name="broken")
    request = RequestFactory().get("/face/v1.0/broken", HTTP_OCP_APIM_SUBSCRIPTION_KEY=key)
    response = endpoint(GET=broken)(request)
    assert response.status_code == 500
    assert response["Content-Type"] == JSON_TYPE
    assert b'"code":"InternalServerError"' in response.content
    assert "unexpected error" in caplog.text


def test_it_matches_query_parameter_names_in_any_case(api: Api) -> None:
    api.put("persongroups/case", json={"name": "Case"})
    response = api.get("persongroups/case?ReturnRecognitionModel=TRUE")
    assert response.json()["recognitionModel"] == "recognition_01"


def test_the_chunk_decoder_stops_exactly_at_the_end_of_the_body() -> None:
    raw = (
        b"4;ext=1\r\nWiki\r\n6\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n"
        b"0\r\nX-Trailer: 1\r\n\r\nNEXT"
    )
    stream = io.BytesIO(raw)
    assert read_chunked(stream, limit=100) == b"Wikipedia in \r\n\r\nchunks."
    assert stream.read() == b"NEXT"


def test_the_chunk_decoder_drains_an_oversized_body() -> None:
    stream = io.BytesIO(b"8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\nNEXT")
    with pytest.raises(BodyTooLarge):
        read_chunked(stream, limit=10)
    assert stream.read() == b"NEXT"


@pytest.mark.parametrize(
    "raw", [b"zz\r\nab\r\n0\r\n\r\n", b"5\r\nab\r\n", b"2\r\nabXY0\r\n\r\n", b"-2\r\nab\r\n"]
)
def test_the_chunk_decoder_refuses_broken_framing(raw: bytes) -> None:
    with pytest.raises(ValueError):
        read_chunked(io.BytesIO(raw), limit=100)
