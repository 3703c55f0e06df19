"""Fixtures for the FindFace tests: a token on this server's facade, a `FindFaceClient` that
reaches the facade in-process (the dashboard's own path to it, real recognition and a real
database), a photo server for the URL variants, and a FindFace tenant with its members."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.test import Client

from faceadmin.clients.embedded import EMBEDDED_ORIGIN, embedded_session
from faceadmin.clients.findface import FindFaceClient, findface_transport
from faceadmin.engine.findface.accounts import token_account_create
from faceadmin.tenants.models import Membership, Provider, Role, Tenant
from faceadmin.tenants.services import tenant_create
from tests.conftest import make_user

DATA = Path(__file__).resolve().parent.parent / "data"
MANIFEST: dict[str, Any] = json.loads((DATA / "manifest.json").read_text())
FACADE = f"{EMBEDDED_ORIGIN}/findface/v1"


def photo(name: str) -> bytes:
    """A test photo by its path under tests/data, e.g. "probe/barack_obama.jpg"."""
    return (DATA / name).read_bytes()


def people_in(name: str) -> list[str]:
    return [face["person"] for face in MANIFEST[name]["faces"]]


@pytest.fixture
def ff_key(db: None) -> str:
    _, key = token_account_create(name="tests")
    return key


@pytest.fixture
def ff(ff_key: str) -> FindFaceClient:
    """A client of the facade, served in-process through the real WSGI stack."""
    return FindFaceClient(findface_transport(FACADE, ff_key, session=embedded_session()))


@pytest.fixture
def raw(ff_key: str) -> Any:
    """Raw HTTP to the facade (in-process), for the wire-level checks."""

    class Raw:
        session = embedded_session()

        def __call__(
            self, method: str, path: str, *, version: str = "v1", **kwargs: Any
        ) -> requests.Response:
            headers = {"Authorization": f"Token {ff_key}", **kwargs.pop("headers", {})}
            url = f"{EMBEDDED_ORIGIN}/findface/{version}/{path.lstrip('/')}"
            return self.session.request(method, url, headers=headers, timeout=60, **kwargs)

    return Raw()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def photo_server() -> Iterator[str]:
    """Serves tests/data over HTTP on 127.0.0.1 (the tests allow private photo URLs)."""
    handler = functools.partial(_QuietHandler, directory=str(DATA))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def ff_tenant(ff_key: str) -> Tenant:
    """A FindFace tenant on this server's facade (blank endpoint)."""
    return tenant_create(
        name="Faces Inc", slug="faces", provider=Provider.FINDFACE, primary_key=ff_key
    )


@pytest.fixture
def ff_members(ff_tenant: Tenant) -> dict[str, Any]:
    users = {}
    for role in (Role.ADMIN, Role.OPERATOR, Role.VIEWER):
        user = make_user(f"ff-{role}")
        Membership.objects.create(user=user, tenant=ff_tenant, role=role)
        users[str(role)] = user
    return users


@pytest.fixture
def ff_client_as(ff_members: dict[str, Any]) -> Any:
    def login(role: str) -> Client:
        client = Client()
        client.force_login(ff_members[role])
        return client

    return login
