"""Face endpoints (rows 1-7): detect, identify, verify, find similar, group."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from faceadmin.engine import detection, errors, matching, validation
from faceadmin.engine.errors import (
    FACE_LIST,
    LARGE_FACE_LIST,
    LARGE_PERSON_GROUP,
    PERSON_GROUP,
    Kind,
)
from faceadmin.engine.http import Call, json_response
from faceadmin.engine.views.common import request_image


def detect(call: Call) -> HttpResponse:
    options = detection.detect_options(call.query)
    image = request_image(call)
    results = detection.face_detect(account=call.account, image=image, options=options)
    faces = []
    for result in results:
        data: dict[str, Any] = {}
        if result.face_id is not None:
            data["faceId"] = str(result.face_id)
        if options.return_recognition_model:
            data["recognitionModel"] = options.recognition_model
        rect = result.rect
        data["faceRectangle"] = {
            "top": rect.top,
            "left": rect.left,
            "width": rect.width,
            "height": rect.height,
        }
        if options.return_landmarks:
            data["faceLandmarks"] = {
                name: {"x": round(float(x), 1), "y": round(float(y), 1)}
                for name, (x, y) in (result.face.landmarks or {}).items()
            }
        if options.attributes:
            data["faceAttributes"] = {
                name: result.face.attributes[name]
                for name in options.attributes
                if name in result.face.attributes
            }
        faces.append(data)
    return json_response(faces)


def _group_kind(body: dict[str, Any]) -> tuple[Kind, str]:
    """Exactly one of personGroupId / largePersonGroupId, with Azure's codes otherwise."""
    small = validation.body_collection_id(body, PERSON_GROUP)
    large = validation.body_collection_id(body, LARGE_PERSON_GROUP)
    if small is None and large is None:
        raise errors.EngineError(
            400,
            "PersonGroupIdAndLargePersonGroupIdBothNull",
            "Person group ID and large person group ID are both null.",
        )
    if small is not None and large is not None:
        raise errors.EngineError(
            400,
            "PersonGroupIdAndLargePersonGroupIdBothNotNull",
            "Person group ID and large person group ID are both not null.",
        )
    return (PERSON_GROUP, small) if small is not None else (LARGE_PERSON_GROUP, large or "")


def identify(call: Call) -> HttpResponse:
    body = call.json()
    face_ids = validation.body_uuid_list(body, "faceIds", minimum=1, maximum=10)
    max_candidates = validation.body_int(
        body, "maxNumOfCandidatesReturned", 1, minimum=1, maximum=100
    )
    threshold = validation.body_confidence(
        body, "confidenceThreshold", matching.IDENTICAL_CONFIDENCE
    )
    kind, group_id = _group_kind(body)
    results = matching.identify(
        account=call.account,
        kind=kind,
        group_id=group_id,
        face_ids=face_ids,
        max_candidates=max_candidates,
        threshold=threshold,
    )
    return json_response(
        [
            {
                "faceId": str(face_id),
                "candidates": [
                    {"personId": str(c.person_id), "confidence": c.confidence} for c in candidates
                ],
            }
            for face_id, candidates in results
        ]
    )


def verify(call: Call) -> HttpResponse:
    """Face to face (`faceId1`, `faceId2`) or face to person (`faceId`, `personId`, group)."""
    body = call.json()
    to_face = "faceId1" in body or "faceId2" in body
    to_person = "faceId" in body or "personId" in body
    if to_face == to_person:
        raise errors.invalid_body()
    if to_face:
        first = validation.body_uuid(body, "faceId1")
        second = validation.body_uuid(body, "faceId2")
        assert first is not None and second is not None
        result = matching.verify_faces(account=call.account, face_id1=first, face_id2=second)
    else:
        face_id = validation.body_uuid(body, "faceId")
        person_id = validation.body_uuid(body, "personId")
        assert face_id is not None and person_id is not None
        kind, group_id = _group_kind(body)
        result = matching.verify_person(
            account=call.account,
            kind=kind,
            group_id=group_id,
            person_id=person_id,
            face_id=face_id,
        )
    return json_response({"isIdentical": result.is_identical, "confidence": result.confidence})


def find_similar(call: Call) -> HttpResponse:
    body = call.json()
    face_id = validation.body_uuid(body, "faceId")
    assert face_id is not None
    sources = [
        key for key in ("faceIds", "faceListId", "largeFaceListId") if body.get(key) is not None
    ]
    if len(sources) != 1:
        raise errors.bad_argument(
            "Exactly one of 'faceIds', 'faceListId' and 'largeFaceListId' must be given."
        )
    max_candidates = validation.body_int(
        body, "maxNumOfCandidatesReturned", 20, minimum=1, maximum=1000
    )
    mode = body.get("mode", "matchPerson")
    if not isinstance(mode, str) or mode.lower() not in ("matchperson", "matchface"):
        raise errors.bad_argument("Invalid argument mode: use matchPerson or matchFace.")
    candidates = None
    face_list = None
    if sources[0] == "faceIds":
        candidates = validation.body_uuid_list(body, "faceIds", minimum=1, maximum=1000)
    else:
        kind = FACE_LIST if sources[0] == "faceListId" else LARGE_FACE_LIST
        face_list = (kind, validation.body_collection_id(body, kind) or "")
    similar = matching.find_similar(
        account=call.account,
        face_id=face_id,
        candidates=candidates,
        face_list=face_list,
        max_candidates=max_candidates,
        match_person=mode.lower() == "matchperson",
    )
    key = {True: "persistedFaceId", False: "faceId"}
    return json_response(
        [{key[s.persisted]: str(s.face_id), "confidence": s.confidence} for s in similar]
    )


def group(call: Call) -> HttpResponse:
    body = call.json()
    face_ids = validation.body_uuid_list(body, "faceIds", minimum=2, maximum=1000)
    groups, messy = matching.group_faces(account=call.account, face_ids=face_ids)
    data: dict[str, Any] = {"groups": [[str(face_id) for face_id in g] for g in groups]}
    if messy:
        data["messyGroup"] = [str(face_id) for face_id in messy]
    return json_response(data)
