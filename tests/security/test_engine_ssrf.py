"""Threat: server-side request forgery through photo URLs (issue 13, item 1).

The engine (`{"url": ...}` bodies), the FindFace facade (`photo=<url>`) and the dashboard's
lookup URL field take URLs from users, and the engine fetches them. Closed:

* parser confusion: `http://127.0.0.1:8000\\@8.8.8.8/` passed the check (urlsplit saw host
  8.8.8.8) while the HTTP library connected to 127.0.0.1. Backslashes, user info, whitespace
  and control characters are refused, and the request is built from the parse that was checked;
* private targets in every spelling: decimal/hex/octal IPv4, IPv4-mapped, -compatible, 6to4
  and NAT64 IPv6, site-local `fec0::/10`, unique-local, link-local with a zone...;
* DNS rebinding: the host is resolved once and the connection goes to the checked address;
* redirects: every hop is parsed and checked again;
* https keeps SNI and the certificate check on the host name while connecting to the address.

The tests turn FACEADMIN_ENGINE_ALLOW_PRIVATE_URLS off (the suite's default is on, to serve
photos from 127.0.0.1) wherever the private-address check is what is tested.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from faceadmin import safeurl
from faceadmin.engine import urlfetch
from faceadmin.engine.errors import EngineError
from tests.security.conftest import PhotoServer, Raw, azure_error, findface_error

PHOTO = "/probe/kit_harington.jpg"

HOSTILE_URLS = [
    # parser confusion: a backslash or user info makes parsers disagree on the host
    "http://127.0.0.1:8000\\@8.8.8.8/../face/v1.0/persongroups",
    "http://8.8.8.8\\@127.0.0.1/",
    "http:\\\\127.0.0.1\\a.jpg",
    "http://8.8.8.8/\\..\\a.jpg",
    "http://user@8.8.8.8/a.jpg",
    "http://user:password@8.8.8.8/a.jpg",
    "http://8.8.8.8@127.0.0.1/a.jpg",
    "http://@8.8.8.8/a.jpg",
    "http://127.0.0.1:8000%5C@8.8.8.8/a.jpg",
    "http://8.8.8.8 /a.jpg",
    "http://8.8.8.8/a.jpg\r\nHost: 127.0.0.1",
    "http://8.8.8.8/a\t.jpg",
    # IPv4 loopback and private ranges, in every spelling the resolver accepts
    "http://127.0.0.1/a.jpg",
    "HTTP://127.0.0.1/a.jpg",
    "http://127.1/a.jpg",
    "http://0x7f000001/a.jpg",
    "http://2130706433/a.jpg",
    "http://0177.0.0.1/a.jpg",
    "http://0/a.jpg",
    "http://0.0.0.0/a.jpg",
    "http://localhost/a.jpg",
    "http://localhost./a.jpg",
    "http://10.0.0.1/a.jpg",
    "http://172.16.0.1/a.jpg",
    "http://192.168.1.1/a.jpg",
    "http://100.64.0.1/a.jpg",
    "http://169.254.169.254/latest/meta-data/",
    "http://224.0.0.1/a.jpg",
    "http://255.255.255.255/a.jpg",
    "http://198.18.0.1/a.jpg",
    # IPv6, and IPv6 forms that carry an IPv4 address
    "http://[::1]/a.jpg",
    "http://[::]/a.jpg",
    "http://[::ffff:127.0.0.1]/a.jpg",
    "http://[::ffff:7f00:1]/a.jpg",
    "http://[0:0:0:0:0:ffff:a9fe:a9fe]/a.jpg",
    "http://[::127.0.0.1]/a.jpg",
    "http://[2002:7f00:1::1]/a.jpg",
    "http://[2002:a9fe:a9fe::1]/a.jpg",
    "http://[2002:c0a8:101::1]/a.jpg",
    "http://[64:ff9b::7f00:1]/a.jpg",
    "http://[fec0::1]/a.jpg",
    "http://[fd00::1]/a.jpg",
    "http://[fe80::1%25eth0]/a.jpg",
    "http://[ff02::1]/a.jpg",
    "http://[2001::7f00:1]/a.jpg",
    # not http(s), or no host
    "file:///etc/passwd",
    "gopher://8.8.8.8/_GET",
    "ftp://8.8.8.8/a.jpg",
    "//127.0.0.1/a.jpg",
    "http:///a.jpg",
    "http://8.8.8.8:0/a.jpg",
    "http://8.8.8.8:99999/a.jpg",
    "not a url",
    "",
]


@pytest.fixture
def no_private(settings: SettingsWrapper) -> None:
    settings.FACEADMIN_ENGINE_ALLOW_PRIVATE_URLS = False
    settings.FACEADMIN_ENGINE_URL_FETCH_TIMEOUT = 2


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_the_fetcher_refuses_a_hostile_url(no_private: None, url: str) -> None:
    assert len(HOSTILE_URLS) >= 30
    with pytest.raises(EngineError) as raised:
        urlfetch.check_url(url)
    assert raised.value.code == "InvalidURL"


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "2001:4860:4860::8888", "::ffff:8.8.8.8", "2002:808:808::1", "1.1.1.1"],
)
def test_public_addresses_pass(address: str) -> None:
    assert safeurl.is_public_address(address)


def test_a_backslash_cannot_smuggle_a_request_to_the_engine_itself(
    no_private: None, azure: Raw, photo_server: PhotoServer
) -> None:
    # The photo server stands for any internal service on 127.0.0.1.
    url = f"http://127.0.0.1:{photo_server.port}\\@8.8.8.8/..{PHOTO}"
    before = len(photo_server.hits)
    response = azure("POST", "detect", json={"url": url})
    assert azure_error(response) == (400, "InvalidURL")
    assert len(photo_server.hits) == before


def test_the_findface_facade_refuses_the_same_urls(
    no_private: None, findface: Raw, photo_server: PhotoServer
) -> None:
    url = f"http://127.0.0.1:{photo_server.port}\\@8.8.8.8/..{PHOTO}"
    for photo in (url, f"{photo_server.url}{PHOTO}", "http://[2002:7f00:1::1]/a.jpg"):
        response = findface("POST", "detect", data={"photo": photo})
        assert findface_error(response) == (400, "BAD_PARAM")
        assert response.json()["param"] == "photo"


def test_a_name_rebound_to_loopback_after_the_check_is_never_connected_to(
    no_private: None, azure: Raw, photo_server: PhotoServer, fake_dns: Any
) -> None:
    # First answer public (passes the check), then loopback (what a second lookup, made by
    # the HTTP library when it connects, would get).
    dns = fake_dns({"rebind.test": ["93.184.216.34", "127.0.0.1"]})
    before = len(photo_server.hits)
    response = azure(
        "POST", "detect", json={"url": f"http://rebind.test:{photo_server.port}{PHOTO}"}
    )
    assert azure_error(response) == (400, "InvalidURL")
    assert len(photo_server.hits) == before
    assert dns.lookups == ["rebind.test"]


def test_the_connection_goes_to_the_address_that_was_checked(
    azure: Raw, photo_server: PhotoServer, fake_dns: Any
) -> None:
    # Private addresses allowed (the suite's default); a second lookup would get a dead one.
    dns = fake_dns({"photos.test": ["127.0.0.1", "10.255.255.1"]})
    response = azure(
        "POST", "detect", json={"url": f"http://photos.test:{photo_server.port}{PHOTO}"}
    )
    assert response.status_code == 200 and len(response.json()) == 1
    assert dns.lookups == ["photos.test"]


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:{port}\\@8.8.8.8/probe/kit_harington.jpg",
        "http://user:pw@127.0.0.1:{port}/probe/kit_harington.jpg",
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]:{port}/probe/kit_harington.jpg",
    ],
)
def test_every_redirect_hop_is_checked_again(
    settings: SettingsWrapper,
    azure: Raw,
    photo_server: PhotoServer,
    monkeypatch: pytest.MonkeyPatch,
    location: str,
) -> None:
    # The first hop must pass: let the photo server's own address count as public.
    settings.FACEADMIN_ENGINE_ALLOW_PRIVATE_URLS = False
    real = safeurl.is_public_address
    monkeypatch.setattr(safeurl, "is_public_address", lambda a: a == "127.0.0.1" or real(a))
    start = f"{photo_server.url}/location?to={location.format(port=photo_server.port)}"
    response = azure("POST", "detect", json={"url": start})
    assert azure_error(response) == (400, "InvalidURL")


def test_https_checks_the_certificate_against_the_host_name(
    azure: Raw, tls_photo_server: tuple[int, Path], fake_dns: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    port, cert = tls_photo_server
    monkeypatch.setattr(urlfetch, "CA_CERTS", str(cert))
    fake_dns({"photos.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]})
    good = azure("POST", "detect", json={"url": f"https://photos.test:{port}{PHOTO}"})
    assert good.status_code == 200 and len(good.json()) == 1
    # Same address, another name: the certificate (for photos.test only) must not match.
    wrong = azure("POST", "detect", json={"url": f"https://other.test:{port}{PHOTO}"})
    assert azure_error(wrong) == (400, "InvalidURL")


def test_the_dashboard_lookup_refuses_a_backslash_url(
    local_client_as: Any, photo_server: PhotoServer
) -> None:
    url = f"http://127.0.0.1:{photo_server.port}\\@8.8.8.8/..{PHOTO}"
    before = len(photo_server.hits)
    response = local_client_as("operator").post(
        "/t/local/lookup/",
        {
            "url": url,
            "action": "detect",
            "detection_model": "detection_01",
            "recognition_model": "recognition_04",
            "max_candidates": 3,
        },
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "contains a backslash" in html
    assert len(photo_server.hits) == before
