"""The collections part of the provider interface, on this server's FindFace facade."""

from __future__ import annotations

from faceadmin.faceapi import galleries
from faceadmin.faceapi.providers import provider_for
from faceadmin.tenants.models import Tenant

from .test_dashboard import enroll

OBAMA = "enroll/barack_obama/1.jpg"
BIDEN = "enroll/joe_biden/2.jpg"


def test_galleries_are_the_one_kind_and_default_stays(ff_tenant: Tenant) -> None:
    galleries.gallery_create(tenant=ff_tenant, user=None, name="staff")
    provider = provider_for(ff_tenant)
    (kind,) = provider.kinds()

    listing = provider.collections(kind)

    assert (kind.slug, kind.page, kind.trainable, kind.stores_images) == (
        "galleries", "gallery", False, False,
    )  # fmt: skip
    assert [(c.id, c.note, c.deletable) for c in listing.items] == [
        ("default", "every face", False),
        ("staff", "", True),
    ]
    assert listing.next_start is None
    assert provider.why_not_deletable(kind, "default")
    assert provider.why_not_deletable(kind, "staff") is None
    assert provider.delete_preview(kind, "staff") is None


def test_members_are_the_gallery_faces_newest_first(ff_tenant: Tenant) -> None:
    galleries.gallery_create(tenant=ff_tenant, user=None, name="staff")
    first = enroll(ff_tenant, "staff", OBAMA, "Barack Obama")
    second = enroll(ff_tenant, "staff", BIDEN, "Joe Biden")
    provider = provider_for(ff_tenant)
    (kind,) = provider.kinds()

    page = provider.members(kind, "staff", top=1)
    older = provider.members(kind, "staff", start=page.next_start, top=1)

    assert [(m.id, m.name, m.face_ids) for m in page.items] == [
        (str(second), "Joe Biden", (str(second),))
    ]
    assert [(m.id, m.name) for m in older.items] == [(str(first), "Barack Obama")]
    assert page.has_next and not older.has_next


def test_members_page_back_to_newer_faces_and_carry_the_face_details(ff_tenant: Tenant) -> None:
    galleries.gallery_create(tenant=ff_tenant, user=None, name="staff")
    galleries.gallery_create(tenant=ff_tenant, user=None, name="visitors")
    first = enroll(ff_tenant, "staff", OBAMA, "Barack Obama")
    second = enroll(ff_tenant, "staff", BIDEN, "Joe Biden")
    galleries.gallery_face_update(tenant=ff_tenant, user=None, face_id=first,
                                  galleries=["default", "staff", "visitors"])  # fmt: skip
    provider = provider_for(ff_tenant)
    (kind,) = provider.kinds()

    newest = provider.members(kind, "staff", top=1)
    older = provider.members(kind, "staff", start=newest.next_start, top=1)
    back = provider.members(kind, "staff", newer_than=older.prev_start, top=1)

    assert newest.prev_start is None and older.prev_start == str(first)
    assert [m.id for m in back.items] == [str(second)]
    (face,) = older.items
    assert face.also_in == ("staff", "visitors")
    assert face.thumbnail and face.created is not None


def test_the_overview_counts_galleries_and_people(ff_tenant: Tenant) -> None:
    galleries.gallery_create(tenant=ff_tenant, user=None, name="staff")
    enroll(ff_tenant, "staff", OBAMA, "Barack Obama")
    enroll(ff_tenant, "default", BIDEN, "Barack Obama")

    overview = provider_for(ff_tenant).collections_overview()

    ((count),) = overview.counts
    assert (count.kind.slug, count.count, [c.id for c in count.first]) == (
        "galleries", 2, ["default", "staff"],
    )  # fmt: skip
    assert (overview.people, overview.named_faces) == (1, 2)


def test_deleting_a_gallery(ff_tenant: Tenant) -> None:
    galleries.gallery_create(tenant=ff_tenant, user=None, name="old")
    provider = provider_for(ff_tenant)
    (kind,) = provider.kinds()

    assert provider.delete_collection(kind, "old", user=None) == 0
    assert [c.id for c in provider.collections(kind).items] == ["default"]
