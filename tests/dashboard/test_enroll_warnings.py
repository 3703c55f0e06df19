"""Issue 17, defect 9: a face that already matches another person of the trained group is
not enrolled unasked: the photo waits with "this looks like …, enroll anyway?"."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
from faceadmin.faceapi.models import PendingPhoto
from faceadmin.tenants.models import Tenant
from tests.dashboard.conftest import enroll, photo
from tests.lookup.conftest import wait_trained

pytestmark = pytest.mark.django_db(transaction=True)
PG = CollectionKind.PERSON_GROUP


def upload(client: Any, person_id: str, name: str) -> str:
    files = {"photos": [SimpleUploadedFile(name.rsplit("/", 1)[-1], photo(name), "image/jpeg")]}
    url = f"/t/local/collections/persongroups/staff/persons/{person_id}/faces/add/"
    return str(client.post(url, files, HTTP_HX_REQUEST="true").content.decode())


def test_a_face_of_another_person_waits_for_enroll_anyway(
    local_client_as: Any, local_tenant: Tenant, operator: Any, group: str
) -> None:
    enroll(local_tenant, operator, group, "Barack Obama", "enroll/barack_obama/1.jpg")
    kit = enroll(local_tenant, operator, group, "Kit Harington", "enroll/kit_harington/1.jpg")
    services.collection_train(tenant=local_tenant, user=operator, kind=PG, collection_id=group)
    wait_trained(local_tenant, PG, group)
    client = local_client_as("operator")

    html = upload(client, kit, "enroll/barack_obama/2.jpg")
    assert "check before enrolling" in html
    assert "This looks like Barack Obama (" in html and "Enroll anyway" in html
    pending = PendingPhoto.objects.get()
    assert pending.warning.startswith("This looks like Barack Obama")
    person = services.person_get(tenant=local_tenant, kind=PG, group_id=group, person_id=kit)
    assert len(person.persisted_face_ids) == 1  # nothing enrolled unasked

    # Enroll anyway: the pick form enrolls it.
    url = f"/t/local/collections/persongroups/staff/persons/{kit}/faces/pick/"
    face = ",".join(str(v) for v in pending.faces[0])
    done = client.post(url, {"token": str(pending.token), "faces": [face]}, HTTP_HX_REQUEST="true")
    assert 'data-status="enrolled"' in done.content.decode()

    # Kit's own second photo goes straight in.
    assert 'data-status="enrolled"' in upload(client, kit, "enroll/kit_harington/2.jpg")
