"""LargeFaceList (rows 50-62) through the SDK, and find similar in a large face list."""

from __future__ import annotations

import time
import uuid

import pytest
from azure.cognitiveservices.vision.face import FaceClient
from azure.cognitiveservices.vision.face.models import APIErrorException

from faceadmin.engine import facelists
from faceadmin.engine.models import FaceList, PersistedFace
from tests.engine.conftest import DATA, Api, World, error_code, photo

OCTET = {"Content-Type": "application/octet-stream"}


def api_error(raised: pytest.ExceptionInfo[APIErrorException]) -> tuple[int, str]:
    return raised.value.response.status_code, raised.value.error.error.code


def wait_for_list_training(client: FaceClient, list_id: str) -> object:
    deadline = time.monotonic() + 60
    while True:
        status = client.large_face_list.get_training_status(list_id)
        if status.status in ("succeeded", "failed"):
            return status
        assert time.monotonic() < deadline, status.status
        time.sleep(0.05)


def copy_world_list(world: World, list_id: str) -> dict[str, str]:
    """The world's face list copied straight into a large list; photo -> persistedFaceId."""
    client = world.client
    assert client is not None
    client.large_face_list.create(list_id, name="Gate")
    large = FaceList.objects.get(list_id=list_id, large=True)
    copied = {}
    for path, face_id in world.list_faces.items():
        face = PersistedFace.objects.get(id=face_id)
        new = PersistedFace.objects.create(
            face_list=large,
            descriptor=face.descriptor,
            user_data=path,
            rect_left=0,
            rect_top=0,
            rect_width=100,
            rect_height=100,
        )
        copied[path] = str(new.id)
    return copied


def test_it_manages_large_face_lists_and_their_faces(
    face_client: FaceClient, photo_server: str
) -> None:
    lists = face_client.large_face_list
    lists.create("gate", name="Gate", user_data="north", recognition_model="recognition_02")
    lists.create("dock", name="Dock")
    got = lists.get("gate", return_recognition_model=True)
    assert (got.large_face_list_id, got.name, got.user_data) == ("gate", "Gate", "north")
    assert got.recognition_model == "recognition_02"
    assert [f.large_face_list_id for f in lists.list()] == ["dock", "gate"]
    assert [f.large_face_list_id for f in lists.list(start="dock", top=1)] == ["gate"]
    lists.update("gate", name="North gate")
    assert lists.get("gate").name == "North gate"

    with (DATA / "enroll/rose_leslie/1.jpg").open("rb") as handle:
        rose = lists.add_face_from_stream("gate", handle, user_data="rose")
    kit = lists.add_face_from_url("gate", f"{photo_server}/enroll/kit_harington/1.jpg")
    ids = sorted([str(rose.persisted_face_id), str(kit.persisted_face_id)])
    faces = lists.list_faces("gate")
    assert [str(f.persisted_face_id) for f in faces] == ids
    assert [str(f.persisted_face_id) for f in lists.list_faces("gate", start=ids[0], top=1)] == [
        ids[1]
    ]
    face = lists.get_face("gate", rose.persisted_face_id)
    assert (face.persisted_face_id, face.user_data) == (rose.persisted_face_id, "rose")
    lists.update_face("gate", rose.persisted_face_id, user_data="Rose L.")
    assert lists.get_face("gate", rose.persisted_face_id).user_data == "Rose L."

    lists.train("gate")
    status = wait_for_list_training(face_client, "gate")
    assert status.status == "succeeded"  # type: ignore[attr-defined]
    assert status.last_successful_training is not None  # type: ignore[attr-defined]

    lists.delete_face("gate", kit.persisted_face_id)
    with pytest.raises(APIErrorException) as raised:
        lists.get_face("gate", kit.persisted_face_id)
    assert api_error(raised) == (404, "PersistedFaceNotFound")
    lists.delete("gate")
    with pytest.raises(APIErrorException) as raised:
        lists.get("gate")
    assert api_error(raised) == (404, "LargeFaceListNotFound")
    assert not PersistedFace.objects.filter(face_list__list_id="gate").exists()


def test_it_answers_large_face_list_errors(api: Api) -> None:
    assert api.put("largefacelists/l", json={"name": "L"}).status_code == 200
    assert error_code(api.put("largefacelists/l", json={"name": "L"})) == (
        409,
        "LargeFaceListExists",
    )
    assert error_code(api.put("largefacelists/Bad", json={"name": "L"})) == (400, "BadArgument")
    assert error_code(api.patch("largefacelists/l", json={})) == (400, "BadArgument")
    assert "persistedFaces" not in api.get("largefacelists/l").json()
    for path in ("largefacelists/Bad", "largefacelists/missing"):
        for method in ("GET", "PATCH", "DELETE"):
            response = api.request(method, path, json={"name": "x"})
            assert error_code(response) == (404, "LargeFaceListNotFound")
        assert error_code(api.get(f"{path}/persistedfaces")) == (404, "LargeFaceListNotFound")
    for face_id in ("nope", str(uuid.uuid4())):
        for method in ("GET", "PATCH", "DELETE"):
            response = api.request(method, f"largefacelists/l/persistedfaces/{face_id}", json={})
            assert error_code(response) == (404, "PersistedFaceNotFound")
    assert error_code(api.get("largefacelists/l/training")) == (404, "LargeFaceListNotTrained")
    assert error_code(api.get("largefacelists/l/persistedfaces?start=x")) == (400, "BadArgument")
    assert error_code(api.get("largefacelists/l/persistedfaces?top=1001")) == (400, "BadArgument")
    # An empty list fails its training, truthfully.
    assert api.post("largefacelists/l/train").status_code == 202
    deadline = time.monotonic() + 30
    while (body := api.get("largefacelists/l/training").json())["status"] not in (
        "failed",
        "succeeded",
    ):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert (body["status"], body["message"]) == (
        "failed",
        "There is no face in the large face list.",
    )
    # Small face lists still have no per-face routes.
    api.put("facelists/s", json={"name": "S"})
    assert api.get("facelists/s/persistedfaces").status_code == 405


def test_it_finds_similar_faces_in_a_trained_large_list(world: World) -> None:
    client = world.client
    assert client is not None
    copied = copy_world_list(world, "gate")
    probe = world.faces["probe/kit_harington.jpg"][0]
    with pytest.raises(APIErrorException) as raised:
        client.face.find_similar(probe, large_face_list_id="gate")
    assert api_error(raised) == (400, "LargeFaceListNotTrained")
    with pytest.raises(APIErrorException) as raised:
        client.face.find_similar(probe, large_face_list_id="missing")
    assert api_error(raised) == (400, "LargeFaceListNotFound")

    client.large_face_list.train("gate")
    assert wait_for_list_training(client, "gate").status == "succeeded"  # type: ignore[attr-defined]
    matches = client.face.find_similar(probe, large_face_list_id="gate")
    assert [str(m.persisted_face_id) for m in matches] == [copied["enroll/kit_harington/1.jpg"]]
    assert matches[0].confidence > 0.5 and matches[0].face_id is None
    ranked = client.face.find_similar(
        probe, large_face_list_id="gate", mode="matchFace", max_num_of_candidates_returned=3
    )
    assert len(ranked) == 3
    assert str(ranked[0].persisted_face_id) == copied["enroll/kit_harington/1.jpg"]
    assert ranked[0].confidence >= ranked[1].confidence >= ranked[2].confidence

    # A face added after the training is found only after the next one.
    with (DATA / "enroll/kit_harington/2.jpg").open("rb") as handle:
        added = client.large_face_list.add_face_from_stream("gate", handle)
    assert len(client.face.find_similar(probe, large_face_list_id="gate")) == 1
    client.large_face_list.train("gate")
    wait_for_list_training(client, "gate")
    found = {
        str(m.persisted_face_id) for m in client.face.find_similar(probe, large_face_list_id="gate")
    }
    assert str(added.persisted_face_id) in found


def test_it_limits_faces_per_large_list(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    assert facelists.FACES_PER_LIST[True] == 1_000_000
    monkeypatch.setitem(facelists.FACES_PER_LIST, True, 1)
    api.put("largefacelists/full", json={"name": "Full"})
    PersistedFace.objects.create(
        face_list=FaceList.objects.get(list_id="full"),
        descriptor=b"\0" * 512,
        rect_left=0,
        rect_top=0,
        rect_width=10,
        rect_height=10,
    )
    response = api.post(
        "largefacelists/full/persistedfaces", data=photo("probe/kit_harington.jpg"), headers=OCTET
    )
    assert error_code(response) == (403, "QuotaExceeded")
