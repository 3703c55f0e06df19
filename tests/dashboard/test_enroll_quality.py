"""Issue 17, defect 9: a face whose quality for recognition is low (the embedded engine's
qualityForRecognition with recognition_04) is not enrolled unasked: the photo waits with the
warning, and "enroll anyway" enrolls it. A good photo of the same face enrolls at once."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image, ImageFilter

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
from faceadmin.faceapi.enroll import photo_enroll
from faceadmin.faceapi.models import PendingPhoto
from faceadmin.tenants.models import Tenant
from tests.dashboard.conftest import photo

pytestmark = pytest.mark.django_db
PG = CollectionKind.PERSON_GROUP
LOW_QUALITY = "Its quality for recognition is low"


def blurred_face(name: str = "enroll/kit_harington/1.jpg", radius: float = 10) -> bytes:
    """A real test face, blurred: still found by the detector, rated "Low" for recognition
    (its blur is "High") by the embedded engine with recognition_04."""
    image = Image.open(io.BytesIO(photo(name))).convert("RGB")
    out = io.BytesIO()
    image.filter(ImageFilter.GaussianBlur(radius)).save(out, "JPEG", quality=90)
    return out.getvalue()


def test_the_blurred_face_is_found_and_rated_low(local_tenant: Tenant) -> None:
    """The photo the other tests use is what they claim: one face, quality low."""
    faces = services.client_for(local_tenant).detect_with_stream(
        image=blurred_face(), return_face_id=False, detection_model="detection_01",
        recognition_model="recognition_04", return_face_attributes=["qualityForRecognition"],
    )  # fmt: skip
    assert len(faces) == 1
    assert (faces[0].quality_for_recognition or "").lower() == "low"


def test_a_low_quality_face_waits_for_enroll_anyway(
    local_tenant: Tenant, operator: Any, group: str
) -> None:
    kit = services.person_create(tenant=local_tenant, user=operator, kind=PG, group_id=group,
                                 name="Kit Harington")  # fmt: skip
    outcome = photo_enroll(tenant=local_tenant, user=operator, kind=PG, collection_id=group,
                           person_id=kit, image=blurred_face(), filename="blurred.jpg")  # fmt: skip
    assert outcome.status == "pick" and outcome.message.startswith(LOW_QUALITY)
    pending = PendingPhoto.objects.get()
    assert pending.warning.startswith(LOW_QUALITY) and pending.filename == "blurred.jpg"
    assert services.person_get(tenant=local_tenant, kind=PG, group_id=group,
                               person_id=kit).persisted_face_ids == ()  # fmt: skip

    confirmed = photo_enroll(tenant=local_tenant, user=operator, kind=PG, collection_id=group,
                             person_id=kit, image=blurred_face(), filename="blurred.jpg",
                             confirmed=True)  # fmt: skip
    assert confirmed.status == "enrolled" and len(confirmed.faces) == 1


def test_a_good_photo_of_the_same_face_enrolls_at_once(
    local_tenant: Tenant, operator: Any, group: str
) -> None:
    kit = services.person_create(tenant=local_tenant, user=operator, kind=PG, group_id=group,
                                 name="Kit Harington")  # fmt: skip
    outcome = photo_enroll(tenant=local_tenant, user=operator, kind=PG, collection_id=group,
                           person_id=kit, image=photo("enroll/kit_harington/1.jpg"),
                           filename="1.jpg")  # fmt: skip
    assert outcome.status == "enrolled" and outcome.message == ""
