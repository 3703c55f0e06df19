"""Identify, verify, find similar and group against the enrolled world, through the SDK."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from azure.cognitiveservices.vision.face import FaceClient
from azure.cognitiveservices.vision.face.models import APIErrorException
from django.utils import timezone

from faceadmin.engine.models import DetectedFace
from tests.engine.conftest import (
    DATA,
    INDEPENDENT_PROBES,
    MANIFEST,
    Api,
    World,
    error_code,
)


def sdk(world: World) -> FaceClient:
    assert world.client is not None
    return world.client


def raw(world: World) -> Api:
    assert world.api is not None
    return world.api


def multi_faces(world: World) -> dict[str, str]:
    """faceId -> manifest label for every face of the multi-face photos."""
    labels = {}
    for path in (
        "multi/barack_obama_joe_biden.jpg",
        "multi/kit_harington_rose_leslie.jpg",
        "multi/two_people.jpg",
    ):
        for face_id, face in zip(world.faces[path], MANIFEST[path]["faces"], strict=True):
            labels[face_id] = face["person"]
    return labels


@pytest.mark.parametrize(("probe", "person"), INDEPENDENT_PROBES.items())
def test_it_identifies_each_probe(world: World, probe: str, person: str) -> None:
    (result,) = sdk(world).face.identify([world.faces[probe][0]], person_group_id=world.group_id)
    assert [str(c.person_id) for c in result.candidates] == [world.persons[person]]
    assert result.candidates[0].confidence > 0.5


def test_it_identifies_several_faces_with_ranked_candidates(world: World) -> None:
    labels = multi_faces(world)
    results = sdk(world).face.identify(
        list(labels),
        person_group_id=world.group_id,
        max_num_of_candidates_returned=5,
        confidence_threshold=0.0,
    )
    assert [str(r.face_id) for r in results] == list(labels)
    for result in results:
        confidences = [c.confidence for c in result.candidates]
        assert confidences == sorted(confidences, reverse=True)
        assert len(result.candidates) == 5
        label = labels[str(result.face_id)]
        if label.startswith("unknown"):
            assert confidences[0] < 0.5
        else:
            assert str(result.candidates[0].person_id) == world.persons[label]


def test_it_returns_no_candidates_for_a_stranger(world: World) -> None:
    stranger = next(f for f, label in multi_faces(world).items() if label.startswith("unknown"))
    (result,) = sdk(world).face.identify([stranger], person_group_id=world.group_id)
    assert result.candidates == []


def test_a_high_threshold_drops_candidates(world: World) -> None:
    face_id = world.faces["probe/barack_obama.jpg"][0]
    (result,) = sdk(world).face.identify(
        [face_id], person_group_id=world.group_id, confidence_threshold=0.999
    )
    assert result.candidates == []


def test_it_verifies_faces_and_persons(world: World) -> None:
    face = sdk(world).face
    obama, obama_2 = (
        world.faces["probe/barack_obama.jpg"][0],
        world.faces["probe/barack_obama_2.jpg"][0],
    )
    kit = world.faces["probe/kit_harington.jpg"][0]
    same = face.verify_face_to_face(obama, obama_2)
    assert same.is_identical and same.confidence >= 0.5
    different = face.verify_face_to_face(obama, kit)
    assert not different.is_identical and different.confidence < 0.5
    to_person = face.verify_face_to_person(kit, world.persons["kit_harington"], world.group_id)
    assert to_person.is_identical
    not_person = face.verify_face_to_person(kit, world.persons["rose_leslie"], world.group_id)
    assert not not_person.is_identical


def test_it_finds_similar_faces_among_face_ids(world: World) -> None:
    labels = multi_faces(world)
    obama = world.faces["probe/barack_obama.jpg"][0]
    face = sdk(world).face
    matches = face.find_similar(obama, face_ids=list(labels))
    assert {labels[str(m.face_id)] for m in matches} == {"barack_obama"}
    assert len(matches) == 2
    assert all(m.persisted_face_id is None for m in matches)
    ranked = face.find_similar(
        obama, face_ids=list(labels), mode="matchFace", max_num_of_candidates_returned=4
    )
    assert len(ranked) == 4
    assert [c.confidence for c in ranked] == sorted((c.confidence for c in ranked), reverse=True)
    assert {labels[str(m.face_id)] for m in ranked[:2]} == {"barack_obama"}


def test_it_finds_similar_faces_in_a_face_list(world: World) -> None:
    kit = world.faces["probe/kit_harington.jpg"][0]
    face = sdk(world).face
    matches = face.find_similar(kit, face_list_id=world.face_list_id)
    assert [str(m.persisted_face_id) for m in matches] == [
        world.list_faces["enroll/kit_harington/1.jpg"]
    ]
    assert matches[0].face_id is None
    ranked = face.find_similar(kit, face_list_id=world.face_list_id, mode="matchFace")
    assert len(ranked) == len(world.list_faces)
    body = raw(world).post("findsimilars", json={"faceId": kit, "faceListId": world.face_list_id})
    assert set(body.json()[0]) == {"persistedFaceId", "confidence"}


def test_it_groups_faces_one_cluster_per_person(world: World) -> None:
    labels = multi_faces(world)
    probes = {world.faces[p][0]: person for p, person in INDEPENDENT_PROBES.items()}
    labels |= probes
    result = sdk(world).face.group(list(labels))
    clusters = [{labels[str(f)] for f in group} for group in result.groups]
    assert all(len(c) == 1 for c in clusters), clusters
    people = [next(iter(c)) for c in clusters]
    assert sorted(people) == sorted(set(people))  # no person split in two
    assert people[0] == "barack_obama"  # 4 faces: the largest group comes first
    sizes = [len(g) for g in result.groups]
    assert sizes == sorted(sizes, reverse=True)
    messy = {labels[str(f)] for f in result.messy_group}
    assert "unknown_1" in messy and "barack_obama" not in messy
    grouped = {str(f) for g in result.groups for f in g} | {str(f) for f in result.messy_group}
    assert grouped == set(labels)


def test_it_omits_an_empty_messy_group(world: World) -> None:
    faces = [world.faces["probe/barack_obama.jpg"][0], world.faces["probe/barack_obama_2.jpg"][0]]
    assert raw(world).post("group", json={"faceIds": faces}).json() == {"groups": [faces]}


# --- errors ------------------------------------------------------------------------------------


def test_it_answers_face_not_found_for_unknown_and_expired_face_ids(world: World) -> None:
    api = raw(world)
    face_id = world.faces["probe/kit_harington.jpg"][0]
    unknown = str(uuid.uuid4())
    body = {"personGroupId": world.group_id, "faceIds": [face_id, unknown]}
    assert error_code(api.post("identify", json=body)) == (400, "FaceNotFound")
    assert error_code(api.post("verify", json={"faceId1": face_id, "faceId2": unknown})) == (
        400,
        "FaceNotFound",
    )
    DetectedFace.objects.filter(id=face_id).update(expires_at=timezone.now() - timedelta(seconds=1))
    for path, body in [
        ("identify", {"personGroupId": world.group_id, "faceIds": [face_id]}),
        ("findsimilars", {"faceId": face_id, "faceListId": world.face_list_id}),
        ("group", {"faceIds": [face_id, world.faces["probe/barack_obama.jpg"][0]]}),
    ]:
        assert error_code(api.post(path, json=body)) == (400, "FaceNotFound"), path


def test_a_face_id_expires_after_its_time_to_live(world: World) -> None:
    client = sdk(world)
    with (DATA / "probe/kit_harington.jpg").open("rb") as handle:
        (face,) = client.face.detect_with_stream(handle, face_id_time_to_live=60)
    assert client.face.identify([face.face_id], person_group_id=world.group_id)[0].candidates
    DetectedFace.objects.filter(id=face.face_id).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(APIErrorException) as raised:
        client.face.identify([face.face_id], person_group_id=world.group_id)
    assert raised.value.error.error.code == "FaceNotFound"


def test_it_refuses_faces_of_another_recognition_model(world: World) -> None:
    client = sdk(world)
    with (DATA / "probe/kit_harington.jpg").open("rb") as handle:
        (face,) = client.face.detect_with_stream(handle, recognition_model="recognition_04")
    api = raw(world)
    kit = world.faces["probe/kit_harington.jpg"][0]
    for path, body in [
        ("identify", {"personGroupId": world.group_id, "faceIds": [str(face.face_id)]}),
        ("verify", {"faceId1": str(face.face_id), "faceId2": kit}),
        ("findsimilars", {"faceId": str(face.face_id), "faceListId": world.face_list_id}),
        ("findsimilars", {"faceId": str(face.face_id), "faceIds": [kit]}),
        ("group", {"faceIds": [str(face.face_id), kit]}),
    ]:
        response = api.post(path, json=body)
        assert error_code(response) == (400, "BadArgument"), path
        assert response.json()["error"]["message"] == "'recognitionModel' is incompatible."


def test_it_answers_identify_errors(world: World) -> None:
    api = raw(world)
    face_id = world.faces["probe/kit_harington.jpg"][0]
    group = {"personGroupId": world.group_id}
    cases: list[tuple[dict[str, Any], tuple[int, str]]] = [
        ({"faceIds": [face_id]}, (400, "PersonGroupIdAndLargePersonGroupIdBothNull")),
        (
            {"faceIds": [face_id], "personGroupId": "a", "largePersonGroupId": "b"},
            (400, "PersonGroupIdAndLargePersonGroupIdBothNotNull"),
        ),
        ({"faceIds": [face_id], "personGroupId": "nobody"}, (400, "PersonGroupNotFound")),
        ({"faceIds": [face_id], "largePersonGroupId": "nobody"}, (400, "LargePersonGroupNotFound")),
        ({"faceIds": [face_id], "personGroupId": "Bad Id"}, (400, "BadArgument")),
        ({**group, "faceIds": []}, (400, "BadArgument")),
        ({**group, "faceIds": [face_id] * 11}, (400, "BadArgument")),
        ({**group, "faceIds": ["not-a-uuid"]}, (400, "BadArgument")),
        ({**group, "faceIds": face_id}, (400, "BadArgument")),
        ({**group, "faceIds": [face_id], "maxNumOfCandidatesReturned": 101}, (400, "BadArgument")),
        ({**group, "faceIds": [face_id], "maxNumOfCandidatesReturned": 0}, (400, "BadArgument")),
        ({**group, "faceIds": [face_id], "confidenceThreshold": 1.5}, (400, "BadArgument")),
        ({**group, "faceIds": [face_id], "confidenceThreshold": "high"}, (400, "BadArgument")),
    ]
    for body, expected in cases:
        assert error_code(api.post("identify", json=body)) == expected, body


def test_identify_answers_400_not_trained_for_an_untrained_group(world: World) -> None:
    api = raw(world)
    api.put("persongroups/fresh", json={"name": "Fresh"})
    body = {"personGroupId": "fresh", "faceIds": [world.faces["probe/kit_harington.jpg"][0]]}
    assert error_code(api.post("identify", json=body)) == (400, "PersonGroupNotTrained")


def test_it_answers_verify_errors(world: World) -> None:
    api = raw(world)
    kit = world.faces["probe/kit_harington.jpg"][0]
    person = world.persons["kit_harington"]
    group = world.group_id
    cases: list[tuple[dict[str, Any], tuple[int, str]]] = [
        ({}, (400, "BadArgument")),
        ({"faceId1": kit}, (400, "BadArgument")),
        ({"faceId1": kit, "faceId2": "nope"}, (400, "BadArgument")),
        ({"faceId1": kit, "faceId": kit, "personId": person}, (400, "BadArgument")),
        ({"faceId": kit, "personId": person}, (400, "PersonGroupIdAndLargePersonGroupIdBothNull")),
        (
            {"faceId": kit, "personId": person, "personGroupId": "nobody"},
            (400, "PersonGroupNotFound"),
        ),
        (
            {"faceId": kit, "personId": str(uuid.uuid4()), "personGroupId": group},
            (400, "PersonNotFound"),
        ),
        ({"faceId": kit, "personId": "nope", "personGroupId": group}, (400, "BadArgument")),
    ]
    for body, expected in cases:
        assert error_code(api.post("verify", json=body)) == expected, body
    empty = api.post(f"persongroups/{group}/persons", json={"name": "Faceless"}).json()["personId"]
    response = api.post("verify", json={"faceId": kit, "personId": empty, "personGroupId": group})
    assert error_code(response) == (404, "PersistedFaceNotFound")


def test_it_answers_find_similar_and_group_errors(world: World) -> None:
    api = raw(world)
    kit = world.faces["probe/kit_harington.jpg"][0]
    api.put("facelists/empty", json={"name": "Empty"})
    cases: list[tuple[str, dict[str, Any], tuple[int, str]]] = [
        ("findsimilars", {"faceId": kit}, (400, "BadArgument")),
        (
            "findsimilars",
            {"faceId": kit, "faceIds": [kit], "faceListId": "x"},
            (400, "BadArgument"),
        ),
        ("findsimilars", {"faceId": kit, "faceListId": "nobody"}, (400, "FaceListNotFound")),
        (
            "findsimilars",
            {"faceId": kit, "largeFaceListId": "nobody"},
            (400, "LargeFaceListNotFound"),
        ),
        ("findsimilars", {"faceId": kit, "faceListId": "Bad Id"}, (400, "BadArgument")),
        ("findsimilars", {"faceId": kit, "faceListId": "empty"}, (400, "FaceListNotReady")),
        (
            "findsimilars",
            {"faceId": kit, "faceIds": [kit], "mode": "matchAll"},
            (400, "BadArgument"),
        ),
        ("findsimilars", {"faceId": kit, "faceIds": [kit] * 1001}, (400, "BadArgument")),
        (
            "findsimilars",
            {"faceId": kit, "faceIds": [kit], "maxNumOfCandidatesReturned": 1001},
            (400, "BadArgument"),
        ),
        ("findsimilars", {"faceId": str(uuid.uuid4()), "faceIds": [kit]}, (400, "FaceNotFound")),
        ("group", {"faceIds": [kit]}, (400, "BadArgument")),
        ("group", {"faceIds": [kit] * 1001}, (400, "BadArgument")),
        ("group", {"faceIds": [kit, str(uuid.uuid4())]}, (400, "FaceNotFound")),
    ]
    for path, body, expected in cases:
        assert error_code(api.post(path, json=body)) == expected, (path, body)
