"""The faceapi client against the live embedded engine: every Face, PersonGroup,
PersonGroupPerson and FaceList endpoint, on the happy path and on its main errors."""

from __future__ import annotations

from typing import Any

import pytest

from faceadmin.clients import errors
from faceadmin.clients.azure import AzureFaceClient
from faceadmin.clients.types import CollectionKind, FaceRectangle
from tests.conftest import DATA
from tests.faceapi_live.conftest import photo, wait_for_training

pytestmark = pytest.mark.django_db(transaction=True)

MANIFEST_RECT = {
    "enroll/barack_obama/1.jpg": (349, 142, 269, 268),
}


def test_person_group_lifecycle(client: AzureFaceClient, photo_server: str) -> None:
    client.collection_create(
        CollectionKind.PERSON_GROUP,
        collection_id="staff",
        name="Staff",
        user_data='{"site": 1}',
        recognition_model="recognition_04",
    )
    group = client.collection_get(
        CollectionKind.PERSON_GROUP, collection_id="staff", return_recognition_model=True
    )
    assert (group.name, group.user_data, group.recognition_model) == (
        "Staff",
        '{"site": 1}',
        "recognition_04",
    )
    client.collection_update(CollectionKind.PERSON_GROUP, collection_id="staff", name="Staff (HQ)")
    assert [g.id for g in client.collection_list(CollectionKind.PERSON_GROUP)] == ["staff"]
    assert (
        client.collection_get(CollectionKind.PERSON_GROUP, collection_id="staff").name
        == "Staff (HQ)"
    )

    people: dict[str, str] = {}
    for name in ("barack_obama", "joe_biden", "kit_harington"):
        people[name] = client.person_create(
            CollectionKind.PERSON_GROUP, collection_id="staff", name=name, user_data=f"id-{name}"
        )
    obama = people["barack_obama"]
    face1 = client.person_add_face_from_stream(
        CollectionKind.PERSON_GROUP,
        collection_id="staff",
        person_id=obama,
        image=photo("enroll/barack_obama/1.jpg"),
        user_data="from upload",
    )
    face2 = client.person_add_face_from_url(
        CollectionKind.PERSON_GROUP,
        collection_id="staff",
        person_id=obama,
        url=f"{photo_server}/enroll/barack_obama/2.jpg",
    )
    for name in ("joe_biden", "kit_harington"):
        client.person_add_face_from_stream(
            CollectionKind.PERSON_GROUP,
            collection_id="staff",
            person_id=people[name],
            image=photo(f"enroll/{name}/1.jpg"),
        )
    person = client.person_get(CollectionKind.PERSON_GROUP, collection_id="staff", person_id=obama)
    assert set(person.persisted_face_ids) == {face1, face2}
    assert (
        client.person_get_face(
            CollectionKind.PERSON_GROUP,
            collection_id="staff",
            person_id=obama,
            persisted_face_id=face1,
        ).user_data
        == "from upload"
    )
    client.person_update_face(
        CollectionKind.PERSON_GROUP,
        collection_id="staff",
        person_id=obama,
        persisted_face_id=face1,
        user_data="edited",
    )
    assert (
        client.person_get_face(
            CollectionKind.PERSON_GROUP,
            collection_id="staff",
            person_id=obama,
            persisted_face_id=face1,
        ).user_data
        == "edited"
    )
    client.person_update(
        CollectionKind.PERSON_GROUP, collection_id="staff", person_id=obama, name="Obama"
    )

    # Paging: ordered by id, `start` exclusive.
    all_ids = sorted(people.values())
    first = client.person_list(CollectionKind.PERSON_GROUP, collection_id="staff", top=2)
    rest = client.person_list(
        CollectionKind.PERSON_GROUP, collection_id="staff", start=first[-1].person_id
    )
    assert [p.person_id for p in first + rest] == all_ids
    assert [
        p.person_id
        for p in client.iter_persons(
            CollectionKind.PERSON_GROUP, collection_id="staff", page_size=1
        )
    ] == all_ids

    with pytest.raises(errors.PersonGroupNotTrained):
        client.training_status(CollectionKind.PERSON_GROUP, collection_id="staff")
    client.train(CollectionKind.PERSON_GROUP, collection_id="staff")
    status = wait_for_training(
        lambda: client.training_status(CollectionKind.PERSON_GROUP, collection_id="staff")
    )
    assert status.status == "succeeded", status

    probe = client.detect_with_stream(
        image=photo("probe/barack_obama.jpg"), recognition_model="recognition_04"
    )
    assert len(probe) == 1 and probe[0].face_id
    [result] = client.identify(face_ids=[probe[0].face_id], person_group_id="staff")
    assert result.candidates and result.candidates[0].person_id == obama
    assert result.candidates[0].confidence >= 0.5
    verdict = client.verify_face_to_person(
        face_id=probe[0].face_id, person_id=obama, person_group_id="staff"
    )
    assert verdict.is_identical
    assert not client.verify_face_to_person(
        face_id=probe[0].face_id, person_id=people["kit_harington"], person_group_id="staff"
    ).is_identical

    client.person_delete_face(
        CollectionKind.PERSON_GROUP, collection_id="staff", person_id=obama, persisted_face_id=face2
    )
    with pytest.raises(errors.PersistedFaceNotFound):
        client.person_get_face(
            CollectionKind.PERSON_GROUP,
            collection_id="staff",
            person_id=obama,
            persisted_face_id=face2,
        )
    client.person_delete(
        CollectionKind.PERSON_GROUP, collection_id="staff", person_id=people["joe_biden"]
    )
    with pytest.raises(errors.PersonNotFound):
        client.person_get(
            CollectionKind.PERSON_GROUP, collection_id="staff", person_id=people["joe_biden"]
        )
    client.collection_delete(CollectionKind.PERSON_GROUP, collection_id="staff")
    with pytest.raises(errors.PersonGroupNotFound):
        client.collection_get(CollectionKind.PERSON_GROUP, collection_id="staff")


def test_face_list_and_find_similar(client: AzureFaceClient, photo_server: str) -> None:
    client.collection_create(
        CollectionKind.FACE_LIST,
        collection_id="wanted",
        name="Wanted",
        recognition_model="recognition_01",
    )
    assert [c.id for c in client.collection_list(CollectionKind.FACE_LIST)] == ["wanted"]
    with pytest.raises(errors.FaceListNotReady):
        [probe] = client.detect_with_stream(image=photo("probe/kit_harington.jpg"))
        client.find_similar(face_id=probe.face_id or "", face_list_id="wanted")
    kit = client.add_face_from_stream(
        CollectionKind.FACE_LIST,
        collection_id="wanted",
        image=photo("enroll/kit_harington/1.jpg"),
        user_data="kit",
    )
    rose = client.add_face_from_url(
        CollectionKind.FACE_LIST,
        collection_id="wanted",
        url=f"{photo_server}/enroll/rose_leslie/1.jpg",
    )
    # A photo with two faces needs targetFace: pick Rose (the left face).
    two = client.detect_with_stream(image=photo("multi/kit_harington_rose_leslie.jpg"))
    leftmost = min(two, key=lambda f: f.rectangle.left)
    picked = client.add_face_from_stream(
        CollectionKind.FACE_LIST,
        collection_id="wanted",
        image=photo("multi/kit_harington_rose_leslie.jpg"),
        target_face=leftmost.rectangle,
    )
    listed = client.collection_get(CollectionKind.FACE_LIST, collection_id="wanted")
    assert {f.persisted_face_id for f in listed.persisted_faces or ()} == {kit, rose, picked}
    client.collection_update(CollectionKind.FACE_LIST, collection_id="wanted", user_data="updated")
    assert (
        client.collection_get(CollectionKind.FACE_LIST, collection_id="wanted").user_data
        == "updated"
    )

    [probe] = client.detect_with_stream(image=photo("probe/kit_harington.jpg"))
    assert probe.face_id
    similar = client.find_similar(face_id=probe.face_id, face_list_id="wanted")
    assert [s.persisted_face_id for s in similar] == [kit]
    ranked = client.find_similar(face_id=probe.face_id, face_list_id="wanted", mode="matchFace")
    assert len(ranked) == 3 and ranked[0].persisted_face_id == kit
    assert ranked == sorted(ranked, key=lambda s: -s.confidence)

    client.delete_face(CollectionKind.FACE_LIST, collection_id="wanted", persisted_face_id=rose)
    client.collection_delete(CollectionKind.FACE_LIST, collection_id="wanted")
    with pytest.raises(errors.FaceListNotFound):
        client.collection_get(CollectionKind.FACE_LIST, collection_id="wanted")


def test_detect_verify_and_group(client: AzureFaceClient, photo_server: str) -> None:
    faces = client.detect_with_stream(
        image=photo("multi/barack_obama_joe_biden.jpg"),
        return_face_landmarks=True,
        return_face_attributes=["headPose", "blur", "exposure", "noise"],
    )
    assert len(faces) == 3
    areas = [f.rectangle.width * f.rectangle.height for f in faces]
    assert areas == sorted(areas, reverse=True)
    assert faces[0].landmarks and len(faces[0].landmarks) == 27
    assert faces[0].head_pose is not None and faces[0].blur is not None

    by_url = client.detect_with_url(url=f"{photo_server}/enroll/barack_obama/1.jpg")
    left, top, width, height = MANIFEST_RECT["enroll/barack_obama/1.jpg"]
    rect = by_url[0].rectangle
    assert abs(rect.left - left) < 25 and abs(rect.top - top) < 25
    assert abs(rect.width - width) < 40 and abs(rect.height - height) < 40

    [a] = client.detect_with_stream(image=photo("enroll/barack_obama/1.jpg"))
    [b] = client.detect_with_stream(image=photo("probe/barack_obama_2.jpg"))
    [c] = client.detect_with_stream(image=photo("enroll/alex_lacamoire/1.jpg"))
    assert a.face_id and b.face_id and c.face_id
    assert client.verify_face_to_face(face_id1=a.face_id, face_id2=b.face_id).is_identical
    assert not client.verify_face_to_face(face_id1=a.face_id, face_id2=c.face_id).is_identical

    ids = [f.face_id or "" for f in faces] + [a.face_id, b.face_id, c.face_id]
    grouped = client.group(face_ids=ids)
    obama_group = next(g for g in grouped.groups if a.face_id in g)
    assert b.face_id in obama_group and c.face_id not in obama_group
    similar = client.find_similar(face_id=a.face_id, face_ids=ids, mode="matchPerson")
    assert b.face_id in {s.face_id for s in similar}


def test_engine_errors_arrive_as_typed_exceptions(client: AzureFaceClient) -> None:
    client.collection_create(CollectionKind.PERSON_GROUP, collection_id="dup", name="Dup")
    cases: list[tuple[type[errors.FaceApiError], Any]] = [
        (
            errors.PersonGroupExists,
            lambda: client.collection_create(
                CollectionKind.PERSON_GROUP, collection_id="dup", name="Again"
            ),
        ),
        (
            errors.PersonGroupNotFound,
            lambda: client.collection_get(CollectionKind.PERSON_GROUP, collection_id="nope"),
        ),
        (
            errors.PersonNotFound,
            lambda: client.person_get(
                CollectionKind.PERSON_GROUP,
                collection_id="dup",
                person_id="00000000-0000-0000-0000-000000000000",
            ),
        ),
        (errors.InvalidImageSize, lambda: client.detect_with_stream(image=b"x" * 100)),
        (errors.InvalidImage, lambda: client.detect_with_stream(image=b"not an image" * 200)),
        (
            errors.FaceNotFound,
            lambda: client.verify_face_to_face(
                face_id1="00000000-0000-0000-0000-000000000001",
                face_id2="00000000-0000-0000-0000-000000000002",
            ),
        ),
        (
            errors.PersonGroupNotTrained,
            lambda: client.identify(
                face_ids=[
                    client.detect_with_stream(image=photo("probe/barack_obama.jpg"))[0].face_id
                    or ""
                ],
                person_group_id="dup",
            ),
        ),
        (
            errors.UnsupportedFeature,
            lambda: client.detect_with_stream(
                image=photo("probe/barack_obama.jpg"), return_face_attributes=["emotion"]
            ),
        ),
    ]
    for expected, call in cases:
        with pytest.raises(expected) as caught:
            call()
        assert caught.value.status in {400, 403, 404, 409}
        assert caught.value.message


def test_a_photo_with_two_faces_needs_a_target(client: AzureFaceClient) -> None:
    client.collection_create(CollectionKind.FACE_LIST, collection_id="pick", name="Pick")
    image = photo("multi/kit_harington_rose_leslie.jpg")
    with pytest.raises(errors.InvalidImage):
        client.add_face_from_stream(CollectionKind.FACE_LIST, collection_id="pick", image=image)
    with pytest.raises(errors.BadArgument):
        client.add_face_from_stream(
            CollectionKind.FACE_LIST,
            collection_id="pick",
            image=image,
            target_face=FaceRectangle(5000, 5000, 10, 10),
        )


def test_the_client_speaks_real_http_to_a_live_server(live_server: Any, local_tenant: Any) -> None:
    """Same client, real sockets: the server under test is an Azure-compatible endpoint."""
    client = AzureFaceClient.for_endpoint(live_server.url, local_tenant.primary_key)
    faces = client.detect_with_stream(image=(DATA / "multi/two_people.jpg").read_bytes())
    assert len(faces) == 2
    client.collection_create(CollectionKind.PERSON_GROUP, collection_id="remote", name="Remote")
    assert [g.id for g in client.collection_list(CollectionKind.PERSON_GROUP)] == ["remote"]
    bad = AzureFaceClient.for_endpoint(live_server.url, "wrong-key")
    with pytest.raises(errors.Unauthorized) as caught:
        bad.collection_list(CollectionKind.PERSON_GROUP)
    assert caught.value.status == 401
    assert "wrong-key" not in str(caught.value)
