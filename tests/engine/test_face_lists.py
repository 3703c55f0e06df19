"""FaceList endpoints: CRUD, faces, validation, quotas."""

from __future__ import annotations

import uuid

import pytest
from azure.cognitiveservices.vision.face import FaceClient
from azure.cognitiveservices.vision.face.models import APIErrorException

from faceadmin.engine.facelists import FACES_PER_LIST, LISTS_PER_ACCOUNT
from faceadmin.engine.models import Account, FaceList, PersistedFace
from tests.engine.conftest import DATA, Api, error_code, photo

OCTET = {"Content-Type": "application/octet-stream"}


def test_it_manages_face_lists_and_their_faces(face_client: FaceClient, photo_server: str) -> None:
    lists = face_client.face_list
    lists.create("stars", name="Stars", user_data="famous", recognition_model="recognition_02")
    lists.create("extras", name="Extras")
    with (DATA / "enroll/rose_leslie/1.jpg").open("rb") as handle:
        rose = lists.add_face_from_stream("stars", handle, user_data="rose")
    kit = lists.add_face_from_url("stars", f"{photo_server}/enroll/kit_harington/1.jpg")

    got = lists.get("stars", return_recognition_model=True)
    assert (got.face_list_id, got.name, got.user_data) == ("stars", "Stars", "famous")
    assert got.recognition_model == "recognition_02"
    faces = {str(f.persisted_face_id): f.user_data for f in got.persisted_faces}
    assert faces == {str(rose.persisted_face_id): "rose", str(kit.persisted_face_id): None}

    listed = lists.list()
    assert [f.face_list_id for f in listed] == ["extras", "stars"]
    assert all(f.persisted_faces is None and f.recognition_model is None for f in listed)

    lists.update("stars", name="Movie stars")
    assert lists.get("stars").name == "Movie stars"
    lists.delete_face("stars", rose.persisted_face_id)
    assert [f.persisted_face_id for f in lists.get("stars").persisted_faces] == [
        kit.persisted_face_id
    ]
    lists.delete("stars")
    with pytest.raises(APIErrorException) as raised:
        lists.get("stars")
    assert raised.value.error.error.code == "FaceListNotFound"
    assert PersistedFace.objects.count() == 0


def test_it_answers_face_list_errors(api: Api) -> None:
    assert api.put("facelists/l", json={"name": "L"}).status_code == 200
    assert error_code(api.put("facelists/l", json={"name": "L"})) == (409, "FaceListExists")
    assert error_code(api.put("facelists/Bad", json={"name": "L"})) == (400, "BadArgument")
    assert error_code(api.put("facelists/m", json={"name": ""})) == (400, "BadArgument")
    for path in ("facelists/Bad", "facelists/missing"):
        for method in ("GET", "PATCH", "DELETE"):
            response = api.request(method, path, json={"name": "x"})
            assert error_code(response) == (404, "FaceListNotFound")
        response = api.post(f"{path}/persistedfaces", data=photo("probe/kit_harington.jpg"))
        assert error_code(response) == (404, "FaceListNotFound")
    for face_id in ("nope", str(uuid.uuid4())):
        response = api.delete(f"facelists/l/persistedfaces/{face_id}")
        assert error_code(response) == (404, "PersistedFaceNotFound")


def test_it_limits_face_lists_per_account(api: Api) -> None:
    account = Account.objects.get(name="tests")
    FaceList.objects.bulk_create(
        FaceList(account=account, list_id=f"l{i}", name="L", recognition_model="recognition_01")
        for i in range(LISTS_PER_ACCOUNT[False])
    )
    assert error_code(api.put("facelists/one-more", json={"name": "L"})) == (403, "QuotaExceeded")


def test_it_limits_faces_per_list(api: Api) -> None:
    api.put("facelists/full", json={"name": "Full"})
    face_list = FaceList.objects.get(list_id="full")
    PersistedFace.objects.bulk_create(
        PersistedFace(
            face_list=face_list,
            descriptor=b"\0" * 512,
            rect_left=0,
            rect_top=0,
            rect_width=10,
            rect_height=10,
        )
        for _ in range(FACES_PER_LIST[False])
    )
    response = api.post(
        "facelists/full/persistedfaces", data=photo("probe/kit_harington.jpg"), headers=OCTET
    )
    assert error_code(response) == (403, "QuotaExceeded")
