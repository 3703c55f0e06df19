"""Fetch the photo behind a `{"url": ...}` body, as Azure does on its side.

This is server-side fetching of user-supplied URLs, so it is fenced: http(s) only, a
size cap read in a stream, a timeout, a bounded number of redirects with every hop
checked, and no private / loopback / link-local / multicast / reserved addresses unless
FACEADMIN_ENGINE_ALLOW_PRIVATE_URLS is set (tests serve photos from 127.0.0.1).
The check resolves the host before connecting; a DNS answer that changes between the
check and the connection (rebinding) is not defended against.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings

from faceadmin.engine import errors
from faceadmin.engine.recognition import MAX_IMAGE_BYTES

MAX_REDIRECTS = 5
USER_AGENT = "faceadmin-engine/1.0"


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def check_url(url: str) -> None:
    """InvalidURL unless `url` is http(s) to a host whose every address is public."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise errors.invalid_url() from None
    if parts.scheme not in ("http", "https") or not host:
        raise errors.invalid_url()
    if settings.FACEADMIN_ENGINE_ALLOW_PRIVATE_URLS:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise errors.invalid_url("Failed to resolve the host of the image URL.") from None
    if not infos or not all(_is_public(str(info[4][0])) for info in infos):
        raise errors.invalid_url("The image URL points to a private or reserved address.")


def fetch_image(url: str) -> bytes:
    """The bytes at `url` (at most MAX_IMAGE_BYTES), or InvalidURL / InvalidImageSize."""
    timeout = float(settings.FACEADMIN_ENGINE_URL_FETCH_TIMEOUT)
    deadline = time.monotonic() + 3 * timeout
    with requests.Session() as session:
        for _hop in range(MAX_REDIRECTS + 1):
            check_url(url)
            try:
                response = session.get(
                    url,
                    stream=True,
                    timeout=timeout,
                    allow_redirects=False,
                    headers={"User-Agent": USER_AGENT},
                )
            except requests.RequestException:
                raise errors.invalid_url("Failed to download the image from the URL.") from None
            with response:
                if response.is_redirect:
                    url = urljoin(url, response.headers.get("Location", ""))
                    continue
                if not 200 <= response.status_code < 300:
                    raise errors.invalid_url(
                        f"Failed to download the image from the URL (HTTP {response.status_code})."
                    )
                return _read_capped(response, deadline)
    raise errors.invalid_url("Too many redirects while downloading the image.")


def _read_capped(response: requests.Response, deadline: float) -> bytes:
    chunks: list[bytes] = []
    total = 0
    try:
        for chunk in response.iter_content(chunk_size=65536):
            total += len(chunk)
            if total > MAX_IMAGE_BYTES:
                raise errors.invalid_image_size("Image size is too big.")
            if time.monotonic() > deadline:
                raise errors.invalid_url("Timed out downloading the image from the URL.")
            chunks.append(chunk)
    except requests.RequestException:
        raise errors.invalid_url("Failed to download the image from the URL.") from None
    return b"".join(chunks)
