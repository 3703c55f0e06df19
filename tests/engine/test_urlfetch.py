"""The engine's photo URL fetcher: address checks, failures, size cap, redirects."""

from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from faceadmin.engine.errors import EngineError
from faceadmin.engine.urlfetch import check_url
from tests.engine.conftest import Api, error_code


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/a.jpg",
        "http://localhost:8000/a.jpg",
        "http://10.1.2.3/a.jpg",
        "http://192.168.0.10/a.jpg",
        "http://172.16.5.4/a.jpg",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/a.jpg",
        "http://[fe80::1]/a.jpg",
        "http://[::ffff:127.0.0.1]/a.jpg",
        "http://224.0.0.1/a.jpg",
        "http://0.0.0.0/a.jpg",
        "http://240.0.0.1/a.jpg",
        "http://100.64.0.1/a.jpg",
        "ftp://8.8.8.8/a.jpg",
        "file:///etc/passwd",
        "not a url",
        "http://",
    ],
)
def test_it_refuses_private_and_odd_urls(settings: SettingsWrapper, url: str) -> None:
    settings.FACEADMIN_ENGINE_ALLOW_PRIVATE_URLS = False
    with pytest.raises(EngineError) as raised:
        check_url(url)
    assert raised.value.code == "InvalidURL"


def test_it_accepts_public_addresses(settings: SettingsWrapper) -> None:
    settings.FACEADMIN_ENGINE_ALLOW_PRIVATE_URLS = False
    check_url("http://8.8.8.8/a.jpg")
    check_url("https://[2001:4860:4860::8888]/a.jpg")


def test_detect_refuses_a_private_url_unless_allowed(
    api: Api, photo_server: str, settings: SettingsWrapper
) -> None:
    url = f"{photo_server}/probe/kit_harington.jpg"
    settings.FACEADMIN_ENGINE_ALLOW_PRIVATE_URLS = False
    response = api.post("detect", json={"url": url})
    assert error_code(response) == (400, "InvalidURL")
    settings.FACEADMIN_ENGINE_ALLOW_PRIVATE_URLS = True
    assert api.post("detect", json={"url": url}).status_code == 200


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"url": "/probe/missing.jpg"}, (400, "InvalidURL")),  # 404 from the photo server
        ({"url": "http://127.0.0.1:9/a.jpg"}, (400, "InvalidURL")),  # connection refused
        ({"url": ""}, (400, "InvalidURL")),
        ({"url": 5}, (400, "InvalidURL")),
        ({"uri": "x"}, (400, "InvalidURL")),
        ({"url": "/redirect/redirect/probe/missing.jpg"}, (400, "InvalidURL")),
        ({"url": "/redirect/" * 6 + "probe/kit_harington.jpg"}, (400, "InvalidURL")),
        ({"url": "/LICENSE-face_recognition.txt"}, (400, "InvalidImage")),
    ],
)
def test_it_answers_download_failures(
    api: Api, photo_server: str, body: dict[str, object], expected: tuple[int, str]
) -> None:
    if isinstance(body.get("url"), str) and str(body["url"]).startswith("/"):
        body = {"url": f"{photo_server}{body['url']}"}
    assert error_code(api.post("detect", json=body)) == expected


def test_it_follows_a_few_redirects(api: Api, photo_server: str) -> None:
    url = f"{photo_server}/redirect/redirect/probe/kit_harington.jpg"
    response = api.post("detect", json={"url": url})
    assert response.status_code == 200
    assert len(response.json()) == 1
