"""User-supplied photo URLs: one strict parser, and the address checks of a server-side fetch.

Whoever fetches or forwards a URL a user typed uses `parse_http_url`: the engine's photo
fetcher (`faceadmin.engine.urlfetch`, which also serves the FindFace facade) and the
dashboard's lookup form. It refuses what parsers disagree on, so that the URL that is
checked is the URL that is fetched:

* backslashes anywhere (`http://127.0.0.1:8000\\@8.8.8.8/`: `urlsplit` sees host 8.8.8.8,
  HTTP libraries connect to 127.0.0.1), whitespace and control characters (header injection);
* user info (`user:pw@host`, `8.8.8.8@127.0.0.1`), never needed for a photo;
* schemes other than http(s), a missing host, a port outside 1..65535.

`resolve_checked` resolves the host **once** and checks every address; the fetcher then
connects to that address (never resolving again, which closes DNS rebinding). An address is
private when it is, or embeds, a non-global IPv4/IPv6 address: loopback, RFC 1918, CGNAT,
link-local, multicast, reserved, unspecified, IPv6 unique-local and site-local (`fec0::/10`),
and the IPv6 forms that carry an IPv4 address: IPv4-mapped (`::ffff:0:0/96`),
IPv4-compatible (`::/96`), 6to4 (`2002::/16`) and NAT64 (`64:ff9b::/96`).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Final

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

MAX_URL_LENGTH: Final = 2048
_NAT64: Final = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE: Final = ipaddress.IPv6Network("::/96")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeURL(ValueError):
    """The URL is refused; `str(exc)` says why, in words fit for the API's error message."""


@dataclass(frozen=True)
class Target:
    """What one HTTP request to a checked URL needs, all taken from one parse."""

    url: str
    scheme: str
    host: str  # a hostname (IDNA-encoded) or an IP literal without brackets
    port: int
    request_uri: str  # path and query, as sent on the request line

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def parse_http_url(url: object) -> Target:
    """The request target of `url`, or UnsafeURL. Does no network I/O."""
    if not isinstance(url, str) or not url:
        raise UnsafeURL("Invalid image URL.")
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeURL("The image URL is too long.")
    if "\\" in url:
        raise UnsafeURL("The image URL contains a backslash.")
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        raise UnsafeURL("The image URL contains whitespace or control characters.")
    try:
        parts = parse_url(url)
    except (LocationParseError, ValueError):
        raise UnsafeURL("Invalid image URL.") from None
    scheme = (parts.scheme or "").lower()
    if scheme not in ("http", "https"):
        raise UnsafeURL("Invalid image URL: only http and https are supported.")
    if "//" not in url:
        raise UnsafeURL("Invalid image URL.")
    authority = url.split("//", 1)[1].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if parts.auth is not None or "@" in authority:
        raise UnsafeURL("The image URL must not contain a user name or password.")
    host = (parts.host or "").strip("[]")
    if not host:
        raise UnsafeURL("Invalid image URL: no host.")
    port = parts.port if parts.port is not None else (443 if scheme == "https" else 80)
    if not 0 < port < 65536:
        raise UnsafeURL("Invalid image URL: bad port.")
    if "%" in host and not _is_ip(host):  # percent-encoded host names are refused
        raise UnsafeURL("Invalid image URL.")
    return Target(url=url, scheme=scheme, host=host, port=port, request_uri=parts.request_uri)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def is_public_address(address: str | IPAddress) -> bool:
    """True for a globally routable unicast address that embeds no private IPv4 address."""
    if isinstance(address, str):
        address = ipaddress.ip_address(address.split("%", 1)[0])
    ip: IPAddress = address
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return is_public_address(embedded)
        if ip.is_site_local:
            return False
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64 or (ip in _IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def resolve_checked(target: Target, *, allow_private: bool) -> str:
    """Resolve the host once; the address to connect to, or UnsafeURL.

    Every address the name resolves to must be public (unless `allow_private`): a name with
    one private address among public ones is refused, whichever the client would pick."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UnsafeURL("Failed to resolve the host of the image URL.") from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise UnsafeURL("Failed to resolve the host of the image URL.")
    if not allow_private and not all(is_public_address(a) for a in addresses):
        raise UnsafeURL("The image URL points to a private or reserved address.")
    return addresses[0]
