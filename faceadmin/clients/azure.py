"""`AzureFaceClient`: one thin, typed method per Azure Face v1.0 operation (all 69).

Every method names its swagger operationId and goes through `_call`, which takes the HTTP
method and path template from `ENDPOINTS`, quotes the ids into the path and hands the request
to the transport (the one request loop, with retries and typed errors). Results come back as
the frozen dataclasses of `faceapi.types`.

Naming: `<group>_<action>` after the SDK's operation groups (`person_group_create`,
`large_face_list_add_face_from_stream`, ...); the face operations keep the SDK's plain names
(`detect_with_stream`, `identify`, ...). Paged lists have a single-page method taking
`start`/`top` and an `iter_*` helper that walks every page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from .errors import (
    BadArgument,
    InvalidResponse,
    PersonGroupIdAndLargePersonGroupIdBothNotNull,
    PersonGroupIdAndLargePersonGroupIdBothNull,
)
from .transport import HttpTransport, ParamValue, Response, Transport, base_url_for
from .types import (
    Collection,
    CollectionKind,
    DetectedFace,
    FaceRectangle,
    GroupResult,
    IdentifyResult,
    OperationStatus,
    PersistedFace,
    Person,
    SimilarFace,
    Snapshot,
    TrainingStatus,
    VerifyResult,
)

__all__ = ["ENDPOINTS", "ENDPOINTS_BY_ID", "MAX_PAGE_SIZE", "AzureFaceClient", "Endpoint"]

MAX_PAGE_SIZE = 1000
DEFAULT_RECOGNITION_MODEL = "recognition_01"
DEFAULT_DETECTION_MODEL = "detection_01"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One row of the contract's endpoint table.

    `idempotent` says whether the transport may retry after a 5xx or a lost connection:
    true for GET/PUT/PATCH/DELETE and for the POSTs that only compute (detect, identify,
    verify, find similar, group); false for POSTs that create or start something.
    """

    operation_id: str
    method: str
    path: str
    success_status: int = 200
    idempotent: bool = True


def _post(operation_id: str, path: str, success_status: int = 200) -> Endpoint:
    return Endpoint(operation_id, "POST", path, success_status, idempotent=False)


def _compute(operation_id: str, path: str) -> Endpoint:
    return Endpoint(operation_id, "POST", path, 200, idempotent=True)


_PG = "/persongroups/{personGroupId}"
_PGP = _PG + "/persons/{personId}"
_LPG = "/largepersongroups/{largePersonGroupId}"
_LPGP = _LPG + "/persons/{personId}"
_FL = "/facelists/{faceListId}"
_LFL = "/largefacelists/{largeFaceListId}"

ENDPOINTS: tuple[Endpoint, ...] = (
    # Face
    _compute("Face_DetectWithStream", "/detect"),
    _compute("Face_DetectWithUrl", "/detect"),
    _compute("Face_FindSimilar", "/findsimilars"),
    _compute("Face_Group", "/group"),
    _compute("Face_Identify", "/identify"),
    _compute("Face_VerifyFaceToFace", "/verify"),
    _compute("Face_VerifyFaceToPerson", "/verify"),
    # PersonGroup
    Endpoint("PersonGroup_List", "GET", "/persongroups"),
    Endpoint("PersonGroup_Delete", "DELETE", _PG),
    Endpoint("PersonGroup_Get", "GET", _PG),
    Endpoint("PersonGroup_Update", "PATCH", _PG),
    Endpoint("PersonGroup_Create", "PUT", _PG),
    _post("PersonGroup_Train", _PG + "/train", 202),
    Endpoint("PersonGroup_GetTrainingStatus", "GET", _PG + "/training"),
    # PersonGroupPerson
    Endpoint("PersonGroupPerson_List", "GET", _PG + "/persons"),
    _post("PersonGroupPerson_Create", _PG + "/persons"),
    Endpoint("PersonGroupPerson_Delete", "DELETE", _PGP),
    Endpoint("PersonGroupPerson_Get", "GET", _PGP),
    Endpoint("PersonGroupPerson_Update", "PATCH", _PGP),
    _post("PersonGroupPerson_AddFaceFromStream", _PGP + "/persistedfaces"),
    _post("PersonGroupPerson_AddFaceFromUrl", _PGP + "/persistedfaces"),
    Endpoint("PersonGroupPerson_DeleteFace", "DELETE", _PGP + "/persistedfaces/{persistedFaceId}"),
    Endpoint("PersonGroupPerson_GetFace", "GET", _PGP + "/persistedfaces/{persistedFaceId}"),
    Endpoint("PersonGroupPerson_UpdateFace", "PATCH", _PGP + "/persistedfaces/{persistedFaceId}"),
    # FaceList
    Endpoint("FaceList_List", "GET", "/facelists"),
    Endpoint("FaceList_Delete", "DELETE", _FL),
    Endpoint("FaceList_Get", "GET", _FL),
    Endpoint("FaceList_Update", "PATCH", _FL),
    Endpoint("FaceList_Create", "PUT", _FL),
    _post("FaceList_AddFaceFromStream", _FL + "/persistedfaces"),
    _post("FaceList_AddFaceFromUrl", _FL + "/persistedfaces"),
    Endpoint("FaceList_DeleteFace", "DELETE", _FL + "/persistedfaces/{persistedFaceId}"),
    # LargePersonGroup
    Endpoint("LargePersonGroup_List", "GET", "/largepersongroups"),
    Endpoint("LargePersonGroup_Delete", "DELETE", _LPG),
    Endpoint("LargePersonGroup_Get", "GET", _LPG),
    Endpoint("LargePersonGroup_Update", "PATCH", _LPG),
    Endpoint("LargePersonGroup_Create", "PUT", _LPG),
    _post("LargePersonGroup_Train", _LPG + "/train", 202),
    Endpoint("LargePersonGroup_GetTrainingStatus", "GET", _LPG + "/training"),
    # LargePersonGroupPerson
    Endpoint("LargePersonGroupPerson_List", "GET", _LPG + "/persons"),
    _post("LargePersonGroupPerson_Create", _LPG + "/persons"),
    Endpoint("LargePersonGroupPerson_Delete", "DELETE", _LPGP),
    Endpoint("LargePersonGroupPerson_Get", "GET", _LPGP),
    Endpoint("LargePersonGroupPerson_Update", "PATCH", _LPGP),
    _post("LargePersonGroupPerson_AddFaceFromStream", _LPGP + "/persistedfaces"),
    _post("LargePersonGroupPerson_AddFaceFromUrl", _LPGP + "/persistedfaces"),
    Endpoint(
        "LargePersonGroupPerson_DeleteFace", "DELETE", _LPGP + "/persistedfaces/{persistedFaceId}"
    ),
    Endpoint("LargePersonGroupPerson_GetFace", "GET", _LPGP + "/persistedfaces/{persistedFaceId}"),
    Endpoint(
        "LargePersonGroupPerson_UpdateFace", "PATCH", _LPGP + "/persistedfaces/{persistedFaceId}"
    ),
    # LargeFaceList
    Endpoint("LargeFaceList_List", "GET", "/largefacelists"),
    Endpoint("LargeFaceList_Delete", "DELETE", _LFL),
    Endpoint("LargeFaceList_Get", "GET", _LFL),
    Endpoint("LargeFaceList_Update", "PATCH", _LFL),
    Endpoint("LargeFaceList_Create", "PUT", _LFL),
    Endpoint("LargeFaceList_ListFaces", "GET", _LFL + "/persistedfaces"),
    _post("LargeFaceList_AddFaceFromStream", _LFL + "/persistedfaces"),
    _post("LargeFaceList_AddFaceFromUrl", _LFL + "/persistedfaces"),
    Endpoint("LargeFaceList_DeleteFace", "DELETE", _LFL + "/persistedfaces/{persistedFaceId}"),
    Endpoint("LargeFaceList_GetFace", "GET", _LFL + "/persistedfaces/{persistedFaceId}"),
    Endpoint("LargeFaceList_UpdateFace", "PATCH", _LFL + "/persistedfaces/{persistedFaceId}"),
    _post("LargeFaceList_Train", _LFL + "/train", 202),
    Endpoint("LargeFaceList_GetTrainingStatus", "GET", _LFL + "/training"),
    # Snapshot
    Endpoint("Snapshot_GetOperationStatus", "GET", "/operations/{operationId}"),
    Endpoint("Snapshot_List", "GET", "/snapshots"),
    _post("Snapshot_Take", "/snapshots", 202),
    Endpoint("Snapshot_Delete", "DELETE", "/snapshots/{snapshotId}"),
    Endpoint("Snapshot_Get", "GET", "/snapshots/{snapshotId}"),
    Endpoint("Snapshot_Update", "PATCH", "/snapshots/{snapshotId}"),
    _post("Snapshot_Apply", "/snapshots/{snapshotId}/apply", 202),
)

ENDPOINTS_BY_ID: Mapping[str, Endpoint] = {ep.operation_id: ep for ep in ENDPOINTS}

# Group and list ids are chosen by users; the service allows only these (swagger pattern).
_COLLECTION_ID = re.compile(r"[a-z0-9_-]{1,64}")
_COLLECTION_ID_PARAMS = frozenset(
    {"personGroupId", "largePersonGroupId", "faceListId", "largeFaceListId"}
)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


# --- client-side checks: cheap ones, so a typo fails before a round trip ---------------------


def _check_id(name: str, value: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadArgument(f"'{name}' is empty.")
    if name in _COLLECTION_ID_PARAMS and not _COLLECTION_ID.fullmatch(value):
        raise BadArgument(
            f"'{name}' must be 1 to 64 characters of lower-case letters, digits, '-' and '_'."
        )
    return value


def _check_ids(name: str, values: Sequence[str]) -> list[str]:
    if isinstance(values, str):
        raise TypeError(f"'{name}' must be a sequence of ids, not a string.")
    return [_check_id(name, value) for value in values]


def _check_top(name: str, top: int | None) -> int | None:
    if top is not None and not 1 <= top <= MAX_PAGE_SIZE:
        raise BadArgument(f"'{name}' must be between 1 and {MAX_PAGE_SIZE}.")
    return top


def _check_kind(kind: CollectionKind | str) -> str:
    try:
        return CollectionKind.parse(str(kind)).value
    except InvalidResponse:
        raise BadArgument(
            f"Unknown collection type {kind!r}; use one of {[k.value for k in CollectionKind]}."
        ) from None


def _check_image(image: bytes) -> bytes:
    if not image:
        raise BadArgument("The image is empty.")
    return image


def _one_group(person_group_id: str | None, large_person_group_id: str | None) -> dict[str, str]:
    if person_group_id is None and large_person_group_id is None:
        raise PersonGroupIdAndLargePersonGroupIdBothNull()
    if person_group_id is not None and large_person_group_id is not None:
        raise PersonGroupIdAndLargePersonGroupIdBothNotNull()
    if person_group_id is not None:
        return {"personGroupId": _check_id("personGroupId", person_group_id)}
    assert large_person_group_id is not None
    return {"largePersonGroupId": _check_id("largePersonGroupId", large_person_group_id)}


def _expand(template: str, path_params: Mapping[str, str]) -> str:
    unused = set(path_params)

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in path_params:
            raise TypeError(f"Missing path parameter '{name}' for {template}.")
        unused.discard(name)
        return quote(_check_id(name, path_params[name]), safe="")

    path = _PLACEHOLDER.sub(substitute, template)
    if unused:
        raise TypeError(f"Unexpected path parameters {sorted(unused)} for {template}.")
    return path


def _without_none(**fields: Any) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value is not None}


# --- reading answers ----------------------------------------------------------------------


def _invalid(response: Response, message: str) -> InvalidResponse:
    return InvalidResponse(message, status=response.status, request_id=response.request_id)


def _one[T](response: Response, parse: Callable[[Any], T]) -> T:
    if response.data is None:
        raise _invalid(response, "The face API answered with an empty body.")
    return parse(response.data)


def _many[T](response: Response, parse: Callable[[Any], T]) -> list[T]:
    if not isinstance(response.data, list):
        raise _invalid(response, "The face API did not answer with a list.")
    return [parse(item) for item in response.data]


def _id_field(response: Response, key: str) -> str:
    data = response.data
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, str) or not value:
        raise _invalid(response, f"The face API answer has no '{key}'.")
    return value


def _operation_id(response: Response) -> str:
    """The id at the end of `Operation-Location` (relative `/operations/{id}` or absolute)."""
    location = response.header("Operation-Location")
    segments = [s for s in urlsplit(location or "").path.split("/") if s]
    if len(segments) < 2 or segments[-2].lower() != "operations":
        raise _invalid(response, "The face API answer has no usable Operation-Location header.")
    return segments[-1]


def _paginate[T](
    fetch: Callable[[str | None, int], list[T]], key: Callable[[T], str], page_size: int
) -> Iterator[T]:
    """Walk a start/top listing. `start` is the last id seen (exclusive, per the contract);
    an entry equal to `start` is skipped, so a server that treats it as inclusive cannot
    make the walk repeat itself."""
    _check_top("page_size", page_size)
    start: str | None = None
    while True:
        page = fetch(start, page_size)
        fresh = [item for item in page if start is None or key(item) != start]
        yield from fresh
        if len(page) < page_size or not fresh:
            return
        start = key(page[-1])


class AzureFaceClient:
    """Typed Azure Face v1.0 operations over a `Transport`.

    Errors are `faceapi.errors.FaceApiError` subclasses; results are `faceapi.types`
    dataclasses; calls that return nothing on the wire return None.
    """

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    @classmethod
    def for_endpoint(
        cls, endpoint: str, primary_key: str, **transport_options: Any
    ) -> AzureFaceClient:
        """A client over an `HttpTransport` for `endpoint` (scheme + host of the resource);
        `transport_options` go to `HttpTransport` (secondary_key, session, timeouts, ...)."""
        return cls(HttpTransport(base_url_for(endpoint), primary_key, **transport_options))

    def _call(
        self,
        operation_id: str,
        path_params: Mapping[str, str] | None = None,
        *,
        params: Mapping[str, ParamValue] | None = None,
        json: Any = None,
        data: bytes | None = None,
    ) -> Response:
        endpoint = ENDPOINTS_BY_ID[operation_id]
        return self.transport.request(
            endpoint.method,
            _expand(endpoint.path, path_params or {}),
            params=params,
            json=json,
            data=data,
            idempotent=endpoint.idempotent,
        )

    # -- Face ---------------------------------------------------------------------------------

    def detect_with_stream(
        self,
        *,
        image: bytes,
        return_face_id: bool = True,
        return_face_landmarks: bool = False,
        return_face_attributes: Sequence[str] | None = None,
        recognition_model: str = DEFAULT_RECOGNITION_MODEL,
        return_recognition_model: bool = False,
        detection_model: str = DEFAULT_DETECTION_MODEL,
        face_id_time_to_live: int | None = None,
    ) -> list[DetectedFace]:
        response = self._call(
            "Face_DetectWithStream",
            params=self._detect_params(
                return_face_id,
                return_face_landmarks,
                return_face_attributes,
                recognition_model,
                return_recognition_model,
                detection_model,
                face_id_time_to_live,
            ),
            data=_check_image(image),
        )
        return _many(response, DetectedFace.from_json)

    def detect_with_url(
        self,
        *,
        url: str,
        return_face_id: bool = True,
        return_face_landmarks: bool = False,
        return_face_attributes: Sequence[str] | None = None,
        recognition_model: str = DEFAULT_RECOGNITION_MODEL,
        return_recognition_model: bool = False,
        detection_model: str = DEFAULT_DETECTION_MODEL,
        face_id_time_to_live: int | None = None,
    ) -> list[DetectedFace]:
        response = self._call(
            "Face_DetectWithUrl",
            params=self._detect_params(
                return_face_id,
                return_face_landmarks,
                return_face_attributes,
                recognition_model,
                return_recognition_model,
                detection_model,
                face_id_time_to_live,
            ),
            json={"url": url},
        )
        return _many(response, DetectedFace.from_json)

    @staticmethod
    def _detect_params(
        return_face_id: bool,
        return_face_landmarks: bool,
        return_face_attributes: Sequence[str] | None,
        recognition_model: str,
        return_recognition_model: bool,
        detection_model: str,
        face_id_time_to_live: int | None,
    ) -> dict[str, ParamValue]:
        return {
            "returnFaceId": return_face_id,
            "returnFaceLandmarks": return_face_landmarks,
            "returnFaceAttributes": return_face_attributes or None,
            "recognitionModel": recognition_model,
            "returnRecognitionModel": return_recognition_model,
            "detectionModel": detection_model,
            "faceIdTimeToLive": face_id_time_to_live,
        }

    def find_similar(
        self,
        *,
        face_id: str,
        face_ids: Sequence[str] | None = None,
        face_list_id: str | None = None,
        large_face_list_id: str | None = None,
        max_num_of_candidates_returned: int = 20,
        mode: str = "matchPerson",
    ) -> list[SimilarFace]:
        """Exactly one of `face_ids`, `face_list_id`, `large_face_list_id` is the search scope."""
        scopes = [s for s in (face_ids, face_list_id, large_face_list_id) if s is not None]
        if len(scopes) != 1:
            raise BadArgument("Give exactly one of face_ids, face_list_id and large_face_list_id.")
        body = _without_none(
            faceId=_check_id("faceId", face_id),
            faceIds=_check_ids("faceIds", face_ids) if face_ids is not None else None,
            faceListId=_check_id("faceListId", face_list_id) if face_list_id is not None else None,
            largeFaceListId=(
                _check_id("largeFaceListId", large_face_list_id)
                if large_face_list_id is not None
                else None
            ),
            maxNumOfCandidatesReturned=max_num_of_candidates_returned,
            mode=mode,
        )
        return _many(self._call("Face_FindSimilar", json=body), SimilarFace.from_json)

    def group(self, *, face_ids: Sequence[str]) -> GroupResult:
        body = {"faceIds": _check_ids("faceIds", face_ids)}
        return _one(self._call("Face_Group", json=body), GroupResult.from_json)

    def identify(
        self,
        *,
        face_ids: Sequence[str],
        person_group_id: str | None = None,
        large_person_group_id: str | None = None,
        max_num_of_candidates_returned: int = 1,
        confidence_threshold: float | None = None,
    ) -> list[IdentifyResult]:
        """Exactly one of `person_group_id` / `large_person_group_id`."""
        body = {
            "faceIds": _check_ids("faceIds", face_ids),
            **_one_group(person_group_id, large_person_group_id),
            **_without_none(
                maxNumOfCandidatesReturned=max_num_of_candidates_returned,
                confidenceThreshold=confidence_threshold,
            ),
        }
        return _many(self._call("Face_Identify", json=body), IdentifyResult.from_json)

    def verify_face_to_face(self, *, face_id1: str, face_id2: str) -> VerifyResult:
        body = {
            "faceId1": _check_id("faceId1", face_id1),
            "faceId2": _check_id("faceId2", face_id2),
        }
        return _one(self._call("Face_VerifyFaceToFace", json=body), VerifyResult.from_json)

    def verify_face_to_person(
        self,
        *,
        face_id: str,
        person_id: str,
        person_group_id: str | None = None,
        large_person_group_id: str | None = None,
    ) -> VerifyResult:
        """Exactly one of `person_group_id` / `large_person_group_id`."""
        body = {
            "faceId": _check_id("faceId", face_id),
            "personId": _check_id("personId", person_id),
            **_one_group(person_group_id, large_person_group_id),
        }
        return _one(self._call("Face_VerifyFaceToPerson", json=body), VerifyResult.from_json)

    # -- shared shapes of the four collection kinds --------------------------------------------

    def _create_collection(
        self,
        operation_id: str,
        kind: CollectionKind,
        collection_id: str,
        name: str,
        user_data: str | None,
        recognition_model: str,
    ) -> None:
        body = _without_none(name=name, userData=user_data, recognitionModel=recognition_model)
        self._call(operation_id, {kind.id_field: collection_id}, json=body)

    def _update_collection(
        self,
        operation_id: str,
        kind: CollectionKind,
        collection_id: str,
        name: str | None,
        user_data: str | None,
    ) -> None:
        body = _without_none(name=name, userData=user_data)
        self._call(operation_id, {kind.id_field: collection_id}, json=body)

    def _get_collection(
        self,
        operation_id: str,
        kind: CollectionKind,
        collection_id: str,
        return_recognition_model: bool,
    ) -> Collection:
        response = self._call(
            operation_id,
            {kind.id_field: collection_id},
            params={"returnRecognitionModel": return_recognition_model},
        )
        return _one(response, lambda data: Collection.from_json(data, kind=kind))

    def _list_collections(
        self,
        operation_id: str,
        kind: CollectionKind,
        params: Mapping[str, ParamValue],
    ) -> list[Collection]:
        response = self._call(operation_id, params=params)
        return _many(response, lambda data: Collection.from_json(data, kind=kind))

    @staticmethod
    def _add_face_params(
        user_data: str | None, target_face: FaceRectangle | None, detection_model: str
    ) -> dict[str, ParamValue]:
        return {
            "userData": user_data,
            "targetFace": target_face.as_target() if target_face is not None else None,
            "detectionModel": detection_model,
        }

    def _add_face_from_stream(
        self,
        operation_id: str,
        path_params: Mapping[str, str],
        image: bytes,
        user_data: str | None,
        target_face: FaceRectangle | None,
        detection_model: str,
    ) -> str:
        response = self._call(
            operation_id,
            path_params,
            params=self._add_face_params(user_data, target_face, detection_model),
            data=_check_image(image),
        )
        return _id_field(response, "persistedFaceId")

    def _add_face_from_url(
        self,
        operation_id: str,
        path_params: Mapping[str, str],
        url: str,
        user_data: str | None,
        target_face: FaceRectangle | None,
        detection_model: str,
    ) -> str:
        response = self._call(
            operation_id,
            path_params,
            params=self._add_face_params(user_data, target_face, detection_model),
            json={"url": url},
        )
        return _id_field(response, "persistedFaceId")

    # -- PersonGroup --------------------------------------------------------------------------

    def person_group_create(
        self,
        *,
        person_group_id: str,
        name: str,
        user_data: str | None = None,
        recognition_model: str = DEFAULT_RECOGNITION_MODEL,
    ) -> None:
        self._create_collection(
            "PersonGroup_Create",
            CollectionKind.PERSON_GROUP,
            person_group_id,
            name,
            user_data,
            recognition_model,
        )

    def person_group_delete(self, *, person_group_id: str) -> None:
        self._call("PersonGroup_Delete", {"personGroupId": person_group_id})

    def person_group_get(
        self, *, person_group_id: str, return_recognition_model: bool = False
    ) -> Collection:
        return self._get_collection(
            "PersonGroup_Get",
            CollectionKind.PERSON_GROUP,
            person_group_id,
            return_recognition_model,
        )

    def person_group_update(
        self, *, person_group_id: str, name: str | None = None, user_data: str | None = None
    ) -> None:
        self._update_collection(
            "PersonGroup_Update", CollectionKind.PERSON_GROUP, person_group_id, name, user_data
        )

    def person_group_list(
        self,
        *,
        start: str | None = None,
        top: int | None = None,
        return_recognition_model: bool = False,
    ) -> list[Collection]:
        """One page of person groups with ids after `start`; `top` defaults to 1000."""
        params = {
            "start": start,
            "top": _check_top("top", top),
            "returnRecognitionModel": return_recognition_model,
        }
        return self._list_collections("PersonGroup_List", CollectionKind.PERSON_GROUP, params)

    def iter_person_groups(
        self, *, page_size: int = MAX_PAGE_SIZE, return_recognition_model: bool = False
    ) -> Iterator[Collection]:
        return _paginate(
            lambda start, top: self.person_group_list(
                start=start, top=top, return_recognition_model=return_recognition_model
            ),
            lambda group: group.id,
            page_size,
        )

    def person_group_train(self, *, person_group_id: str) -> None:
        self._call("PersonGroup_Train", {"personGroupId": person_group_id})

    def person_group_get_training_status(self, *, person_group_id: str) -> TrainingStatus:
        response = self._call("PersonGroup_GetTrainingStatus", {"personGroupId": person_group_id})
        return _one(response, TrainingStatus.from_json)

    # -- PersonGroupPerson --------------------------------------------------------------------

    def person_group_person_create(
        self, *, person_group_id: str, name: str, user_data: str | None = None
    ) -> str:
        """Returns the new person's id."""
        response = self._call(
            "PersonGroupPerson_Create",
            {"personGroupId": person_group_id},
            json=_without_none(name=name, userData=user_data),
        )
        return _id_field(response, "personId")

    def person_group_person_delete(self, *, person_group_id: str, person_id: str) -> None:
        self._call(
            "PersonGroupPerson_Delete", {"personGroupId": person_group_id, "personId": person_id}
        )

    def person_group_person_get(self, *, person_group_id: str, person_id: str) -> Person:
        response = self._call(
            "PersonGroupPerson_Get", {"personGroupId": person_group_id, "personId": person_id}
        )
        return _one(response, Person.from_json)

    def person_group_person_update(
        self,
        *,
        person_group_id: str,
        person_id: str,
        name: str | None = None,
        user_data: str | None = None,
    ) -> None:
        self._call(
            "PersonGroupPerson_Update",
            {"personGroupId": person_group_id, "personId": person_id},
            json=_without_none(name=name, userData=user_data),
        )

    def person_group_person_list(
        self, *, person_group_id: str, start: str | None = None, top: int | None = None
    ) -> list[Person]:
        """One page of persons with ids after `start`."""
        response = self._call(
            "PersonGroupPerson_List",
            {"personGroupId": person_group_id},
            params={"start": start, "top": _check_top("top", top)},
        )
        return _many(response, Person.from_json)

    def iter_person_group_persons(
        self, *, person_group_id: str, page_size: int = MAX_PAGE_SIZE
    ) -> Iterator[Person]:
        return _paginate(
            lambda start, top: self.person_group_person_list(
                person_group_id=person_group_id, start=start, top=top
            ),
            lambda person: person.person_id,
            page_size,
        )

    def person_group_person_add_face_from_stream(
        self,
        *,
        person_group_id: str,
        person_id: str,
        image: bytes,
        user_data: str | None = None,
        target_face: FaceRectangle | None = None,
        detection_model: str = DEFAULT_DETECTION_MODEL,
    ) -> str:
        """Returns the persisted face id."""
        return self._add_face_from_stream(
            "PersonGroupPerson_AddFaceFromStream",
            {"personGroupId": person_group_id, "personId": person_id},
            image,
            user_data,
            target_face,
            detection_model,
        )

    def person_group_person_add_face_from_url(
        self,
        *,
        person_group_id: str,
        person_id: str,
        url: str,
        user_data: str | None = None,
        target_face: FaceRectangle | None = None,
        detection_model: str = DEFAULT_DETECTION_MODEL,
    ) -> str:
        """Returns the persisted face id."""
        return self._add_face_from_url(
            "PersonGroupPerson_AddFaceFromUrl",
            {"personGroupId": person_group_id, "personId": person_id},
            url,
            user_data,
            target_face,
            detection_model,
        )

    def person_group_person_delete_face(
        self, *, person_group_id: str, person_id: str, persisted_face_id: str
    ) -> None:
        self._call(
            "PersonGroupPerson_DeleteFace",
            {
                "personGroupId": person_group_id,
                "personId": person_id,
                "persistedFaceId": persisted_face_id,
            },
        )

    def person_group_person_get_face(
        self, *, person_group_id: str, person_id: str, persisted_face_id: str
    ) -> PersistedFace:
        response = self._call(
            "PersonGroupPerson_GetFace",
            {
                "personGroupId": person_group_id,
                "personId": person_id,
                "persistedFaceId": persisted_face_id,
            },
        )
        return _one(response, PersistedFace.from_json)

    def person_group_person_update_face(
        self,
        *,
        person_group_id: str,
        person_id: str,
        persisted_face_id: str,
        user_data: str | None = None,
    ) -> None:
        self._call(
            "PersonGroupPerson_UpdateFace",
            {
                "personGroupId": person_group_id,
                "personId": person_id,
                "persistedFaceId": persisted_face_id,
            },
            json=_without_none(userData=user_data),
        )

    # -- FaceList -----------------------------------------------------------------------------

    def face_list_create(
        self,
        *,
        face_list_id: str,
        name: str,
        user_data: str | None = None,
        recognition_model: str = DEFAULT_RECOGNITION_MODEL,
    ) -> None:
        self._create_collection(
            "FaceList_Create",
            CollectionKind.FACE_LIST,
            face_list_id,
            name,
            user_data,
            recognition_model,
        )

    def face_list_delete(self, *, face_list_id: str) -> None:
        self._call("FaceList_Delete", {"faceListId": face_list_id})

    def face_list_get(
        self, *, face_list_id: str, return_recognition_model: bool = False
    ) -> Collection:
        """The face list with its faces in `persisted_faces`."""
        return self._get_collection(
            "FaceList_Get", CollectionKind.FACE_LIST, face_list_id, return_recognition_model
        )

    def face_list_update(
        self, *, face_list_id: str, name: str | None = None, user_data: str | None = None
    ) -> None:
        self._update_collection(
            "FaceList_Update", CollectionKind.FACE_LIST, face_list_id, name, user_data
        )

    def face_list_list(self, *, return_recognition_model: bool = False) -> list[Collection]:
        """All face lists (this listing has no paging; at most 64 per subscription)."""
        return self._list_collections(
            "FaceList_List",
            CollectionKind.FACE_LIST,
            {"returnRecognitionModel": return_recognition_model},
        )

    def face_list_add_face_from_stream(
        self,
        *,
        face_list_id: str,
        image: bytes,
        user_data: str | None = None,
        target_face: FaceRectangle | None = None,
        detection_model: str = DEFAULT_DETECTION_MODEL,
    ) -> str:
        return self._add_face_from_stream(
            "FaceList_AddFaceFromStream",
            {"faceListId": face_list_id},
            image,
            user_data,
            target_face,
            detection_model,
        )

    def face_list_add_face_from_url(
        self,
        *,
        face_list_id: str,
        url: str,
        user_data: str | None = None,
        target_face: FaceRectangle | None = None,
        detection_model: str = DEFAULT_DETECTION_MODEL,
    ) -> str:
        return self._add_face_from_url(
            "FaceList_AddFaceFromUrl",
            {"faceListId": face_list_id},
            url,
            user_data,
            target_face,
            detection_model,
        )

    def face_list_delete_face(self, *, face_list_id: str, persisted_face_id: str) -> None:
        self._call(
            "FaceList_DeleteFace",
            {"faceListId": face_list_id, "persistedFaceId": persisted_face_id},
        )

    # -- LargePersonGroup ---------------------------------------------------------------------

    def large_person_group_create(
        self,
        *,
        large_person_group_id: str,
        name: str,
        user_data: str | None = None,
        recognition_model: str = DEFAULT_RECOGNITION_MODEL,
    ) -> None:
        self._create_collection(
            "LargePersonGroup_Create",
            CollectionKind.LARGE_PERSON_GROUP,
            large_person_group_id,
            name,
            user_data,
            recognition_model,
        )

    def large_person_group_delete(self, *, large_person_group_id: str) -> None:
        self._call("LargePersonGroup_Delete", {"largePersonGroupId": large_person_group_id})

    def large_person_group_get(
        self, *, large_person_group_id: str, return_recognition_model: bool = False
    ) -> Collection:
        return self._get_collection(
            "LargePersonGroup_Get",
            CollectionKind.LARGE_PERSON_GROUP,
            large_person_group_id,
            return_recognition_model,
        )

    def large_person_group_update(
        self,
        *,
        large_person_group_id: str,
        name: str | None = None,
        user_data: str | None = None,
    ) -> None:
        self._update_collection(
            "LargePersonGroup_Update",
            CollectionKind.LARGE_PERSON_GROUP,
            large_person_group_id,
            name,
            user_data,
        )

    def large_person_group_list(
        self,
        *,
        start: str | None = None,
        top: int | None = None,
        return_recognition_model: bool = False,
    ) -> list[Collection]:
        """One page of large person groups with ids after `start`."""
        params = {
            "start": start,
            "top": _check_top("top", top),
            "returnRecognitionModel": return_recognition_model,
        }
        return self._list_collections(
            "LargePersonGroup_List", CollectionKind.LARGE_PERSON_GROUP, params
        )

    def iter_large_person_groups(
        self, *, page_size: int = MAX_PAGE_SIZE, return_recognition_model: bool = False
    ) -> Iterator[Collection]:
        return _paginate(
            lambda start, top: self.large_person_group_list(
                start=start, top=top, return_recognition_model=return_recognition_model
            ),
            lambda group: group.id,
            page_size,
        )

    def large_person_group_train(self, *, large_person_group_id: str) -> None:
        self._call("LargePersonGroup_Train", {"largePersonGroupId": large_person_group_id})

    def large_person_group_get_training_status(
        self, *, large_person_group_id: str
    ) -> TrainingStatus:
        response = self._call(
            "LargePersonGroup_GetTrainingStatus", {"largePersonGroupId": large_person_group_id}
        )
        return _one(response, TrainingStatus.from_json)

    # -- LargePersonGroupPerson ---------------------------------------------------------------

    def large_person_group_person_create(
        self, *, large_person_group_id: str, name: str, user_data: str | None = None
    ) -> str:
        """Returns the new person's id."""
        response = self._call(
            "LargePersonGroupPerson_Create",
            {"largePersonGroupId": large_person_group_id},
            json=_without_none(name=name, userData=user_data),
        )
        return _id_field(response, "personId")

    def large_person_group_person_delete(
        self, *, large_person_group_id: str, person_id: str
    ) -> None:
        self._call(
            "LargePersonGroupPerson_Delete",
            {"largePersonGroupId": large_person_group_id, "personId": person_id},
        )

    def large_person_group_person_get(
        self, *, large_person_group_id: str, person_id: str
    ) -> Person:
        response = self._call(
            "LargePersonGroupPerson_Get",
            {"largePersonGroupId": large_person_group_id, "personId": person_id},
        )
        return _one(response, Person.from_json)

    def large_person_group_person_update(
        self,
        *,
        large_person_group_id: str,
        person_id: str,
        name: str | None = None,
        user_data: str | None = None,
    ) -> None:
        self._call(
            "LargePersonGroupPerson_Update",
            {"largePersonGroupId": large_person_group_id, "personId": person_id},
            json=_without_none(name=name, userData=user_data),
        )

    def large_person_group_person_list(
        self, *, large_person_group_id: str, start: str | None = None, top: int | None = None
    ) -> list[Person]:
        """One page of persons with ids after `start`."""
        response = self._call(
            "LargePersonGroupPerson_List",
            {"largePersonGroupId": large_person_group_id},
            params={"start": start, "top": _check_top("top", top)},
        )
        return _many(response, Person.from_json)

    def iter_large_person_group_persons(
        self, *, large_person_group_id: str, page_size: int = MAX_PAGE_SIZE
    ) -> Iterator[Person]:
        return _paginate(
            lambda start, top: self.large_person_group_person_list(
                large_person_group_id=large_person_group_id, start=start, top=top
            ),
            lambda person: person.person_id,
            page_size,
        )

    def large_person_group_person_add_face_from_stream(
        self,
        *,
        large_person_group_id: str,
        person_id: str,
        image: bytes,
        user_data: str | None = None,
        target_face: FaceRectangle | None = None,
        detection_model: str = DEFAULT_DETECTION_MODEL,
    ) -> str:
        return self._add_face_from_stream(
            "LargePersonGroupPerson_AddFaceFromStream",
            {"largePersonGroupId": large_person_group_id, "personId": person_id},
            image,
            user_data,
            target_face,
            detection_model,
        )

    def large_person_group_person_add_face_from_url(
        self,
        *,
        large_person_group_id: str,
        person_id: str,
        url: str,
        user_data: str | None = None,
        target_face: FaceRectangle | None = None,
        detection_model: str = DEFAULT_DETECTION_MODEL,
    ) -> str:
        return self._add_face_from_url(
            "LargePersonGroupPerson_AddFaceFromUrl",
            {"largePersonGroupId": large_person_group_id, "personId": person_id},
            url,
            user_data,
            target_face,
            detection_model,
        )

    def large_person_group_person_delete_face(
        self, *, large_person_group_id: str, person_id: str, persisted_face_id: str
    ) -> None:
        self._call(
            "LargePersonGroupPerson_DeleteFace",
            {
                "largePersonGroupId": large_person_group_id,
                "personId": person_id,
                "persistedFaceId": persisted_face_id,
            },
        )

    def large_person_group_person_get_face(
        self, *, large_person_group_id: str, person_id: str, persisted_face_id: str
    ) -> PersistedFace:
        response = self._call(
            "LargePersonGroupPerson_GetFace",
            {
                "largePersonGroupId": large_person_group_id,
                "personId": person_id,
                "persistedFaceId": persisted_face_id,
            },
        )
        return _one(response, PersistedFace.from_json)

    def large_person_group_person_update_face(
        self,
        *,
        large_person_group_id: str,
        person_id: str,
        persisted_face_id: str,
        user_data: str | None = None,
    ) -> None:
        self._call(
            "LargePersonGroupPerson_UpdateFace",
            {
                "largePersonGroupId": large_person_group_id,
                "personId": person_id,
                "persistedFaceId": persisted_face_id,
            },
            json=_without_none(userData=user_data),
        )

    # -- LargeFaceList ------------------------------------------------------------------------

    def large_face_list_create(
        self,
        *,
        large_face_list_id: str,
        name: str,
        user_data: str | None = None,
        recognition_model: str = DEFAULT_RECOGNITION_MODEL,
    ) -> None:
        self._create_collection(
            "LargeFaceList_Create",
            CollectionKind.LARGE_FACE_LIST,
            large_face_list_id,
            name,
            user_data,
            recognition_model,
        )

    def large_face_list_delete(self, *, large_face_list_id: str) -> None:
        self._call("LargeFaceList_Delete", {"largeFaceListId": large_face_list_id})

    def large_face_list_get(
        self, *, large_face_list_id: str, return_recognition_model: bool = False
    ) -> Collection:
        return self._get_collection(
            "LargeFaceList_Get",
            CollectionKind.LARGE_FACE_LIST,
            large_face_list_id,
            return_recognition_model,
        )

    def large_face_list_update(
        self, *, large_face_list_id: str, name: str | None = None, user_data: str | None = None
    ) -> None:
        self._update_collection(
            "LargeFaceList_Update",
            CollectionKind.LARGE_FACE_LIST,
            large_face_list_id,
            name,
            user_data,
        )

    def large_face_list_list(
        self,
        *,
        start: str | None = None,
        top: int | None = None,
        return_recognition_model: bool = False,
    ) -> list[Collection]:
        """One page of large face lists with ids after `start`."""
        params = {
            "start": start,
            "top": _check_top("top", top),
            "returnRecognitionModel": return_recognition_model,
        }
        return self._list_collections("LargeFaceList_List", CollectionKind.LARGE_FACE_LIST, params)

    def iter_large_face_lists(
        self, *, page_size: int = MAX_PAGE_SIZE, return_recognition_model: bool = False
    ) -> Iterator[Collection]:
        return _paginate(
            lambda start, top: self.large_face_list_list(
                start=start, top=top, return_recognition_model=return_recognition_model
            ),
            lambda face_list: face_list.id,
            page_size,
        )

    def large_face_list_list_faces(
        self, *, large_face_list_id: str, start: str | None = None, top: int | None = None
    ) -> list[PersistedFace]:
        """One page of faces with persisted face ids after `start`."""
        response = self._call(
            "LargeFaceList_ListFaces",
            {"largeFaceListId": large_face_list_id},
            params={"start": start, "top": _check_top("top", top)},
        )
        return _many(response, PersistedFace.from_json)

    def iter_large_face_list_faces(
        self, *, large_face_list_id: str, page_size: int = MAX_PAGE_SIZE
    ) -> Iterator[PersistedFace]:
        return _paginate(
            lambda start, top: self.large_face_list_list_faces(
                large_face_list_id=large_face_list_id, start=start, top=top
            ),
            lambda face: face.persisted_face_id,
            page_size,
        )

    def large_face_list_add_face_from_stream(
        self,
        *,
        large_face_list_id: str,
        image: bytes,
        user_data: str | None = None,
        target_face: FaceRectangle | None = None,
        detection_model: str = DEFAULT_DETECTION_MODEL,
    ) -> str:
        return self._add_face_from_stream(
            "LargeFaceList_AddFaceFromStream",
            {"largeFaceListId": large_face_list_id},
            image,
            user_data,
            target_face,
            detection_model,
        )

    def large_face_list_add_face_from_url(
        self,
        *,
        large_face_list_id: str,
        url: str,
        user_data: str | None = None,
        target_face: FaceRectangle | None = None,
        detection_model: str = DEFAULT_DETECTION_MODEL,
    ) -> str:
        return self._add_face_from_url(
            "LargeFaceList_AddFaceFromUrl",
            {"largeFaceListId": large_face_list_id},
            url,
            user_data,
            target_face,
            detection_model,
        )

    def large_face_list_delete_face(
        self, *, large_face_list_id: str, persisted_face_id: str
    ) -> None:
        self._call(
            "LargeFaceList_DeleteFace",
            {"largeFaceListId": large_face_list_id, "persistedFaceId": persisted_face_id},
        )

    def large_face_list_get_face(
        self, *, large_face_list_id: str, persisted_face_id: str
    ) -> PersistedFace:
        response = self._call(
            "LargeFaceList_GetFace",
            {"largeFaceListId": large_face_list_id, "persistedFaceId": persisted_face_id},
        )
        return _one(response, PersistedFace.from_json)

    def large_face_list_update_face(
        self, *, large_face_list_id: str, persisted_face_id: str, user_data: str | None = None
    ) -> None:
        self._call(
            "LargeFaceList_UpdateFace",
            {"largeFaceListId": large_face_list_id, "persistedFaceId": persisted_face_id},
            json=_without_none(userData=user_data),
        )

    def large_face_list_train(self, *, large_face_list_id: str) -> None:
        self._call("LargeFaceList_Train", {"largeFaceListId": large_face_list_id})

    def large_face_list_get_training_status(self, *, large_face_list_id: str) -> TrainingStatus:
        response = self._call(
            "LargeFaceList_GetTrainingStatus", {"largeFaceListId": large_face_list_id}
        )
        return _one(response, TrainingStatus.from_json)

    # -- Snapshot -----------------------------------------------------------------------------

    def snapshot_take(
        self,
        *,
        kind: CollectionKind | str,
        object_id: str,
        apply_scope: Sequence[str],
        user_data: str | None = None,
    ) -> str:
        """Starts copying a collection; returns the operation id to poll."""
        body = _without_none(
            type=_check_kind(kind),
            objectId=object_id,
            applyScope=_check_ids("applyScope", apply_scope),
            userData=user_data,
        )
        return _operation_id(self._call("Snapshot_Take", json=body))

    def snapshot_apply(self, *, snapshot_id: str, object_id: str, mode: str = "CreateNew") -> str:
        """Starts restoring a snapshot into `object_id`; returns the operation id to poll."""
        response = self._call(
            "Snapshot_Apply",
            {"snapshotId": snapshot_id},
            json={"objectId": object_id, "mode": mode},
        )
        return _operation_id(response)

    def snapshot_get(self, *, snapshot_id: str) -> Snapshot:
        return _one(self._call("Snapshot_Get", {"snapshotId": snapshot_id}), Snapshot.from_json)

    def snapshot_list(
        self,
        *,
        kind: CollectionKind | str | None = None,
        apply_scope: Sequence[str] | None = None,
    ) -> list[Snapshot]:
        params: dict[str, ParamValue] = {
            "type": _check_kind(kind) if kind is not None else None,
            "applyScope": _check_ids("applyScope", apply_scope) if apply_scope else None,
        }
        return _many(self._call("Snapshot_List", params=params), Snapshot.from_json)

    def snapshot_update(
        self,
        *,
        snapshot_id: str,
        apply_scope: Sequence[str] | None = None,
        user_data: str | None = None,
    ) -> None:
        body = _without_none(
            applyScope=(_check_ids("applyScope", apply_scope) if apply_scope is not None else None),
            userData=user_data,
        )
        self._call("Snapshot_Update", {"snapshotId": snapshot_id}, json=body)

    def snapshot_delete(self, *, snapshot_id: str) -> None:
        self._call("Snapshot_Delete", {"snapshotId": snapshot_id})

    def snapshot_get_operation_status(self, *, operation_id: str) -> OperationStatus:
        response = self._call("Snapshot_GetOperationStatus", {"operationId": operation_id})
        return _one(response, OperationStatus.from_json)
