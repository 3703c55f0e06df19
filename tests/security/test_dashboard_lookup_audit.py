"""Threat: lookups in a face-recognition system nobody can account for. Every identify,
verify, find-similar, group and detect is audited (who, which collection, how many faces,
which persons came back; never the photo), and the audit screen answers "who searched for
this person"."""

from __future__ import annotations

from typing import Any

import pytest

from faceadmin.tenants.models import AuditEvent, Tenant
from tests.lookup.conftest import make_group, photo
from tests.lookup.test_views import HTMX, upload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def kit(local_tenant: Tenant, local_members: dict[str, Any]) -> dict[str, str]:
    return make_group(
        local_tenant,
        local_members["operator"],
        "people",
        {
            "kit_harington": "enroll/kit_harington/2.jpg",
            "barack_obama": "enroll/barack_obama/1.jpg",
        },
    )


def test_identify_records_who_searched_which_group_and_who_came_back(
    local_client_as: Any, kit: dict[str, str]
) -> None:
    response = local_client_as("operator").post(
        "/t/local/lookup/",
        {
            **upload("probe/kit_harington.jpg"),
            "action": "identify",
            "detection_model": "detection_01",
            "recognition_model": "recognition_04",
            "max_candidates": 1,
        },
        **HTMX,
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="lookup.identify")
    assert (event.username, event.outcome) == ("local-operator", "ok")
    assert event.tenant_slug == "local"
    assert event.target_kind == "person_groups"
    assert "1 face;" in event.reason and "PersonGroup:people" in event.reason
    assert f"person:{kit['kit_harington']};" in event.reason
    assert f"person:{kit['barack_obama']};" not in event.reason
    # Never the photo or its name.
    assert "kit_harington.jpg" not in event.reason and "base64" not in event.reason


def test_verify_detect_and_failures_are_recorded(local_client_as: Any, kit: dict[str, str]) -> None:
    client = local_client_as("operator")
    client.post(
        "/t/local/lookup/",
        {
            **upload("probe/kit_harington.jpg"),
            "action": "detect",
            "detection_model": "detection_01",
            "recognition_model": "recognition_04",
            "max_candidates": 3,
        },
        **HTMX,
    )
    client.post(
        "/t/local/lookup/verify/",
        {
            **upload("probe/kit_harington.jpg"),
            "person": f"PersonGroup:people|{kit['kit_harington']}",
            "detection_model": "detection_01",
            "recognition_model": "recognition_04",
        },
        **HTMX,
    )
    detect = AuditEvent.objects.get(action="lookup.detect")
    assert detect.reason == "1 face detected"
    verify = AuditEvent.objects.get(action="lookup.verify")
    assert verify.outcome == "ok", verify.reason
    assert (verify.target_kind, verify.target_id) == ("PersonGroup", "people")
    assert f"person:{kit['kit_harington']};" in verify.reason
    assert "same person" in verify.reason


def test_the_audit_screen_answers_who_searched_for_a_person(
    local_client_as: Any, kit: dict[str, str]
) -> None:
    local_client_as("operator").post(
        "/t/local/lookup/",
        {
            **upload("probe/kit_harington.jpg"),
            "action": "identify",
            "detection_model": "detection_01",
            "recognition_model": "recognition_04",
            "max_candidates": 1,
        },
        **HTMX,
    )
    admin = local_client_as("admin")
    found = admin.get("/t/local/audit/", {"person": kit["kit_harington"]}).content.decode()
    assert "lookup.identify" in found and "local-operator" in found
    other = admin.get("/t/local/audit/", {"person": kit["barack_obama"]}).content.decode()
    assert "lookup.identify" not in other
    by_action = admin.get("/t/local/audit/", {"action": "lookup."}).content.decode()
    assert "lookup.identify" in by_action


def test_a_failed_lookup_is_recorded_with_its_reason_code(
    local_tenant: Tenant, local_members: dict[str, Any]
) -> None:
    from faceadmin.faceapi.lookup import (
        DetectSettings,
        GroupRef,
        PhotoError,
        photo_find_similar,
        photo_from_bytes,
    )

    with pytest.raises(PhotoError):
        photo_find_similar(
            tenant=local_tenant,
            user=local_members["operator"],
            photo=photo_from_bytes(data=photo("probe/kit_harington.jpg"), filename="secret.jpg"),
            settings=DetectSettings(),
            face_list=GroupRef.parse("FaceList:missing"),
        )
    event = AuditEvent.objects.get(action="lookup.similar")
    assert (event.outcome, event.target_kind, event.target_id) == (
        "PhotoError",
        "FaceList",
        "missing",
    )
    assert "secret.jpg" not in event.reason
