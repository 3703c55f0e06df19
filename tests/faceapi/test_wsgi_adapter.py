"""WSGIAdapter hands requests to a WSGI app in-process; a tiny echo app shows what it sees."""

import json
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
import requests

from faceadmin.clients.azure import AzureFaceClient
from faceadmin.clients.errors import PersonGroupNotFound
from faceadmin.clients.transport import HttpTransport
from faceadmin.clients.types import CollectionKind
from faceadmin.clients.wsgi_adapter import WSGIAdapter, session_for_wsgi_app

ORIGIN = "http://embedded.invalid"


def echo_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """Answers with what it was given, as JSON."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    seen = {
        "method": environ["REQUEST_METHOD"],
        "path": environ["PATH_INFO"],
        "script_name": environ["SCRIPT_NAME"],
        "query": environ["QUERY_STRING"],
        "body": environ["wsgi.input"].read(length).decode("latin-1"),
        "content_type": environ.get("CONTENT_TYPE"),
        "content_length": environ.get("CONTENT_LENGTH"),
        "server_name": environ["SERVER_NAME"],
        "server_port": environ["SERVER_PORT"],
        "scheme": environ["wsgi.url_scheme"],
        "host": environ.get("HTTP_HOST"),
        "custom": environ.get("HTTP_X_CUSTOM_THING"),
        "key": environ.get("HTTP_OCP_APIM_SUBSCRIPTION_KEY"),
        "transfer_encoding": environ.get("HTTP_TRANSFER_ENCODING"),
    }
    start_response(
        "201 Created",
        [
            ("Content-Type", "application/json; charset=utf-8"),
            ("apim-request-id", "wsgi-1"),
            ("Set-Cookie", "a=1"),
            ("Set-Cookie", "b=2"),
        ],
    )
    return [json.dumps(seen).encode()]


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with session_for_wsgi_app(echo_app, origin=ORIGIN) as session:
        yield session


def test_it_builds_a_wsgi_environ_from_the_request(session: requests.Session) -> None:
    response = session.post(
        f"{ORIGIN}/face/v1.0/persongroups/my%20group/persons?top=2&start=a%2Cb",
        data=b"\x00binary\xff",
        headers={"Content-Type": "application/octet-stream", "X-Custom-Thing": "yes"},
    )

    seen = response.json()
    assert seen == {
        "method": "POST",
        "path": "/face/v1.0/persongroups/my group/persons",
        "script_name": "",
        "query": "top=2&start=a%2Cb",
        "body": "\x00binary\xff",
        "content_type": "application/octet-stream",
        "content_length": "8",
        "server_name": "embedded.invalid",
        "server_port": "80",
        "scheme": "http",
        "host": "embedded.invalid",
        "custom": "yes",
        "key": None,
        "transfer_encoding": None,
    }


def test_it_collects_status_headers_and_body(session: requests.Session) -> None:
    response = session.get(f"{ORIGIN}/anything")

    assert response.status_code == 201
    assert response.reason == "Created"
    assert response.headers["apim-request-id"] == "wsgi-1"
    assert response.headers["Set-Cookie"] == "a=1, b=2"
    assert response.encoding == "utf-8"
    assert response.url == f"{ORIGIN}/anything"
    assert response.json()["method"] == "GET"


def test_a_bodiless_request_has_zero_length(session: requests.Session) -> None:
    seen = session.delete(f"{ORIGIN}/x").json()

    assert seen["content_length"] == "0"
    assert seen["body"] == ""


def test_a_chunked_upload_arrives_whole(session: requests.Session) -> None:
    # The Azure SDK uploads images from a generator, which requests sends chunked.
    def chunks() -> Iterator[bytes]:
        yield b"first-"
        yield b"second"

    seen = session.post(
        f"{ORIGIN}/detect", data=chunks(), headers={"Content-Type": "application/octet-stream"}
    ).json()

    assert seen["body"] == "first-second"
    assert seen["content_length"] == "12"
    assert seen["transfer_encoding"] is None


def test_ports_and_schemes_come_from_the_url() -> None:
    session = requests.Session()
    session.mount("https://engine.test:8443/", WSGIAdapter(echo_app))

    seen = session.get("https://engine.test:8443/p").json()

    assert (seen["scheme"], seen["server_name"], seen["server_port"]) == (
        "https",
        "engine.test",
        "8443",
    )
    assert seen["host"] == "engine.test:8443"


def test_it_supports_the_write_callable_and_closes_the_result() -> None:
    closed: list[bool] = []

    class Result:
        def __iter__(self) -> Iterator[bytes]:
            yield b" world"

        def close(self) -> None:
            closed.append(True)

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"hello")
        return Result()

    session = requests.Session()
    session.mount(ORIGIN + "/", WSGIAdapter(app))

    response = session.get(f"{ORIGIN}/")

    assert response.text == "hello world"
    assert closed == [True]


def test_streaming_responses_can_be_read(session: requests.Session) -> None:
    response = session.get(f"{ORIGIN}/stream", stream=True)

    assert b"".join(response.iter_content(4)).startswith(b'{"method": "GET"')


def test_the_client_talks_to_a_wsgi_engine_without_a_socket() -> None:
    """The full stack (client, transport, adapter) against a two-route fake engine."""

    def engine(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ["PATH_INFO"]
        if environ["HTTP_OCP_APIM_SUBSCRIPTION_KEY"] != "engine-key":
            status, body = "401 Unauthorized", {"error": {"code": "401", "message": "Bad key."}}
        elif path == "/face/v1.0/persongroups":
            status, body = "200 OK", [{"personGroupId": "staff", "name": "Staff"}]
        else:
            status = "404 Not Found"
            body = {"error": {"code": "PersonGroupNotFound", "message": "Not found."}}
        start_response(status, [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    transport = HttpTransport(
        f"{ORIGIN}/face/v1.0",
        "engine-key",
        session=session_for_wsgi_app(engine, origin=ORIGIN),
        sleep=lambda seconds: None,
    )
    client = AzureFaceClient(transport)

    (group,) = client.collection_list(CollectionKind.PERSON_GROUP)
    assert group.id == "staff"
    with pytest.raises(PersonGroupNotFound) as caught:
        client.collection_get(CollectionKind.PERSON_GROUP, collection_id="missing")
    assert caught.value.status == 404


def test_an_app_that_never_starts_a_response_is_an_error() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return [b"no status"]

    session = requests.Session()
    session.mount(ORIGIN + "/", WSGIAdapter(app))

    with pytest.raises(RuntimeError, match="start_response"):
        session.get(f"{ORIGIN}/")
