"""The collections part of the provider interface, on the embedded engine (Azure wire)."""

from __future__ import annotations

from pathlib import Path

import pytest

from faceadmin.faceapi import services
from faceadmin.faceapi.errors import NotFoundError
from faceadmin.faceapi.kinds import CollectionKind
from faceadmin.faceapi.providers import Kind, provider_for
from faceadmin.tenants.models import Tenant

DATA = Path(__file__).resolve().parents[1] / "data"
PG, FL = CollectionKind.PERSON_GROUP, CollectionKind.FACE_LIST


def _kind(tenant: Tenant, slug: str) -> Kind:
    kind = provider_for(tenant).kind(slug)
    assert kind is not None
    return kind


def test_the_four_kinds_and_what_each_page_is(local_tenant: Tenant) -> None:
    kinds = provider_for(local_tenant).kinds()

    assert [(k.slug, k.page, k.trainable, k.has_persons, k.paged) for k in kinds] == [
        ("persongroups", "persons", True, True, True),
        ("largepersongroups", "persons", True, True, True),
        ("facelists", "faces", False, False, False),
        ("largefacelists", "faces", True, False, True),
    ]
    assert provider_for(local_tenant).kind("galleries") is None


def test_listing_one_collection_and_pages(local_tenant: Tenant) -> None:
    for i in range(3):
        services.collection_create(tenant=local_tenant, user=None, kind=PG,
                                   collection_id=f"g{i}", name=f"Group {i}",
                                   user_data=f"site {i}")  # fmt: skip
    provider = provider_for(local_tenant)
    kind = _kind(local_tenant, "persongroups")

    first = provider.collections(kind, top=2)
    rest = provider.collections(kind, start=first.next_start, top=2)
    one = provider.collection(kind, "g1")

    assert [(c.id, c.name, c.user_data) for c in first.items] == [
        ("g0", "Group 0", "site 0"),
        ("g1", "Group 1", "site 1"),
    ]
    assert first.next_start == "g1" and rest.next_start is None
    assert [c.id for c in rest.items] == ["g2"]
    assert one.kind == kind and one.recognition_model == "recognition_04"
    assert provider.why_not_deletable(kind, "g1") is None


def test_members_are_persons_or_faces(local_tenant: Tenant) -> None:
    services.collection_create(tenant=local_tenant, user=None, kind=PG, collection_id="staff",
                               name="Staff")  # fmt: skip
    person_id = services.person_create(
        tenant=local_tenant,
        user=None,
        kind=PG,
        group_id="staff",
        name="Barack",
        user_data="badge 7",
    )
    photo = (DATA / "enroll" / "barack_obama" / "1.jpg").read_bytes()
    services.person_add_face(tenant=local_tenant, user=None, kind=PG, group_id="staff",
                             person_id=person_id, image=photo, filename="1.jpg")  # fmt: skip
    services.collection_create(tenant=local_tenant, user=None, kind=FL, collection_id="seen",
                               name="Seen")  # fmt: skip
    face = services.face_list_add_face(
        tenant=local_tenant, user=None, kind=FL, list_id="seen", image=photo, filename="1.jpg",
        user_data="door 3",
    )  # fmt: skip
    provider = provider_for(local_tenant)

    persons = provider.members(_kind(local_tenant, "persongroups"), "staff")
    faces = provider.members(_kind(local_tenant, "facelists"), "seen")

    person = services.person_get(tenant=local_tenant, kind=PG, group_id="staff",
                                 person_id=person_id)  # fmt: skip
    assert [(m.id, m.name, m.user_data, m.face_count) for m in persons.items] == [
        (person_id, "Barack", "badge 7", 1)
    ]
    assert persons.items[0].face_ids == tuple(person.persisted_face_ids)
    assert [(m.id, m.user_data, m.face_ids) for m in faces.items] == [
        (face.persisted_face_id, "door 3", (face.persisted_face_id,))
    ]
    assert not persons.has_next and not faces.has_next


def test_the_overview_counts_each_kind_and_keeps_the_first(local_tenant: Tenant) -> None:
    services.collection_create(tenant=local_tenant, user=None, kind=PG, collection_id="a",
                               name="A")  # fmt: skip
    services.collection_create(tenant=local_tenant, user=None, kind=FL, collection_id="b",
                               name="B")  # fmt: skip

    overview = provider_for(local_tenant).collections_overview()

    counts = {c.kind.slug: (c.count, c.more, [i.id for i in c.first]) for c in overview.counts}
    assert counts == {
        "persongroups": (1, False, ["a"]),
        "largepersongroups": (0, False, []),
        "facelists": (1, False, ["b"]),
        "largefacelists": (0, False, []),
    }
    assert overview.people is None


def test_delete_previews_then_deletes(local_tenant: Tenant) -> None:
    services.collection_create(tenant=local_tenant, user=None, kind=PG, collection_id="gone",
                               name="Gone")  # fmt: skip
    provider = provider_for(local_tenant)
    kind = _kind(local_tenant, "persongroups")

    preview = provider.delete_preview(kind, "gone")
    dropped = provider.delete_collection(kind, "gone", user=None)

    assert preview is not None and (preview.persons, preview.faces) == (0, 0)
    assert dropped == 0
    with pytest.raises(NotFoundError):
        provider.collection(kind, "gone")
