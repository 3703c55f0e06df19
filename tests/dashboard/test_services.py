"""The collection services against the embedded engine: real API calls, real files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
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


def test_without_stored_originals_only_the_thumbnail_is_kept_and_duplicates_say_so(
    local_tenant: Tenant, operator: Any, face_list: str, settings: Any
) -> None:
    from faceadmin.faceapi.duplicates import duplicate_scan_start

    settings.FACEADMIN_STORE_ORIGINALS = False
    face = services.face_list_add_face(
        tenant=local_tenant,
        user=operator,
        kind=CollectionKind.FACE_LIST,
        list_id=face_list,
        image=photo("enroll/kit_harington/1.jpg"),
        filename="kit.jpg",
    )
    image = services.face_images(tenant=local_tenant, persisted_face_ids=[face.persisted_face_id])[
        face.persisted_face_id
    ]
    assert image.thumbnail and not image.original and image.original_url == ""
    scan = duplicate_scan_start(
        tenant=local_tenant,
        user=operator,
        kind=CollectionKind.FACE_LIST,
        list_id=face_list,
        background=False,
    )
    assert scan.status == "succeeded" and scan.total == 0
    assert scan.skipped == [{"face": face.persisted_face_id, "reason": "thumbnail only"}]


def test_a_face_enrolled_without_target_is_detected_first_so_its_thumbnail_is_the_face(
    local_tenant: Tenant, operator: Any, group: str, api_calls: list[Any]
) -> None:
    person_id = services.person_create(
        tenant=local_tenant, user=operator, kind=PG, group_id=group, name="Rose"
    )
    api_calls.clear()
    face = services.person_add_face(
        tenant=local_tenant,
        user=operator,
        kind=PG,
        group_id=group,
        person_id=person_id,
        image=photo("enroll/rose_leslie/1.jpg"),
        filename="rose.jpg",
    )
    assert [path for _, path in api_calls] == [
        "/detect",
        f"/persongroups/{group}/persons/{person_id}/persistedfaces",
    ]
    (image,) = services.person_face_images(
        tenant=local_tenant, kind=PG, group_id=group, person_id=person_id
    )
    assert image.persisted_face_id == face.persisted_face_id and image.rectangle is not None


def test_a_photo_with_two_faces_and_no_target_fails_as_the_provider_says(
    local_tenant: Tenant, operator: Any, group: str
) -> None:
    from faceadmin.clients.errors import FaceApiError

    person_id = services.person_create(
        tenant=local_tenant, user=operator, kind=PG, group_id=group, name="Two"
    )
    with pytest.raises(FaceApiError) as caught:
        services.person_add_face(
            tenant=local_tenant,
            user=operator,
            kind=PG,
            group_id=group,
            person_id=person_id,
            image=photo("multi/two_people.jpg"),
            filename="two.jpg",
        )
    assert caught.value.status == 400
    assert not services.person_face_images(
        tenant=local_tenant, kind=PG, group_id=group, person_id=person_id
    )
    assert AuditEvent.objects.filter(action="face.add", outcome=caught.value.code).exists()


def test_changes_made_through_faceadmin_mark_a_group_as_needing_training(
    local_tenant: Tenant, operator: Any, group: str
) -> None:
    state = services.training_state(tenant=local_tenant, kind=PG, collection_id=group)
    assert state.status is None and not state.needs_training
    services.person_create(tenant=local_tenant, user=operator, kind=PG, group_id=group, name="A")
    state = services.training_state(tenant=local_tenant, kind=PG, collection_id=group)
    assert state.needs_training


def test_the_needs_training_rule_compares_with_the_data_the_training_read() -> None:
    from datetime import UTC, datetime, timedelta

    from faceadmin.clients.types import TrainingStatus
    from faceadmin.faceapi.training import TrainingState

    t0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    second = timedelta(seconds=1)

    def state(status: str, changed: datetime, last_ok: datetime | None = None) -> TrainingState:
        training = TrainingStatus(status, t0, t0 + 5 * second, last_ok, None)  # type: ignore[arg-type]
        return TrainingState(training, changed, t0 + 10 * second)

    assert not state("succeeded", t0 - second).needs_training
    assert state("succeeded", t0 + second).needs_training  # changed while it trained
    assert not state("running", t0 - second).needs_training  # this run reads the change
    assert state("failed", t0 - second, last_ok=t0 - 60 * second).needs_training
    assert not state("failed", t0 - 120 * second, last_ok=t0 - 60 * second).needs_training
    assert state("succeeded", t0 - second).duration_text == "5.0 s"
    assert state("running", t0 - second).running


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", None),
        ('{"a": [1, 2]}', None),
        ("42", None),
        ("plain words", "valid JSON"),
        ('"' + "é" * 600 + '"', "1,024"),
    ],
)
def test_user_data_is_empty_or_json_within_its_limit(text: str, problem: str | None) -> None:
    from faceadmin.faceapi.common import user_data_problem

    found = user_data_problem(text, limit=1024)
    assert (found is None) if problem is None else (problem in (found or ""))
