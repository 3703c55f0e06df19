"""Training: background runs, status, failures, restarts, and writes during training."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from azure.cognitiveservices.vision.face import FaceClient
from django.conf import settings
from django.utils import timezone

from faceadmin.engine import training
from faceadmin.engine.models import PersistedFace, Person, PersonGroup, Training, TrainingStatus
from tests.engine.conftest import Api, World, error_code, wait_for_training


def add_synthetic_faces(group_id: str, persons: int, faces: int = 1) -> list[Person]:
    """Persons with random descriptors, written straight to storage (no detection)."""
    group = PersonGroup.objects.get(group_id=group_id)
    rng = np.random.default_rng(7)
    created = Person.objects.bulk_create(Person(group=group, name=f"p{i}") for i in range(persons))
    PersistedFace.objects.bulk_create(
        PersistedFace(
            person=person,
            descriptor=rng.normal(0, 0.1, 128).astype(np.float32).tobytes(),
            rect_left=0,
            rect_top=0,
            rect_width=100,
            rect_height=100,
        )
        for person in created
        for _ in range(faces)
    )
    return created


def test_it_answers_404_before_the_first_training(api: Api) -> None:
    api.put("persongroups/g", json={"name": "G"})
    assert error_code(api.get("persongroups/g/training")) == (404, "PersonGroupNotTrained")


def test_it_trains_in_the_background_and_reports_the_contracts_fields(
    api: Api, face_client: FaceClient
) -> None:
    api.put("persongroups/g", json={"name": "G"})
    add_synthetic_faces("g", persons=30, faces=2)
    assert api.post("persongroups/g/train").status_code == 202
    status = wait_for_training(face_client, "g")
    assert status.status == "succeeded"
    body = api.get("persongroups/g/training").json()
    assert set(body) == {
        "status",
        "createdDateTime",
        "lastActionDateTime",
        "lastSuccessfulTrainingDateTime",
        "message",
    }
    assert body["message"] is None
    assert body["createdDateTime"].endswith("Z")
    assert status.created <= status.last_action

    row = Training.objects.get(group__group_id="g")
    path = training.matrix_path(row.group, row.ready_version)  # type: ignore[arg-type]
    with np.load(path) as data:
        assert data["descriptors"].shape == (60, 128)
        assert data["person_ids"].shape == (30, 16)
        assert list(np.unique(data["labels"])) == list(range(30))
    assert Path(path).parent == Path(settings.FACEADMIN_ENGINE_DATA_DIR) / "training"


def test_it_keeps_only_the_latest_matrix(api: Api, face_client: FaceClient) -> None:
    api.put("persongroups/g", json={"name": "G"})
    add_synthetic_faces("g", persons=3)
    for _ in range(3):
        api.post("persongroups/g/train")
        assert wait_for_training(face_client, "g").status == "succeeded"
    group = PersonGroup.objects.get(group_id="g")
    files = sorted(
        p.name for p in training.matrix_path(group, 1).parent.glob(f"group-{group.pk}-*")
    )
    assert files == [f"group-{group.pk}-v3.npz"]
    api.delete("persongroups/g")
    assert not list(training.matrix_path(group, 1).parent.glob(f"group-{group.pk}-*"))


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda: None, "There is no person in the person group."),
        (
            lambda: add_synthetic_faces("g", persons=2, faces=0),
            "There is no face in the person group.",
        ),
    ],
)
def test_it_fails_training_an_empty_group(
    api: Api, face_client: FaceClient, setup: object, message: str
) -> None:
    api.put("persongroups/g", json={"name": "G"})
    setup()  # type: ignore[operator]
    api.post("persongroups/g/train")
    status = wait_for_training(face_client, "g")
    assert (status.status, status.message) == ("failed", message)


def _mark_running(group_id: str, *, worker: str, heartbeat_age: float) -> Training:
    group = PersonGroup.objects.get(group_id=group_id)
    now = timezone.now()
    row, _ = Training.objects.update_or_create(
        group=group,
        defaults={
            "status": TrainingStatus.RUNNING,
            "worker": worker,
            "heartbeat": now - timedelta(seconds=heartbeat_age),
            "version": 7,
            "created": now,
            "last_action": now,
        },
    )
    return row


def test_a_run_whose_process_died_reads_as_failed(api: Api) -> None:
    api.put("persongroups/g", json={"name": "G"})
    _mark_running("g", worker="a-dead-process", heartbeat_age=3600)
    body = api.get("persongroups/g/training").json()
    assert (body["status"], body["message"]) == ("failed", "Training was interrupted; train again.")


def test_a_run_this_process_no_longer_runs_reads_as_failed(api: Api) -> None:
    api.put("persongroups/g", json={"name": "G"})
    _mark_running("g", worker=training.boot_id(), heartbeat_age=0)
    assert api.get("persongroups/g/training").json()["status"] == "failed"


def test_it_refuses_writes_while_another_process_trains(api: Api, face_client: FaceClient) -> None:
    api.put("persongroups/g", json={"name": "G"})
    person_id = api.post("persongroups/g/persons", json={"name": "P"}).json()["personId"]
    _mark_running("g", worker="another-live-process", heartbeat_age=0)
    busy = (409, "PersonGroupTrainingNotFinished")
    assert api.get("persongroups/g/training").json()["status"] == "running"
    assert error_code(api.post("persongroups/g/train")) == busy
    assert error_code(api.post("persongroups/g/persons", json={"name": "Q"})) == busy
    assert error_code(api.patch(f"persongroups/g/persons/{person_id}", json={"name": "R"})) == busy
    assert error_code(api.delete(f"persongroups/g/persons/{person_id}")) == busy
    assert error_code(api.patch("persongroups/g", json={"name": "H"})) == busy
    assert error_code(api.delete("persongroups/g")) == busy
    # Reads still work.
    assert api.get(f"persongroups/g/persons/{person_id}").status_code == 200


def test_identify_waits_for_a_first_training_but_serves_the_last_good_one(world: World) -> None:
    api = world.api
    assert api is not None
    face_id = world.faces["probe/kit_harington.jpg"][0]
    _mark_running(world.group_id, worker="another-live-process", heartbeat_age=0)
    served = api.post("identify", json={"personGroupId": world.group_id, "faceIds": [face_id]})
    assert served.status_code == 200, served.text
    assert served.json()[0]["candidates"][0]["personId"] == world.persons["kit_harington"]

    Training.objects.filter(group__group_id=world.group_id).update(ready_version=None)
    response = api.post("identify", json={"personGroupId": world.group_id, "faceIds": [face_id]})
    assert error_code(response) == (409, "PersonGroupTrainingNotFinished")


def test_a_stale_heartbeat_unblocks_training(api: Api, face_client: FaceClient) -> None:
    api.put("persongroups/g", json={"name": "G"})
    add_synthetic_faces("g", persons=2)
    _mark_running("g", worker="a-dead-process", heartbeat_age=3600)
    assert api.post("persongroups/g/train").status_code == 202
    assert wait_for_training(face_client, "g").status == "succeeded"
    assert Training.objects.get(group__group_id="g").version == 8
