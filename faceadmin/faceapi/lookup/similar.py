"""Find similar on an Azure-compatible provider: the faces of a face list most like a face."""

from __future__ import annotations

from faceadmin.clients.errors import NotFoundError
from faceadmin.clients.types import Collection, CollectionKind, FaceRectangle, SimilarFace
from faceadmin.faceapi.imagestore import face_images
from faceadmin.faceapi.lookup import audit
from faceadmin.faceapi.lookup.detect import azure_detect, need_face, retry_expired
from faceadmin.faceapi.lookup.photos import Photo, PhotoError
from faceadmin.faceapi.lookup.recording import AzureSession
from faceadmin.faceapi.lookup.results import (
    DetectSettings,
    GroupRef,
    SimilarMatch,
    SimilarSearch,
)
from faceadmin.faceapi.lookup.targets import LIST_KINDS, get_collection, untrained_reason
from faceadmin.tenants.models import Tenant
from faceadmin.tenants.services import Actor

__all__ = ["photo_find_similar"]


def _searchable_list(session: AzureSession, face_list: GroupRef) -> Collection:
    if face_list.kind not in LIST_KINDS:
        raise PhotoError(f"{face_list} is not a face list.")
    try:
        collection = get_collection(session.client, face_list)
    except NotFoundError:
        raise PhotoError(f"The face list {face_list.id} does not exist (any more).") from None
    if face_list.kind is CollectionKind.LARGE_FACE_LIST:
        reason = untrained_reason(session.tenant, collection)
        if reason is not None:
            raise PhotoError(f"{collection.name} cannot be searched yet: {reason}.")
    return collection


def _matches(
    tenant: Tenant, collection: Collection, hits: list[SimilarFace]
) -> tuple[SimilarMatch, ...]:
    ids = [h.persisted_face_id for h in hits if h.persisted_face_id]
    images = face_images(tenant=tenant, persisted_face_ids=ids)
    user_data = {f.persisted_face_id: f.user_data for f in collection.persisted_faces or ()}
    return tuple(
        SimilarMatch(
            persisted_face_id=face_id,
            confidence=hit.confidence,
            user_data=user_data.get(face_id),
            thumbnail_url=images[face_id].thumbnail_url if face_id in images else None,
        )
        for hit in hits
        if (face_id := hit.persisted_face_id)
    )


@audit.audited_lookup("lookup.similar", audit.target_similar, audit.summary_similar)
def photo_find_similar(
    *,
    tenant: Tenant,
    photo: Photo,
    settings: DetectSettings,
    face_list: GroupRef,
    face: FaceRectangle | None = None,
    mode: str = "matchPerson",
    max_candidates: int = 20,
    user: Actor = None,
) -> SimilarSearch:
    """The faces of a face list (or large face list) most like the picked face."""
    session = AzureSession(tenant)
    collection = _searchable_list(session, face_list)
    model_settings = settings.with_recognition_model(
        collection.recognition_model or "recognition_01"
    )
    holder = {"d": azure_detect(session, photo, model_settings)}
    need_face(holder["d"], "the photo")
    list_ids = (
        {"face_list_id": face_list.id}
        if face_list.kind is CollectionKind.FACE_LIST
        else {"large_face_list_id": face_list.id}
    )

    def call() -> list[SimilarFace]:
        box = holder["d"].box_for(face)
        assert box is not None
        return session.client.find_similar(
            face_id=box.face.face_id or "",
            max_num_of_candidates_returned=max_candidates,
            mode=mode,
            **list_ids,
        )

    def redetect() -> None:
        holder["d"] = azure_detect(session, photo, model_settings)

    hits = retry_expired(call, redetect)
    box = holder["d"].box_for(face)
    assert box is not None
    matches = _matches(tenant, collection, hits)
    return SimilarSearch(holder["d"], box, collection, mode, matches, session.api_ms)
