"""PersonGroup and PersonGroupPerson endpoints (rows 8-24), written once for both kinds."""

from __future__ import annotations

from django.http import HttpResponse

from faceadmin.engine import errors, groups, training, validation
from faceadmin.engine.errors import Kind
from faceadmin.engine.http import Call, empty_response, json_response
from faceadmin.engine.models import Person, PersonGroup
from faceadmin.engine.views.common import collection_json, request_image, training_json

# --- groups ------------------------------------------------------------------------------


def _group(call: Call, group_id: str, kind: Kind) -> PersonGroup:
    validation.collection_id(group_id, kind)
    return groups.group_get(account=call.account, kind=kind, group_id=group_id)


def _group_json(group: PersonGroup, kind: Kind, with_model: bool) -> dict[str, object]:
    return collection_json(
        kind.id_field,
        group.group_id,
        group.name,
        group.user_data,
        group.recognition_model,
        with_model=with_model,
    )


def group_list(call: Call, *, kind: Kind) -> HttpResponse:
    start = validation.query_start(call.query)
    top = validation.query_top(call.query)
    with_model = validation.query_bool(call.query, "returnrecognitionmodel", False)
    found = groups.group_list(account=call.account, kind=kind, start=start, top=top)
    return json_response([_group_json(group, kind, with_model) for group in found])


def group_get(call: Call, group_id: str, *, kind: Kind) -> HttpResponse:
    with_model = validation.query_bool(call.query, "returnrecognitionmodel", False)
    return json_response(_group_json(_group(call, group_id, kind), kind, with_model))


def group_create(call: Call, group_id: str, *, kind: Kind) -> HttpResponse:
    validation.collection_id(group_id, kind, status=400)
    body = call.json()
    groups.group_create(
        account=call.account,
        kind=kind,
        group_id=group_id,
        name=validation.name(body.get("name"), required=True) or "",
        user_data=validation.user_data(body.get("userData")),
        recognition_model=validation.recognition_model(body.get("recognitionModel")),
    )
    return empty_response()


def group_update(call: Call, group_id: str, *, kind: Kind) -> HttpResponse:
    validation.collection_id(group_id, kind)
    body = call.json()
    name = validation.name(body.get("name"), required=False)
    user_data = validation.user_data(body.get("userData"))
    if kind.large and name is None and user_data is None:
        raise errors.bad_argument("Either 'name' or 'userData' must be given.")
    groups.group_update(
        account=call.account, kind=kind, group_id=group_id, name=name, user_data=user_data
    )
    return empty_response()


def group_delete(call: Call, group_id: str, *, kind: Kind) -> HttpResponse:
    validation.collection_id(group_id, kind)
    groups.group_delete(account=call.account, kind=kind, group_id=group_id)
    return empty_response()


def group_train(call: Call, group_id: str, *, kind: Kind) -> HttpResponse:
    training.training_start(collection=_group(call, group_id, kind), kind=kind)
    return empty_response(202)


def group_training(call: Call, group_id: str, *, kind: Kind) -> HttpResponse:
    return training_json(_group(call, group_id, kind), kind)


# --- persons -----------------------------------------------------------------------------


def _person_json(person: Person | groups.PersonRow, face_ids: list[object]) -> dict[str, object]:
    return {
        "personId": str(person.id),
        "name": person.name,
        "userData": person.user_data,
        "persistedFaceIds": [str(face_id) for face_id in face_ids],
    }


def person_list(call: Call, group_id: str, *, kind: Kind) -> HttpResponse:
    group = _group(call, group_id, kind)
    start = validation.query_uuid_start(call.query)
    top = validation.query_top(call.query)
    found = groups.person_list(group=group, start=start, top=top)
    return json_response([_person_json(person, list(face_ids)) for person, face_ids in found])


def person_create(call: Call, group_id: str, *, kind: Kind) -> HttpResponse:
    group = _group(call, group_id, kind)
    body = call.json()
    person = groups.person_create(
        kind=kind,
        group=group,
        name=validation.name(body.get("name"), required=True) or "",
        user_data=validation.user_data(body.get("userData")),
    )
    return json_response({"personId": str(person.id)})


def person_get(call: Call, group_id: str, person_id: str, *, kind: Kind) -> HttpResponse:
    person = groups.person_get(group=_group(call, group_id, kind), person_id=person_id)
    return json_response(_person_json(person, list(groups.person_face_ids(person))))


def person_update(call: Call, group_id: str, person_id: str, *, kind: Kind) -> HttpResponse:
    group = _group(call, group_id, kind)
    person = groups.person_get(group=group, person_id=person_id)
    body = call.json()
    groups.person_update(
        kind=kind,
        group=group,
        person=person,
        name=validation.name(body.get("name"), required=False),
        user_data=validation.user_data(body.get("userData")),
    )
    return empty_response()


def person_delete(call: Call, group_id: str, person_id: str, *, kind: Kind) -> HttpResponse:
    group = _group(call, group_id, kind)
    groups.person_delete(
        kind=kind, group=group, person=groups.person_get(group=group, person_id=person_id)
    )
    return empty_response()


# --- persons' faces ----------------------------------------------------------------------


def person_face_add(call: Call, group_id: str, person_id: str, *, kind: Kind) -> HttpResponse:
    group = _group(call, group_id, kind)
    person = groups.person_get(group=group, person_id=person_id)
    user_data = validation.user_data(
        call.query.get("userdata"), limit=validation.FACE_USER_DATA_MAX
    )
    target = validation.target_face(call.query.get("targetface"))
    validation.detection_model(call.query.get("detectionmodel"))
    face = groups.person_add_face(
        kind=kind,
        group=group,
        person=person,
        image=request_image(call),
        target=target,
        user_data=user_data,
    )
    return json_response({"persistedFaceId": str(face.id)})


def person_face_get(
    call: Call, group_id: str, person_id: str, face_id: str, *, kind: Kind
) -> HttpResponse:
    person = groups.person_get(group=_group(call, group_id, kind), person_id=person_id)
    face = groups.person_face_get(person=person, face_id=face_id)
    return json_response({"persistedFaceId": str(face.id), "userData": face.user_data})


def person_face_update(
    call: Call, group_id: str, person_id: str, face_id: str, *, kind: Kind
) -> HttpResponse:
    group = _group(call, group_id, kind)
    person = groups.person_get(group=group, person_id=person_id)
    face = groups.person_face_get(person=person, face_id=face_id)
    body = call.json()
    user_data = validation.user_data(body.get("userData"), limit=validation.FACE_USER_DATA_MAX)
    groups.person_face_update(kind=kind, group=group, face=face, user_data=user_data)
    return empty_response()


def person_face_delete(
    call: Call, group_id: str, person_id: str, face_id: str, *, kind: Kind
) -> HttpResponse:
    group = _group(call, group_id, kind)
    person = groups.person_get(group=group, person_id=person_id)
    face = groups.person_face_get(person=person, face_id=face_id)
    groups.person_face_delete(kind=kind, group=group, face=face)
    return empty_response()
