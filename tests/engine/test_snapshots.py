"""Snapshots and operations (rows 63-69) through the SDK: take, poll, get, list, update,
apply (identify / find similar work at once), delete, scope, expiry, conflicts, restarts."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from azure.cognitiveservices.vision.face import FaceClient
from azure.cognitiveservices.vision.face.models import APIErrorException
from django.conf import settings
from django.utils import timezone

from faceadmin.engine import snapshots
from faceadmin.engine.accounts import account_create, account_for_key
from faceadmin.engine.models import (
    Account,
    FaceList,
    Operation,
    PersistedFace,
    Person,
    PersonGroup,
    Snapshot,
    Training,
)
from tests.engine.conftest import Api, World, error_code, sdk_client, wait_for_training
from tests.engine.test_large_face_lists import copy_world_list, wait_for_list_training


def api_error(raised: pytest.ExceptionInfo[APIErrorException]) -> tuple[int, str]:
    return raised.value.response.status_code, raised.value.error.error.code


def account_id(key: str) -> str:
    account = account_for_key(key)
    assert account is not None
    return str(account.id)


def operation_id(raw: Any) -> str:
    location = raw.headers["Operation-Location"]
    assert location.startswith("/operations/")
    return location.rsplit("/", 1)[-1]


def wait_for_operation(client: FaceClient, op_id: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        status = client.snapshot.get_operation_status(op_id)
        if status.status in ("succeeded", "failed"):
            return status
        assert time.monotonic() < deadline, status.status
        time.sleep(0.05)


def api_take_finishes(api: Api, body: dict[str, Any]) -> str:
    """Take over raw HTTP and wait for the operation (no thread outlives the test)."""
    response = api.post("snapshots", json=body)
    assert response.status_code == 202, response.text
    deadline = time.monotonic() + 60
    while (status := api.get(response.headers["Operation-Location"]).json()["status"]) not in (
        "succeeded",
        "failed",
    ):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return str(status)


def take(client: FaceClient, type_: str, object_id: str, scope: list[str], **kwargs: Any) -> str:
    raw = client.snapshot.take(type_, object_id, scope, raw=True, **kwargs)
    assert raw.response.status_code == 202
    status = wait_for_operation(client, operation_id(raw))
    assert status.status == "succeeded", status.message
    assert status.resource_location.startswith("/snapshots/")
    return str(status.resource_location.rsplit("/", 1)[-1])


def apply(client: FaceClient, snapshot_id: str, object_id: str) -> Any:
    raw = client.snapshot.apply(snapshot_id, object_id, raw=True)
    assert raw.response.status_code == 202
    return wait_for_operation(client, operation_id(raw))


def test_a_person_group_snapshot_is_taken_and_applied_with_its_training(world: World) -> None:
    client = world.client
    assert client is not None
    own = account_id(world.key)
    raw = client.snapshot.take("PersonGroup", world.group_id, [own], user_data="backup", raw=True)
    op_id = operation_id(raw)
    status = wait_for_operation(client, op_id)
    assert (status.status, status.message) == ("succeeded", None)
    assert status.created_time <= status.last_action_time
    snapshot_id = status.resource_location.removeprefix("/snapshots/")
    assert (Path(settings.FACEADMIN_ENGINE_DATA_DIR) / "snapshots" / snapshot_id).is_dir()

    got = client.snapshot.get(snapshot_id)
    assert (str(got.id), got.account, got.type, got.user_data) == (
        snapshot_id,
        own,
        "PersonGroup",
        "backup",
    )
    assert [str(s) for s in got.apply_scope] == [own]
    assert got.created_time <= got.last_update_time

    applied = apply(client, snapshot_id, "world-copy")
    assert (applied.status, applied.resource_location) == ("succeeded", "/persongroups/world-copy")
    # The copy is complete and trained: identify works at once, without retraining.
    copy = {p.name: p for p in client.person_group_person.list("world-copy")}
    original = {p.name: p for p in client.person_group_person.list(world.group_id)}
    assert set(copy) == set(original)
    for name, person in copy.items():
        assert person.user_data == original[name].user_data
        assert len(person.persisted_face_ids) == len(original[name].persisted_face_ids)
        assert person.person_id != original[name].person_id
    assert client.person_group.get("world-copy").name == "World"
    training = client.person_group.get_training_status("world-copy")
    assert training.status == "succeeded"
    probe = world.faces["probe/kit_harington.jpg"][0]
    (result,) = client.face.identify([probe], person_group_id="world-copy")
    assert result.candidates[0].person_id == copy["kit_harington"].person_id
    # ... and the copy trains on its own later.
    client.person_group.train("world-copy")
    assert wait_for_training(client, "world-copy").status == "succeeded"
    (result,) = client.face.identify([probe], person_group_id="world-copy")
    assert result.candidates[0].person_id == copy["kit_harington"].person_id


def test_a_large_face_list_snapshot_finds_similar_faces_once_applied(world: World) -> None:
    client = world.client
    assert client is not None
    copy_world_list(world, "gate")
    client.large_face_list.train("gate")
    wait_for_list_training(client, "gate")
    snapshot_id = take(client, "largefacelist", "gate", [account_id(world.key)])
    status = apply(client, snapshot_id, "gate-copy")
    assert status.resource_location == "/largefacelists/gate-copy"
    probe = world.faces["probe/kit_harington.jpg"][0]
    (match,) = client.face.find_similar(probe, large_face_list_id="gate-copy")
    face = client.large_face_list.get_face("gate-copy", match.persisted_face_id)
    assert face.user_data == "enroll/kit_harington/1.jpg"
    assert len(client.large_face_list.list_faces("gate-copy")) == len(world.list_faces)


def test_an_untrained_large_group_is_copied_untrained(
    face_client: FaceClient, engine_key: str
) -> None:
    face_client.large_person_group.create("empty", name="Empty", user_data="e")
    face_client.large_person_group_person.create("empty", name="Nobody")
    snapshot_id = take(face_client, "LargePersonGroup", "empty", [account_id(engine_key)])
    assert apply(face_client, snapshot_id, "empty-copy").status == "succeeded"
    got = face_client.large_person_group.get("empty-copy")
    assert (got.name, got.user_data) == ("Empty", "e")
    assert [p.name for p in face_client.large_person_group_person.list("empty-copy")] == ["Nobody"]
    with pytest.raises(APIErrorException) as raised:
        face_client.large_person_group.get_training_status("empty-copy")
    assert api_error(raised) == (404, "LargePersonGroupNotTrained")


def test_a_face_list_snapshot_keeps_faces_in_order(
    face_client: FaceClient, api: Api, engine_key: str
) -> None:
    face_client.face_list.create("small", name="Small")
    face_list = FaceList.objects.get(list_id="small")
    for index in range(5):
        PersistedFace.objects.create(
            face_list=face_list,
            descriptor=bytes(512),
            user_data=f"#{index}",
            rect_left=index,
            rect_top=0,
            rect_width=10,
            rect_height=10,
        )
    snapshot_id = take(face_client, "FaceList", "small", [account_id(engine_key)])
    assert (
        apply(face_client, snapshot_id, "small-copy").resource_location == "/facelists/small-copy"
    )
    faces = face_client.face_list.get("small-copy").persisted_faces
    assert [f.user_data for f in faces] == [f"#{i}" for i in range(5)]


def test_snapshots_are_listed_filtered_updated_and_deleted(
    face_client: FaceClient, api: Api, engine_key: str
) -> None:
    own = account_id(engine_key)
    partner = str(uuid.uuid4())
    face_client.person_group.create("g", name="G")
    face_client.face_list.create("l", name="L")
    group_snapshot = take(face_client, "PersonGroup", "g", [own])
    list_snapshot = take(face_client, "FaceList", "l", [own, partner])
    listed = {str(s.id): s for s in face_client.snapshot.list()}
    assert set(listed) == {group_snapshot, list_snapshot}
    assert [str(s.id) for s in face_client.snapshot.list(type="FaceList")] == [list_snapshot]
    assert [str(s.id) for s in face_client.snapshot.list(apply_scope=[partner])] == [list_snapshot]
    assert error_code(api.get("snapshots?type=Nope")) == (400, "BadArgument")

    face_client.snapshot.update(group_snapshot, apply_scope=[own, partner], user_data="shared")
    got = face_client.snapshot.get(group_snapshot)
    assert ({str(s) for s in got.apply_scope}, got.user_data) == ({own, partner}, "shared")
    assert got.last_update_time >= got.created_time

    face_client.snapshot.delete(group_snapshot)
    with pytest.raises(APIErrorException) as raised:
        face_client.snapshot.get(group_snapshot)
    assert api_error(raised) == (404, "SnapshotNotFound")
    assert not (Path(settings.FACEADMIN_ENGINE_DATA_DIR) / "snapshots" / group_snapshot).exists()
    assert [str(s.id) for s in face_client.snapshot.list()] == [list_snapshot]


def test_only_accounts_in_scope_see_and_apply_a_snapshot(
    face_client: FaceClient, live_server: Any, engine_key: str
) -> None:
    face_client.person_group.create("g", name="G")
    snapshot_id = take(face_client, "PersonGroup", "g", [account_id(engine_key)])
    partner_account, partner_key = account_create(name="partner")
    partner = sdk_client(live_server.url, partner_key)
    try:
        for call in (
            lambda: partner.snapshot.get(snapshot_id),
            lambda: partner.snapshot.apply(snapshot_id, "g"),
            lambda: partner.snapshot.update(snapshot_id, user_data="x"),
            lambda: partner.snapshot.delete(snapshot_id),
        ):
            with pytest.raises(APIErrorException) as raised:
                call()
            assert api_error(raised) == (404, "SnapshotNotFound")
        assert partner.snapshot.list() == []

        face_client.snapshot.update(snapshot_id, apply_scope=[str(partner_account.id)])
        assert [str(s.id) for s in partner.snapshot.list()] == [snapshot_id]
        seen = partner.snapshot.get(snapshot_id)
        assert seen.account == account_id(engine_key)
        # The owner still manages it, but may no longer apply it.
        with pytest.raises(APIErrorException) as raised:
            face_client.snapshot.apply(snapshot_id, "g-copy")
        assert api_error(raised) == (404, "SnapshotNotFound")
        # Only the owner may change it.
        with pytest.raises(APIErrorException) as raised:
            partner.snapshot.update(snapshot_id, user_data="x")
        assert api_error(raised) == (404, "SnapshotNotFound")
        status = apply(partner, snapshot_id, "g")  # the same id, in another account
        assert status.status == "succeeded"
        assert partner.person_group.get("g").name == "G"
        # Operations are private to their account.
        raw = partner.snapshot.apply(snapshot_id, "g2", raw=True)
        op_id = operation_id(raw)
        with pytest.raises(APIErrorException) as raised:
            face_client.snapshot.get_operation_status(op_id)
        assert api_error(raised) == (404, "OperationNotFound")
        assert wait_for_operation(partner, op_id).status == "succeeded"
    finally:
        partner.close()


def test_apply_answers_conflicts_and_errors(
    face_client: FaceClient, api: Api, engine_key: str
) -> None:
    own = account_id(engine_key)
    face_client.large_person_group.create("g", name="G")
    snapshot_id = take(face_client, "LargePersonGroup", "g", [own])
    with pytest.raises(APIErrorException) as raised:
        face_client.snapshot.apply(snapshot_id, "g")
    assert api_error(raised) == (409, "LargePersonGroupExists")
    assert error_code(api.post(f"snapshots/{snapshot_id}/apply", json={"objectId": "Bad id"})) == (
        400,
        "BadArgument",
    )
    body = {"objectId": "x", "mode": "Merge"}
    assert error_code(api.post(f"snapshots/{snapshot_id}/apply", json=body)) == (400, "BadArgument")
    for bad in ("nope", str(uuid.uuid4())):
        assert error_code(api.get(f"snapshots/{bad}")) == (404, "SnapshotNotFound")
        assert error_code(api.post(f"snapshots/{bad}/apply", json={"objectId": "x"})) == (
            404,
            "SnapshotNotFound",
        )
        assert error_code(api.get(f"operations/{bad}")) == (404, "OperationNotFound")


@pytest.mark.parametrize(
    "body",
    [
        {"type": "Group", "objectId": "g", "applyScope": []},
        {"objectId": "g", "applyScope": []},
        {"type": "PersonGroup", "objectId": "G!", "applyScope": []},
        {"type": "PersonGroup", "objectId": "g"},
        {"type": "PersonGroup", "objectId": "g", "applyScope": ["not-a-uuid"]},
        {"type": "PersonGroup", "objectId": "g", "applyScope": [], "userData": "u" * 16385},
    ],
)
def test_take_validates_its_body(api: Api, body: dict[str, Any]) -> None:
    api.put("persongroups/g", json={"name": "G"})
    assert error_code(api.post("snapshots", json=body)) == (400, "BadArgument")


def test_take_of_a_missing_object_is_not_found(api: Api) -> None:
    body = {"type": "LargeFaceList", "objectId": "missing", "applyScope": []}
    assert error_code(api.post("snapshots", json=body)) == (400, "LargeFaceListNotFound")


def test_a_snapshot_expires(face_client: FaceClient, engine_key: str, api: Api) -> None:
    face_client.person_group.create("g", name="G")
    snapshot_id = take(face_client, "PersonGroup", "g", [account_id(engine_key)])
    row = Snapshot.objects.get(id=snapshot_id)
    assert row.expires_at - row.created == timedelta(
        hours=settings.FACEADMIN_ENGINE_SNAPSHOT_TTL_HOURS
    )
    Snapshot.objects.filter(id=snapshot_id).update(expires_at=timezone.now())
    assert error_code(api.get(f"snapshots/{snapshot_id}")) == (404, "SnapshotNotFound")
    body = {"objectId": "g2"}
    assert error_code(api.post(f"snapshots/{snapshot_id}/apply", json=body)) == (
        404,
        "SnapshotNotFound",
    )
    assert api.get("snapshots").json() == []  # and the listing purges it
    assert not Snapshot.objects.filter(id=snapshot_id).exists()
    assert not (Path(settings.FACEADMIN_ENGINE_DATA_DIR) / "snapshots" / snapshot_id).exists()


def _active_operation(
    account: Account, object_type: str, object_id: str, **fields: Any
) -> Operation:
    now = timezone.now()
    defaults: dict[str, Any] = {
        "action": "take",
        "status": "running",
        "worker": "another-live-process",
        "heartbeat": now,
        "created": now,
        "last_action": now,
    }
    return Operation.objects.create(
        account=account,
        object_type=object_type,
        object_id=object_id,
        **(defaults | fields),
    )


def test_concurrent_operations_on_one_object_conflict(api: Api, engine_key: str) -> None:
    account = account_for_key(engine_key)
    assert account is not None
    api.put("persongroups/g", json={"name": "G"})
    _active_operation(account, "PersonGroup", "g")
    body = {"type": "PersonGroup", "objectId": "g", "applyScope": [str(account.id)]}
    assert error_code(api.post("snapshots", json=body)) == (409, "ConcurrentOperationConflict")
    # A different object is free.
    api.put("persongroups/h", json={"name": "H"})
    assert api_take_finishes(api, body | {"objectId": "h"}) == "succeeded"


def test_a_take_whose_process_died_reads_as_failed_and_leaves_no_snapshot(
    api: Api, engine_key: str
) -> None:
    account = account_for_key(engine_key)
    assert account is not None
    api.put("persongroups/g", json={"name": "G"})
    now = timezone.now()
    snapshot = Snapshot.objects.create(
        account=account, type="PersonGroup", object_id="g", expires_at=now + timedelta(hours=1)
    )
    leftover = Path(settings.FACEADMIN_ENGINE_DATA_DIR) / "snapshots" / f".{snapshot.id}-abc"
    leftover.mkdir(parents=True)
    (leftover / "rows.npz").write_bytes(b"half")
    operation = _active_operation(
        account,
        "PersonGroup",
        "g",
        snapshot=snapshot,
        worker="a-dead-process",
        heartbeat=now - timedelta(hours=1),
    )
    body = api.get(f"operations/{operation.id}").json()
    assert body["status"] == "failed"
    assert body["message"] == snapshots.OPERATION_INTERRUPTED
    assert body["resourceLocation"] is None
    assert error_code(api.get(f"snapshots/{snapshot.id}")) == (404, "SnapshotNotFound")
    assert not Snapshot.objects.filter(id=snapshot.id).exists()
    assert not leftover.exists()
    # The object is free again.
    take_body = {"type": "PersonGroup", "objectId": "g", "applyScope": []}
    assert api_take_finishes(api, take_body) == "succeeded"


def test_an_operation_this_process_no_longer_runs_reads_as_failed(
    api: Api, engine_key: str
) -> None:
    from faceadmin.engine.jobs import boot_id

    account = account_for_key(engine_key)
    assert account is not None
    operation = _active_operation(account, "PersonGroup", "g", action="apply", worker=boot_id())
    assert api.get(f"operations/{operation.id}").json()["status"] == "failed"


def test_an_apply_that_breaks_midway_leaves_nothing_behind(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = world.client
    assert client is not None
    snapshot_id = take(client, "PersonGroup", world.group_id, [account_id(world.key)])
    persons_before = Person.objects.count()
    faces_before = PersistedFace.objects.count()
    files_before = set((Path(settings.FACEADMIN_ENGINE_DATA_DIR) / "training").iterdir())

    real_copy = snapshots._training_copy

    def copy_then_crash(*args: Any, **kwargs: Any) -> Any:
        real_copy(*args, **kwargs)  # persons, faces and training files are written ...
        raise OSError("disk full")  # ... then the apply dies before committing

    monkeypatch.setattr(snapshots, "_training_copy", copy_then_crash)
    status = apply(client, snapshot_id, "half")
    assert (status.status, status.message) == ("failed", snapshots.OPERATION_FAILED)
    assert status.resource_location is None
    assert not PersonGroup.objects.filter(group_id="half").exists()
    assert (Person.objects.count(), PersistedFace.objects.count()) == (persons_before, faces_before)
    assert not Training.objects.filter(group__group_id="half").exists()
    assert set((Path(settings.FACEADMIN_ENGINE_DATA_DIR) / "training").iterdir()) == files_before
    with pytest.raises(APIErrorException) as raised:
        client.person_group.get("half")
    assert api_error(raised) == (404, "PersonGroupNotFound")
    # The id is free: a later apply succeeds.
    monkeypatch.setattr(snapshots, "_training_copy", real_copy)
    assert apply(client, snapshot_id, "half").status == "succeeded"


def test_an_apply_whose_process_died_shows_nothing_and_frees_its_id(
    api: Api, engine_key: str
) -> None:
    """A restart mid-apply: the half-filled group stays invisible, its operation reads as
    failed, and the id can be created again."""
    account = account_for_key(engine_key)
    assert account is not None
    now = timezone.now()
    half = PersonGroup.objects.create(
        account=account, group_id="half", name="Half", recognition_model="recognition_01",
        hidden=True,
    )  # fmt: skip
    Person.objects.create(group=half, name="Somebody")
    operation = _active_operation(
        account, "PersonGroup", "half", action="apply", worker="a-dead-process",
        heartbeat=now - timedelta(hours=1),
    )  # fmt: skip
    assert error_code(api.get("persongroups/half")) == (404, "PersonGroupNotFound")
    assert error_code(api.get("persongroups/half/persons")) == (404, "PersonGroupNotFound")
    assert api.get("persongroups").json() == []
    body = api.get(f"operations/{operation.id}").json()
    assert (body["status"], body["message"]) == ("failed", snapshots.OPERATION_INTERRUPTED)
    assert not PersonGroup.objects.filter(group_id="half").exists()
    assert not Person.objects.filter(name="Somebody").exists()


def test_a_create_reclaims_an_id_left_hidden_by_a_dead_apply(api: Api, engine_key: str) -> None:
    account = account_for_key(engine_key)
    assert account is not None
    for path, model, field in (
        ("largepersongroups/x", PersonGroup, "group_id"),
        ("largefacelists/x", FaceList, "list_id"),
    ):
        model.objects.create(  # type: ignore[attr-defined]
            account=account, large=True, name="Half", recognition_model="recognition_01",
            hidden=True, **{field: "x"},
        )  # fmt: skip
        assert error_code(api.get(path)) == (404, f"Large{model.__name__}NotFound")
        assert api.put(path, json={"name": "Mine"}).status_code == 200
        assert api.get(path).json()["name"] == "Mine"


def test_a_create_does_not_steal_the_id_of_a_running_apply(api: Api, engine_key: str) -> None:
    account = account_for_key(engine_key)
    assert account is not None
    PersonGroup.objects.create(
        account=account, group_id="busy", name="Busy", recognition_model="recognition_01",
        hidden=True,
    )  # fmt: skip
    _active_operation(account, "PersonGroup", "busy", action="apply")  # a live process
    assert error_code(api.put("persongroups/busy", json={"name": "B"})) == (
        409,
        "PersonGroupExists",
    )
    assert PersonGroup.objects.get(group_id="busy").hidden
