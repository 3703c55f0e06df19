"""Issue 17, defect 2: after a snapshot is applied, the restored faces have the stored photos
of the faces they were copied from (the provider gives them new ids)."""

from __future__ import annotations

from typing import Any

import pytest

from faceadmin.clients.types import CollectionKind, Person
from faceadmin.faceapi import services
from faceadmin.faceapi.enroll import photo_enroll
from faceadmin.faceapi.models import FaceImage
from faceadmin.faceapi.snapshot_images import _Listing, _match
from faceadmin.faceapi.snapshots import snapshot_apply, snapshot_take, tenant_subscription_id
from faceadmin.tenants.models import Tenant
from tests.dashboard.conftest import photo
from tests.snapshots.conftest import PG, engine_jobs_end, finished

pytestmark = pytest.mark.django_db(transaction=True)
FL = CollectionKind.FACE_LIST


def take_and_apply(tenant: Tenant, user: Any, kind: CollectionKind, source: str, new: str) -> None:
    own = tenant_subscription_id(tenant=tenant)
    assert own
    take = finished(snapshot_take(tenant=tenant, user=user, kind=kind, collection_id=source,
                                  apply_scope=[own]))  # fmt: skip
    engine_jobs_end()
    apply = snapshot_apply(tenant=tenant, user=user, snapshot_id=take.snapshot_id, kind=kind,
                           collection_id=new)  # fmt: skip
    assert finished(apply).status == "succeeded"
    engine_jobs_end()


def test_restored_persons_get_the_thumbnails_of_the_persons_they_copy(
    trained_group: str, local_tenant: Tenant, local_members: Any
) -> None:
    admin = local_members["admin"]
    take_and_apply(local_tenant, admin, PG, "staff", "staff-copy")
    source = {p.name: p for p in services.person_page(
        tenant=local_tenant, kind=PG, group_id="staff").items}  # fmt: skip
    restored = {p.name: p for p in services.person_page(
        tenant=local_tenant, kind=PG, group_id="staff-copy").items}  # fmt: skip
    assert sorted(restored) == ["Barack Obama", "Kit Harington"]
    for name, person in restored.items():
        images = FaceImage.objects.filter(tenant=local_tenant, collection_id="staff-copy",
                                          person_id=person.person_id)  # fmt: skip
        assert [i.persisted_face_id for i in images] == list(person.persisted_face_ids)
        original = FaceImage.objects.get(
            persisted_face_id=source[name].persisted_face_ids[0], collection_id="staff"
        )
        copy = images.get()
        assert copy.sha256 == original.sha256 and copy.source_filename == original.source_filename
        assert copy.thumbnail.name != original.thumbnail.name  # its own file
        assert copy.thumbnail.read() == original.thumbnail.read()
    # The restored group's identify thumbnails come from the store: deleting the source group
    # leaves the copies.
    services.collection_delete(tenant=local_tenant, user=admin, kind=PG, collection_id="staff")
    assert FaceImage.objects.filter(collection_id="staff-copy").count() == 2
    for image in FaceImage.objects.filter(collection_id="staff-copy"):
        assert image.thumbnail.read()


def test_a_restored_face_list_keeps_its_faces_photos(
    engine_snapshots: None, local_tenant: Tenant, local_members: Any
) -> None:
    admin = local_members["admin"]
    services.collection_create(tenant=local_tenant, user=admin, kind=FL,
                               collection_id="visitors", name="Visitors")  # fmt: skip
    for name, data in (("enroll/barack_obama/1.jpg", '{"n": 1}'),
                       ("enroll/kit_harington/2.jpg", '{"n": 2}')):  # fmt: skip
        photo_enroll(tenant=local_tenant, user=admin, kind=FL, collection_id="visitors",
                     person_id="", image=photo(name), filename=name.rsplit("/", 1)[-1],
                     user_data=data)  # fmt: skip
    take_and_apply(local_tenant, admin, FL, "visitors", "visitors-copy")
    faces = list(services.face_list_faces(tenant=local_tenant, kind=FL, list_id="visitors-copy"))
    images = FaceImage.objects.filter(collection_id="visitors-copy")
    assert {i.persisted_face_id: i.user_data for i in images} == {
        f.persisted_face_id: f.user_data for f in faces
    }


def test_persons_match_by_name_and_user_data_and_faces_by_order() -> None:
    source = _Listing(persons=[
        Person("p1", "Ann", None, ("a1", "a2")),
        Person("p2", "Ann", '{"x": 1}', ("b1",)),
        Person("p3", "Bob", None, ("c1", "c2")),  # the copy has one face less: no guess
    ])  # fmt: skip
    target = _Listing(persons=[
        Person("q3", "Bob", None, ("z1",)),
        Person("q2", "Ann", '{"x": 1}', ("y1",)),
        Person("q1", "Ann", None, ("x1", "x2")),
    ])  # fmt: skip
    assert _match(source, target) == {
        ("p1", "a1"): ("q1", "x1"),
        ("p1", "a2"): ("q1", "x2"),
        ("p2", "b1"): ("q2", "y1"),
    }
    kept = _Listing(persons=[Person("p1", "Ann", None, ("a1",))])
    assert _match(kept, kept) == {("p1", "a1"): ("p1", "a1")}
