"""Fixtures for the dashboard tests: photos, and collections on the embedded engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
from faceadmin.tenants.models import Tenant

DATA = Path(__file__).resolve().parent.parent / "data"


def photo(name: str) -> bytes:
    """A test photo by its path under tests/data, e.g. "enroll/barack_obama/1.jpg"."""
    return (DATA / name).read_bytes()


@pytest.fixture
def operator(local_members: dict[str, Any]) -> Any:
    return local_members["operator"]


@pytest.fixture
def group(local_tenant: Tenant, operator: Any) -> str:
    """An empty person group "staff" (recognition_04) on the embedded engine."""
    services.collection_create(
        tenant=local_tenant,
        user=operator,
        kind=CollectionKind.PERSON_GROUP,
        collection_id="staff",
        name="Staff",
        recognition_model="recognition_04",
    )
    return "staff"


@pytest.fixture
def face_list(local_tenant: Tenant, operator: Any) -> str:
    """An empty face list "visitors" on the embedded engine."""
    services.collection_create(
        tenant=local_tenant,
        user=operator,
        kind=CollectionKind.FACE_LIST,
        collection_id="visitors",
        name="Visitors",
        recognition_model="recognition_04",
    )
    return "visitors"


@pytest.fixture
def api_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """(method, path) of every face-API request sent while the test runs (a counting
    wrapper around the real transport: the requests still go to the engine)."""
    from faceadmin.clients.transport import HttpTransport

    calls: list[tuple[str, str]] = []
    real = HttpTransport.request

    def counting(self: HttpTransport, method: str, path: str, **kwargs: Any) -> Any:
        calls.append((method, path))
        return real(self, method, path, **kwargs)

    monkeypatch.setattr(HttpTransport, "request", counting)
    return calls


def enroll(tenant: Tenant, user: Any, group_id: str, name: str, *photos: str) -> str:
    """A person with faces from tests/data, enrolled through the services."""
    person_id = services.person_create(
        tenant=tenant, user=user, kind=CollectionKind.PERSON_GROUP, group_id=group_id, name=name
    )
    for path in photos:
        services.person_add_face(
            tenant=tenant,
            user=user,
            kind=CollectionKind.PERSON_GROUP,
            group_id=group_id,
            person_id=person_id,
            image=photo(path),
            filename=path.rsplit("/", 1)[-1],
        )
    return person_id
