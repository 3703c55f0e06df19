"""A remote Azure tenant whose endpoint fails: readable messages with the provider's code.

`responses` stands in for the remote endpoint; nothing else is simulated."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import responses
from django.test import override_settings

BASE = "https://acme.cognitiveservices.example/face/v1.0"
pytestmark = pytest.mark.django_db


@pytest.fixture
def remote() -> Iterator[responses.RequestsMock]:
    # No retries: the failures below would otherwise be retried with real back-off sleeps.
    with (
        override_settings(FACEADMIN_HTTP_MAX_RETRIES=0),
        responses.RequestsMock(assert_all_requests_are_fired=False) as rsps,
    ):
        yield rsps


def test_a_provider_outage_is_shown_with_its_code(remote: Any, client_as: Any) -> None:
    remote.get(f"{BASE}/persongroups", status=503, body=b"")
    response = client_as("viewer").get("/t/acme/collections/")
    assert response.status_code == 502
    page = response.content.decode()
    assert "The provider did not answer." in page and "ProviderUnavailable" in page


def test_a_quota_error_keeps_the_typed_form(remote: Any, client_as: Any) -> None:
    remote.put(
        f"{BASE}/persongroups/staff",
        status=403,
        json={"error": {"code": "QuotaExceeded", "message": "Person group count exceeded."}},
        headers={"apim-request-id": "req-42"},
    )
    response = client_as("operator").post(
        "/t/acme/collections/new/",
        {
            "kind": "persongroups",
            "collection_id": "staff",
            "name": "Night shift",
            "recognition_model": "recognition_04",
        },
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "The provider&#x27;s quota for this is used up." in page
    assert "QuotaExceeded" in page and "req-42" in page
    assert 'value="Night shift"' in page


def test_the_overview_marks_the_kinds_it_could_not_count(remote: Any, client_as: Any) -> None:
    remote.get(f"{BASE}/persongroups", json=[{"personGroupId": "a", "name": "A"}])
    remote.get(
        f"{BASE}/largepersongroups",
        status=429,
        json={"error": {"code": "429", "message": "Rate limit is exceeded."}},
    )
    remote.get(f"{BASE}/facelists", json=[])
    remote.get(f"{BASE}/largefacelists", json=[])
    html = client_as("viewer").get("/t/acme/overview/collections/").content.decode()
    person_groups = html.split('data-testid="count-persongroups"')[1].split("</a>")[0]
    large = html.split('data-testid="count-largepersongroups"')[1].split("</a>")[0]
    assert '<span class="stat">1</span>' in person_groups
    assert '<span class="stat">?</span>' in large and "429" in large


def test_a_refused_delete_keeps_the_stored_photos(remote: Any, client_as: Any, tenant: Any) -> None:
    from django.core.files.base import ContentFile

    from faceadmin.faceapi.models import FaceImage

    image = FaceImage(
        tenant=tenant,
        kind="PersonGroup",
        collection_id="staff",
        persisted_face_id="f1",
        sha256="0" * 64,
    )
    image.thumbnail.save("acme-test-thumb.jpg", ContentFile(b"jpeg"), save=True)
    remote.delete(
        f"{BASE}/persongroups/staff",
        status=409,
        json={
            "error": {
                "code": "PersonGroupTrainingNotFinished",
                "message": "Person group is under training.",
            }
        },
    )
    response = client_as("admin").post("/t/acme/collections/persongroups/staff/delete/")
    assert response.status_code == 409
    assert "PersonGroupTrainingNotFinished" in response.content.decode()
    assert FaceImage.objects.filter(pk=image.pk).exists()
