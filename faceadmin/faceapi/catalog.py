"""A local catalog of the persons of each (large) person group, so the dashboard can search
and sort a whole collection rather than the page the provider returned.

Selectors answer from the database only (no provider call). `catalog_refresh` reads the whole
collection from the provider; `catalog_note_person` keeps one person up to date after a
change made through faceadmin (services call it). A collection never synced has no catalog:
its search page offers the first refresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from django.db import connection, transaction
from django.db.models import Count, F, Func, Q, QuerySet, Window
from django.db.models.functions import Lower
from django.utils import timezone

from faceadmin.clients.errors import NotFoundError
from faceadmin.clients.types import CollectionKind, Person
from faceadmin.faceapi.connection import client_for
from faceadmin.faceapi.models import CatalogFace, CatalogPerson, CatalogSync
from faceadmin.tenants.models import Tenant

PERSON_KINDS = (CollectionKind.PERSON_GROUP, CollectionKind.LARGE_PERSON_GROUP)
type CatalogSort = Literal["name", "-name", "faces", "-faces"]
SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "person_id"),
    "-name": ("-name", "-person_id"),
    "faces": ("face_count", "name", "person_id"),
    "-faces": ("-face_count", "name", "person_id"),
}
_BATCH = 2000


@dataclass(frozen=True)
class CatalogPage:
    items: list[CatalogPerson]
    total: int  # persons that match, on every page (at least this many when `capped`)
    offset: int
    limit: int
    synced_at: datetime | None  # None: never synced
    capped: bool = False  # more than `total` match: counting them all would cost more

    @property
    def has_next(self) -> bool:
        return self.capped or self.offset + self.limit < self.total


@dataclass(frozen=True)
class CatalogFacePage:
    items: list[CatalogFace]
    total: int  # faces that match (at least this many when `capped`)
    offset: int
    limit: int
    synced_at: datetime | None  # None: never synced
    capped: bool = False

    @property
    def has_next(self) -> bool:
        return self.capped or self.offset + self.limit < self.total


# A page with no query is read by walking an index in order and stopping after it; its total
# is counted up to here ("more than 10,000"): counting 100,000 rows would cost more than the
# page. A search with a query counts every match in the query that reads the page.
COUNT_CAP = 10_000
# Shorter queries cannot use PostgreSQL's trigram index: they match too much to be worth it.
_TRIGRAM = 3


# How much of userData is searched (the rest is kept, shown, but not searched).
SEARCHED_USER_DATA = 512


def _search_text(name: str, user_data: str | None) -> str:
    return f"{name}\n{(user_data or '')[:SEARCHED_USER_DATA]}".lower()


def _row(tenant: Tenant, kind: CollectionKind, collection_id: str, p: Person) -> CatalogPerson:
    return CatalogPerson(
        tenant=tenant,
        kind=kind.value,
        collection_id=collection_id,
        person_id=p.person_id,
        name=p.name,
        user_data=p.user_data or "",
        search_text=_search_text(p.name, p.user_data),
        face_count=len(p.persisted_face_ids),
    )


def _persons(tenant: Tenant, kind: CollectionKind, group_id: str) -> list[Person]:
    client = client_for(tenant)
    if kind is CollectionKind.PERSON_GROUP:
        return list(client.iter_person_group_persons(person_group_id=group_id))
    return list(client.iter_large_person_group_persons(large_person_group_id=group_id))


def catalog_refresh(*, tenant: Tenant, kind: CollectionKind, collection_id: str) -> int:
    """Read every person of the collection from the provider and replace its catalog.
    Returns how many persons it holds. Provider errors are raised; the old catalog stays."""
    if kind not in PERSON_KINDS:
        raise ValueError(f"{kind.value} has no persons")
    persons = _persons(tenant, kind, collection_id)
    where = {"tenant": tenant, "kind": kind.value, "collection_id": collection_id}
    with transaction.atomic():
        CatalogPerson.objects.filter(**where).delete()
        CatalogPerson.objects.bulk_create(
            [_row(tenant, kind, collection_id, p) for p in persons], batch_size=_BATCH
        )
        CatalogSync.objects.update_or_create(
            tenant=tenant,
            kind=kind.value,
            collection_id=collection_id,
            defaults={"synced_at": timezone.now()},
        )
    return len(persons)


def catalog_note_person(
    *, tenant: Tenant, kind: CollectionKind, collection_id: str, person_id: str
) -> None:
    """After a change to one person through faceadmin: read it again (or drop it when it is
    gone). Only collections that have a catalog are kept up to date."""
    where = {"tenant": tenant, "kind": kind.value, "collection_id": collection_id}
    if kind not in PERSON_KINDS or not CatalogSync.objects.filter(**where).exists():
        return
    client = client_for(tenant)
    try:
        if kind is CollectionKind.PERSON_GROUP:
            person = client.person_group_person_get(
                person_group_id=collection_id, person_id=person_id
            )
        else:
            person = client.large_person_group_person_get(
                large_person_group_id=collection_id, person_id=person_id
            )
    except NotFoundError:
        CatalogPerson.objects.filter(**where, person_id=person_id).delete()
        return
    row = _row(tenant, kind, collection_id, person)
    CatalogPerson.objects.update_or_create(
        tenant=tenant,
        kind=kind.value,
        collection_id=collection_id,
        person_id=person_id,
        defaults={
            "name": row.name,
            "user_data": row.user_data,
            "search_text": row.search_text,
            "face_count": row.face_count,
        },
    )


def catalog_refresh_faces(*, tenant: Tenant, kind: CollectionKind, collection_id: str) -> int:
    """The face-list side of catalog_refresh: every face of a (large) face list."""
    from faceadmin.faceapi.collections import face_list_faces

    faces = list(face_list_faces(tenant=tenant, kind=kind, list_id=collection_id))
    where = {"tenant": tenant, "kind": kind.value, "collection_id": collection_id}
    with transaction.atomic():
        CatalogFace.objects.filter(**where).delete()
        CatalogFace.objects.bulk_create(
            [
                CatalogFace(
                    tenant=tenant,
                    kind=kind.value,
                    collection_id=collection_id,
                    persisted_face_id=f.persisted_face_id,
                    user_data=f.user_data or "",
                    search_text=_search_text(f.persisted_face_id, f.user_data),
                )
                for f in faces
            ],
            batch_size=_BATCH,
        )
        CatalogSync.objects.update_or_create(
            tenant=tenant,
            kind=kind.value,
            collection_id=collection_id,
            defaults={"synced_at": timezone.now()},
        )
    return len(faces)


def catalog_note_face(
    *,
    tenant: Tenant,
    kind: CollectionKind,
    collection_id: str,
    persisted_face_id: str,
    user_data: str | None,
    added: bool,
) -> None:
    """After a face was added to or deleted from a face list through faceadmin."""
    where = {"tenant": tenant, "kind": kind.value, "collection_id": collection_id}
    if kind in PERSON_KINDS or not CatalogSync.objects.filter(**where).exists():
        return
    if not added:
        CatalogFace.objects.filter(**where, persisted_face_id=persisted_face_id).delete()
        return
    CatalogFace.objects.update_or_create(
        tenant=tenant,
        kind=kind.value,
        collection_id=collection_id,
        persisted_face_id=persisted_face_id,
        defaults={
            "user_data": user_data or "",
            "search_text": _search_text(persisted_face_id, user_data),
        },
    )


def catalog_search_faces(
    *,
    tenant: Tenant,
    kind: CollectionKind,
    collection_id: str,
    query: str = "",
    offset: int = 0,
    limit: int = 100,
) -> CatalogFacePage:
    """Selector: faces whose userData or id contains `query` (any case), by id; one page,
    how many match and the last sync (None: never)."""
    where = {"tenant": tenant, "kind": kind.value, "collection_id": collection_id}
    sync = CatalogSync.objects.filter(**where).first()
    rows = CatalogFace.objects.filter(**where)
    text = query.strip().lower()
    if text:
        rows = rows.filter(search_text__contains=text)
    ids, total, capped = _page_ids(rows, ("persisted_face_id",), text, offset, limit)
    by_id = CatalogFace.objects.in_bulk(ids)
    return CatalogFacePage(
        items=[by_id[i] for i in ids if i in by_id],
        total=total,
        offset=offset,
        limit=limit,
        synced_at=sync.synced_at if sync else None,
        capped=capped,
    )


def _unindexed(term: Any) -> Any:
    if not isinstance(term, str):
        return term
    plain = Func(F(term.lstrip("-")), template="+%(expressions)s")
    return plain.desc() if term.startswith("-") else plain.asc()


def _page_ids(
    rows: QuerySet[Any], order: tuple[Any, ...], text: str, offset: int, limit: int
) -> tuple[list[int], int, bool]:
    """The ids of one page of `rows`, how many rows match, and whether that is capped.

    With a query, the matches are read anyway (a substring search has no order to walk), so
    one statement reads the page and counts them. On PostgreSQL (trigram indexes) every match
    is counted alongside the page (COUNT(*) OVER ()). Elsewhere the sorted ids are read up to
    COUNT_CAP (or just past the page) and sliced: a second pass to count would read the whole
    index again. With no query the page walks an index in order and stops, and the count stops
    at COUNT_CAP (or just past the page). So does a query of one or two characters on
    PostgreSQL: no trigram narrows it, it matches a large share of the collection, and the
    lower(name) index of migration 0005 finds a page soon."""
    cap = max(COUNT_CAP, offset + limit)
    postgres = connection.vendor == "postgresql"
    if text and postgres and len(text) >= _TRIGRAM:
        counted = list(
            rows.annotate(matches=Window(Count("id")))
            .order_by(*order)
            .values_list("id", "matches")[offset : offset + limit]
        )
        if counted:
            return [i for i, _ in counted], counted[0][1], False
        return [], rows.count(), False
    if text and not postgres:
        if connection.vendor == "sqlite":
            # Scan the covering search index and sort the matches: walking an index in the
            # sort order instead reads every row of the table to test the query (10 times
            # slower when few match). A unary + is SQLite's way to keep an ORDER BY term off
            # the indexes.
            order = tuple(_unindexed(term) for term in order)
        head = list(rows.order_by(*order).values_list("id", flat=True)[: cap + 1])
        return head[offset : offset + limit], min(len(head), cap), len(head) > cap
    ids = list(rows.order_by(*order).values_list("id", flat=True)[offset : offset + limit])
    if offset == 0 and len(ids) < limit:  # a short first page is the whole answer
        return ids, len(ids), False
    total = rows.order_by()[: cap + 1].count()
    return ids, min(total, cap), total > cap


def catalog_forget(*, tenant: Tenant, kind: CollectionKind, collection_id: str) -> None:
    where = {"tenant": tenant, "kind": kind.value, "collection_id": collection_id}
    CatalogPerson.objects.filter(**where).delete()
    CatalogFace.objects.filter(**where).delete()
    CatalogSync.objects.filter(**where).delete()


def _by_expression(field: str) -> Any:
    descending = field.startswith("-")
    name = field.lstrip("-")
    if name != "name":
        return field
    return Lower(name).desc() if descending else Lower(name).asc()


def catalog_search(
    *,
    tenant: Tenant,
    kind: CollectionKind,
    collection_id: str,
    query: str = "",
    sort: str = "name",
    offset: int = 0,
    limit: int = 50,
) -> CatalogPage:
    """Selector: persons whose name or userData contains `query` (any case), or whose id
    starts with it, sorted, one page. Answers from the catalog only."""
    where = {"tenant": tenant, "kind": kind.value, "collection_id": collection_id}
    sync = CatalogSync.objects.filter(**where).first()
    rows = CatalogPerson.objects.filter(**where)
    text = query.strip().lower()
    if text:
        rows = rows.filter(Q(search_text__contains=text) | Q(person_id__startswith=text))
    # Sort and page on ids only (an index covers the filter and the sort), then read the page's
    # rows. With a query, names sort by an expression, so the planner reads the matches (the
    # covering index; on PostgreSQL the trigram indexes) and sorts them instead of walking
    # the name index row by row (20 times slower on 100,000 when few match).
    order: tuple[Any, ...] = SORTS.get(sort, SORTS["name"])
    if text:
        order = tuple(_by_expression(field) for field in order)
    ids, total, capped = _page_ids(rows, order, text, offset, limit)
    by_id = CatalogPerson.objects.in_bulk(ids)
    items = [by_id[i] for i in ids if i in by_id]
    return CatalogPage(
        items=items,
        total=total,
        offset=offset,
        limit=limit,
        synced_at=sync.synced_at if sync else None,
        capped=capped,
    )
