"""The faceapi client against the live embedded engine: every LargePersonGroup,
LargePersonGroupPerson, LargeFaceList and Snapshot endpoint, and operation polling."""

from __future__ import annotations

import time

import pytest

from faceadmin.clients import errors
from faceadmin.clients.azure import AzureFaceClient
from faceadmin.clients.types import CollectionKind, OperationStatus
from faceadmin.engine.accounts import account_for_key
from faceadmin.tenants.models import Tenant
from tests.faceapi_live.conftest import photo, wait_for_training

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for_operation(client: AzureFaceClient, operation_id: str) -> OperationStatus:
    deadline = time.monotonic() + 60
    while True:
        status = client.snapshot_get_operation_status(operation_id=operation_id)
        if status.is_finished or time.monotonic() > deadline:
            return status
        time.sleep(0.2)


def test_large_person_group_lifecycle(client: AzureFaceClient, photo_server: str) -> None:
    client.collection_create(
        CollectionKind.LARGE_PERSON_GROUP,
        collection_id="big",
        name="Big",
        recognition_model="recognition_04",
    )
    group = client.collection_get(
        CollectionKind.LARGE_PERSON_GROUP, collection_id="big", return_recognition_model=True
    )
    assert (group.name, group.recognition_model) == ("Big", "recognition_04")
    client.collection_update(CollectionKind.LARGE_PERSON_GROUP, collection_id="big", user_data="u")
    assert [g.id for g in client.collection_list(CollectionKind.LARGE_PERSON_GROUP)] == ["big"]
    assert [
        g.id for g in client.iter_collections(CollectionKind.LARGE_PERSON_GROUP, page_size=1)
    ] == ["big"]

    kit = client.person_create(CollectionKind.LARGE_PERSON_GROUP, collection_id="big", name="kit")
    rose = client.person_create(CollectionKind.LARGE_PERSON_GROUP, collection_id="big", name="rose")
    face = client.person_add_face_from_stream(
        CollectionKind.LARGE_PERSON_GROUP,
        collection_id="big",
        person_id=kit,
        image=photo("enroll/kit_harington/1.jpg"),
    )
    client.person_add_face_from_url(
        CollectionKind.LARGE_PERSON_GROUP,
        collection_id="big",
        person_id=rose,
        url=f"{photo_server}/enroll/rose_leslie/1.jpg",
    )
    client.person_update_face(
        CollectionKind.LARGE_PERSON_GROUP,
        collection_id="big",
        person_id=kit,
        persisted_face_id=face,
        user_data="f",
    )
    assert (
        client.person_get_face(
            CollectionKind.LARGE_PERSON_GROUP,
            collection_id="big",
            person_id=kit,
            persisted_face_id=face,
        ).user_data
        == "f"
    )
    client.person_update(
        CollectionKind.LARGE_PERSON_GROUP, collection_id="big", person_id=kit, name="Kit Harington"
    )
    assert (
        client.person_get(
            CollectionKind.LARGE_PERSON_GROUP, collection_id="big", person_id=kit
        ).name
        == "Kit Harington"
    )
    listed = [
        p.person_id
        for p in client.person_list(CollectionKind.LARGE_PERSON_GROUP, collection_id="big", top=1)
    ]
    walked = [
        p.person_id
        for p in client.iter_persons(
            CollectionKind.LARGE_PERSON_GROUP, collection_id="big", page_size=1
        )
    ]
    assert walked == sorted([kit, rose]) and listed == walked[:1]

    [probe] = client.detect_with_stream(
        image=photo("probe/kit_harington.jpg"), recognition_model="recognition_04"
    )
    assert probe.face_id
    with pytest.raises(errors.LargePersonGroupNotTrained):
        client.identify(face_ids=[probe.face_id], large_person_group_id="big")
    client.train(CollectionKind.LARGE_PERSON_GROUP, collection_id="big")
    status = wait_for_training(
        lambda: client.training_status(CollectionKind.LARGE_PERSON_GROUP, collection_id="big")
    )
    assert status.status == "succeeded" and status.last_successful_training is not None
    [result] = client.identify(face_ids=[probe.face_id], large_person_group_id="big")
    assert result.candidates[0].person_id == kit
    assert client.verify_face_to_person(
        face_id=probe.face_id, person_id=kit, large_person_group_id="big"
    ).is_identical

    client.person_delete_face(
        CollectionKind.LARGE_PERSON_GROUP,
        collection_id="big",
        person_id=kit,
        persisted_face_id=face,
    )
    client.person_delete(CollectionKind.LARGE_PERSON_GROUP, collection_id="big", person_id=rose)
    with pytest.raises(errors.PersonNotFound):
        client.person_get(CollectionKind.LARGE_PERSON_GROUP, collection_id="big", person_id=rose)
    client.collection_delete(CollectionKind.LARGE_PERSON_GROUP, collection_id="big")
    with pytest.raises(errors.LargePersonGroupNotFound):
        client.collection_get(CollectionKind.LARGE_PERSON_GROUP, collection_id="big")


def test_large_face_list_lifecycle(client: AzureFaceClient, photo_server: str) -> None:
    client.collection_create(CollectionKind.LARGE_FACE_LIST, collection_id="watch", name="Watch")
    client.collection_update(
        CollectionKind.LARGE_FACE_LIST, collection_id="watch", name="Watchlist"
    )
    assert (
        client.collection_get(CollectionKind.LARGE_FACE_LIST, collection_id="watch").name
        == "Watchlist"
    )
    assert [c.id for c in client.collection_list(CollectionKind.LARGE_FACE_LIST)] == ["watch"]
    assert [c.id for c in client.iter_collections(CollectionKind.LARGE_FACE_LIST, page_size=1)] == [
        "watch"
    ]
    kit = client.add_face_from_stream(
        CollectionKind.LARGE_FACE_LIST,
        collection_id="watch",
        image=photo("enroll/kit_harington/2.jpg"),
        user_data="k",
    )
    alex = client.add_face_from_url(
        CollectionKind.LARGE_FACE_LIST,
        collection_id="watch",
        url=f"{photo_server}/enroll/alex_lacamoire/1.jpg",
    )
    client.update_face(
        CollectionKind.LARGE_FACE_LIST, collection_id="watch", persisted_face_id=alex, user_data="a"
    )
    assert (
        client.get_face(
            CollectionKind.LARGE_FACE_LIST, collection_id="watch", persisted_face_id=alex
        ).user_data
        == "a"
    )
    page = client.list_faces(CollectionKind.LARGE_FACE_LIST, collection_id="watch", top=1)
    walked = [
        f.persisted_face_id
        for f in client.iter_faces(
            CollectionKind.LARGE_FACE_LIST, collection_id="watch", page_size=1
        )
    ]
    assert walked == sorted([kit, alex]) and [f.persisted_face_id for f in page] == walked[:1]

    [probe] = client.detect_with_stream(image=photo("probe/kit_harington.jpg"))
    assert probe.face_id
    with pytest.raises(errors.LargeFaceListNotTrained):
        client.find_similar(face_id=probe.face_id, large_face_list_id="watch")
    client.train(CollectionKind.LARGE_FACE_LIST, collection_id="watch")
    status = wait_for_training(
        lambda: client.training_status(CollectionKind.LARGE_FACE_LIST, collection_id="watch")
    )
    assert status.status == "succeeded"
    similar = client.find_similar(face_id=probe.face_id, large_face_list_id="watch")
    assert [s.persisted_face_id for s in similar] == [kit]
    client.delete_face(
        CollectionKind.LARGE_FACE_LIST, collection_id="watch", persisted_face_id=alex
    )
    with pytest.raises(errors.PersistedFaceNotFound):
        client.get_face(
            CollectionKind.LARGE_FACE_LIST, collection_id="watch", persisted_face_id=alex
        )
    client.collection_delete(CollectionKind.LARGE_FACE_LIST, collection_id="watch")
    with pytest.raises(errors.LargeFaceListNotFound):
        client.collection_get(CollectionKind.LARGE_FACE_LIST, collection_id="watch")


def test_snapshot_take_poll_apply_and_manage(client: AzureFaceClient, local_tenant: Tenant) -> None:
    account = account_for_key(local_tenant.primary_key)
    assert account is not None
    subscription = str(account.pk)
    client.collection_create(CollectionKind.PERSON_GROUP, collection_id="src", name="Source")
    person = client.person_create(CollectionKind.PERSON_GROUP, collection_id="src", name="alex")
    client.person_add_face_from_stream(
        CollectionKind.PERSON_GROUP,
        collection_id="src",
        person_id=person,
        image=photo("enroll/alex_lacamoire/1.jpg"),
    )
    client.train(CollectionKind.PERSON_GROUP, collection_id="src")
    assert (
        wait_for_training(
            lambda: client.training_status(CollectionKind.PERSON_GROUP, collection_id="src")
        ).status
        == "succeeded"
    )

    operation = client.snapshot_take(
        kind=CollectionKind.PERSON_GROUP,
        object_id="src",
        apply_scope=[subscription],
        user_data="nightly",
    )
    taken = wait_for_operation(client, operation)
    assert taken.status == "succeeded", taken
    assert taken.resource_location and taken.resource_location.startswith("/snapshots/")
    snapshot_id = taken.resource_location.rsplit("/", 1)[1]
    snapshot = client.snapshot_get(snapshot_id=snapshot_id)
    assert (snapshot.type, snapshot.user_data) == (CollectionKind.PERSON_GROUP, "nightly")
    assert [s.id for s in client.snapshot_list(kind=CollectionKind.PERSON_GROUP)] == [snapshot_id]
    client.snapshot_update(snapshot_id=snapshot_id, user_data="kept")
    assert client.snapshot_get(snapshot_id=snapshot_id).user_data == "kept"

    applied = wait_for_operation(
        client, client.snapshot_apply(snapshot_id=snapshot_id, object_id="copy")
    )
    assert applied.status == "succeeded" and applied.resource_location == "/persongroups/copy"
    # The copy carries its training: identify works without training it again.
    [probe] = client.detect_with_stream(image=photo("probe/alex_lacamoire.jpg"))
    assert probe.face_id
    [result] = client.identify(face_ids=[probe.face_id], person_group_id="copy")
    [copied] = client.person_list(CollectionKind.PERSON_GROUP, collection_id="copy")
    assert result.candidates and result.candidates[0].person_id == copied.person_id
    with pytest.raises(errors.PersonGroupExists):
        wait_for_operation(client, client.snapshot_apply(snapshot_id=snapshot_id, object_id="copy"))

    client.snapshot_delete(snapshot_id=snapshot_id)
    with pytest.raises(errors.SnapshotNotFound):
        client.snapshot_get(snapshot_id=snapshot_id)
    with pytest.raises(errors.OperationNotFound):
        client.snapshot_get_operation_status(operation_id="00000000-0000-0000-0000-00000000dead")
