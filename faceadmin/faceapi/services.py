"""Tenant-aware face-API services: what the dashboard calls.

Views never build clients or send HTTP themselves; they call these functions, which pick the
tenant's provider and keys, talk to it through `faceapi` clients, and leave audit events.
Azure and the embedded engine get an `AzureFaceClient` (`client_for`); FindFace tenants a
`FindFaceClient` (`findface_client_for`), on the same transport with FindFace's header.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings

from faceadmin.faceapi.azure import AzureFaceClient
from faceadmin.faceapi.callstats import call_stat_record, operation_of
from faceadmin.faceapi.embedded import EMBEDDED_ORIGIN, embedded_session
from faceadmin.faceapi.endpoints import private_endpoints_allowed, public_only_session
from faceadmin.faceapi.errors import FaceApiError, UnsupportedFeature
from faceadmin.faceapi.findface import FindFaceClient, findface_base_url, findface_transport
from faceadmin.faceapi.transport import HttpTransport, base_url_for
from faceadmin.tenants.audit import audit_record
from faceadmin.tenants.models import Provider, Tenant

_clients: dict[tuple[Any, ...], AzureFaceClient | FindFaceClient] = {}
_clients_lock = threading.Lock()

# Plain-words titles for the error codes an operator meets most; the provider's own message
# is always shown beneath.
_TITLES = {
    "401": "The provider refused the API key.",
    "429": "The provider is rate-limiting requests; try again shortly.",
    "ProviderUnavailable": "The provider did not answer.",
    "InvalidResponse": "The provider sent an answer faceadmin cannot read.",
    "QuotaExceeded": "The provider's quota for this is used up.",
    "InvalidImage": "The photo could not be used.",
    "InvalidImageSize": "The photo is too small or too large (1 KB to 6 MB).",
    "InvalidURL": "The provider could not fetch that photo URL.",
    "BadArgument": "The provider rejected a value.",
    "UnsupportedFeature": "The provider does not support that feature.",
    "FaceNotFound": "That detected face has expired or is unknown; detect the photo again.",
    "AUTH_FAILED": "The provider refused the API token.",
    "BAD_PARAM": "The provider rejected a value.",
    "MALFORMED_JSON": "The provider could not read the request.",
    "NOT_FOUND": "That face or gallery does not exist (any more).",
    "EXTRACTION_ERROR": "The provider could not read the face; try again later.",
    "SERVICE_UNAVAILABLE": "The provider did not answer.",
}


_ENTITY_WORDS = {
    "PersonGroup": "person group",
    "LargePersonGroup": "large person group",
    "FaceList": "face list",
    "LargeFaceList": "large face list",
    "Person": "person",
    "PersistedFace": "enrolled face",
    "Face": "detected face",
    "Snapshot": "snapshot",
    "Operation": "operation",
}


def _title_by_pattern(error: FaceApiError) -> str:
    """Plain words for the families of codes: <Entity>Exists, NotFound, NotTrained, ..."""
    code = error.code
    for suffix, template in (
        ("TrainingNotFinished", "The {} is still training; wait for it to finish."),
        ("NotTrained", "The {} has not been trained yet; train it first."),
        ("NotFound", "That {} does not exist (any more)."),
        ("Exists", "A {} with that id already exists; choose another id."),
        ("NotReady", "The {} is empty; add faces first."),
    ):
        if code.endswith(suffix) and code[: -len(suffix)] in _ENTITY_WORDS:
            return template.format(_ENTITY_WORDS[code[: -len(suffix)]])
    if code.startswith("PersonGroupIdAndLargePersonGroupId"):
        return "Choose exactly one person group or large person group."
    if error.status == 404:
        return "Not found."
    if error.status is not None and error.status >= 500:
        return "The provider had an internal error; try again later."
    return "The provider refused the request."


@dataclass(frozen=True)
class ApiErrorView:
    """What an operator is shown for a failed provider call."""

    title: str
    message: str
    code: str
    status: int | None
    request_id: str | None

    @classmethod
    def of(cls, error: FaceApiError) -> ApiErrorView:
        title = _TITLES.get(error.code) or _title_by_pattern(error)
        return cls(title, error.message, error.code, error.status, error.request_id)


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
            client_for(tenant).person_group_list(top=1)
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


# The collection, person, face and training services live in their own modules; they are
# re-exported here so callers have one place to import services from.
from faceadmin.faceapi.collections import (  # noqa: E402
    collection_create,
    collection_delete,
    collection_delete_preview,
    collection_get,
    collection_list,
    collection_page,
    collection_summaries,
    collection_train,
    collection_update,
    face_list_add_face,
    face_list_delete_face,
    face_list_faces,
    face_list_page,
    person_add_face,
    person_create,
    person_delete,
    person_delete_face,
    person_face_get,
    person_get,
    person_page,
    person_update,
    photo_detect,
    training_state,
    training_status,
)
from faceadmin.faceapi.imagestore import face_images, person_face_images  # noqa: E402

__all__ = [
    "ApiErrorView",
    "ConnectionCheck",
    "client_for",
    "collection_create",
    "collection_delete",
    "collection_delete_preview",
    "collection_get",
    "collection_list",
    "collection_page",
    "collection_summaries",
    "collection_train",
    "collection_update",
    "face_images",
    "face_list_add_face",
    "face_list_delete_face",
    "face_list_faces",
    "face_list_page",
    "findface_client_for",
    "person_add_face",
    "person_create",
    "person_delete",
    "person_delete_face",
    "person_face_get",
    "person_face_images",
    "person_get",
    "person_page",
    "person_update",
    "photo_detect",
    "tenant_check_connection",
    "training_state",
    "training_status",
]
