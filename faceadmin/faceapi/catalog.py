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
from django.db.models import F, Func, OrderBy, Q, QuerySet
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


# Matches are counted up to here ("more than 10,000"): counting 100,000 rows would cost more
# than reading the page (see _page_ids).
COUNT_CAP = 10_000


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
    return list(client.iter_persons(kind, collection_id=group_id))


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
        person = client.person_get(kind, collection_id=collection_id, person_id=person_id)
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
    client = client_for(tenant)
    if kind is CollectionKind.FACE_LIST:
        faces = list(client.collection_get(kind, collection_id=collection_id).persisted_faces or ())
    else:
        faces = list(client.iter_faces(kind, collection_id=collection_id))
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


def _unindexed(term: Any, model: Any) -> Any:
    """An ORDER BY term no index matches, in the same order: SQLite's unary +, PostgreSQL's
    `|| ''` (text) or `+ 0` (numbers)."""
    if isinstance(term, OrderBy):
        expression, descending, text = term.expression, term.descending, True
    else:
        expression, descending = F(term.lstrip("-")), term.startswith("-")
        field = model._meta.get_field(term.lstrip("-"))
        text = field.get_internal_type() in ("CharField", "TextField")
    if connection.vendor == "sqlite":
        template = "+%(expressions)s"
    else:
        template = "(%(expressions)s || '')" if text else "(%(expressions)s + 0)"
    plain = Func(expression, template=template)
    return plain.desc() if descending else plain.asc()


def _page_ids(
    rows: QuerySet[Any], order: tuple[Any, ...], text: str, offset: int, limit: int
) -> tuple[list[int], int, bool]:
    """The ids of one page of `rows`, how many rows match, and whether that count is capped.

    No query: the page walks an index in order and stops after it; the count stops at
    COUNT_CAP (or just past the page).

    PostgreSQL with a query: the matches are counted first, up to the cap (the trigram
    indexes find them). Up to the cap, they are sorted (ORDER BY terms no index matches);
    past it, so many match that walking the names in order finds a page soon. (One statement
    with COUNT(*) OVER () makes the planner read every match in sort order: 200 ms for 12,500
    matches of 100,000.)

    SQLite with a query: a substring search scans the covering search index whatever it
    does, so the sorted ids are read once, up to COUNT_CAP (or just past the page), and
    sliced: a second pass to count would scan the index again. ORDER BY terms on plain
    columns get a unary +, SQLite's way to keep them off the indexes: walking an index in the
    sort order reads every row of the table to test the query (10 times slower when few
    match)."""
    cap = max(COUNT_CAP, offset + limit)
    if text and connection.vendor == "postgresql":
        # Count first (the trigram indexes, or a scan that stops at the cap). Up to the cap,
        # sort the matches: walking the names in order is a gamble when matches cluster
        # ("chlo" sorted Z-A reads 70,000 names before the first Chloé: 200 ms).
        total = rows.order_by()[: cap + 1].count()
        if total <= cap:
            order = tuple(_unindexed(term, rows.model) for term in order)
        ids = list(rows.order_by(*order).values_list("id", flat=True)[offset : offset + limit])
        return ids, min(total, cap), total > cap
    if text:
        if connection.vendor == "sqlite":
            order = tuple(_unindexed(term, rows.model) for term in order)
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
    # Sort and page on ids only, then read the page's rows. With a query, names sort by
    # lower(name): on SQLite the matches are read from the covering index and sorted; on
    # PostgreSQL the planner walks the lower(name) index of migration 0005 when many match
    # and reads the trigram indexes when few do (see _page_ids).
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
