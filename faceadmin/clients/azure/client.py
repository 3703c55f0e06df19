"""`AzureFaceClient`: typed Azure Face v1.0 operations, one method per operation shape.

Every method names its swagger operationId and goes through `_call`, which takes the HTTP
method and path template from `wire.ENDPOINTS`, quotes the ids into the path and hands the
request to the transport (the one request loop, with retries and typed errors). Results come
back as the frozen dataclasses of `clients.types`.

The face operations keep the SDK's names (`detect_with_stream`, `identify`, ...). The four
collection kinds share their methods, the kind being the first argument
(`client.person_create(CollectionKind.LARGE_PERSON_GROUP, collection_id="staff", name="Ann")`);
mypy checks every such call. Paged lists have a single-page method taking `start`/`top` and an
`iter_*` helper that walks every page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from faceadmin.clients.azure.collection_ops import CollectionOperations
from faceadmin.clients.azure.wire import (
    API_DEFAULT_RECOGNITION_MODEL,
    DEFAULT_DETECTION_MODEL,
    ENDPOINTS_BY_ID,
    _check_id,
    _check_ids,
    _check_image,
    _check_kind,
    _expand,
    _many,
    _one,
    _one_group,
    _operation_id,
    _without_none,
)
from faceadmin.clients.errors import BadArgument
from faceadmin.clients.transport import HttpTransport, ParamValue, Response, Transport, base_url_for
from faceadmin.clients.types import (
    CollectionKind,
    DetectedFace,
    GroupResult,
    IdentifyResult,
    OperationStatus,
    SimilarFace,
    Snapshot,
    VerifyResult,
)

__all__ = ["AzureFaceClient"]


class AzureFaceClient(CollectionOperations):
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
        recognition_model: str = API_DEFAULT_RECOGNITION_MODEL,
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
        recognition_model: str = API_DEFAULT_RECOGNITION_MODEL,
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
