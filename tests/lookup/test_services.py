"""Lookup services against the embedded engine: real photos, real models, real database."""

from __future__ import annotations

import io
from typing import Any

import pytest
import responses
from PIL import Image

from faceadmin.clients.errors import InvalidImage, NotFoundError
from faceadmin.clients.types import CollectionKind, FaceRectangle
from faceadmin.faceapi import services
from faceadmin.faceapi.lookup import (
    Detection,
    DetectSettings,
    Face,
    FaceBox,
    GroupRef,
    PhotoError,
    cluster_enroll,
    photo_detect,
    photo_enroll_face,
    photo_find_similar,
    photo_from_bytes,
    photo_from_url,
    photo_group,
    photo_identify,
    photo_verify,
)
from faceadmin.tenants.models import Tenant
from tests.lookup.conftest import PG, faces_in, make_group, photo, wait_trained

pytestmark = pytest.mark.django_db


def upload(name: str) -> Any:
    return photo_from_bytes(data=photo(name), filename=name.rsplit("/", 1)[-1])


def blank_jpeg(width: int = 640, height: int = 480) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (120, 140, 160)).save(out, "JPEG")
    return out.getvalue()


# --- checking uploads before the provider sees them ---------------------------------------


def test_it_refuses_a_file_that_is_not_an_image() -> None:
    with pytest.raises(PhotoError, match="not an image"):
        photo_from_bytes(data=b"%PDF-1.7 " + b"x" * 4000, filename="scan.pdf")


def test_it_refuses_a_photo_over_6_mb_before_reading_it() -> None:
    with pytest.raises(PhotoError, match="at most 6 MB"):
        photo_from_bytes(data=b"\xff" * (6 * 1024 * 1024 + 1), filename="huge.jpg")


def test_it_reads_size_and_type_from_the_header() -> None:
    png = upload("probe/barack_obama_32bit.png")
    assert (png.width, png.height, png.content_type) == (626, 1200, "image/png")
    assert png.data_uri().startswith("data:image/png;base64,")


# --- detect -----------------------------------------------------------------------------------


def test_it_detects_every_face_largest_first_with_attributes(local_tenant: Tenant) -> None:
    name = "multi/barack_obama_joe_biden.jpg"
    detection = photo_detect(tenant=local_tenant, photo=upload(name), settings=DetectSettings())
    assert len(detection.boxes) == faces_in(name) == 3
    assert [b.number for b in detection.boxes] == [1, 2, 3]
    areas = [b.rect.width * b.rect.height for b in detection.boxes]
    assert areas == sorted(areas, reverse=True)
    first = detection.boxes[0]
    attributes = first.face.attributes
    assert attributes is not None
    assert attributes.head_pose is not None and attributes.blur is not None
    assert attributes.exposure is not None and attributes.noise is not None
    assert first.quality in {"Low", "Medium", "High"}  # recognition_04 asks for it
    assert len(first.landmark_points) == 27
    assert detection.call is not None and '"faceRectangle"' in detection.call.pretty_body()


def test_its_curl_repeats_the_request_with_the_key_masked(local_tenant: Tenant) -> None:
    detection = photo_detect(
        tenant=local_tenant, photo=upload("probe/kit_harington.jpg"), settings=DetectSettings()
    )
    assert detection.call is not None
    curl = detection.call.curl(
        base_url="https://faces.example/face/v1.0",
        masked_key=local_tenant.primary_key_masked,
        filename="kit_harington.jpg",
    )
    assert local_tenant.primary_key not in curl
    assert local_tenant.primary_key_masked in curl
    assert "https://faces.example/face/v1.0/detect?returnFaceId=true" in curl
    assert "returnFaceAttributes=headPose,blur,exposure,noise,qualityForRecognition" in curl
    assert "--data-binary @kit_harington.jpg" in curl


def test_detection_02_asks_for_rectangles_only(local_tenant: Tenant) -> None:
    settings = DetectSettings(detection_model="detection_02", recognition_model="recognition_04")
    assert settings.attributes == () and not settings.wants_landmarks
    detection = photo_detect(
        tenant=local_tenant, photo=upload("multi/two_people.jpg"), settings=settings
    )
    assert len(detection.boxes) == 2
    assert detection.boxes[0].face.attributes is None


def test_a_photo_without_faces_gives_no_boxes(local_tenant: Tenant) -> None:
    photo_ = photo_from_bytes(data=blank_jpeg(), filename="wall.jpg")
    detection = photo_detect(tenant=local_tenant, photo=photo_, settings=DetectSettings())
    assert detection.boxes == ()


# --- identify ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_it_names_the_person_on_a_probe(local_tenant: Tenant, people: dict[str, str]) -> None:
    result = photo_identify(
        tenant=local_tenant, photo=upload("probe/barack_obama_2.jpg"), settings=DetectSettings()
    )
    assert [c.id for c in result.searched] == ["people"]
    (face,) = result.faces
    best = face.candidates[0]
    assert best.name == "barack_obama"
    assert best.person_id == people["barack_obama"]
    assert best.user_data == "barack_obama test data"
    assert best.confidence >= 0.5
    assert len(best.thumbnails) == 1 and best.thumbnails[0].startswith("/t/local/")


@pytest.mark.django_db(transaction=True)
def test_it_merges_candidates_of_several_groups_and_warns_about_untrained_ones(
    local_tenant: Tenant, operator: Any, people: dict[str, str]
) -> None:
    more = make_group(local_tenant, operator, "more", {"obama again": "enroll/barack_obama/2.jpg"})
    make_group(local_tenant, operator, "fresh", {"kit": "enroll/kit_harington/1.jpg"}, train=False)
    result = photo_identify(
        tenant=local_tenant,
        photo=upload("multi/two_people.jpg"),
        settings=DetectSettings(),
        max_candidates=5,
    )
    assert sorted(c.id for c in result.searched) == ["more", "people"]
    assert [(s.ref.id, s.reason) for s in result.skipped] == [
        ("fresh", "it has never been trained")
    ]
    by_best = {f.candidates[0].name: f for f in result.faces if f.candidates}
    obama = by_best["barack_obama"] if "barack_obama" in by_best else by_best["obama again"]
    names = [c.name for c in obama.candidates]
    assert {"barack_obama", "obama again"} <= set(names)
    confidences = [c.confidence for c in obama.candidates]
    assert confidences == sorted(confidences, reverse=True)
    assert more["obama again"] in {c.person_id for c in obama.candidates}
    assert "joe_biden" in by_best


@pytest.mark.django_db(transaction=True)
def test_groups_of_different_recognition_models_are_searched_together(
    local_tenant: Tenant, operator: Any, people: dict[str, str]
) -> None:
    make_group(
        local_tenant, operator, "legacy", {"old kit": "enroll/kit_harington/1.jpg"},
        recognition_model="recognition_01",
    )  # fmt: skip
    result = photo_identify(
        tenant=local_tenant, photo=upload("multi/kit_harington_rose_leslie.jpg"),
        settings=DetectSettings(), max_candidates=3,
    )  # fmt: skip
    assert sorted(c.id for c in result.searched) == ["legacy", "people"]
    assert result.skipped == ()
    kit = max(result.faces, key=lambda f: f.box.rect.left)  # Kit is on the right
    assert {"kit_harington", "old kit"} <= {c.name for c in kit.candidates}
    # The overlay is drawn from the operator's model; one more detect served the old group.
    assert result.detection.settings.recognition_model == "recognition_04"


@pytest.mark.django_db(transaction=True)
def test_named_groups_that_cannot_answer_are_skipped_not_fatal(
    local_tenant: Tenant, people: dict[str, str]
) -> None:
    result = photo_identify(
        tenant=local_tenant,
        photo=upload("probe/kit_harington.jpg"),
        settings=DetectSettings(),
        group_refs=[GroupRef(PG, "people"), GroupRef(PG, "nosuchgroup")],
    )
    assert result.faces[0].candidates[0].name == "kit_harington"
    assert [s.ref.id for s in result.skipped] == ["nosuchgroup"]


def test_identify_with_no_groups_still_shows_the_faces(local_tenant: Tenant) -> None:
    result = photo_identify(
        tenant=local_tenant, photo=upload("multi/two_people.jpg"), settings=DetectSettings()
    )
    assert len(result.detection.boxes) == 2
    assert all(f.candidates == () for f in result.faces)
    assert result.searched == ()


CLOUD = "https://acme.cognitiveservices.example/face/v1.0"


def _cloud_detect_body(face_id: str) -> list[dict[str, Any]]:
    return [
        {"faceId": face_id, "faceRectangle": {"left": 10, "top": 20, "width": 100, "height": 100}}
    ]


@responses.activate
def test_an_expired_face_id_is_detected_again_and_identify_retried_once(tenant: Tenant) -> None:
    """A remote cloud tenant forgets the faceId between detect and identify."""
    responses.get(
        f"{CLOUD}/persongroups/staff",
        json={"personGroupId": "staff", "name": "Staff", "recognitionModel": "recognition_04"},
    )
    responses.get(
        f"{CLOUD}/persongroups/staff/training",
        json={"status": "succeeded", "createdDateTime": "2024-01-01T00:00:00Z"},
    )
    responses.post(
        f"{CLOUD}/detect", json=_cloud_detect_body("11111111-1111-1111-1111-111111111111")
    )
    responses.post(
        f"{CLOUD}/detect", json=_cloud_detect_body("22222222-2222-2222-2222-222222222222")
    )
    responses.post(
        f"{CLOUD}/identify",
        status=400,
        json={"error": {"code": "FaceNotFound", "message": "Face is not found."}},
    )
    person = "33333333-3333-3333-3333-333333333333"
    responses.post(
        f"{CLOUD}/identify",
        json=[
            {
                "faceId": "22222222-2222-2222-2222-222222222222",
                "candidates": [{"personId": person, "confidence": 0.91}],
            }
        ],
    )
    responses.get(
        f"{CLOUD}/persongroups/staff/persons/{person}",
        json={"personId": person, "name": "Ada", "persistedFaceIds": []},
    )
    result = photo_identify(
        tenant=tenant,
        photo=upload("probe/barack_obama.jpg"),
        settings=DetectSettings(),
        group_refs=[GroupRef(PG, "staff")],
    )
    assert result.faces[0].candidates[0].name == "Ada"
    identify_bodies = [
        c.request.body for c in responses.calls if c.request.url.endswith("/identify")
    ]
    assert len(identify_bodies) == 2
    assert b"2222" in identify_bodies[1]


# --- enroll from a result -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_enrolling_a_face_adds_it_to_the_person_or_a_new_one(
    local_tenant: Tenant, operator: Any, people: dict[str, str]
) -> None:
    multi = upload("multi/kit_harington_rose_leslie.jpg")
    detection = photo_detect(tenant=local_tenant, photo=multi, settings=DetectSettings())
    rose = min(detection.boxes, key=lambda b: b.rect.left)  # Rose is on the left
    added = photo_enroll_face(
        tenant=local_tenant,
        user=operator,
        group=GroupRef(PG, "people"),
        photo=multi,
        target_face=rose.rect,
        person_id=people["rose_leslie"],
    )
    assert not added.created and added.person_id == people["rose_leslie"]
    images = services.person_face_images(
        tenant=local_tenant, kind=PG, group_id="people", person_id=people["rose_leslie"]
    )
    assert len(images) == 2

    kit = max(detection.boxes, key=lambda b: b.rect.left)
    created = photo_enroll_face(
        tenant=local_tenant,
        user=operator,
        group=GroupRef(PG, "people"),
        photo=multi,
        target_face=kit.rect,
        new_person_name="Kit (from lookup)",
        user_data="note",
    )
    assert created.created
    person = services.person_get(
        tenant=local_tenant, kind=PG, group_id="people", person_id=created.person_id
    )
    assert (person.name, person.user_data, len(person.persisted_face_ids)) == (
        "Kit (from lookup)",
        "note",
        1,
    )


# --- verify -----------------------------------------------------------------------------------


def test_verify_tells_same_from_different(local_tenant: Tenant) -> None:
    same = photo_verify(
        tenant=local_tenant,
        settings=DetectSettings(),
        first=upload("probe/barack_obama.jpg"),
        second=upload("enroll/barack_obama/2.jpg"),
    )
    assert same.result.is_identical and same.result.confidence >= 0.5
    different = photo_verify(
        tenant=local_tenant,
        settings=DetectSettings(),
        first=upload("probe/barack_obama.jpg"),
        second=upload("enroll/joe_biden/1.jpg"),
    )
    assert not different.result.is_identical


def test_verify_uses_the_picked_face_of_a_group_photo(local_tenant: Tenant) -> None:
    multi = upload("multi/two_people.jpg")
    detection = photo_detect(tenant=local_tenant, photo=multi, settings=DetectSettings())
    left = min(detection.boxes, key=lambda b: b.rect.left)  # Obama, on the left
    right = max(detection.boxes, key=lambda b: b.rect.left)
    obama = upload("probe/barack_obama.jpg")
    picked_obama = photo_verify(
        tenant=local_tenant,
        settings=DetectSettings(),
        first=multi,
        first_face=left.rect,
        second=obama,
    )
    picked_biden = photo_verify(
        tenant=local_tenant,
        settings=DetectSettings(),
        first=multi,
        first_face=right.rect,
        second=obama,
    )
    assert picked_obama.first_box.rect == left.rect and picked_obama.result.is_identical
    assert picked_biden.first_box.rect == right.rect and not picked_biden.result.is_identical


@pytest.mark.django_db(transaction=True)
def test_verify_a_face_against_an_enrolled_person(
    local_tenant: Tenant, people: dict[str, str]
) -> None:
    result = photo_verify(
        tenant=local_tenant,
        settings=DetectSettings(),
        first=upload("probe/kit_harington.jpg"),
        group=GroupRef(PG, "people"),
        person_id=people["kit_harington"],
    )
    assert result.result.is_identical and result.person is not None
    assert result.person.name == "kit_harington"


def test_verify_says_plainly_when_a_photo_has_no_face(local_tenant: Tenant) -> None:
    with pytest.raises(PhotoError, match="No face was found on the second photo"):
        photo_verify(
            tenant=local_tenant,
            settings=DetectSettings(),
            first=upload("probe/barack_obama.jpg"),
            second=photo_from_bytes(data=blank_jpeg(), filename="wall.jpg"),
        )


# --- find similar -----------------------------------------------------------------------------


def test_find_similar_ranks_the_face_list_with_stored_thumbnails(
    local_tenant: Tenant, operator: Any
) -> None:
    services.collection_create(
        tenant=local_tenant,
        user=operator,
        kind=CollectionKind.FACE_LIST,
        collection_id="visitors",
        name="Visitors",
        recognition_model="recognition_04",
    )
    added = {}
    for path in ("enroll/barack_obama/1.jpg", "enroll/joe_biden/2.jpg", "enroll/rose_leslie/1.jpg"):
        face = services.face_list_add_face(
            tenant=local_tenant,
            user=operator,
            kind=CollectionKind.FACE_LIST,
            list_id="visitors",
            image=photo(path),
            filename=path.rsplit("/", 1)[-1],
            user_data=path,
        )
        added[path] = face.persisted_face_id
    ref = GroupRef(CollectionKind.FACE_LIST, "visitors")
    person_mode = photo_find_similar(
        tenant=local_tenant,
        photo=upload("probe/barack_obama_2.jpg"),
        settings=DetectSettings(),
        face_list=ref,
    )
    assert [m.persisted_face_id for m in person_mode.matches] == [
        added["enroll/barack_obama/1.jpg"]
    ]
    match = person_mode.matches[0]
    assert match.thumbnail_url and match.user_data == "enroll/barack_obama/1.jpg"
    face_mode = photo_find_similar(
        tenant=local_tenant,
        photo=upload("probe/barack_obama_2.jpg"),
        settings=DetectSettings(),
        face_list=ref,
        mode="matchFace",
    )
    assert len(face_mode.matches) == 3
    assert face_mode.matches[0].persisted_face_id == added["enroll/barack_obama/1.jpg"]


# --- group ------------------------------------------------------------------------------------

SHARED = [
    "enroll/barack_obama/1.jpg",
    "enroll/barack_obama/2.jpg",
    "enroll/joe_biden/1.jpg",
    "enroll/joe_biden/2.jpg",
    "enroll/kit_harington/1.jpg",
    "enroll/kit_harington/2.jpg",
    "enroll/rose_leslie/1.jpg",
    "enroll/rose_leslie/2.jpg",
    "enroll/alex_lacamoire/1.jpg",
    "probe/alex_lacamoire.jpg",
]


def person_of(path: str) -> str:
    return path.split("/")[1] if path.startswith("enroll/") else path.split("/")[1][:-4]


def test_group_gives_one_cluster_per_person(local_tenant: Tenant) -> None:
    photos = [upload(p) for p in SHARED]
    grouping = photo_group(tenant=local_tenant, photos=photos, settings=DetectSettings())
    assert grouping.faces == 10 and grouping.messy is None
    clusters = [{person_of(SHARED[f.photo_index]) for f in c.faces} for c in grouping.clusters]
    assert sorted(len(c) for c in clusters) == [1, 1, 1, 1, 1]
    assert sorted(next(iter(c)) for c in clusters) == sorted({person_of(p) for p in SHARED})
    face = grouping.clusters[0].faces[0]
    assert face.thumbnail_uri.startswith("data:image/jpeg;base64,")


@pytest.mark.django_db(transaction=True)
def test_a_cluster_becomes_a_person_with_all_its_faces(
    local_tenant: Tenant, operator: Any, people: dict[str, str]
) -> None:
    photos = [upload(p) for p in SHARED[:4]]
    grouping = photo_group(tenant=local_tenant, photos=photos, settings=DetectSettings())
    obama = next(c for c in grouping.clusters if {f.photo_index for f in c.faces} == {0, 1})
    enrollment = cluster_enroll(
        tenant=local_tenant,
        user=operator,
        group=GroupRef(PG, "people"),
        name="Cluster Obama",
        crops=[f.crop_value for f in obama.faces],
    )
    assert enrollment.created and len(enrollment.persisted_face_ids) == 2
    assert enrollment.failures == ()
    images = services.person_face_images(
        tenant=local_tenant, kind=PG, group_id="people", person_id=enrollment.person_id
    )
    assert len(images) == 2
    # The crops are good enough to recognise him once trained.
    services.collection_train(tenant=local_tenant, user=operator, kind=PG, collection_id="people")
    wait_trained(local_tenant, PG, "people")
    result = photo_identify(
        tenant=local_tenant,
        photo=upload("probe/barack_obama.jpg"),
        settings=DetectSettings(),
        max_candidates=3,
    )
    assert {"Cluster Obama", "barack_obama"} <= {c.name for c in result.faces[0].candidates}


def test_group_needs_two_faces_and_at_most_100_photos(local_tenant: Tenant) -> None:
    with pytest.raises(PhotoError, match="at least two faces"):
        photo_group(
            tenant=local_tenant,
            photos=[upload("probe/kit_harington.jpg")],
            settings=DetectSettings(),
        )
    wall = blank_jpeg()
    too_many = [photo_from_bytes(data=wall, filename=f"{i}.jpg") for i in range(101)]
    with pytest.raises(PhotoError, match="at most 100"):
        photo_group(tenant=local_tenant, photos=too_many, settings=DetectSettings())


def test_enroll_refuses_a_face_list_target(local_tenant: Tenant, operator: Any) -> None:
    with pytest.raises(PhotoError, match="person groups only"):
        photo_enroll_face(
            tenant=local_tenant,
            user=operator,
            group=GroupRef(CollectionKind.FACE_LIST, "x"),
            photo=upload("probe/kit_harington.jpg"),
            target_face=FaceRectangle(1, 1, 50, 50),
            new_person_name="x",
        )


# --- large kinds (engine part 2) ------------------------------------------------------------

LPG = CollectionKind.LARGE_PERSON_GROUP
LFL = CollectionKind.LARGE_FACE_LIST


def create_or_skip(tenant: Tenant, user: Any, kind: CollectionKind, collection_id: str) -> None:
    try:
        services.collection_create(
            tenant=tenant, user=user, kind=kind, collection_id=collection_id,
            name=collection_id.title(), recognition_model="recognition_04",
        )  # fmt: skip
    except NotFoundError:
        pytest.skip(f"the provider answers 404 for {kind.value} (embedded engine part 2)")


@pytest.mark.django_db(transaction=True)
def test_identify_searches_large_person_groups_too(
    local_tenant: Tenant, operator: Any, people: dict[str, str]
) -> None:
    create_or_skip(local_tenant, operator, LPG, "crowd")
    person_id = services.person_create(
        tenant=local_tenant, user=operator, kind=LPG, group_id="crowd", name="Kit (large)"
    )
    services.person_add_face(
        tenant=local_tenant, user=operator, kind=LPG, group_id="crowd", person_id=person_id,
        image=photo("enroll/kit_harington/1.jpg"), filename="1.jpg",
    )  # fmt: skip
    services.collection_train(tenant=local_tenant, user=operator, kind=LPG, collection_id="crowd")
    wait_trained(local_tenant, LPG, "crowd")
    result = photo_identify(
        tenant=local_tenant, photo=upload("probe/kit_harington.jpg"), settings=DetectSettings(),
        max_candidates=5,
    )  # fmt: skip
    names = {(c.group.kind, c.name) for c in result.faces[0].candidates}
    assert {(LPG, "Kit (large)"), (PG, "kit_harington")} <= names


@pytest.mark.django_db(transaction=True)
def test_find_similar_in_a_large_face_list_needs_training_first(
    local_tenant: Tenant, operator: Any
) -> None:
    create_or_skip(local_tenant, operator, LFL, "archive")
    services.face_list_add_face(
        tenant=local_tenant, user=operator, kind=LFL, list_id="archive",
        image=photo("enroll/rose_leslie/1.jpg"), filename="1.jpg",
    )  # fmt: skip
    ref = GroupRef(LFL, "archive")
    probe = upload("multi/kit_harington_rose_leslie.jpg")
    with pytest.raises(PhotoError, match="never been trained"):
        photo_find_similar(
            tenant=local_tenant, photo=probe, settings=DetectSettings(), face_list=ref
        )
    services.collection_train(tenant=local_tenant, user=operator, kind=LFL, collection_id="archive")
    wait_trained(local_tenant, LFL, "archive")
    detection = photo_detect(tenant=local_tenant, photo=probe, settings=DetectSettings())
    rose = min(detection.boxes, key=lambda b: b.rect.left)
    search = photo_find_similar(
        tenant=local_tenant, photo=probe, settings=DetectSettings(), face_list=ref, face=rose.rect
    )
    assert len(search.matches) == 1 and search.box.rect == rose.rect


# --- photos by URL, and the 100-face cap ------------------------------------------------------


def test_a_photo_url_is_fetched_by_the_provider(local_tenant: Tenant, photo_server: str) -> None:
    url = f"{photo_server}/multi/two_people.jpg"
    detection = photo_detect(
        tenant=local_tenant, photo=photo_from_url(url=url), settings=DetectSettings()
    )
    assert len(detection.boxes) == 2
    assert detection.photo.data is None and detection.photo.data_uri() == url
    assert detection.call is not None and detection.call.json_body == {"url": url}
    with pytest.raises(InvalidImage):  # what the provider found there is no photo
        photo_detect(
            tenant=local_tenant, photo=photo_from_url(url=f"{photo_server}/manifest.json"),
            settings=DetectSettings(),
        )  # fmt: skip


def test_a_full_detect_answer_warns_that_small_faces_may_be_missing() -> None:
    face = Face(rectangle=FaceRectangle(0, 0, 40, 40))
    boxes = tuple(FaceBox(n, face) for n in range(1, 101))
    detection = Detection(photo_from_url(url="https://x/y.jpg"), DetectSettings(), boxes, None, 0)
    assert detection.truncated
    assert not Detection(detection.photo, DetectSettings(), boxes[:99], None, 0).truncated
