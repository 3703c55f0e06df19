"""A tenant on the embedded engine holding one person (Barack Obama) in several places."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
from faceadmin.tenants.models import Tenant
from tests.findface.conftest import (  # noqa: F401 (fixtures)
    ff_client_as,
    ff_key,
    ff_members,
    ff_tenant,
)
from tests.lookup.conftest import PG, make_group, photo

FL = CollectionKind.FACE_LIST


def media_files() -> set[str]:
    """Every file under MEDIA_ROOT except the engine's own data (indexes, snapshots)."""
    root = Path(settings.MEDIA_ROOT)
    engine = Path(settings.FACEADMIN_ENGINE_DATA_DIR)
    return {
        str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and engine not in p.parents
    }


@dataclass
class World:
    tenant: Tenant
    staff: dict[str, str]  # name -> personId in person group "staff" (trained)
    visitors: dict[str, str]  # ... in "visitors" (trained)
    archive: dict[str, str]  # ... in "archive" (never trained: cannot be searched)
    watch: dict[str, str]  # name -> persistedFaceId in face list "watch"


def enroll_world(tenant: Tenant, user: Any) -> World:
    staff = make_group(
        tenant,
        user,
        "staff",
        {"barack_obama": "enroll/barack_obama/1.jpg", "joe_biden": "enroll/joe_biden/2.jpg"},
    )
    visitors = make_group(
        tenant,
        user,
        "visitors",
        {
            "barack_obama": "enroll/barack_obama/2.jpg",
            "kit_harington": "enroll/kit_harington/2.jpg",
        },
    )
    archive = make_group(
        tenant, user, "archive", {"barack_obama": "enroll/barack_obama/1.jpg"}, train=False
    )
    services.collection_create(
        tenant=tenant,
        user=user,
        kind=FL,
        collection_id="watch",
        name="Watch",
        recognition_model="recognition_04",
    )
    watch = {}
    for name, path in (
        ("barack_obama", "enroll/barack_obama/2.jpg"),
        ("rose_leslie", "enroll/rose_leslie/1.jpg"),
    ):
        face = services.face_list_add_face(
            tenant=tenant,
            user=user,
            kind=FL,
            list_id="watch",
            image=photo(path),
            filename=Path(path).name,
            user_data=f"{name} on the watch list",
        )
        watch[name] = face.persisted_face_id
    return World(tenant, staff, visitors, archive, watch)


@pytest.fixture
def world(local_tenant: Tenant, local_members: dict[str, Any]) -> World:
    return enroll_world(local_tenant, local_members["operator"])


__all__ = ["FL", "PG", "World", "enroll_world", "media_files", "photo"]
