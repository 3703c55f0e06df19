"""The collection services against the embedded engine: real API calls, real files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from faceadmin.faceapi import services
from faceadmin.faceapi.types import CollectionKind
from faceadmin.tenants.models import AuditEvent, Tenant

from .conftest import photo

PG = CollectionKind.PERSON_GROUP
pytestmark = pytest.mark.django_db


def test_it_enrolls_a_face_and_keeps_its_thumbnail_and_original(
    local_tenant: Tenant, operator: Any, group: str
) -> None:
    person_id = services.person_create(
        tenant=local_tenant, user=operator, kind=PG, group_id=group, name="Barack"
    )
    face = services.person_add_face(
        tenant=local_tenant,
        user=operator,
        kind=PG,
        group_id=group,
        person_id=person_id,
        image=photo("enroll/barack_obama/1.jpg"),
        filename="obama.jpg",
        user_data='{"source": "press"}',
    )
    stored = services.face_images(tenant=local_tenant, persisted_face_ids=[face.persisted_face_id])
    image = stored[face.persisted_face_id]
    assert image.source_filename == "obama.jpg"
    assert image.uploaded_by_username == operator.username
    assert len(image.sha256) == 64
    assert Path(image.thumbnail.path).exists() and Path(image.original.path).exists()
    assert image.thumbnail_url == f"/t/local/faces/{face.persisted_face_id}/thumb.jpg"
    assert image.rectangle is not None
    listed = services.person_face_images(
        tenant=local_tenant, kind=PG, group_id=group, person_id=person_id
    )
    assert [i.persisted_face_id for i in listed] == [face.persisted_face_id]
    assert AuditEvent.objects.filter(action="face.add", target_id=face.persisted_face_id).exists()


def test_it_lists_collections_with_their_recognition_model(
    local_tenant: Tenant, group: str
) -> None:
    (staff,) = services.collection_list(tenant=local_tenant, kind=PG)
    assert (staff.id, staff.name, staff.recognition_model) == ("staff", "Staff", "recognition_04")
    assert services.training_status(tenant=local_tenant, kind=PG, collection_id=group) is None
