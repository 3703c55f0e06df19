"""Discarding a photo that waits for a pick (issue 17, defect 10) through plain POSTs."""

from __future__ import annotations

from typing import Any

import pytest

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi.enroll import photo_enroll
from faceadmin.faceapi.models import PendingPhoto
from faceadmin.tenants.models import Tenant
from tests.dashboard.conftest import photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(local_tenant: Tenant, operator: Any, face_list: str) -> PendingPhoto:
    outcome = photo_enroll(
        tenant=local_tenant, user=operator, kind=CollectionKind.FACE_LIST,
        collection_id=face_list, person_id="", image=photo("multi/two_people.jpg"),
        filename="two_people.jpg", user_data="",
    )  # fmt: skip
    assert outcome.pending is not None
    return outcome.pending


def test_a_viewer_cannot_discard_a_pending_photo(
    local_client_as: Any, pending: PendingPhoto
) -> None:
    response = local_client_as("viewer").post(f"/t/local/pending/{pending.token}/discard/")
    assert response.status_code == 403
    assert PendingPhoto.objects.filter(pk=pending.pk).exists()


def test_an_operator_discards_it_and_goes_back_to_the_list(
    local_client_as: Any, pending: PendingPhoto
) -> None:
    client = local_client_as("operator")
    response = client.post(f"/t/local/pending/{pending.token}/discard/", follow=True)
    assert response.redirect_chain[-1][0] == "/t/local/collections/facelists/visitors/"
    assert "two_people.jpg: discarded" in response.content.decode()
    assert not PendingPhoto.objects.exists()
    again = client.post(f"/t/local/pending/{pending.token}/discard/")
    assert again.status_code == 404
    assert client.post("/t/local/pending/not-a-uuid/discard/").status_code == 404
