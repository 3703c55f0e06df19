"""Every `FindFaceClient` method against this server's facade: real recognition, real database.

The client reaches the facade in-process (the embedded session), through the same request
loop, headers and encodings it uses for the cloud.
"""

from __future__ import annotations

import pytest

from faceadmin.clients.embedded import embedded_session
from faceadmin.clients.errors import (
    AuthFailed,
    BadParam,
    NotFoundError,
    TooManyFaces,
)
from faceadmin.clients.findface import FindFaceClient, findface_transport
from faceadmin.clients.findface_types import BBox

from .conftest import FACADE, photo

OBAMA = "enroll/barack_obama/1.jpg"
BIDEN = "enroll/joe_biden/2.jpg"
PROBE = "probe/barack_obama.jpg"
TWO = "multi/kit_harington_rose_leslie.jpg"

pytestmark = pytest.mark.django_db


def test_detect_finds_the_face_of_an_upload(ff: FindFaceClient) -> None:
    detection = ff.detect(photo=photo(OBAMA), gender=True, age=True, emotions=True)

    (face,) = detection.faces
    assert face.bbox == BBox(349, 142, 618, 410)
    assert detection.orientation == 1
    # The recognition core estimates none of these; the facade leaves them out.
    assert face.age is None and face.gender is None and face.emotions == ()


def test_detect_takes_a_photo_url(ff: FindFaceClient, photo_server: str) -> None:
    detection = ff.detect(photo=f"{photo_server}/{TWO}")

    assert len(detection.faces) == 2


def test_galleries_are_listed_created_and_deleted(ff: FindFaceClient) -> None:
    assert ff.gallery_list() == ["default"]

    ff.gallery_create(name="staff")
    ff.gallery_create(name="visitors-2024")

    assert ff.gallery_list() == ["default", "staff", "visitors-2024"]
    ff.gallery_delete(name="staff")
    assert ff.gallery_list() == ["default", "visitors-2024"]


def test_it_refuses_a_gallery_twice_and_never_drops_default(ff: FindFaceClient) -> None:
    ff.gallery_create(name="staff")

    with pytest.raises(BadParam) as twice:
        ff.gallery_create(name="staff")
    with pytest.raises(BadParam) as default:
        ff.gallery_delete(name="default")
    with pytest.raises(NotFoundError):
        ff.gallery_delete(name="nobody")

    assert twice.value.status == 400 and twice.value.param == "name"
    assert default.value.param == "gallery"


def test_face_create_uploads_a_photo_with_meta_and_galleries(ff: FindFaceClient) -> None:
    ff.gallery_create(name="ppl")

    (face,) = ff.face_create(photo=photo(OBAMA), meta="Barack Obama", galleries=["ppl"])

    assert face.meta == "Barack Obama"
    assert face.galleries == ("default", "ppl")
    assert face.bbox == BBox(349, 142, 618, 410)
    assert face.photo_hash is not None and len(face.photo_hash) == 32
    assert face.timestamp is not None and face.timestamp.tzinfo is None
    assert face.thumbnail and face.thumbnail.endswith(".jpg")


def test_face_create_by_url_sends_json_and_stores_the_url(
    ff: FindFaceClient, photo_server: str
) -> None:
    url = f"{photo_server}/{BIDEN}"

    (face,) = ff.face_create(photo=url, meta="Joe Biden")

    assert face.photo == url
    assert face.galleries == ("default",)


def test_face_create_stores_every_face_with_mf_selector_all(ff: FindFaceClient) -> None:
    faces = ff.face_create(photo=photo(TWO), meta="couple", mf_selector="all")

    assert len(faces) == 2
    assert {f.meta for f in faces} == {"couple"}


def test_face_create_rejects_a_group_photo_with_mf_selector_reject(ff: FindFaceClient) -> None:
    with pytest.raises(TooManyFaces) as caught:
        ff.face_create(photo=photo(TWO), mf_selector="reject")

    assert caught.value.status == 400
    assert caught.value.code == "400"  # the integer code of the documented example
    assert len(caught.value.faces) == 2
    assert ff.face_list().faces == ()


def test_face_create_with_a_bbox_stores_that_face(ff: FindFaceClient) -> None:
    boxes = [f.bbox for f in ff.detect(photo=photo(TWO)).faces]
    smaller = min(boxes, key=lambda b: b.width * b.height)

    (face,) = ff.face_create(photo=photo(TWO), bbox=[smaller], meta="chosen")

    assert face.bbox == smaller


def test_face_create_refuses_a_gallery_that_does_not_exist(ff: FindFaceClient) -> None:
    with pytest.raises(BadParam) as caught:
        ff.face_create(photo=photo(OBAMA), galleries=["ghosts"])

    assert caught.value.param == "galleries" and caught.value.value == "ghosts"


def test_identify_in_every_face_and_in_one_gallery(ff: FindFaceClient) -> None:
    ff.gallery_create(name="presidents")
    (obama,) = ff.face_create(photo=photo(OBAMA), meta="Barack Obama", galleries=["presidents"])
    ff.face_create(photo=photo(BIDEN), meta="Joe Biden")

    everywhere = ff.identify(photo=photo(PROBE), threshold="medium", n=5)
    in_gallery = ff.identify(photo=photo(PROBE), gallery="presidents", threshold="strict")

    (face,) = everywhere.faces
    assert [m.face.meta for m in face.matches] == ["Barack Obama"]
    assert face.matches[0].confidence > 0.78
    (face,) = in_gallery.faces
    assert [m.face.id for m in face.matches] == [obama.id]


def test_identify_answers_each_face_of_a_group_photo_with_mf_selector_all(
    ff: FindFaceClient,
) -> None:
    ff.face_create(photo=photo("enroll/kit_harington/2.jpg"), meta="Kit")
    ff.face_create(photo=photo("enroll/rose_leslie/1.jpg"), meta="Rose")

    answer = ff.identify(photo=photo(TWO), mf_selector="all", threshold="low", n=1)

    found = {m.face.meta for f in answer.faces for m in f.matches}
    assert len(answer.faces) == 2
    assert found == {"Kit", "Rose"}


def test_identify_with_threshold_none_ranks_everybody(ff: FindFaceClient) -> None:
    ff.face_create(photo=photo(OBAMA), meta="Barack Obama")
    ff.face_create(photo=photo(BIDEN), meta="Joe Biden")

    (face,) = ff.identify(photo=photo(PROBE), threshold="none", n=10).faces

    assert [m.face.meta for m in face.matches] == ["Barack Obama", "Joe Biden"]
    assert face.matches[1].confidence < 0.5


def test_identify_follows_every_change_of_a_gallery(ff: FindFaceClient) -> None:
    """Identify keeps a search index per gallery: each change must reach the next answer."""
    ff.gallery_create(name="ppl")
    (obama,) = ff.face_create(photo=photo(OBAMA), meta="Barack Obama", galleries=["ppl"])
    (biden,) = ff.face_create(photo=photo(BIDEN), meta="Joe Biden")

    def ranked(gallery: str | None = None) -> list[int]:
        (face,) = ff.identify(photo=photo(PROBE), gallery=gallery, threshold="none", n=10).faces
        return [m.face.id for m in face.matches]

    assert ranked("ppl") == [obama.id]
    assert ranked() == [obama.id, biden.id]
    # One face leaves the gallery and another joins: same count, other members.
    ff.face_update(face_id=obama.id, galleries_del=["ppl"])
    ff.face_update(face_id=biden.id, galleries_add=["ppl"])
    assert ranked("ppl") == [biden.id]
    ff.face_delete(face_id=obama.id)
    (again,) = ff.face_create(photo=photo(OBAMA), meta="Barack Obama", galleries=["ppl"])
    assert ranked() == [again.id, biden.id]
    assert ranked("ppl") == [again.id, biden.id]


def test_identify_in_an_unknown_gallery_is_not_found(ff: FindFaceClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        ff.identify(photo=photo(PROBE), gallery="nobody")

    assert caught.value.status == 404


def test_verify_tells_same_and_different_people(ff: FindFaceClient) -> None:
    same = ff.verify(photo1=photo(OBAMA), photo2=photo(PROBE), threshold="medium")
    different = ff.verify(photo1=photo(OBAMA), photo2=photo(BIDEN), threshold=0.5)

    assert same.verified is True and same.results[0].verified is True
    assert same.results[0].confidence > 0.6616
    assert different.verified is False
    assert different.results[0].bbox1 == BBox(349, 142, 618, 410)


def test_verify_with_boxes_and_threshold_none_gives_similarity_only(
    ff: FindFaceClient,
) -> None:
    box = BBox(349, 142, 618, 410)

    answer = ff.verify(
        photo1=photo(OBAMA), photo2=photo(OBAMA), bbox1=[box], bbox2=[box], threshold="none"
    )

    (pair,) = answer.results
    assert answer.verified is None and pair.verified is None
    assert pair.confidence == pytest.approx(1.0)


def test_face_list_pages_newest_first_with_max_id_and_min_id(ff: FindFaceClient) -> None:
    ids = [f.id for f in ff.face_create(photo=photo(TWO), mf_selector="all")]
    ids += [f.id for f in ff.face_create(photo=photo(OBAMA))]
    ids += [f.id for f in ff.face_create(photo=photo(BIDEN))]
    newest_first = sorted(ids, reverse=True)

    first = ff.face_list(limit=2)
    second = ff.face_list(max_id=first.next_max_id, limit=2)
    back = ff.face_list(min_id=second.prev_min_id, limit=2)

    assert [f.id for f in first.faces] == newest_first[:2]
    assert first.prev_page is None and first.next_max_id == newest_first[1]
    assert [f.id for f in second.faces] == newest_first[2:]
    assert second.next_page is None
    assert [f.id for f in back.faces] == newest_first[:2]
    assert [f.id for f in ff.page(first.next_page or "").faces] == newest_first[2:]
    assert [f.id for f in ff.iter_faces()] == newest_first


def test_face_list_of_a_gallery_holds_its_faces_only(ff: FindFaceClient) -> None:
    ff.gallery_create(name="ppl")
    (inside,) = ff.face_create(photo=photo(OBAMA), galleries=["ppl"])
    ff.face_create(photo=photo(BIDEN))

    assert [f.id for f in ff.face_list(gallery="ppl").faces] == [inside.id]
    assert len(ff.face_list(gallery="default").faces) == 2


def test_face_get_update_and_delete(ff: FindFaceClient) -> None:
    ff.gallery_create(name="a")
    ff.gallery_create(name="b")
    (face,) = ff.face_create(photo=photo(OBAMA), meta="Barack")

    renamed = ff.face_update(face_id=face.id, meta="Barack Obama", galleries_add=["a", "b"])
    dropped = ff.face_update(face_id=face.id, galleries_del=["a"])
    replaced = ff.face_update(face_id=face.id, galleries_set=["a", "default"])
    fetched = ff.face_get(face_id=face.id)
    ff.face_delete(face_id=face.id)

    assert renamed.meta == "Barack Obama" and renamed.galleries == ("default", "a", "b")
    assert dropped.galleries == ("default", "b")
    assert replaced.galleries == ("default", "a")
    assert fetched == replaced
    with pytest.raises(NotFoundError):
        ff.face_get(face_id=face.id)


def test_faces_by_meta_and_their_deletion(ff: FindFaceClient) -> None:
    ff.gallery_create(name="ppl")
    ff.face_create(photo=photo(OBAMA), meta="Sam Berry", galleries=["ppl"])
    ff.face_create(photo=photo(PROBE), meta="Sam Berry")
    (other,) = ff.face_create(photo=photo(BIDEN), meta="Sam Berry #2")

    everywhere = ff.faces_by_meta(meta="Sam Berry")
    in_gallery = ff.faces_by_meta(meta="Sam Berry", gallery="ppl")
    ff.faces_delete_by_meta(meta="Sam Berry", gallery="ppl")
    after_gallery_delete = ff.faces_by_meta(meta="Sam Berry")
    ff.faces_delete_by_meta(meta="Sam Berry")

    assert len(everywhere.faces) == 2 and len(in_gallery.faces) == 1
    assert len(after_gallery_delete.faces) == 1
    assert ff.faces_by_meta(meta="Sam Berry").faces == ()
    assert [f.id for f in ff.face_list().faces] == [other.id]


def test_meta_list_counts_the_faces_of_each_meta(ff: FindFaceClient) -> None:
    ff.gallery_create(name="ppl")
    ff.face_create(photo=photo(OBAMA), meta="Barack Obama", galleries=["ppl"])
    (newest,) = ff.face_create(photo=photo(PROBE), meta="Barack Obama")
    ff.face_create(photo=photo(BIDEN), meta="Joe Biden")
    ff.face_create(photo=photo(TWO))  # no meta: not listed

    everything = ff.meta_list()
    in_gallery = ff.meta_list(gallery="ppl")

    assert [(e.meta, e.count) for e in everything] == [("Barack Obama", 2), ("Joe Biden", 1)]
    assert everything[0].face is not None and everything[0].face.id == newest.id
    assert [(e.meta, e.count) for e in in_gallery] == [("Barack Obama", 1)]


def test_deleting_a_gallery_drops_the_faces_that_were_only_in_it(ff: FindFaceClient) -> None:
    ff.gallery_create(name="a")
    ff.gallery_create(name="b")
    (only_a,) = ff.face_create(photo=photo(OBAMA), galleries=["a"])
    (a_and_b,) = ff.face_create(photo=photo(BIDEN), galleries=["a", "b"])
    (nowhere,) = ff.face_create(photo=photo(PROBE))

    ff.gallery_delete(name="a")

    remaining = {f.id: f.galleries for f in ff.face_list().faces}
    assert remaining == {a_and_b.id: ("default", "b"), nowhere.id: ("default",)}
    assert only_a.id not in remaining


def test_a_wrong_token_is_auth_failed(ff_key: str) -> None:
    client = FindFaceClient(findface_transport(FACADE, "0" * 32, session=embedded_session()))

    with pytest.raises(AuthFailed) as caught:
        client.gallery_list()

    assert caught.value.status == 401 and caught.value.code == "AUTH_FAILED"


def test_accounts_see_only_their_own_faces(ff: FindFaceClient, ff_key: str) -> None:
    from faceadmin.engine.findface.accounts import token_account_create

    ff.face_create(photo=photo(OBAMA), meta="mine")
    _, other_key = token_account_create(name="other")
    other = FindFaceClient(findface_transport(FACADE, other_key, session=embedded_session()))

    assert other.face_list().faces == ()
    assert other.identify(photo=photo(PROBE), threshold="none").faces[0].matches == ()


def test_an_image_that_is_no_photo_is_a_bad_param(ff: FindFaceClient) -> None:
    with pytest.raises(BadParam) as caught:
        ff.detect(photo=b"GIF89a" + b"\0" * 2000)

    assert caught.value.param == "photo"


def test_a_photo_without_faces_cannot_be_enrolled(ff: FindFaceClient) -> None:
    from io import BytesIO

    from PIL import Image

    blank = BytesIO()
    Image.new("RGB", (400, 400), (200, 200, 200)).save(blank, format="PNG")

    assert ff.detect(photo=blank.getvalue()).faces == ()
    assert ff.identify(photo=blank.getvalue()).faces == ()
    with pytest.raises(BadParam) as caught:
        ff.face_create(photo=blank.getvalue())
    assert "No face" in caught.value.message
