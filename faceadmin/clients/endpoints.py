"""Which face-API endpoints a tenant may point at, checked when saved and when connecting.

A tenant's endpoint receives the tenant's keys on every call, so a tenant admin who could
point it anywhere could send the keys to any host, or use the dashboard as a port scanner of
the internal network. Unless `FACEADMIN_ALLOW_PRIVATE_ENDPOINTS` is on, an endpoint must be
`https://` on a host whose every address is public, with no user info, query or fragment.

The check runs twice: `endpoint_check` when the endpoint is saved (a clear form error), and
`public_only_session` at every connection. There the host is resolved once, every address
is checked, and the socket connects to the checked address (no second DNS lookup, so a name
that later resolves to 127.0.0.1 — DNS rebinding — is refused too); TLS still verifies the
certificate against the host name.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, LocationParseError, NewConnectionError
from urllib3.util import connection, parse_url

__all__ = [
    "EndpointRefused",
    "PrivateAddressRefused",
    "endpoint_check",
    "is_public_address",
    "private_endpoints_allowed",
    "public_only_session",
]

type IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class EndpointRefused(ValueError):
    """The endpoint may not be used; the message says why, for the admin."""


class PrivateAddressRefused(NewConnectionError):
    """Raised at connect time: the host resolves to a non-public address."""


def private_endpoints_allowed() -> bool:
    from django.conf import settings

    return bool(getattr(settings, "FACEADMIN_ALLOW_PRIVATE_ENDPOINTS", False))


def is_public_address(address: IPAddress) -> bool:
    """Globally routable unicast, looking through IPv6 forms that embed an IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in ipaddress.IPv6Network("64:ff9b::/96"):
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)  # NAT64
        if embedded is None and address.teredo is not None:
            embedded = address.teredo[1]
        if embedded is not None:
            return is_public_address(embedded)
        if address.is_site_local:
            return False
    return address.is_global and not address.is_multicast


def _resolve(host: str, port: int) -> list[IPAddress]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def endpoint_check(url: str) -> str:
    """The endpoint, normalized (no trailing slash), or EndpointRefused saying why."""
    url = url.strip()
    if any(c == "\\" or c.isspace() or ord(c) < 32 for c in url):
        raise EndpointRefused(
            "The endpoint may not contain spaces, backslashes or control characters."
        )
    try:
        parts = parse_url(url)  # the parser requests/urllib3 connect with
    except LocationParseError:
        raise EndpointRefused("That is not a URL.") from None
    allow_private = private_endpoints_allowed()
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        raise EndpointRefused(
            "The endpoint must start with https://."
            if not allow_private
            else "The endpoint must start with https:// or http://."
        )
    if parts.auth is not None or "@" in (parts.netloc or ""):
        raise EndpointRefused("The endpoint may not contain a user name or password (user@).")
    if parts.query is not None or parts.fragment is not None or "?" in url or "#" in url:
        raise EndpointRefused("The endpoint may not contain a query (?) or fragment (#).")
    if not parts.host:
        raise EndpointRefused("The endpoint has no host name.")
    if not allow_private:
        host = parts.host.strip("[]")
        try:
            addresses = _resolve(host, parts.port or 443)
        except (OSError, UnicodeError):
            raise EndpointRefused(f"The host {host} does not resolve.") from None
        if not addresses or not all(is_public_address(a) for a in addresses):
            raise EndpointRefused(
                f"The host {host} is not a public address; faceadmin only sends keys to public "
                "hosts (FACEADMIN_ALLOW_PRIVATE_ENDPOINTS allows private ones)."
            )
    return url.rstrip("/")


# --- connect time ------------------------------------------------------------------------


class _PublicOnlyConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        host = self._dns_host.rstrip(".").strip("[]")
        try:
            addresses = _resolve(host, self.port)
        except OSError as exc:
            raise NewConnectionError(self, f"Could not resolve {host}: {exc}") from exc
        refused = [a for a in addresses if not is_public_address(a)]
        if refused or not addresses:
            raise PrivateAddressRefused(
                self, f"{host} resolves to a non-public address; refused before connecting."
            )
        try:
            return connection.create_connection(
                (str(addresses[0]), self.port),
                self.timeout,
                source_address=self.source_address,
                socket_options=self.socket_options,
            )
        except TimeoutError as exc:
            raise ConnectTimeoutError(self, f"Connection to {host} timed out.") from exc
        except OSError as exc:
            raise NewConnectionError(self, f"Failed to connect to {host}: {exc}") from exc


class _PublicOnlyHTTPSConnection(_PublicOnlyConnection, HTTPSConnection):
    pass


class _PublicOnlyHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PublicOnlyConnection


class _PublicOnlyHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PublicOnlyHTTPSConnection


class _PublicOnlyAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _PublicOnlyHTTPPool,
            "https": _PublicOnlyHTTPSPool,
        }


class _RefuseAdapter(HTTPAdapter):
    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        raise requests.ConnectionError(
            PrivateAddressRefused(None, "Endpoints must use https:// (plain http is refused)."),  # type: ignore[arg-type]
            request=request,
        )


def public_only_session() -> requests.Session:
    """A session that connects only to public addresses, over https only.

    Proxy variables from the environment are ignored: through a proxy, the address that the
    proxy connects to could not be checked here."""
    session = requests.Session()
    session.trust_env = False
    session.mount("https://", _PublicOnlyAdapter())
    session.mount("http://", _RefuseAdapter())
    return session
