"""Tenant-aware face-API services: what the dashboard calls.

Views never build clients or send HTTP themselves; they call these functions, which pick the
tenant's provider and keys, talk to it through `faceapi` clients, and leave audit events.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from faceadmin.faceapi.azure import AzureFaceClient
from faceadmin.faceapi.embedded import EMBEDDED_ORIGIN, embedded_session
from faceadmin.faceapi.errors import FaceApiError
from faceadmin.faceapi.transport import HttpTransport, base_url_for
from faceadmin.tenants.audit import audit_record
from faceadmin.tenants.models import Provider, Tenant

_clients: dict[tuple[Any, ...], AzureFaceClient] = {}
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


def client_for(tenant: Tenant) -> AzureFaceClient:
    """The Azure Face client for a tenant's provider and keys (cached per key pair)."""
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
    if tenant.is_embedded:
        base_url, session = base_url_for(EMBEDDED_ORIGIN), embedded_session()
    else:
        base_url, session = base_url_for(tenant.endpoint_url), None
    tenant_pk = tenant.pk

    def on_failover(status: int, code: str) -> None:
        from faceadmin.tenants.services import key_mark_primary_failed

        fresh = Tenant.objects.get(pk=tenant_pk)
        key_mark_primary_failed(tenant=fresh, status=status, code=code)

    transport = HttpTransport(
        base_url,
        tenant.primary_key or "-",
        secondary_key=tenant.secondary_key or None,
        connect_timeout=settings.FACEADMIN_HTTP_CONNECT_TIMEOUT,
        read_timeout=settings.FACEADMIN_HTTP_READ_TIMEOUT,
        max_retries=settings.FACEADMIN_HTTP_MAX_RETRIES,
        max_retry_seconds=settings.FACEADMIN_HTTP_MAX_RETRY_SECONDS,
        session=session,
        on_key_failover=on_failover,
    )
    client = AzureFaceClient(transport)
    with _clients_lock:
        for stale in [k for k in _clients if k[0] == tenant.pk]:
            del _clients[stale]
        _clients[cache_key] = client
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
    if tenant.provider == Provider.FINDFACE:
        error = FaceApiError("FindFace tenants are not supported yet.", code="NotSupported")
        return ConnectionCheck(False, 0, ApiErrorView.of(error))
    started = time.monotonic()
    try:
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
