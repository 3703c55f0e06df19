"""Fetch the photo behind a `{"url": ...}` body, as Azure does on its side.

This is server-side fetching of user-supplied URLs, so it is fenced (see `faceadmin.safeurl`
for the parsing and the address rules):

* the URL is parsed once, strictly (no backslash, no user info, http(s) only), and the
  request is built from that same parse: what is checked is what is fetched;
* the host is resolved once, every address must be public (unless
  FACEADMIN_ENGINE_ALLOW_PRIVATE_URLS, which tests set to serve photos from 127.0.0.1), and
  the connection goes to the checked address: no second DNS lookup, so DNS rebinding cannot
  swap in a private address. For https the TLS server name (SNI) and the certificate check
  stay on the host name;
* redirects are followed by hand, at most MAX_REDIRECTS, each hop parsed and checked again;
* the body is read in a stream, capped at MAX_IMAGE_BYTES, within a deadline.
"""

from __future__ import annotations

import time
from urllib.parse import urljoin

import certifi
import urllib3
from django.conf import settings
from urllib3.exceptions import HTTPError

from faceadmin.engine import errors
from faceadmin.engine.recognition import MAX_IMAGE_BYTES
from faceadmin.safeurl import Target, UnsafeURL, parse_http_url, resolve_checked

MAX_REDIRECTS = 5
USER_AGENT = "faceadmin-engine/1.0"
# Certificates are verified against this bundle (the one `requests` uses).
CA_CERTS = certifi.where()
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def check_url(url: str) -> tuple[Target, str]:
    """The target of `url` and the one address to connect to, or InvalidURL."""
    try:
        target = parse_http_url(url)
        address = resolve_checked(
            target, allow_private=settings.FACEADMIN_ENGINE_ALLOW_PRIVATE_URLS
        )
    except UnsafeURL as exc:
        raise errors.invalid_url(str(exc)) from None
    return target, address


def fetch_image(url: str) -> bytes:
    """The bytes at `url` (at most MAX_IMAGE_BYTES), or InvalidURL / InvalidImageSize."""
    timeout = float(settings.FACEADMIN_ENGINE_URL_FETCH_TIMEOUT)
    deadline = time.monotonic() + 3 * timeout
    for _hop in range(MAX_REDIRECTS + 1):
        target, address = check_url(url)
        pool, response = _get(target, address, timeout)
        try:
            if response.status in _REDIRECTS:
                location = response.headers.get("Location", "")
                if not location:
                    raise errors.invalid_url("Failed to download the image (empty redirect).")
                url = urljoin(target.url, location)
                continue
            if not 200 <= response.status < 300:
                raise errors.invalid_url(
                    f"Failed to download the image from the URL (HTTP {response.status})."
                )
            return _read_capped(response, deadline)
        finally:
            response.close()
            pool.close()
    raise errors.invalid_url("Too many redirects while downloading the image.")


def _get(
    target: Target, address: str, timeout: float
) -> tuple[urllib3.HTTPConnectionPool, urllib3.BaseHTTPResponse]:
    """GET the target from `address`, the one checked: the host name only names it."""
    pool: urllib3.HTTPConnectionPool
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address,
            target.port,
            maxsize=1,
            cert_reqs="CERT_REQUIRED",
            ca_certs=CA_CERTS,
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, target.port, maxsize=1)
    headers = {
        "Host": target.host_header,
        "User-Agent": USER_AGENT,
        "Accept": "image/*",
        "Accept-Encoding": "identity",
    }
    try:
        response = pool.urlopen(
            "GET",
            target.request_uri,
            headers=headers,
            redirect=False,
            retries=False,
            assert_same_host=False,
            preload_content=False,
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
        )
    except (HTTPError, OSError):
        pool.close()
        raise errors.invalid_url("Failed to download the image from the URL.") from None
    return pool, response


def _read_capped(response: urllib3.BaseHTTPResponse, deadline: float) -> bytes:
    chunks: list[bytes] = []
    total = 0
    try:
        for chunk in response.stream(65536):
            total += len(chunk)
            if total > MAX_IMAGE_BYTES:
                raise errors.invalid_image_size("Image size is too big.")
            if time.monotonic() > deadline:
                raise errors.invalid_url("Timed out downloading the image from the URL.")
            chunks.append(chunk)
    except (HTTPError, OSError):
        raise errors.invalid_url("Failed to download the image from the URL.") from None
    return b"".join(chunks)
