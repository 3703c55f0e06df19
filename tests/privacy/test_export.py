"""Subject export: everything held about one person as a ZIP, audited, for admins only."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest

from faceadmin.faceapi import services
from faceadmin.faceapi.models import FaceImage
from faceadmin.tenants.models import AuditEvent, Tenant
from tests.lookup.conftest import PG, make_group, photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(local_tenant: Tenant, local_members: dict[str, Any]) -> str:
    ids = make_group(
        local_tenant,
        local_members["operator"],
        "staff",
        {"barack_obama": "enroll/barack_obama/1.jpg"},
        train=False,
    )
    person_id = ids["barack_obama"]
    services.person_add_face(
        tenant=local_tenant,
        user=local_members["operator"],
        kind=PG,
        group_id="staff",
        person_id=person_id,
        image=photo("enroll/barack_obama/2.jpg"),
        filename="second.jpg",
        user_data="second face",
    )
    return person_id


def test_admin_downloads_everything_held_about_a_person(person: str, local_client_as: Any) -> None:
    url = f"/t/local/privacy/export/persongroups/staff/{person}/"
    response = local_client_as("admin").post(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f"person-{person}.zip" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    document = json.loads(archive.read("person.json"))
    provider = document["provider"]
    assert (provider["personId"], provider["name"]) == (person, "barack_obama")
    assert provider["userData"] == "barack_obama test data"
    stored = FaceImage.objects.filter(person_id=person)
    assert {f["persistedFaceId"] for f in provider["persistedFaces"]} == {
        row.persisted_face_id for row in stored
    }
    assert "second face" in {f["userData"] for f in provider["persistedFaces"]}
    # Every stored file, byte for byte, with its provenance.
    for row in stored:
        entry = next(
            e for e in document["storedImages"] if e["persistedFaceId"] == row.persisted_face_id
        )
        assert entry["sha256"] == row.sha256
        assert len(entry["files"]) == 2
        with row.original.open("rb") as handle:
            original = handle.read()
        name = next(n for n in entry["files"] if "-original" in n)
        assert archive.read(name) == original
    event = AuditEvent.objects.get(action="privacy.export")
    assert (event.target_id, event.username) == (person, "local-admin")
    assert "2 provider faces" in event.reason


def test_export_needs_the_admin_role_and_the_tenant(
    person: str, local_client_as: Any, client_as: Any
) -> None:
    url = f"/t/local/privacy/export/persongroups/staff/{person}/"
    assert local_client_as("operator").post(url).status_code == 403
    assert local_client_as("viewer").post(url).status_code == 403
    assert client_as("outsider").post(url).status_code == 404
    assert local_client_as("admin").get(url).status_code == 405
    assert not AuditEvent.objects.filter(action="privacy.export").exists()
    # Only admins are offered the buttons on the person's page.
    page = f"/t/local/collections/persongroups/staff/persons/{person}/"
    assert url not in local_client_as("operator").get(page).content.decode()
    assert url in local_client_as("admin").get(page).content.decode()


def test_exporting_a_missing_person_says_so(person: str, local_client_as: Any) -> None:
    url = "/t/local/privacy/export/persongroups/staff/00000000-0000-0000-0000-000000000000/"
    response = local_client_as("admin").post(url, follow=True)
    assert response.status_code == 200
    assert "does not exist" in response.content.decode()


def test_a_findface_subject_is_every_face_sharing_a_meta(
    ff_tenant: Tenant, ff_members: dict[str, Any], ff_client_as: Any
) -> None:
    from faceadmin.faceapi import galleries
    from faceadmin.faceapi.lookup import photo_from_bytes

    admin = ff_members["admin"]
    galleries.gallery_create(tenant=ff_tenant, user=admin, name="vip")
    ids = {}
    for name, meta, path in (
        ("o1", "Barack Obama", "enroll/barack_obama/1.jpg"),
        ("o2", "Barack Obama", "enroll/barack_obama/2.jpg"),
        ("b", "Joe Biden", "enroll/joe_biden/1.jpg"),
    ):
        face = galleries.gallery_enroll(
            tenant=ff_tenant,
            user=admin,
            gallery="vip",
            photo=photo_from_bytes(data=photo(path), filename=name),
            meta=meta,
        )[0]
        ids[name] = face.id
    page = ff_client_as("admin").get("/t/faces/collections/galleries/vip/").content.decode()
    assert f"/t/faces/privacy/export/face/{ids['o1']}/" in page
    url = f"/t/faces/privacy/export/face/{ids['o1']}/"
    assert ff_client_as("operator").post(url).status_code == 403
    response = ff_client_as("admin").post(url)
    assert response.status_code == 200
    document = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("person.json"))
    assert document["provider"]["meta"] == "Barack Obama"
    assert {f["id"] for f in document["provider"]["faces"]} == {ids["o1"], ids["o2"]}
    assert all("vip" in f["galleries"] for f in document["provider"]["faces"])
    assert AuditEvent.objects.filter(action="privacy.export", target_id=str(ids["o1"])).exists()
