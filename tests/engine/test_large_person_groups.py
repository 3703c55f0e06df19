"""LargePersonGroup and LargePersonGroupPerson (rows 33-49) through the SDK, and identify /
verify against large groups: CRUD, paging, faces, training, errors, quotas."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from azure.cognitiveservices.vision.face import FaceClient
from azure.cognitiveservices.vision.face.models import APIErrorException
from django.utils import timezone

from faceadmin.engine import groups
from faceadmin.engine.models import PersistedFace, Person, PersonGroup, Training, TrainingStatus
from tests.engine.conftest import DATA, Api, World, error_code

OCTET = {"Content-Type": "application/octet-stream"}


def api_error(raised: pytest.ExceptionInfo[APIErrorException]) -> tuple[int, str]:
    return raised.value.response.status_code, raised.value.error.error.code


def wait_for_large_training(client: FaceClient, group_id: str) -> object:
    import time

    deadline = time.monotonic() + 60
    while True:
        status = client.large_person_group.get_training_status(group_id)
        if status.status in ("succeeded", "failed"):
            return status
        assert time.monotonic() < deadline, status.status
        time.sleep(0.05)


def copy_world_into_large_group(world: World, group_id: str) -> dict[str, str]:
    """The world's persons and faces, copied straight into a large group; name -> personId."""
    client = world.client
    assert client is not None
    client.large_person_group.create(group_id, name="Campus", user_data="big")
    persons = {}
    for name in world.persons:
        created = client.large_person_group_person.create(group_id, name=name)
        persons[name] = str(created.person_id)
    for face in PersistedFace.objects.filter(
        person__group__group_id=world.group_id, person__group__large=False
    ):
        assert face.person is not None
        PersistedFace.objects.create(
            person_id=uuid.UUID(persons[face.person.name]),
            descriptor=face.descriptor,
            rect_left=0,
            rect_top=0,
            rect_width=100,
            rect_height=100,
        )
    return persons


def test_it_manages_large_groups(face_client: FaceClient) -> None:
    large = face_client.large_person_group
    large.create("campus", name="Campus", user_data="u", recognition_model="recognition_03")
    large.create("annex", name="Annex")
    got = large.get("campus", return_recognition_model=True)
    assert (got.large_person_group_id, got.name, got.user_data) == ("campus", "Campus", "u")
    assert got.recognition_model == "recognition_03"
    assert large.get("campus").recognition_model is None
    assert [g.large_person_group_id for g in large.list()] == ["annex", "campus"]
    assert [g.large_person_group_id for g in large.list(start="annex", top=1)] == ["campus"]
    large.update("campus", name="Main campus")
    large.update("campus", user_data="v")
    got = large.get("campus")
    assert (got.name, got.user_data) == ("Main campus", "v")
    # Small and large groups are separate namespaces.
    face_client.person_group.create("campus", name="Small")
    assert face_client.person_group.get("campus").name == "Small"
    large.delete("campus")
    with pytest.raises(APIErrorException) as raised:
        large.get("campus")
    assert api_error(raised) == (404, "LargePersonGroupNotFound")
    assert face_client.person_group.get("campus").name == "Small"


def test_it_answers_large_group_errors(api: Api) -> None:
    assert api.put("largepersongroups/g", json={"name": "G"}).status_code == 200
    assert error_code(api.put("largepersongroups/g", json={"name": "G"})) == (
        409,
        "LargePersonGroupExists",
    )
    assert error_code(api.put("largepersongroups/Bad", json={"name": "G"})) == (400, "BadArgument")
    assert error_code(api.patch("largepersongroups/g", json={})) == (400, "BadArgument")
    for path in ("largepersongroups/Bad", "largepersongroups/missing"):
        for method in ("GET", "PATCH", "DELETE"):
            response = api.request(method, path, json={"name": "x"})
            assert error_code(response) == (404, "LargePersonGroupNotFound")
    assert error_code(api.get("largepersongroups/g/training")) == (
        404,
        "LargePersonGroupNotTrained",
    )
    assert error_code(api.get("largepersongroups/g/persons/nope")) == (404, "PersonNotFound")
    assert api.request("PUT", "largepersongroups/g/train").status_code == 405


def test_it_manages_persons_and_their_faces(face_client: FaceClient, photo_server: str) -> None:
    large, persons = face_client.large_person_group, face_client.large_person_group_person
    large.create("campus", name="Campus")
    kit = persons.create("campus", name="Kit", user_data="actor")
    rose = persons.create("campus", name="Rose")
    with (DATA / "enroll/kit_harington/1.jpg").open("rb") as handle:
        first = persons.add_face_from_stream("campus", kit.person_id, handle, user_data="one")
    second = persons.add_face_from_url(
        "campus", kit.person_id, f"{photo_server}/enroll/kit_harington/2.jpg"
    )
    got = persons.get("campus", kit.person_id)
    assert (got.name, got.user_data) == ("Kit", "actor")
    assert got.persisted_face_ids == [first.persisted_face_id, second.persisted_face_id]

    listed = persons.list("campus")
    assert [str(p.person_id) for p in listed] == sorted([str(kit.person_id), str(rose.person_id)])
    page = persons.list("campus", start=str(listed[0].person_id), top=5)
    assert [p.person_id for p in page] == [listed[1].person_id]

    face = persons.get_face("campus", kit.person_id, first.persisted_face_id)
    assert (face.persisted_face_id, face.user_data) == (first.persisted_face_id, "one")
    persons.update_face("campus", kit.person_id, first.persisted_face_id, user_data="uno")
    assert persons.get_face("campus", kit.person_id, first.persisted_face_id).user_data == "uno"
    persons.update("campus", kit.person_id, name="Kit H.")
    assert persons.get("campus", kit.person_id).name == "Kit H."
    persons.delete_face("campus", kit.person_id, second.persisted_face_id)
    assert persons.get("campus", kit.person_id).persisted_face_ids == [first.persisted_face_id]
    persons.delete("campus", rose.person_id)
    with pytest.raises(APIErrorException) as raised:
        persons.get("campus", rose.person_id)
    assert api_error(raised) == (404, "PersonNotFound")

    large.train("campus")
    status = wait_for_large_training(face_client, "campus")
    assert status.status == "succeeded"  # type: ignore[attr-defined]
    assert status.last_successful_training is not None  # type: ignore[attr-defined]


def test_it_identifies_and_verifies_against_a_large_group(world: World) -> None:
    client = world.client
    assert client is not None
    persons = copy_world_into_large_group(world, "campus")
    probe = world.faces["probe/kit_harington.jpg"][0]

    with pytest.raises(APIErrorException) as raised:
        client.face.identify([probe], large_person_group_id="campus")
    assert api_error(raised) == (400, "LargePersonGroupNotTrained")

    client.large_person_group.train("campus")
    assert wait_for_large_training(client, "campus").status == "succeeded"  # type: ignore[attr-defined]
    (result,) = client.face.identify([probe], large_person_group_id="campus")
    assert [str(c.person_id) for c in result.candidates] == [persons["kit_harington"]]

    results = client.face.identify(
        [world.faces[path][0] for path in ("probe/barack_obama.jpg", "probe/alex_lacamoire.jpg")],
        large_person_group_id="campus",
        max_num_of_candidates_returned=3,
        confidence_threshold=0.0,
    )
    assert [str(r.candidates[0].person_id) for r in results] == [
        persons["barack_obama"],
        persons["alex_lacamoire"],
    ]
    assert all(len(r.candidates) == 3 for r in results)

    same = client.face.verify_face_to_person(
        probe, persons["kit_harington"], large_person_group_id="campus"
    )
    other = client.face.verify_face_to_person(
        probe, persons["barack_obama"], large_person_group_id="campus"
    )
    assert (same.is_identical, other.is_identical) == (True, False)
    with pytest.raises(APIErrorException) as raised:
        client.face.verify_face_to_person(
            probe, persons["kit_harington"], large_person_group_id="x"
        )
    assert api_error(raised) == (400, "LargePersonGroupNotFound")


def test_a_large_group_serves_its_last_training_while_retraining(world: World) -> None:
    client = world.client
    assert client is not None
    persons = copy_world_into_large_group(world, "campus")
    client.large_person_group.train("campus")
    wait_for_large_training(client, "campus")
    row = Training.objects.get(group__group_id="campus", group__large=True)
    # Another (live) process is training it again.
    Training.objects.filter(pk=row.pk).update(
        status=TrainingStatus.RUNNING, worker="another-live-process", heartbeat=timezone.now()
    )
    probe = world.faces["probe/kit_harington.jpg"][0]
    (result,) = client.face.identify([probe], large_person_group_id="campus")
    assert str(result.candidates[0].person_id) == persons["kit_harington"]
    busy = (409, "LargePersonGroupTrainingNotFinished")
    with pytest.raises(APIErrorException) as raised:
        client.large_person_group_person.create("campus", name="New")
    assert api_error(raised) == busy
    # Without an earlier success, identify waits for the first training.
    Training.objects.filter(pk=row.pk).update(ready_version=None)
    with pytest.raises(APIErrorException) as raised:
        client.face.identify([probe], large_person_group_id="campus")
    assert api_error(raised) == busy


def test_a_large_training_whose_process_died_reads_as_failed(api: Api) -> None:
    api.put("largepersongroups/g", json={"name": "G"})
    group = PersonGroup.objects.get(group_id="g", large=True)
    Training.objects.create(
        group=group,
        status=TrainingStatus.RUNNING,
        worker="a-dead-process",
        heartbeat=timezone.now() - timedelta(hours=1),
        version=3,
    )
    body = api.get("largepersongroups/g/training").json()
    assert (body["status"], body["message"]) == ("failed", "Training was interrupted; train again.")
    assert body["lastSuccessfulTrainingDateTime"] is None


def test_it_limits_persons_per_large_group(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    assert groups.PERSONS_PER_GROUP[True] == 1_000_000
    monkeypatch.setitem(groups.PERSONS_PER_GROUP, True, 2)
    api.put("largepersongroups/g", json={"name": "G"})
    group = PersonGroup.objects.get(group_id="g")
    Person.objects.bulk_create([Person(group=group, name="a"), Person(group=group, name="b")])
    response = api.post("largepersongroups/g/persons", json={"name": "c"})
    assert error_code(response) == (403, "QuotaExceeded")
