"""The operations of the four collection kinds, the kind a parameter.

Azure repeats each operation per kind (PersonGroup_Create, LargePersonGroup_Create, ...);
here the kind is the first argument and picks the operationId, as the engine handles the four
kinds with one Kind. Person operations take a person kind, face-list operations a face-list
kind; another kind raises BadArgument before any request.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from faceadmin.clients.azure.wire import (
    API_DEFAULT_RECOGNITION_MODEL,
    DEFAULT_DETECTION_MODEL,
    MAX_PAGE_SIZE,
    _add_face_params,
    _check_image,
    _check_top,
    _face_list,
    _id_field,
    _large_face_list,
    _many,
    _one,
    _paginate,
    _persons,
    _trainable,
    _without_none,
)
from faceadmin.clients.errors import BadArgument
from faceadmin.clients.transport import ParamValue, Response
from faceadmin.clients.types import (
    Collection,
    CollectionKind,
    FaceRectangle,
    PersistedFace,
    Person,
    TrainingStatus,
)

__all__ = ["CollectionOperations"]


class CollectionOperations:
    """Collections, their persons and their faces; `AzureFaceClient` supplies `_call`."""

    def _call(
        self,
        operation_id: str,
        path_params: Mapping[str, str] | None = None,
        *,
        params: Mapping[str, ParamValue] | None = None,
        json: Any = None,
        data: bytes | None = None,
    ) -> Response:
        raise NotImplementedError

    def _add_face(
        self,
        operation_id: str,
        path_params: Mapping[str, str],
        params: Mapping[str, ParamValue],
        *,
        data: bytes | None = None,
        json: Any = None,
    ) -> str:
        """One add-face call (an image in the body, or its URL); the new persisted face id."""
        response = self._call(operation_id, path_params, params=params, data=data, json=json)
        return _id_field(response, "persistedFaceId")

    def collection_create(
        self,
        kind: CollectionKind,
        *,
        collection_id: str,
        name: str,
        user_data: str | None = None,
        recognition_model: str = API_DEFAULT_RECOGNITION_MODEL,
    ) -> None:
        body = _without_none(name=name, userData=user_data, recognitionModel=recognition_model)
        self._call(f"{kind.value}_Create", {kind.id_field: collection_id}, json=body)

    def collection_delete(self, kind: CollectionKind, *, collection_id: str) -> None:
        self._call(f"{kind.value}_Delete", {kind.id_field: collection_id})

    def collection_get(
        self, kind: CollectionKind, *, collection_id: str, return_recognition_model: bool = False
    ) -> Collection:
        """A face list's GET also has its faces (`persisted_faces`)."""
        response = self._call(
            f"{kind.value}_Get",
            {kind.id_field: collection_id},
            params={"returnRecognitionModel": return_recognition_model},
        )
        return _one(response, lambda data: Collection.from_json(data, kind=kind))

    def collection_update(
        self,
        kind: CollectionKind,
        *,
        collection_id: str,
        name: str | None = None,
        user_data: str | None = None,
    ) -> None:
        body = _without_none(name=name, userData=user_data)
        self._call(f"{kind.value}_Update", {kind.id_field: collection_id}, json=body)

    def collection_list(
        self,
        kind: CollectionKind,
        *,
        start: str | None = None,
        top: int | None = None,
        return_recognition_model: bool = False,
    ) -> list[Collection]:
        """One page of collections with ids after `start` (`top` defaults to 1000). Face lists
        are not paged: their list takes neither `start` nor `top`."""
        params: dict[str, ParamValue] = {"returnRecognitionModel": return_recognition_model}
        if kind is CollectionKind.FACE_LIST:
            if start is not None or top is not None:
                raise BadArgument("Face lists are listed whole: no 'start' or 'top'.")
        else:
            params = {"start": start, "top": _check_top("top", top)} | params
        response = self._call(f"{kind.value}_List", params=params)
        return _many(response, lambda data: Collection.from_json(data, kind=kind))

    def iter_collections(
        self,
        kind: CollectionKind,
        *,
        page_size: int = MAX_PAGE_SIZE,
        return_recognition_model: bool = False,
    ) -> Iterator[Collection]:
        if kind is CollectionKind.FACE_LIST:
            return iter(
                self.collection_list(kind, return_recognition_model=return_recognition_model)
            )
        return _paginate(
            lambda start, top: self.collection_list(
                kind, start=start, top=top, return_recognition_model=return_recognition_model
            ),
            lambda collection: collection.id,
            page_size,
        )

    def train(self, kind: CollectionKind, *, collection_id: str) -> None:
        self._call(f"{_trainable(kind).value}_Train", {kind.id_field: collection_id})

    def training_status(self, kind: CollectionKind, *, collection_id: str) -> TrainingStatus:
        response = self._call(
            f"{_trainable(kind).value}_GetTrainingStatus", {kind.id_field: collection_id}
        )
        return _one(response, TrainingStatus.from_json)

    # -- persons of a (large) person group ---------------------------------------------------

    def person_create(
        self, kind: CollectionKind, *, collection_id: str, name: str, user_data: str | None = None
    ) -> str:
        """Returns the new person's id."""
        response = self._call(
            f"{_persons(kind)}_Create",
            {kind.id_field: collection_id},
            json=_without_none(name=name, userData=user_data),
        )
        return _id_field(response, "personId")

    def person_delete(self, kind: CollectionKind, *, collection_id: str, person_id: str) -> None:
        self._call(
            f"{_persons(kind)}_Delete", {kind.id_field: collection_id, "personId": person_id}
        )

    def person_get(self, kind: CollectionKind, *, collection_id: str, person_id: str) -> Person:
        response = self._call(
            f"{_persons(kind)}_Get", {kind.id_field: collection_id, "personId": person_id}
        )
        return _one(response, Person.from_json)

    def person_update(
        self,
        kind: CollectionKind,
        *,
        collection_id: str,
        person_id: str,
        name: str | None = None,
        user_data: str | None = None,
    ) -> None:
        self._call(
            f"{_persons(kind)}_Update",
            {kind.id_field: collection_id, "personId": person_id},
            json=_without_none(name=name, userData=user_data),
        )

    def person_list(
        self,
        kind: CollectionKind,
        *,
        collection_id: str,
        start: str | None = None,
        top: int | None = None,
    ) -> list[Person]:
        """One page of persons with ids after `start`."""
        response = self._call(
            f"{_persons(kind)}_List",
            {kind.id_field: collection_id},
            params={"start": start, "top": _check_top("top", top)},
        )
        return _many(response, Person.from_json)

    def iter_persons(
        self, kind: CollectionKind, *, collection_id: str, page_size: int = MAX_PAGE_SIZE
    ) -> Iterator[Person]:
        return _paginate(
            lambda start, top: self.person_list(
                kind, collection_id=collection_id, start=start, top=top
            ),
            lambda person: person.person_id,
            page_size,
        )

    def person_add_face_from_stream(
        self,
        kind: CollectionKind,
        *,
        collection_id: str,
        person_id: str,
        image: bytes,
        user_data: str | None = None,
        target_face: FaceRectangle | None = None,
        detection_model: str = DEFAULT_DETECTION_MODEL,
    ) -> str:
        """Returns the persisted face id."""
        return self._add_face(
            f"{_persons(kind)}_AddFaceFromStream",
            {kind.id_field: collection_id, "personId": person_id},
            _add_face_params(user_data, target_face, detection_model),
            data=_check_image(image),
        )

    def person_add_face_from_url(
        self,
        kind: CollectionKind,
        *,
        collection_id: str,
        person_id: str,
        url: str,
        user_data: str | None = None,
        target_face: FaceRectangle | None = None,
        detection_model: str = DEFAULT_DETECTION_MODEL,
    ) -> str:
        """Returns the persisted face id."""
        return self._add_face(
            f"{_persons(kind)}_AddFaceFromUrl",
            {kind.id_field: collection_id, "personId": person_id},
            _add_face_params(user_data, target_face, detection_model),
            json={"url": url},
        )

    def person_delete_face(
        self, kind: CollectionKind, *, collection_id: str, person_id: str, persisted_face_id: str
    ) -> None:
        ids = {kind.id_field: collection_id, "personId": person_id}
        self._call(f"{_persons(kind)}_DeleteFace", ids | {"persistedFaceId": persisted_face_id})

    def person_get_face(
        self, kind: CollectionKind, *, collection_id: str, person_id: str, persisted_face_id: str
    ) -> PersistedFace:
        ids = {kind.id_field: collection_id, "personId": person_id}
        response = self._call(
            f"{_persons(kind)}_GetFace", ids | {"persistedFaceId": persisted_face_id}
        )
        return _one(response, PersistedFace.from_json)

    def person_update_face(
        self,
        kind: CollectionKind,
        *,
        collection_id: str,
        person_id: str,
        persisted_face_id: str,
        user_data: str | None = None,
    ) -> None:
        ids = {kind.id_field: collection_id, "personId": person_id}
        self._call(
            f"{_persons(kind)}_UpdateFace",
            ids | {"persistedFaceId": persisted_face_id},
            json=_without_none(userData=user_data),
        )

    # -- faces of a (large) face list --------------------------------------------------------

    def add_face_from_stream(
        self,
        kind: CollectionKind,
        *,
        collection_id: str,
        image: bytes,
        user_data: str | None = None,
        target_face: FaceRectangle | None = None,
        detection_model: str = DEFAULT_DETECTION_MODEL,
    ) -> str:
        """Returns the persisted face id."""
        return self._add_face(
            f"{_face_list(kind).value}_AddFaceFromStream",
            {kind.id_field: collection_id},
            _add_face_params(user_data, target_face, detection_model),
            data=_check_image(image),
        )

    def add_face_from_url(
        self,
        kind: CollectionKind,
        *,
        collection_id: str,
        url: str,
        user_data: str | None = None,
        target_face: FaceRectangle | None = None,
        detection_model: str = DEFAULT_DETECTION_MODEL,
    ) -> str:
        """Returns the persisted face id."""
        return self._add_face(
            f"{_face_list(kind).value}_AddFaceFromUrl",
            {kind.id_field: collection_id},
            _add_face_params(user_data, target_face, detection_model),
            json={"url": url},
        )

    def delete_face(
        self, kind: CollectionKind, *, collection_id: str, persisted_face_id: str
    ) -> None:
        self._call(
            f"{_face_list(kind).value}_DeleteFace",
            {kind.id_field: collection_id, "persistedFaceId": persisted_face_id},
        )

    def get_face(
        self, kind: CollectionKind, *, collection_id: str, persisted_face_id: str
    ) -> PersistedFace:
        """One face of a large face list (a face list's faces come with its GET)."""
        response = self._call(
            f"{_large_face_list(kind).value}_GetFace",
            {kind.id_field: collection_id, "persistedFaceId": persisted_face_id},
        )
        return _one(response, PersistedFace.from_json)

    def update_face(
        self,
        kind: CollectionKind,
        *,
        collection_id: str,
        persisted_face_id: str,
        user_data: str | None = None,
    ) -> None:
        self._call(
            f"{_large_face_list(kind).value}_UpdateFace",
            {kind.id_field: collection_id, "persistedFaceId": persisted_face_id},
            json=_without_none(userData=user_data),
        )

    def list_faces(
        self,
        kind: CollectionKind,
        *,
        collection_id: str,
        start: str | None = None,
        top: int | None = None,
    ) -> list[PersistedFace]:
        """One page of a large face list's faces with persisted face ids after `start`."""
        response = self._call(
            f"{_large_face_list(kind).value}_ListFaces",
            {kind.id_field: collection_id},
            params={"start": start, "top": _check_top("top", top)},
        )
        return _many(response, PersistedFace.from_json)

    def iter_faces(
        self, kind: CollectionKind, *, collection_id: str, page_size: int = MAX_PAGE_SIZE
    ) -> Iterator[PersistedFace]:
        return _paginate(
            lambda start, top: self.list_faces(
                kind, collection_id=collection_id, start=start, top=top
            ),
            lambda face: face.persisted_face_id,
            page_size,
        )
