"""Fixtures for the photo lookup tests: photos, and trained collections on the embedded engine.

Training runs in a background thread with its own database connection, so the tests that
need a trained group are transactional (`django_db(transaction=True)`).
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
from faceadmin.tenants.models import Tenant

DATA = Path(__file__).resolve().parent.parent / "data"
MANIFEST: dict[str, Any] = json.loads((DATA / "manifest.json").read_text())
# One photo per person keeps the fixture quick (one detection each); Alex has one anyway.
ENROLL = {
    "barack_obama": "enroll/barack_obama/1.jpg",
    "joe_biden": "enroll/joe_biden/2.jpg",
    "kit_harington": "enroll/kit_harington/2.jpg",
    "rose_leslie": "enroll/rose_leslie/1.jpg",
    "alex_lacamoire": "enroll/alex_lacamoire/1.jpg",
}
PG = CollectionKind.PERSON_GROUP


def photo(name: str) -> bytes:
    """A test photo by its path under tests/data, e.g. "probe/barack_obama.jpg"."""
    return (DATA / name).read_bytes()


def faces_in(name: str) -> int:
    return len(MANIFEST[name]["faces"])


def wait_trained(tenant: Tenant, kind: CollectionKind, collection_id: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = services.training_status(tenant=tenant, kind=kind, collection_id=collection_id)
        if status is not None and status.status == "succeeded":
            return
        assert status is None or status.status != "failed", status
        time.sleep(0.2)
    raise AssertionError(f"{collection_id} did not finish training")


@pytest.fixture
def operator(local_members: dict[str, Any]) -> Any:
    return local_members["operator"]


def make_group(
    tenant: Tenant,
    user: Any,
    group_id: str,
    people: dict[str, str],
    *,
    train: bool = True,
    recognition_model: str = "recognition_04",
) -> dict[str, str]:
    """A person group with one person per entry (name -> photo); returns name -> personId."""
    services.collection_create(
        tenant=tenant,
        user=user,
        kind=PG,
        collection_id=group_id,
        name=group_id.title(),
        recognition_model=recognition_model,
    )
    ids = {}
    for name, path in people.items():
        person_id = services.person_create(
            tenant=tenant,
            user=user,
            kind=PG,
            group_id=group_id,
            name=name,
            user_data=f"{name} test data",
        )
        services.person_add_face(
            tenant=tenant,
            user=user,
            kind=PG,
            group_id=group_id,
            person_id=person_id,
            image=photo(path),
            filename=Path(path).name,
        )
        ids[name] = person_id
    if train:
        services.collection_train(tenant=tenant, user=user, kind=PG, collection_id=group_id)
        wait_trained(tenant, PG, group_id)
    return ids


@pytest.fixture
def people(local_tenant: Tenant, operator: Any) -> dict[str, str]:
    """A trained person group "people" (recognition_04) of the five enrolled persons."""
    return make_group(local_tenant, operator, "people", ENROLL)


@pytest.fixture
def photo_server() -> Iterator[str]:
    """tests/data over HTTP on localhost (the test settings let the engine fetch it)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(DATA))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
