"""Snapshot endpoints and operation status (rows 63-69)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from faceadmin.engine import errors, snapshots, validation
from faceadmin.engine.http import Call, empty_response, json_response
from faceadmin.engine.models import Operation, Snapshot
from faceadmin.engine.views.common import iso


def _scope(value: object, *, required: bool) -> list[Any] | None:
    """applyScope: a list of subscription (account) UUIDs."""
    if value is None:
        if required:
            raise errors.bad_argument("'applyScope' is empty.")
        return None
    if not isinstance(value, list):
        raise errors.bad_argument("'applyScope' is invalid.")
    ids = [validation.parse_uuid(item) for item in value]
    if any(parsed is None for parsed in ids):
        raise errors.bad_argument("'applyScope' contains an invalid subscription ID.")
    return list(dict.fromkeys(ids))


def _object_id(body: dict[str, Any]) -> str:
    value = body.get("objectId")
    if value is None:
        raise errors.bad_argument("'objectId' is empty.")
    if not validation.is_collection_id(value):
        raise errors.bad_argument("'objectId' is invalid.")
    assert isinstance(value, str)
    return value


def _accepted(operation: Operation) -> HttpResponse:
    response = empty_response(202)
    response["Operation-Location"] = f"/operations/{operation.id}"
    return response


def _snapshot_json(snapshot: Snapshot) -> dict[str, Any]:
    return {
        "id": str(snapshot.id),
        "account": str(snapshot.account_id),
        "type": snapshot.type,
        "applyScope": list(snapshot.apply_scope),
        "userData": snapshot.user_data,
        "createdTime": iso(snapshot.created),
        "lastUpdateTime": iso(snapshot.last_update),
    }


def snapshot_take(call: Call) -> HttpResponse:
    body = call.json()
    type_name = body.get("type")
    if type_name is None:
        raise errors.bad_argument("'type' is empty.")
    snapshots.object_type(type_name)
    object_id = _object_id(body)
    scope = _scope(body.get("applyScope"), required=True) or []
    user_data = validation.user_data(body.get("userData"))
    operation = snapshots.snapshot_take(
        account=call.account,
        type_name=type_name,
        object_id=object_id,
        apply_scope=scope,
        user_data=user_data,
    )
    return _accepted(operation)


def snapshot_list(call: Call) -> HttpResponse:
    raw_scope = call.query.get("applyscope")
    scope = None
    if raw_scope:
        scope = _scope(
            [part.strip() for part in raw_scope.split(",") if part.strip()], required=False
        )
    found = snapshots.snapshot_list(
        account=call.account, type_name=call.query.get("type") or None, scope=scope
    )
    return json_response([_snapshot_json(snapshot) for snapshot in found])


def snapshot_get(call: Call, snapshot_id: str) -> HttpResponse:
    return json_response(
        _snapshot_json(snapshots.snapshot_get(account=call.account, snapshot_id=snapshot_id))
    )


def snapshot_update(call: Call, snapshot_id: str) -> HttpResponse:
    snapshots.snapshot_get(account=call.account, snapshot_id=snapshot_id, owner_only=True)
    body = call.json()
    snapshots.snapshot_update(
        account=call.account,
        snapshot_id=snapshot_id,
        apply_scope=_scope(body.get("applyScope"), required=False),
        user_data=validation.user_data(body.get("userData")),
    )
    return empty_response()


def snapshot_delete(call: Call, snapshot_id: str) -> HttpResponse:
    snapshots.snapshot_delete(account=call.account, snapshot_id=snapshot_id)
    return empty_response()


def snapshot_apply(call: Call, snapshot_id: str) -> HttpResponse:
    snapshots.snapshot_get(account=call.account, snapshot_id=snapshot_id)
    body = call.json()
    object_id = _object_id(body)
    mode = body.get("mode", "CreateNew")
    if not isinstance(mode, str) or mode.lower() != "createnew":
        raise errors.bad_argument("'mode' is invalid: only CreateNew is supported.")
    operation = snapshots.snapshot_apply(
        account=call.account, snapshot_id=snapshot_id, object_id=object_id
    )
    return _accepted(operation)


def operation_get(call: Call, operation_id: str) -> HttpResponse:
    operation = snapshots.operation_get(account=call.account, operation_id=operation_id)
    return json_response(
        {
            "status": operation.status,
            "createdTime": iso(operation.created),
            "lastActionTime": iso(operation.last_action),
            "resourceLocation": operation.resource_location or None,
            "message": operation.message or None,
        }
    )
