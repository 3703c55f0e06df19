"""Search that finds (issue 17): a local catalog of a group's persons, searched and sorted as
a whole, refreshed on demand and after every change made through faceadmin."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from faceadmin.clients.types import CollectionKind
from faceadmin.faceapi import services
from faceadmin.faceapi.catalog import catalog_refresh, catalog_search
from faceadmin.faceapi.models import CatalogPerson, CatalogSync
from faceadmin.tenants.models import Tenant

pytestmark = pytest.mark.django_db
PG = CollectionKind.PERSON_GROUP
URL = "/t/local/collections/persongroups/staff/search/"


def names(page: Any) -> list[str]:
    return [p.name for p in page.items]


@pytest.fixture
def crowd(local_tenant: Tenant, operator: Any, group: str) -> dict[str, str]:
    """120 persons, more than one page of the provider's listing at the default size."""
    ids = {}
    for i in range(120):
        name = f"Person {i:03d}"
        ids[name] = services.person_create(tenant=local_tenant, user=operator, kind=PG,
                                           group_id=group, name=name,
                                           user_data=f'{{"badge": {1000 + i}}}')  # fmt: skip
    ids["Zoë Ångström"] = services.person_create(
        tenant=local_tenant, user=operator, kind=PG, group_id=group, name="Zoë Ångström"
    )
    return ids


def test_search_covers_the_whole_group_in_any_case(local_tenant: Tenant, crowd: Any) -> None:
    assert catalog_refresh(tenant=local_tenant, kind=PG, collection_id="staff") == 121
    everyone = catalog_search(tenant=local_tenant, kind=PG, collection_id="staff", limit=500)
    assert everyone.total == 121 and everyone.synced_at is not None
    assert names(everyone)[:2] == ["Person 000", "Person 001"]
    page = catalog_search(tenant=local_tenant, kind=PG, collection_id="staff", query="person 11")
    assert names(page) == [f"Person {i}" for i in range(110, 120)]
    assert names(catalog_search(tenant=local_tenant, kind=PG, collection_id="staff",
                                query="ÅNGSTRÖM")) == ["Zoë Ångström"]  # fmt: skip
    assert names(catalog_search(tenant=local_tenant, kind=PG, collection_id="staff",
                                query='"badge": 1119')) == ["Person 119"]  # fmt: skip
    last = catalog_search(tenant=local_tenant, kind=PG, collection_id="staff", sort="-name",
                          limit=1)  # fmt: skip
    assert names(last) == ["Zoë Ångström"] and last.has_next


def test_changes_through_faceadmin_reach_the_catalog(
    local_tenant: Tenant, operator: Any, crowd: dict[str, str], local_members: Any
) -> None:
    catalog_refresh(tenant=local_tenant, kind=PG, collection_id="staff")
    new = services.person_create(tenant=local_tenant, user=operator, kind=PG, group_id="staff",
                                 name="Newcomer")  # fmt: skip
    services.person_update(tenant=local_tenant, user=operator, kind=PG, group_id="staff",
                           person_id=crowd["Person 007"], name="Bond", user_data=None)  # fmt: skip
    services.person_delete(tenant=local_tenant, user=local_members["admin"], kind=PG,
                           group_id="staff", person_id=crowd["Person 008"])  # fmt: skip
    found = {p.person_id: p.name for p in catalog_search(
        tenant=local_tenant, kind=PG, collection_id="staff", limit=500).items}  # fmt: skip
    assert found[new] == "Newcomer" and found[crowd["Person 007"]] == "Bond"
    assert crowd["Person 008"] not in found and len(found) == 121
    services.collection_delete(tenant=local_tenant, user=local_members["admin"], kind=PG,
                               collection_id="staff")  # fmt: skip
    assert not CatalogPerson.objects.exists() and not CatalogSync.objects.exists()


def test_the_search_page_syncs_on_demand_and_searches(
    local_client_as: Any, crowd: dict[str, str]
) -> None:
    viewer = local_client_as("viewer")
    first = viewer.get(URL).content.decode()
    assert "Never synced" in first
    synced = viewer.post(URL + "?q=person+05", follow=True).content.decode()
    assert "Synced 121 persons." in synced and "Last synced" in synced
    assert "10 persons match “person 05”" in synced
    fragment = viewer.get(URL + "?q=zo&sort=-faces", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and "Zoë Ångström" in fragment
    group_page = viewer.get("/t/local/collections/persongroups/staff/").content.decode()
    assert 'href="/t/local/collections/persongroups/staff/search/"' in group_page


FL_URL = "/t/local/collections/facelists/visitors/search/"


@pytest.mark.django_db(transaction=True)
def test_face_lists_are_searched_whole_and_follow_adds_and_deletes(
    local_client_as: Any, local_tenant: Tenant, operator: Any, face_list: str,
    local_members: Any,
) -> None:  # fmt: skip
    from faceadmin.faceapi.enroll import photo_enroll
    from tests.dashboard.conftest import photo

    fl = CollectionKind.FACE_LIST
    for name, gate in (("enroll/barack_obama/1.jpg", "north"), ("enroll/kit_harington/2.jpg",
                                                                 "south")):  # fmt: skip
        photo_enroll(tenant=local_tenant, user=operator, kind=fl, collection_id=face_list,
                     person_id="", image=photo(name), filename=name.rsplit("/", 1)[-1],
                     user_data=f'{{"gate": "{gate}"}}')  # fmt: skip
    viewer = local_client_as("viewer")
    assert "Never synced" in viewer.get(FL_URL).content.decode()
    synced = viewer.post(FL_URL + "?q=NORTH", follow=True).content.decode()
    assert "Synced 2 faces." in synced and "1 face match “NORTH”" in synced
    assert "1.jpg" in synced  # the stored photo's file
    added = photo_enroll(tenant=local_tenant, user=operator, kind=fl, collection_id=face_list,
                         person_id="", image=photo("enroll/barack_obama/2.jpg"),
                         filename="2.jpg", user_data='{"gate": "north"}')  # fmt: skip
    assert "2 faces match" in viewer.get(FL_URL + "?q=north").content.decode()
    services.face_list_delete_face(tenant=local_tenant, user=local_members["admin"], kind=fl,
                                   list_id=face_list,
                                   persisted_face_id=added.faces[0].persisted_face_id)  # fmt: skip
    assert "1 face match" in viewer.get(FL_URL + "?q=north").content.decode()
    page = viewer.get("/t/local/collections/facelists/visitors/").content.decode()
    assert f'href="{FL_URL}"' in page


def test_huge_match_sets_are_counted_up_to_a_cap_and_still_paged(
    local_tenant: Tenant, local_client_as: Any, group: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counting every row of a 100,000-person catalog costs more than its page: past
    COUNT_CAP the total says "more than", and the pager still offers the next page."""
    from faceadmin.dashboard.views import catalog as catalog_views
    from faceadmin.faceapi import catalog

    monkeypatch.setattr(catalog, "COUNT_CAP", 20)
    CatalogPerson.objects.bulk_create(
        CatalogPerson(
            tenant=local_tenant,
            kind=PG.value,
            collection_id="staff",
            person_id=f"p{i:03d}",
            name=f"Name {i:03d}",
            face_count=i % 3,
            search_text=catalog._search_text(f"Name {i:03d}", None),
        )
        for i in range(45)
    )
    CatalogSync.objects.create(tenant=local_tenant, kind=PG.value, collection_id="staff",
                               synced_at=timezone.now())  # fmt: skip

    def search(query: str = "", offset: int = 0, sort: str = "name") -> Any:
        return catalog_search(tenant=local_tenant, kind=PG, collection_id="staff", query=query,
                              sort=sort, offset=offset, limit=10)  # fmt: skip

    first = search()
    assert (first.total, first.capped, first.has_next) == (20, True, True)
    assert names(first) == [f"Name {i:03d}" for i in range(10)]
    deep = search(offset=30)  # past the cap: counted just past the page
    assert names(deep) == [f"Name {i:03d}" for i in range(30, 40)] and deep.has_next
    last = search(offset=40)
    assert (names(last), last.total, last.capped, last.has_next) == (
        [f"Name {i:03d}" for i in range(40, 45)], 45, False, False)  # fmt: skip
    for query in ("na", "name"):  # below and at the trigram length: both paths
        page = search(query)
        assert names(page) == [f"Name {i:03d}" for i in range(10)] and page.has_next
        assert page.total >= 20
        tail = search(query, offset=40)
        assert names(tail) == [f"Name {i:03d}" for i in range(40, 45)] and not tail.has_next
    assert search("name 04").total == 5 and not search("name 04").capped
    assert names(search("", sort="-faces"))[:2] == ["Name 002", "Name 005"]
    assert "45 persons." in local_client_as("viewer").get(URL).content.decode()
    monkeypatch.setattr(catalog_views, "PAGE_SIZE", 10)
    html = local_client_as("viewer").get(URL).content.decode()
    assert "More than 20 persons; page 1." in html and "?page=2" in html
