"""The Azure Face v1.0 wire: the endpoint table, the client-side checks, reading answers.

`ENDPOINTS` is the contract's table of the 69 operations (operationId, method, path, success
status, whether a retry is safe); `client.AzureFaceClient` sends each call through it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from faceadmin.clients.errors import (
    BadArgument,
    InvalidResponse,
    PersonGroupIdAndLargePersonGroupIdBothNotNull,
    PersonGroupIdAndLargePersonGroupIdBothNull,
)
from faceadmin.clients.transport import ParamValue, Response
from faceadmin.clients.types import (
    CollectionKind,
    FaceRectangle,
)

MAX_PAGE_SIZE = 1000
# What Azure assumes when a create omits recognitionModel (faceadmin itself picks
# faceapi.kinds.DEFAULT_RECOGNITION_MODEL for new collections).
API_DEFAULT_RECOGNITION_MODEL = "recognition_01"
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


# --- which kinds an operation takes ------------------------------------------------------

_PERSON_KINDS = frozenset({CollectionKind.PERSON_GROUP, CollectionKind.LARGE_PERSON_GROUP})
_FACE_LIST_KINDS = frozenset({CollectionKind.FACE_LIST, CollectionKind.LARGE_FACE_LIST})
_TRAINABLE_KINDS = frozenset(
    {CollectionKind.PERSON_GROUP, CollectionKind.LARGE_PERSON_GROUP, CollectionKind.LARGE_FACE_LIST}
)


def _kind_in(kind: CollectionKind, allowed: frozenset[CollectionKind], what: str) -> CollectionKind:
    if kind not in allowed:
        raise BadArgument(f"{kind.value} has no {what}.")
    return kind


def _persons(kind: CollectionKind) -> str:
    """The operationId prefix of a person kind's persons, e.g. "LargePersonGroupPerson"."""
    return _kind_in(kind, _PERSON_KINDS, "persons").value + "Person"


def _face_list(kind: CollectionKind) -> CollectionKind:
    return _kind_in(kind, _FACE_LIST_KINDS, "faces of its own (its persons have faces)")


def _large_face_list(kind: CollectionKind) -> CollectionKind:
    return _kind_in(
        kind,
        frozenset({CollectionKind.LARGE_FACE_LIST}),
        "single-face reads (large face lists only)",
    )


def _trainable(kind: CollectionKind) -> CollectionKind:
    return _kind_in(kind, _TRAINABLE_KINDS, "training")


def _add_face_params(
    user_data: str | None, target_face: FaceRectangle | None, detection_model: str
) -> dict[str, ParamValue]:
    return {
        "userData": user_data,
        "targetFace": target_face.as_target() if target_face is not None else None,
        "detectionModel": detection_model,
    }
