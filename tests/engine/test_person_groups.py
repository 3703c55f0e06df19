"""PersonGroup and PersonGroupPerson endpoints: CRUD, paging, faces, validation, quotas."""

from __future__ import annotations

import io
import uuid

import pytest
from azure.cognitiveservices.vision.face import FaceClient
from azure.cognitiveservices.vision.face.models import APIErrorException
from PIL import Image

from faceadmin.engine.groups import FACES_PER_PERSON
from faceadmin.engine.models import PersistedFace, Person
from tests.engine.conftest import DATA, MANIFEST, Api, error_code, photo

OCTET = {"Content-Type": "application/octet-stream"}


def api_error(raised: pytest.ExceptionInfo[APIErrorException]) -> tuple[int, str]:
    return raised.value.response.status_code, raised.value.error.error.code


def test_it_creates_gets_updates_and_deletes_a_group(face_client: FaceClient) -> None:
    groups = face_client.person_group
    groups.create("friends", name="Friends", user_data="hello", recognition_model="recognition_04")
    got = groups.get("friends")
    assert (got.person_group_id, got.name, got.user_data) == ("friends", "Friends", "hello")
    assert got.recognition_model is None
    assert (
        groups.get("friends", return_recognition_model=True).recognition_model == "recognition_04"
    )
    groups.update("friends", name="Old friends")
    groups.update("friends", user_data="bye")
    got = groups.get("friends")
    assert (got.name, got.user_data) == ("Old friends", "bye")
    groups.delete("friends")
    with pytest.raises(APIErrorException) as raised:
        groups.get("friends")
    assert api_error(raised) == (404, "PersonGroupNotFound")


def test_it_lists_groups_by_id_with_an_exclusive_start(face_client: FaceClient) -> None:
    for group_id in ["b", "a_2", "a-1", "a1", "c"]:
        face_client.person_group.create(group_id, name=group_id.upper())
    listed = [g.person_group_id for g in face_client.person_group.list()]
    assert listed == ["a-1", "a1", "a_2", "b", "c"]  # byte order: '-' < '1' < '_'
    page = face_client.person_group.list(start="a1", top=2, return_recognition_model=True)
    assert [g.person_group_id for g in page] == ["a_2", "b"]
    assert page[0].recognition_model == "recognition_01"


def test_it_refuses_a_duplicate_group(face_client: FaceClient) -> None:
    face_client.person_group.create("twice", name="Twice")
    with pytest.raises(APIErrorException) as raised:
        face_client.person_group.create("twice", name="Twice")
    assert api_error(raised) == (409, "PersonGroupExists")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("persongroups/UPPER", {"name": "x"}),
        ("persongroups/sp%20ace", {"name": "x"}),
        ("persongroups/" + "a" * 65, {"name": "x"}),
        ("persongroups/ok", {}),
        ("persongroups/ok", {"name": ""}),
        ("persongroups/ok", {"name": "x" * 129}),
        ("persongroups/ok", {"name": 5}),
        ("persongroups/ok", {"name": "x", "userData": "u" * 16385}),
        ("persongroups/ok", {"name": "x", "recognitionModel": "recognition_05"}),
    ],
)
def test_it_validates_group_creation(api: Api, path: str, body: dict[str, object]) -> None:
    assert error_code(api.put(path, json=body)) == (400, "BadArgument")


def test_it_accepts_the_longest_valid_values(api: Api) -> None:
    body = {"name": "n" * 128, "userData": "u" * 16384, "recognitionModel": "RECOGNITION_02"}
    assert api.put("persongroups/" + "a" * 64, json=body).status_code == 200


@pytest.mark.parametrize("query", ["top=0", "top=1001", "top=x", "start=" + "a" * 65])
def test_it_validates_list_paging(api: Api, query: str) -> None:
    assert error_code(api.get(f"persongroups?{query}")) == (400, "BadArgument")


@pytest.mark.parametrize("group_id", ["UPPER", "no%20such", "missing", "a" * 65])
def test_it_answers_404_for_malformed_or_unknown_group_ids(api: Api, group_id: str) -> None:
    for method, path in [
        ("GET", f"persongroups/{group_id}"),
        ("PATCH", f"persongroups/{group_id}"),
        ("DELETE", f"persongroups/{group_id}"),
        ("POST", f"persongroups/{group_id}/train"),
        ("GET", f"persongroups/{group_id}/training"),
        ("GET", f"persongroups/{group_id}/persons"),
        ("POST", f"persongroups/{group_id}/persons"),
        ("GET", f"persongroups/{group_id}/persons/{uuid.uuid4()}"),
    ]:
        response = api.request(method, path, json={"name": "x"})
        assert error_code(response) == (404, "PersonGroupNotFound"), (method, path)


def test_it_accepts_an_empty_patch_of_a_small_group(api: Api) -> None:
    api.put("persongroups/g", json={"name": "G"})
    assert api.patch("persongroups/g", json={}).status_code == 200
    assert error_code(api.patch("persongroups/g", json={"name": ""})) == (400, "BadArgument")


def test_it_manages_persons(face_client: FaceClient) -> None:
    face_client.person_group.create("team", name="Team")
    persons = face_client.person_group_person
    ids = [str(persons.create("team", name=f"P{i}", user_data=f"u{i}").person_id) for i in range(5)]
    listed = persons.list("team")
    assert [str(p.person_id) for p in listed] == sorted(ids)
    assert all(p.persisted_face_ids == [] for p in listed)
    page = persons.list("team", start=sorted(ids)[1], top=2)
    assert [str(p.person_id) for p in page] == sorted(ids)[2:4]

    person_id = ids[0]
    got = persons.get("team", person_id)
    assert (got.name, got.user_data, got.persisted_face_ids) == ("P0", "u0", [])
    persons.update("team", person_id, name="Renamed")
    assert persons.get("team", person_id).name == "Renamed"
    persons.delete("team", person_id)
    with pytest.raises(APIErrorException) as raised:
        persons.get("team", person_id)
    assert api_error(raised) == (404, "PersonNotFound")


def test_it_accepts_person_ids_in_any_case_and_emits_lower_case(api: Api) -> None:
    api.put("persongroups/g", json={"name": "G"})
    person_id = api.post("persongroups/g/persons", json={"name": "P"}).json()["personId"]
    assert person_id == person_id.lower()
    response = api.get(f"persongroups/g/persons/{person_id.upper()}")
    assert response.json()["personId"] == person_id


@pytest.mark.parametrize("person_id", ["not-a-uuid", str(uuid.uuid4())])
def test_it_answers_404_for_malformed_or_unknown_person_ids(api: Api, person_id: str) -> None:
    api.put("persongroups/g", json={"name": "G"})
    for method in ("GET", "PATCH", "DELETE"):
        response = api.request(method, f"persongroups/g/persons/{person_id}", json={"name": "x"})
        assert error_code(response) == (404, "PersonNotFound")
    response = api.post(f"persongroups/g/persons/{person_id}/persistedfaces", headers=OCTET)
    assert error_code(response) == (404, "PersonNotFound")


def test_it_requires_a_person_name(api: Api) -> None:
    api.put("persongroups/g", json={"name": "G"})
    assert error_code(api.post("persongroups/g/persons", json={})) == (400, "BadArgument")
    response = api.post("persongroups/g/persons", json={"name": "x", "userData": "u" * 16385})
    assert error_code(response) == (400, "BadArgument")
    assert error_code(api.get("persongroups/g/persons?start=nope")) == (400, "BadArgument")


def test_it_adds_faces_from_a_stream_and_a_url(face_client: FaceClient, photo_server: str) -> None:
    face_client.person_group.create("g", name="G")
    person = face_client.person_group_person.create("g", name="Kit")
    persons = face_client.person_group_person
    with (DATA / "enroll/kit_harington/1.jpg").open("rb") as handle:
        first = persons.add_face_from_stream("g", person.person_id, handle, user_data="first")
    second = persons.add_face_from_url(
        "g", person.person_id, f"{photo_server}/enroll/kit_harington/2.jpg"
    )
    face_ids = persons.get("g", person.person_id).persisted_face_ids
    assert face_ids == [first.persisted_face_id, second.persisted_face_id]

    face = persons.get_face("g", person.person_id, first.persisted_face_id)
    assert (face.persisted_face_id, face.user_data) == (first.persisted_face_id, "first")
    persons.update_face("g", person.person_id, first.persisted_face_id, user_data="changed")
    assert persons.get_face("g", person.person_id, first.persisted_face_id).user_data == "changed"
    persons.delete_face("g", person.person_id, first.persisted_face_id)
    with pytest.raises(APIErrorException) as raised:
        persons.get_face("g", person.person_id, first.persisted_face_id)
    assert api_error(raised) == (404, "PersistedFaceNotFound")
    assert persons.get("g", person.person_id).persisted_face_ids == [second.persisted_face_id]

    stored = PersistedFace.objects.get(id=second.persisted_face_id)
    want = MANIFEST["enroll/kit_harington/2.jpg"]["faces"][0]["rect"]
    assert (
        abs(stored.rect_left - want["left"]) <= 8 and abs(stored.rect_width - want["width"]) <= 16
    )
    assert len(stored.descriptor) == 512


def test_it_picks_the_target_face_of_a_group_photo(api: Api) -> None:
    api.put("persongroups/g", json={"name": "G"})
    person_id = api.post("persongroups/g/persons", json={"name": "Rose"}).json()["personId"]
    path = f"persongroups/g/persons/{person_id}/persistedfaces"
    image = photo("multi/kit_harington_rose_leslie.jpg")

    several = api.post(path, data=image, headers=OCTET)
    assert error_code(several) == (400, "InvalidImage")
    assert several.json()["error"]["message"] == "There is more than 1 face in the image."

    rose = MANIFEST["multi/kit_harington_rose_leslie.jpg"]["faces"][1]["rect"]
    target = f"{rose['left'] + 3},{rose['top'] - 2},{rose['width']},{rose['height']}"
    added = api.post(f"{path}?targetFace={target}", data=image, headers=OCTET)
    assert added.status_code == 200, added.text
    stored = PersistedFace.objects.get(id=added.json()["persistedFaceId"])
    assert abs(stored.rect_left - rose["left"]) <= 8

    nowhere = api.post(f"{path}?targetFace=1,1,20,20", data=image, headers=OCTET)
    assert error_code(nowhere) == (400, "InvalidImage")
    assert nowhere.json()["error"]["message"] == "No face detected in the image."
    for bad in ("1,2,3", "a,b,c,d", "-1,0,10,10", "0,0,0,10", "400,600,200,200"):
        response = api.post(f"{path}?targetFace={bad}", data=image, headers=OCTET)
        assert error_code(response) == (400, "BadArgument"), bad


def test_it_refuses_photos_without_a_face_and_bad_add_face_options(api: Api) -> None:
    api.put("persongroups/g", json={"name": "G"})
    person_id = api.post("persongroups/g/persons", json={"name": "P"}).json()["personId"]
    path = f"persongroups/g/persons/{person_id}/persistedfaces"
    buffer = io.BytesIO()
    Image.effect_noise((320, 240), 40).convert("RGB").save(buffer, "PNG")
    response = api.post(path, data=buffer.getvalue(), headers=OCTET)
    assert error_code(response) == (400, "InvalidImage")
    assert response.json()["error"]["message"] == "No face detected in the image."
    face = photo("probe/kit_harington.jpg")
    response = api.post(f"{path}?userData={'u' * 1025}", data=face, headers=OCTET)
    assert error_code(response) == (400, "BadArgument")
    response = api.post(f"{path}?detectionModel=detection_09", data=face, headers=OCTET)
    assert error_code(response) == (400, "BadArgument")
    assert Person.objects.get(id=person_id).faces.count() == 0


def test_it_answers_404_for_unknown_persisted_faces(api: Api) -> None:
    api.put("persongroups/g", json={"name": "G"})
    person_id = api.post("persongroups/g/persons", json={"name": "P"}).json()["personId"]
    for face_id in ("nope", str(uuid.uuid4())):
        path = f"persongroups/g/persons/{person_id}/persistedfaces/{face_id}"
        for method in ("GET", "PATCH", "DELETE"):
            response = api.request(method, path, json={"userData": "x"})
            assert error_code(response) == (404, "PersistedFaceNotFound")


def test_it_limits_faces_per_person(api: Api) -> None:
    api.put("persongroups/g", json={"name": "G"})
    person_id = api.post("persongroups/g/persons", json={"name": "P"}).json()["personId"]
    PersistedFace.objects.bulk_create(
        PersistedFace(
            person_id=person_id,
            descriptor=b"\0" * 512,
            rect_left=0,
            rect_top=0,
            rect_width=10,
            rect_height=10,
        )
        for _ in range(FACES_PER_PERSON)
    )
    response = api.post(
        f"persongroups/g/persons/{person_id}/persistedfaces",
        data=photo("probe/kit_harington.jpg"),
        headers=OCTET,
    )
    assert error_code(response) == (403, "QuotaExceeded")
