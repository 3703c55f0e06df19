"""Verify on an Azure-compatible provider: two photos, or a photo and an enrolled person."""

from __future__ import annotations

from faceadmin.clients.errors import NotFoundError
from faceadmin.clients.types import FaceRectangle, VerifyResult
from faceadmin.faceapi.lookup import audit
from faceadmin.faceapi.lookup.detect import azure_detect, need_face, retry_expired
from faceadmin.faceapi.lookup.photos import Photo, PhotoError
from faceadmin.faceapi.lookup.recording import AzureSession
from faceadmin.faceapi.lookup.results import (
    DetectSettings,
    FaceBox,
    GroupRef,
    Verdict,
    Verification,
)
from faceadmin.faceapi.lookup.targets import get_collection, get_person, group_ids
from faceadmin.tenants.models import Tenant
from faceadmin.tenants.services import Actor

__all__ = ["photo_verify"]


def _verdict(result: VerifyResult) -> Verdict:
    return Verdict(result.is_identical, result.confidence)


def _picked(box: FaceBox | None) -> FaceBox:
    assert box is not None  # need_face() made sure there is one
    return box


def _two_photos(
    session: AzureSession,
    settings: DetectSettings,
    first: Photo,
    first_face: FaceRectangle | None,
    second: Photo,
    second_face: FaceRectangle | None,
) -> Verification:
    state = {
        "a": azure_detect(session, first, settings),
        "b": azure_detect(session, second, settings),
    }
    need_face(state["a"], "the first photo")
    need_face(state["b"], "the second photo")

    def call() -> VerifyResult:
        a = _picked(state["a"].box_for(first_face))
        b = _picked(state["b"].box_for(second_face))
        return session.client.verify_face_to_face(
            face_id1=a.face.face_id or "", face_id2=b.face.face_id or ""
        )

    def redetect() -> None:
        state["a"] = azure_detect(session, first, settings)
        state["b"] = azure_detect(session, second, settings)

    result = retry_expired(call, redetect)
    a_box = _picked(state["a"].box_for(first_face))
    b_box = _picked(state["b"].box_for(second_face))
    return Verification(
        state["a"], a_box, _verdict(result), state["b"], b_box, api_ms=session.api_ms
    )


def _photo_and_person(
    session: AzureSession,
    settings: DetectSettings,
    first: Photo,
    first_face: FaceRectangle | None,
    group: GroupRef,
    person_id: str,
) -> Verification:
    try:
        collection = get_collection(session.client, group)
    except NotFoundError:
        raise PhotoError(f"The group {group.id} does not exist (any more).") from None
    person = get_person(session.client, group, person_id)
    if person is None:
        raise PhotoError(f"No person {person_id} in {collection.name}.")
    model_settings = settings.with_recognition_model(
        collection.recognition_model or "recognition_01"
    )
    holder = {"a": azure_detect(session, first, model_settings)}
    need_face(holder["a"], "the photo")

    def call() -> VerifyResult:
        box = _picked(holder["a"].box_for(first_face))
        return session.client.verify_face_to_person(
            face_id=box.face.face_id or "", person_id=person_id, **group_ids(group)
        )

    def redetect() -> None:
        holder["a"] = azure_detect(session, first, model_settings)

    result = retry_expired(call, redetect)
    box = _picked(holder["a"].box_for(first_face))
    return Verification(
        holder["a"],
        box,
        _verdict(result),
        group=collection,
        person=person,
        api_ms=session.api_ms,
    )


@audit.audited_lookup("lookup.verify", audit.target_verify, audit.summary_verify)
def photo_verify(
    *,
    tenant: Tenant,
    settings: DetectSettings,
    first: Photo,
    first_face: FaceRectangle | None = None,
    second: Photo | None = None,
    second_face: FaceRectangle | None = None,
    group: GroupRef | None = None,
    person_id: str | None = None,
    user: Actor = None,
) -> Verification:
    """Same person? Two photos (the picked face of each, else the largest), or a photo's
    face against an enrolled person."""
    session = AzureSession(tenant)
    if second is not None:
        return _two_photos(session, settings, first, first_face, second, second_face)
    if group is None or not person_id:
        raise PhotoError("Choose a second photo, or a person to compare with.")
    return _photo_and_person(session, settings, first, first_face, group, person_id)
