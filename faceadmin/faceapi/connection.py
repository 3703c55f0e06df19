"""The tenant's client: built from its provider, endpoint and keys, cached per key pair.

Azure and the embedded engine get an `AzureFaceClient` (`client_for`); FindFace tenants a
`FindFaceClient` (`findface_client_for`), on the same transport with FindFace's header. The
embedded engine is reached in-process (`faceadmin.clients.embedded`); everything else only at
public https hosts unless FACEADMIN_ALLOW_PRIVATE_ENDPOINTS.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings

from faceadmin.clients.azure import AzureFaceClient
from faceadmin.clients.embedded import EMBEDDED_ORIGIN, embedded_session
from faceadmin.clients.endpoints import (
    EndpointRefused,
    endpoint_check,
    private_endpoints_allowed,
    public_only_session,
)
from faceadmin.clients.errors import FaceApiError, UnsupportedFeature
from faceadmin.clients.findface import FindFaceClient, findface_base_url, findface_transport
from faceadmin.clients.transport import HttpTransport, base_url_for
from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi.callstats import call_stat_record, operation_of
from faceadmin.faceapi.errors import ApiErrorView
from faceadmin.tenants.audit import audit_record
from faceadmin.tenants.models import Provider, Tenant

__all__ = [
    "ConnectionCheck",
    "EndpointRefused",
    "client_for",
    "endpoint_check",
    "findface_client_for",
    "tenant_check_connection",
]

_clients: dict[tuple[Any, ...], AzureFaceClient | FindFaceClient] = {}
_clients_lock = threading.Lock()


def _cached_client(
    tenant: Tenant, build: Callable[[dict[str, Any]], AzureFaceClient | FindFaceClient]
) -> AzureFaceClient | FindFaceClient:
    """The tenant's client, built once per provider, endpoint and key pair.

    `build(options)` makes the client from the transport options every provider shares:
    timeouts, retry bounds, the secondary key and the failover callback."""
    cache_key = (
        tenant.pk,
        tenant.provider,
        tenant.endpoint_url,
        tenant.primary_key_token,
        tenant.secondary_key_token,
    )
    with _clients_lock:
        client = _clients.get(cache_key)
        if client is not None:
            return client
    tenant_pk = tenant.pk

    def on_failover(status: int, code: str) -> None:
        from faceadmin.tenants.services import key_mark_primary_failed

        fresh = Tenant.objects.get(pk=tenant_pk)
        key_mark_primary_failed(tenant=fresh, status=status, code=code)

    def on_call(method: str, path: str, elapsed_ms: float, failed: bool) -> None:
        call_stat_record(
            tenant_id=tenant_pk,
            operation=operation_of(method, path),
            elapsed_ms=elapsed_ms,
            failed=failed,
        )

    client = build(
        {
            "secondary_key": tenant.secondary_key or None,
            "connect_timeout": settings.FACEADMIN_HTTP_CONNECT_TIMEOUT,
            "read_timeout": settings.FACEADMIN_HTTP_READ_TIMEOUT,
            "max_retries": settings.FACEADMIN_HTTP_MAX_RETRIES,
            "max_retry_seconds": settings.FACEADMIN_HTTP_MAX_RETRY_SECONDS,
            "session": _session_for(tenant),
            "on_key_failover": on_failover,
            "on_call": on_call,
        }
    )
    with _clients_lock:
        for stale in [k for k in _clients if k[0] == tenant.pk]:
            del _clients[stale]
        _clients[cache_key] = client
    return client


def _session_for(tenant: Tenant) -> requests.Session | None:
    """In-process for this server's engine; elsewhere public https hosts only, unless
    FACEADMIN_ALLOW_PRIVATE_ENDPOINTS (endpoints.py explains)."""
    if tenant.is_embedded:
        return embedded_session()
    if private_endpoints_allowed():
        return None
    return public_only_session()


def client_for(tenant: Tenant) -> AzureFaceClient:
    """The Azure Face client for a tenant's provider and keys (cached per key pair)."""
    if tenant.provider == Provider.FINDFACE:
        # Azure paths sent to a FindFace server would only come back as puzzling 404s.
        raise UnsupportedFeature(
            "This tenant speaks the FindFace API, which has galleries, not person groups "
            "or face lists."
        )

    def build(options: dict[str, Any]) -> AzureFaceClient:
        endpoint = EMBEDDED_ORIGIN if tenant.is_embedded else tenant.endpoint_url
        return AzureFaceClient(
            HttpTransport(base_url_for(endpoint), tenant.primary_key or "-", **options)
        )

    client = _cached_client(tenant, build)
    assert isinstance(client, AzureFaceClient)
    return client


def findface_client_for(tenant: Tenant) -> FindFaceClient:
    """The FindFace client of a FindFace tenant: the remote API at its endpoint, or, with no
    endpoint, this server's facade (/findface/v1/) served in-process like the engine."""
    if tenant.provider != Provider.FINDFACE:
        raise UnsupportedFeature("This tenant does not speak the FindFace API.")

    def build(options: dict[str, Any]) -> FindFaceClient:
        if tenant.is_embedded:
            base_url = f"{EMBEDDED_ORIGIN}/findface/v1"
        else:
            base_url = findface_base_url(tenant.endpoint_url)
        return FindFaceClient(findface_transport(base_url, tenant.primary_key or "-", **options))

    client = _cached_client(tenant, build)
    assert isinstance(client, FindFaceClient)
    return client


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    elapsed_ms: int
    error: ApiErrorView | None = None


def tenant_check_connection(
    *, tenant: Tenant, user: Any = None, audit: bool = False
) -> ConnectionCheck:
    """One cheap authenticated call: does the provider answer, and does it accept the key?"""
    started = time.monotonic()
    try:
        if tenant.provider == Provider.FINDFACE:
            findface_client_for(tenant).gallery_list()
        else:
            client_for(tenant).collection_list(CollectionKind.PERSON_GROUP, top=1)
    except FaceApiError as exc:
        check = ConnectionCheck(False, _ms(started), ApiErrorView.of(exc))
    else:
        check = ConnectionCheck(True, _ms(started))
    if audit:
        audit_record(
            action="key.test",
            tenant=tenant,
            user=user,
            target_kind="provider",
            target_id=tenant.provider,
            outcome="ok" if check.ok else (check.error.code if check.error else "error"),
        )
    return check


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
