"""The server-level threats of tests/security/test_engine_server.py, on the FindFace facade
(real gunicorn, shipped configuration): an early 401 leaves the connection usable, a bad
chunk size is FindFace's 400 BAD_PARAM (not a 500), a stalled body is cut off with a JSON
408 in FindFace's shape."""

from __future__ import annotations

import socket

import requests

from tests.security.conftest import DATA
from tests.security.server import Server, read_to_eof
from tests.security.test_engine_server import status_and_json

PHOTO = (DATA / "probe" / "kit_harington.jpg").read_bytes()


def test_a_401_before_the_photo_was_read_leaves_the_connection_usable(
    gunicorn_server: Server, live_keys: dict[str, str]
) -> None:
    url = f"{gunicorn_server.url}/findface/v1/detect"
    files = {"photo": ("face.jpg", PHOTO, "image/jpeg")}
    with requests.Session() as session:
        for _ in range(2):
            refused = session.post(
                url, files=files, headers={"Authorization": "Token wrong"}, timeout=30
            )
            assert refused.status_code == 401 and refused.json()["code"] == "AUTH_FAILED"
            detected = session.post(
                url,
                files=files,
                headers={"Authorization": f"Token {live_keys['findface']}"},
                timeout=30,
            )
            assert detected.status_code == 200 and len(detected.json()["faces"]) == 1


def test_a_malformed_chunk_size_is_bad_param(
    gunicorn_server: Server, live_keys: dict[str, str]
) -> None:
    answer = gunicorn_server.raw(
        b"POST /findface/v1/detect HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + f"Authorization: Token {live_keys['findface']}\r\n".encode()
        + b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"-5\r\n{}\r\n0\r\n\r\n"
    )
    status, body = status_and_json(answer)
    assert status == 400
    assert body["code"] == "BAD_PARAM" and body["param"] == "body"


def test_a_stalled_body_is_cut_off_in_findface_shape(
    gunicorn_server: Server, live_keys: dict[str, str]
) -> None:
    with socket.create_connection(("127.0.0.1", gunicorn_server.port), timeout=30) as sock:
        sock.sendall(
            b"POST /findface/v1/detect HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + f"Authorization: Token {live_keys['findface']}\r\n".encode()
            + b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
        )
        answer = read_to_eof(sock)
    status, body = status_and_json(answer)
    assert status == 408
    assert body["code"] == "REQUEST_TIMEOUT"
