"""Threat: a tenant admin turns the dashboard into a proxy. Pointing the tenant's endpoint at
another host (an internal one: 127.0.0.1:5432 as a port scanner; `#`/`?` to pick any path)
would send it the stored keys, and show its answers back. Keys are bound to their endpoint,
endpoints must be https:// public hosts (checked when saved and again when connecting), and
a non-face-API answer is never shown."""

from __future__ import annotations

import http.server
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client, override_settings

from faceadmin.clients.endpoints import EndpointRefused, endpoint_check
from faceadmin.faceapi.services import tenant_check_connection
from faceadmin.tenants.models import Provider, Tenant
from faceadmin.tenants.services import tenant_create
from tests.conftest import PRIMARY_KEY, make_user

pytestmark = pytest.mark.django_db

HOSTILE = [
    "http://8.8.8.8",  # not https
    "https://127.0.0.1:5432",
    "https://localhost",  # a name that resolves to 127.0.0.1
    "https://localhost.:8000",
    "https://2130706433",  # 127.0.0.1 as one number
    "https://0x7f.1",
    "https://10.0.0.5",
    "https://169.254.169.254/latest/meta-data",
    "https://[::1]",
    "https://[::ffff:127.0.0.1]",
    "https://[2002:7f00::1]",  # 6to4 of 127.0.0.1
    "https://[fec0::1]",  # site-local
    "https://8.8.8.8/#/face/v1.0/persongroups",
    "https://8.8.8.8/?x=",
    "https://user:pw@8.8.8.8",
    "https://8.8.8.8@127.0.0.1",
    "https://127.0.0.1:8000\\@8.8.8.8/",
    "https://8.8.8.8 /",
    "ftp://8.8.8.8",
    "https://no-such-host.invalid",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_endpoints_are_refused_when_saved(url: str) -> None:
    with pytest.raises(EndpointRefused):
        endpoint_check(url)


def test_a_public_https_endpoint_is_accepted() -> None:
    assert endpoint_check("https://8.8.8.8/") == "https://8.8.8.8"


@override_settings(FACEADMIN_ALLOW_PRIVATE_ENDPOINTS=True)
def test_the_setting_allows_private_and_http_endpoints_but_never_query_or_userinfo() -> None:
    assert endpoint_check("http://127.0.0.1:8000") == "http://127.0.0.1:8000"
    for url in ("http://127.0.0.1:8000/#x", "http://u@127.0.0.1", "http://127.0.0.1/?a"):
        with pytest.raises(EndpointRefused):
            endpoint_check(url)


def settings_post(client: Client, tenant: Tenant, endpoint: str, **keys: str) -> Any:
    return client.post(
        f"/t/{tenant.slug}/settings/",
        {"name": tenant.name, "provider": tenant.provider, "endpoint_url": endpoint, **keys},
    )


def test_changing_the_endpoint_needs_the_keys_again(client_as: Any, tenant: Tenant) -> None:
    response = settings_post(client_as("admin"), tenant, "https://8.8.8.8")
    assert response.status_code == 400
    assert "enter the keys for the new endpoint" in response.content.decode()
    tenant.refresh_from_db()
    assert tenant.endpoint_url == "https://acme.cognitiveservices.example"
    assert tenant.primary_key == PRIMARY_KEY


def test_with_new_keys_the_endpoint_moves_and_the_old_keys_are_gone(
    client_as: Any, tenant: Tenant
) -> None:
    response = settings_post(
        client_as("admin"), tenant, "https://8.8.8.8", primary_key="new-key-for-8888"
    )
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert (tenant.endpoint_url, tenant.primary_key, tenant.secondary_key) == (
        "https://8.8.8.8",
        "new-key-for-8888",
        "",
    )


def test_a_private_endpoint_is_refused_in_the_settings_form(client_as: Any, tenant: Tenant) -> None:
    response = settings_post(
        client_as("admin"), tenant, "https://127.0.0.1:5432", primary_key="x" * 10
    )
    assert response.status_code == 400
    assert "not a public address" in response.content.decode()
    tenant.refresh_from_db()
    assert tenant.endpoint_url == "https://acme.cognitiveservices.example"


def test_staff_may_move_the_stored_keys(members: dict[str, Any], tenant: Tenant) -> None:
    from faceadmin.tenants.models import Membership, Role

    root = make_user("root", is_staff=True, is_superuser=True)
    Membership.objects.create(user=root, tenant=tenant, role=Role.ADMIN)
    client = Client()
    client.force_login(root)
    assert settings_post(client, tenant, "https://8.8.8.8").status_code == 302
    tenant.refresh_from_db()
    assert (tenant.endpoint_url, tenant.primary_key) == ("https://8.8.8.8", PRIMARY_KEY)


@pytest.fixture
def listener() -> Iterator[tuple[int, list[Any]]]:
    """A TCP port on 127.0.0.1 that records every connection made to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    accepted: list[Any] = []
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            accepted.append(conn)
            conn.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join()
    server.close()


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_a_stored_private_endpoint_is_refused_before_connecting(
    listener: tuple[int, list[Any]], host: str
) -> None:
    """Endpoints saved before this check existed, or written around the form."""
    port, accepted = listener
    tenant = tenant_create(
        name="Legacy",
        slug=f"legacy-{host.replace('.', '-')}",
        provider=Provider.AZURE,
        endpoint_url=f"https://{host}:{port}",
        primary_key="legacy-key",
    )
    check = tenant_check_connection(tenant=tenant)
    assert not check.ok and check.error is not None
    assert "not contacted" in check.error.message
    assert accepted == []


def test_plain_http_is_refused_at_connect_time(listener: tuple[int, list[Any]]) -> None:
    port, accepted = listener
    tenant = tenant_create(
        name="Plain",
        slug="plain",
        provider=Provider.FINDFACE,
        endpoint_url=f"http://127.0.0.1:{port}",
        primary_key="legacy-key",
    )
    check = tenant_check_connection(tenant=tenant)
    assert not check.ok and check.error is not None and "not contacted" in check.error.message
    assert accepted == []


class _Internal(http.server.BaseHTTPRequestHandler):
    """Some internal service that is not a face API."""

    def do_GET(self) -> None:
        body = json.dumps({"message": "internal: db password hunter2", "code": "E42"}).encode()
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.mark.parametrize("provider", [Provider.AZURE, Provider.FINDFACE])
@override_settings(FACEADMIN_ALLOW_PRIVATE_ENDPOINTS=True)
def test_a_non_face_api_answer_is_never_shown(provider: str) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Internal)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        tenant = tenant_create(
            name="Internal",
            slug=f"internal-{provider}",
            provider=provider,
            endpoint_url=f"http://127.0.0.1:{server.server_port}",
            primary_key="k" * 12,
        )
        check = tenant_check_connection(tenant=tenant)
    finally:
        server.shutdown()
        server.server_close()
    assert not check.ok and check.error is not None
    shown = f"{check.error.title} {check.error.message} {check.error.code}"
    assert "hunter2" not in shown and "E42" not in shown
