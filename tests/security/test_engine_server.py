"""Threats against the server itself, tested on a real gunicorn as the Dockerfile runs it
(the shipped gunicorn.conf.py: 2 worker processes x 8 threads, the custom worker).

* Keep-alive broken by early answers (issue 13, item 2): a 401 or 403 given before the body
  was read left it on the connection; gunicorn drained 64 KB, then dropped the connection
  after announcing keep-alive, and the client's next request failed with "Remote end closed
  connection without response" (the Azure SDK hit this). Bodies are now read before the
  application runs, so every answer leaves the connection usable.
* Malformed framing (item 3): a bad chunk size was a 500; a request line over gunicorn's
  limit got gunicorn's HTML page. Both are JSON errors now (400 BadArgument, 414).
* Stalled bodies (item 5): sockets that send headers and then stall held every worker
  thread, and the login page stopped answering. Now at most half the threads wait for
  bodies, a body that does not arrive in time is cut off with 408, and the others are told
  503 at once; all of them are closed.
"""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Iterator

import pytest
import requests

from tests.security.conftest import DATA
from tests.security.server import Server, read_to_eof

PHOTO = (DATA / "probe" / "kit_harington.jpg").read_bytes()  # 230 KB: more than gunicorn drains
OCTET = {"Content-Type": "application/octet-stream"}


def detect_url(server: Server) -> str:
    return f"{server.url}/face/v1.0/detect"


def status_and_json(answer: bytes) -> tuple[int, dict[str, object]]:
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(body)


def test_a_401_before_the_body_was_read_leaves_the_connection_usable(
    gunicorn_server: Server, live_keys: dict[str, str]
) -> None:
    good = {**OCTET, "Ocp-Apim-Subscription-Key": live_keys["azure"]}
    wrong = {**OCTET, "Ocp-Apim-Subscription-Key": "0" * 32}
    url = detect_url(gunicorn_server)
    with requests.Session() as session:
        for _ in range(2):
            assert session.post(url, data=PHOTO, headers=wrong, timeout=30).status_code == 401
            assert session.post(url, data=PHOTO, headers=good, timeout=30).status_code == 200
        chunked = iter([PHOTO[:100_000], PHOTO[100_000:]])
        assert session.post(url, data=chunked, headers=wrong, timeout=30).status_code == 401
        assert session.post(url, data=PHOTO, headers=good, timeout=30).status_code == 200


def test_a_403_unsupported_feature_leaves_the_connection_usable(
    gunicorn_server: Server, live_keys: dict[str, str]
) -> None:
    good = {**OCTET, "Ocp-Apim-Subscription-Key": live_keys["azure"]}
    url = detect_url(gunicorn_server)
    with requests.Session() as session:
        for _ in range(2):
            refused = session.post(
                url,
                params={"returnFaceAttributes": "occlusion"},
                data=PHOTO,
                headers=good,
                timeout=30,
            )
            assert refused.status_code == 403
            assert refused.json()["error"]["code"] == "UnsupportedFeature"
            listed = session.get(
                f"{gunicorn_server.url}/face/v1.0/persongroups", headers=good, timeout=30
            )
            assert listed.status_code == 200


def test_a_malformed_chunk_size_is_a_400_bad_argument(
    gunicorn_server: Server, live_keys: dict[str, str]
) -> None:
    answer = gunicorn_server.raw(
        b"POST /face/v1.0/detect HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + f"Ocp-Apim-Subscription-Key: {live_keys['azure']}\r\n".encode()
        + b"Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"zz\r\nabc\r\n0\r\n\r\n"
    )
    status, body = status_and_json(answer)
    assert status == 400
    assert body["error"] == {"code": "BadArgument", "message": "Malformed chunked request body."}


def test_an_overlong_request_line_is_a_json_414(gunicorn_server: Server) -> None:
    answer = gunicorn_server.raw(
        b"GET /face/v1.0/persongroups?start=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    status, body = status_and_json(answer)
    assert status == 414
    assert body["error"]["code"] == "414"  # type: ignore[index]


@pytest.fixture
def stalled(gunicorn_server: Server, live_keys: dict[str, str]) -> Iterator[list[socket.socket]]:
    """20 connections that send their headers (a valid key, Content-Length: 100000) and
    three bytes of body, then stall: half to the engine, half to the login form."""
    sockets = []
    for n in range(20):
        sock = socket.create_connection(("127.0.0.1", gunicorn_server.port), timeout=30)
        path = b"/face/v1.0/detect" if n % 2 == 0 else b"/login/"
        sock.sendall(
            b"POST "
            + path
            + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + f"Ocp-Apim-Subscription-Key: {live_keys['azure']}\r\n".encode()
            + b"Content-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\nabc"
        )
        sockets.append(sock)
    yield sockets
    for sock in sockets:
        sock.close()


def test_stalled_bodies_do_not_stop_the_login_page(
    gunicorn_server: Server, stalled: list[socket.socket]
) -> None:
    time.sleep(0.5)  # let the server take up every stalled request
    # Before: every thread of both workers waited on a stalled body; this timed out.
    page = requests.get(f"{gunicorn_server.url}/login/", timeout=5)
    assert page.status_code == 200
    statuses = []
    for sock in stalled:
        answer = read_to_eof(sock)  # the server closes every one of them
        statuses.append(int(answer.split(b" ", 2)[1]))
    assert set(statuses) <= {408, 503}
    assert 408 in statuses  # some were given the whole body timeout, then cut off


def test_a_body_trickled_a_byte_at_a_time_is_cut_off(
    gunicorn_server: Server, live_keys: dict[str, str]
) -> None:
    with socket.create_connection(("127.0.0.1", gunicorn_server.port), timeout=30) as sock:
        sock.sendall(
            b"POST /face/v1.0/detect HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + f"Ocp-Apim-Subscription-Key: {live_keys['azure']}\r\n".encode()
            + b"Content-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n"
        )
        for _ in range(200):  # up to ~60 s of trickling; the cut-off comes after ~2 s
            readable, _, _ = select.select([sock], [], [], 0.3)
            if readable:
                break
            try:
                sock.sendall(b"x")
            except OSError:
                break
        answer = read_to_eof(sock)
    status, body = status_and_json(answer)
    assert status == 408
    assert body["error"]["code"] == "408"  # type: ignore[index]


def test_a_body_over_the_size_cap_is_refused_unread(
    gunicorn_server: Server, live_keys: dict[str, str]
) -> None:
    answer = gunicorn_server.raw(
        b"POST /face/v1.0/detect HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + f"Ocp-Apim-Subscription-Key: {live_keys['azure']}\r\n".encode()
        + b"Content-Type: application/octet-stream\r\nContent-Length: 20000000\r\n\r\n"
    )
    status, body = status_and_json(answer)
    assert status == 400
    assert body["error"] == {"code": "InvalidImageSize", "message": "Image size is too big."}
    assert b"Connection: close" in answer
