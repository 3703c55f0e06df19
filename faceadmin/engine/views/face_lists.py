"""FaceList (rows 25-32) and LargeFaceList (rows 50-62) endpoints, parameterised by kind."""

from __future__ import annotations

from django.http import HttpResponse

from faceadmin.engine import errors, facelists, training, validation
from faceadmin.engine.errors import Kind
from faceadmin.engine.http import Call, empty_response, json_response
from faceadmin.engine.models import FaceList
from faceadmin.engine.views.common import collection_json, request_image, training_json


def _face_list(call: Call, list_id: str, kind: Kind) -> FaceList:
    validation.collection_id(list_id, kind)
    return facelists.face_list_get(account=call.account, kind=kind, list_id=list_id)


def _face_list_json(face_list: FaceList, kind: Kind, with_model: bool) -> dict[str, object]:
    return collection_json(
        kind.id_field,
        face_list.list_id,
        face_list.name,
        face_list.user_data,
        face_list.recognition_model,
        with_model=with_model,
    )


def face_list_list(call: Call, *, kind: Kind) -> HttpResponse:
    with_model = validation.query_bool(call.query, "returnrecognitionmodel", False)
    if kind.large:
        start = validation.query_start(call.query)
        top = validation.query_top(call.query)
        found = facelists.face_list_list(account=call.account, kind=kind, start=start, top=top)
    else:
        found = facelists.face_list_list(account=call.account, kind=kind)
    return json_response([_face_list_json(face_list, kind, with_model) for face_list in found])


def face_list_get(call: Call, list_id: str, *, kind: Kind) -> HttpResponse:
    with_model = validation.query_bool(call.query, "returnrecognitionmodel", False)
    face_list = _face_list(call, list_id, kind)
    data = _face_list_json(face_list, kind, with_model)
    if not kind.large:  # a large list's faces are listed page by page (row 55)
        data["persistedFaces"] = [
            {"persistedFaceId": str(face.id), "userData": face.user_data}
            for face in facelists.face_list_faces(face_list=face_list)
        ]
    return json_response(data)


def face_list_create(call: Call, list_id: str, *, kind: Kind) -> HttpResponse:
    validation.collection_id(list_id, kind, status=400)
    body = call.json()
    facelists.face_list_create(
        account=call.account,
        kind=kind,
        list_id=list_id,
        name=validation.name(body.get("name"), required=True) or "",
        user_data=validation.user_data(body.get("userData")),
        recognition_model=validation.recognition_model(body.get("recognitionModel")),
    )
    return empty_response()


def face_list_update(call: Call, list_id: str, *, kind: Kind) -> HttpResponse:
    validation.collection_id(list_id, kind)
    body = call.json()
    name = validation.name(body.get("name"), required=False)
    user_data = validation.user_data(body.get("userData"))
    if kind.large and name is None and user_data is None:
        raise errors.bad_argument("Either 'name' or 'userData' must be given.")
    facelists.face_list_update(
        account=call.account, kind=kind, list_id=list_id, name=name, user_data=user_data
    )
    return empty_response()


def face_list_delete(call: Call, list_id: str, *, kind: Kind) -> HttpResponse:
    validation.collection_id(list_id, kind)
    facelists.face_list_delete(account=call.account, kind=kind, list_id=list_id)
    return empty_response()


def face_list_face_add(call: Call, list_id: str, *, kind: Kind) -> HttpResponse:
    face_list = _face_list(call, list_id, kind)
    user_data = validation.user_data(
        call.query.get("userdata"), limit=validation.FACE_USER_DATA_MAX
    )
    target = validation.target_face(call.query.get("targetface"))
    validation.detection_model(call.query.get("detectionmodel"))
    face = facelists.face_list_add_face(
        kind=kind,
        face_list=face_list,
        image=request_image(call),
        target=target,
        user_data=user_data,
    )
    return json_response({"persistedFaceId": str(face.id)})


def face_list_face_delete(call: Call, list_id: str, face_id: str, *, kind: Kind) -> HttpResponse:
    facelists.face_list_face_delete(
        kind=kind, face_list=_face_list(call, list_id, kind), face_id=face_id
    )
    return empty_response()


# --- large face lists only -----------------------------------------------------------------


def face_list_face_list(call: Call, list_id: str, *, kind: Kind) -> HttpResponse:
    face_list = _face_list(call, list_id, kind)
    start = validation.query_uuid_start(call.query)
    top = validation.query_top(call.query)
    page = facelists.face_list_faces_page(face_list=face_list, start=start, top=top)
    return json_response(
        [{"persistedFaceId": str(face_id), "userData": user_data} for face_id, user_data in page]
    )


def face_list_face_get(call: Call, list_id: str, face_id: str, *, kind: Kind) -> HttpResponse:
    face_list = _face_list(call, list_id, kind)
    face = facelists.face_list_face_get(face_list=face_list, face_id=face_id)
    return json_response({"persistedFaceId": str(face.id), "userData": face.user_data})


def face_list_face_update(call: Call, list_id: str, face_id: str, *, kind: Kind) -> HttpResponse:
    face_list = _face_list(call, list_id, kind)
    face = facelists.face_list_face_get(face_list=face_list, face_id=face_id)
    body = call.json()
    user_data = validation.user_data(body.get("userData"), limit=validation.FACE_USER_DATA_MAX)
    facelists.face_list_face_update(kind=kind, face_list=face_list, face=face, user_data=user_data)
    return empty_response()


def face_list_train(call: Call, list_id: str, *, kind: Kind) -> HttpResponse:
    training.training_start(collection=_face_list(call, list_id, kind), kind=kind)
    return empty_response(202)


def face_list_training(call: Call, list_id: str, *, kind: Kind) -> HttpResponse:
    return training_json(_face_list(call, list_id, kind), kind)
