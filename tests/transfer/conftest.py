"""Helpers of the transfer tests: ZIPs built from the test photos, collections to fill."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
from faceadmin.tenants.models import Tenant

# The FindFace tenant on this server's facade, for imports into galleries.
from tests.findface.conftest import ff_client_as, ff_key, ff_members, ff_tenant  # noqa: F401

DATA = Path(__file__).resolve().parent.parent / "data"
PEOPLE = ("alex_lacamoire", "barack_obama", "joe_biden", "kit_harington", "rose_leslie")


def photo(name: str) -> bytes:
    return (DATA / name).read_bytes()


def variant(name: str, n: int, width: int = 0) -> bytes:
    """The photo re-encoded (and resized when `width`), so its SHA-256 differs per `n`."""
    image = Image.open(DATA / name).convert("RGB")
    if width:
        image = image.resize((width, round(image.height * width / image.width)))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=70 + n % 25, comment=f"variant {n}".encode())
    return out.getvalue()


def make_zip(path: Path, files: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def people_zip(path: Path) -> Path:
    """Five persons, a photo each from tests/data/enroll (two for Obama)."""
    files: dict[str, bytes | str] = {
        f"{person.replace('_', ' ').title()}/1.jpg": photo(f"enroll/{person}/1.jpg")
        for person in PEOPLE
    }
    files["Barack Obama/2.jpg"] = photo("enroll/barack_obama/2.jpg")
    return make_zip(path, files)


@pytest.fixture
def operator(local_members: dict[str, Any]) -> Any:
    return local_members["operator"]


@pytest.fixture
def large_group(local_tenant: Tenant, operator: Any) -> str:
    services.collection_create(
        tenant=local_tenant,
        user=operator,
        kind=CollectionKind.LARGE_PERSON_GROUP,
        collection_id="staff",
        name="Staff",
        recognition_model="recognition_04",
    )
    return "staff"
