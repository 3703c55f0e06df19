"""The collections part of the provider interface: kinds, listings, one collection, deletion,
the tenant overview's counts, and the members of a collection.

Results are provider-neutral: an Azure person group and a FindFace gallery are both a
`CollectionItem` of a `Kind`; a person and a gallery face are both a `Member`. Views render
these and ask `Kind` / `Capabilities` what to offer; only the pages that edit what one API
alone has (persons, face-list faces, gallery enrolment) keep their own views.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from faceadmin.clients.errors import FaceApiError
from faceadmin.clients.findface import DEFAULT_GALLERY
from faceadmin.clients.types import Collection, CollectionKind
from faceadmin.faceapi import collections as azure
from faceadmin.faceapi import galleries
from faceadmin.faceapi.collections import DeletionPreview
from faceadmin.faceapi.kinds import (
    KIND_BY_SLUG,
    KIND_LABELS,
    KIND_SLUGS,
    PERSON_KINDS,
    TRAINABLE_KINDS,
)
from faceadmin.tenants.models import Tenant

__all__ = [
    "AzureCollections",
    "CollectionItem",
    "CollectionListing",
    "CollectionOperations",
    "CollectionsOverview",
    "FindFaceCollections",
    "Kind",
    "KindCount",
    "Member",
    "MemberPage",
]

GALLERIES = "galleries"  # the kind segment of a FindFace gallery's URL


@dataclass(frozen=True)
class Kind:
    """A kind of collection, as URLs and pages name it."""

    slug: str
    label: str  # singular: "Person group", "Gallery"
    plural: str
    # Which page shows one collection: "persons" (a person group), "faces" (a face list's
    # audit page) or "gallery" (a FindFace gallery and its enrolment).
    page: str
    trainable: bool = False
    has_persons: bool = False  # members are persons with faces (else members are faces)
    paged: bool = True  # the provider lists these a page at a time
    stores_images: bool = True  # faceadmin keeps the enrolled photos' face images


@dataclass(frozen=True)
class CollectionItem:
    kind: Kind
    id: str
    name: str
    user_data: str = ""
    recognition_model: str | None = None
    note: str = ""  # a short remark shown beside it ("every face")
    deletable: bool = True


@dataclass(frozen=True)
class CollectionListing:
    kind: Kind
    items: list[CollectionItem]
    next_start: str | None = None  # the `start` of the next page; None: this is the last


@dataclass(frozen=True)
class KindCount:
    """How many collections of one kind the tenant has (first ones kept), or why unknown."""

    kind: Kind
    count: int
    more: bool  # at least `count`: counting stopped
    first: list[CollectionItem] = field(default_factory=list)
    error: FaceApiError | None = None


@dataclass(frozen=True)
class CollectionsOverview:
    counts: list[KindCount]
    # Distinct people across the collections when the provider can tell cheaply (FindFace:
    # distinct metas) and how many faces carry them; None: not shown.
    people: int | None = None
    named_faces: int = 0


@dataclass(frozen=True)
class Member:
    """A person of a person group, or a face of a face list or gallery.

    `face_ids` are the member's faces: a person's enrolled faces (persistedFaceIds, the keys of
    faceadmin's stored images), or the face itself."""

    id: str
    name: str
    user_data: str = ""
    face_ids: tuple[str, ...] = ()
    # A face image the provider serves (FindFace); else thumbnails are faceadmin's stored ones.
    thumbnail: str = ""
    also_in: tuple[str, ...] = ()  # the other collections holding this face (galleries)
    created: datetime | None = None

    @property
    def face_count(self) -> int:
        return len(self.face_ids)


@dataclass(frozen=True)
class MemberPage:
    items: list[Member]
    next_start: str | None = None
    # The `newer_than` of the previous page, when the provider pages both ways (FindFace);
    # start/top providers leave it None and the pager keeps the earlier starts.
    prev_start: str | None = None

    @property
    def has_next(self) -> bool:
        return self.next_start is not None


def _azure_kind(kind: CollectionKind) -> Kind:
    return Kind(
        slug=KIND_SLUGS[kind],
        label=KIND_LABELS[kind],
        plural=f"{KIND_LABELS[kind]}s",
        page="persons" if kind in PERSON_KINDS else "faces",
        trainable=kind in TRAINABLE_KINDS,
        has_persons=kind in PERSON_KINDS,
        paged=kind != CollectionKind.FACE_LIST,
    )


AZURE_KINDS = {kind: _azure_kind(kind) for kind in CollectionKind}
GALLERY_KIND = Kind(
    slug=GALLERIES,
    label="Gallery",
    plural="Galleries",
    page="gallery",
    paged=False,
    stores_images=False,
)


class CollectionOperations:
    """What every provider answers about its collections."""

    tenant: Tenant

    def kinds(self) -> list[Kind]:
        raise NotImplementedError

    def kind(self, slug: str) -> Kind | None:
        """The kind with this URL segment, or None (the page is a 404)."""
        return next((kind for kind in self.kinds() if kind.slug == slug), None)

    def collections(
        self, kind: Kind, *, start: str | None = None, top: int = 50
    ) -> CollectionListing:
        raise NotImplementedError

    def collection(self, kind: Kind, collection_id: str) -> CollectionItem:
        raise NotImplementedError

    def why_not_deletable(self, kind: Kind, collection_id: str) -> str | None:
        """Why this collection may never be deleted; None: it may (no provider call)."""
        return None

    def delete_preview(self, kind: Kind, collection_id: str) -> DeletionPreview | None:
        """What deleting it takes along, for the confirm step; None: nothing to tell."""
        return None

    def delete_collection(self, kind: Kind, collection_id: str, *, user: Any) -> int:
        """Delete it; returns how many of faceadmin's stored face images went with it."""
        raise NotImplementedError

    def collections_overview(self) -> CollectionsOverview:
        raise NotImplementedError

    def members(
        self,
        kind: Kind,
        collection_id: str,
        *,
        start: str | None = None,
        top: int = 50,
        newer_than: str | None = None,
    ) -> MemberPage:
        """One page of members from `start`; `newer_than` (a `prev_start`) pages back where
        the provider pages both ways."""
        raise NotImplementedError


class AzureCollections(CollectionOperations):
    """Azure Face v1.0 (and the embedded engine): four kinds of collection."""

    def kinds(self) -> list[Kind]:
        return list(AZURE_KINDS.values())

    def _item(self, kind: Kind, c: Collection) -> CollectionItem:
        return CollectionItem(
            kind=kind,
            id=c.id,
            name=c.name,
            user_data=c.user_data or "",
            recognition_model=c.recognition_model,
        )

    def collections(
        self, kind: Kind, *, start: str | None = None, top: int = 50
    ) -> CollectionListing:
        page = azure.collection_page(
            tenant=self.tenant, kind=KIND_BY_SLUG[kind.slug], start=start, top=top
        )
        items = [self._item(kind, c) for c in page.items]
        return CollectionListing(kind, items, page.next_start)

    def collection(self, kind: Kind, collection_id: str) -> CollectionItem:
        found = azure.collection_get(
            tenant=self.tenant, kind=KIND_BY_SLUG[kind.slug], collection_id=collection_id
        )
        return self._item(kind, found)

    def delete_preview(self, kind: Kind, collection_id: str) -> DeletionPreview | None:
        return azure.collection_delete_preview(
            tenant=self.tenant, kind=KIND_BY_SLUG[kind.slug], collection_id=collection_id
        )

    def delete_collection(self, kind: Kind, collection_id: str, *, user: Any) -> int:
        return azure.collection_delete(
            tenant=self.tenant,
            user=user,
            kind=KIND_BY_SLUG[kind.slug],
            collection_id=collection_id,
        )

    def collections_overview(self) -> CollectionsOverview:
        counts = []
        for summary in azure.collection_summaries(tenant=self.tenant):
            kind = AZURE_KINDS[summary.kind]
            first = [self._item(kind, c) for c in summary.collections]
            counts.append(KindCount(kind, summary.count, summary.more, first, summary.error))
        return CollectionsOverview(counts)

    def members(
        self,
        kind: Kind,
        collection_id: str,
        *,
        start: str | None = None,
        top: int = 50,
        newer_than: str | None = None,
    ) -> MemberPage:
        azure_kind = KIND_BY_SLUG[kind.slug]
        if kind.has_persons:
            persons = azure.person_page(
                tenant=self.tenant, kind=azure_kind, group_id=collection_id, start=start, top=top
            )
            return MemberPage(
                [
                    Member(p.person_id, p.name, p.user_data or "", tuple(p.persisted_face_ids))
                    for p in persons.items
                ],
                persons.next_start,
            )
        _, faces = azure.face_list_page(
            tenant=self.tenant, kind=azure_kind, list_id=collection_id, start=start, top=top
        )
        return MemberPage(
            [
                Member(
                    f.persisted_face_id,
                    f.user_data or "",
                    f.user_data or "",
                    (f.persisted_face_id,),
                )
                for f in faces.items
            ],
            faces.next_start,
        )


class FindFaceCollections(CollectionOperations):
    """FindFace: flat galleries of faces; `default` holds every face and cannot be deleted."""

    def kinds(self) -> list[Kind]:
        return [GALLERY_KIND]

    def _item(self, name: str) -> CollectionItem:
        default = name == DEFAULT_GALLERY
        return CollectionItem(
            kind=GALLERY_KIND,
            id=name,
            name=name,
            note="every face" if default else "",
            deletable=not default,
        )

    def collections(
        self, kind: Kind, *, start: str | None = None, top: int = 50
    ) -> CollectionListing:
        names = galleries.gallery_list(tenant=self.tenant)
        return CollectionListing(kind, [self._item(name) for name in names])

    def collection(self, kind: Kind, collection_id: str) -> CollectionItem:
        return self._item(collection_id)

    def why_not_deletable(self, kind: Kind, collection_id: str) -> str | None:
        if collection_id == DEFAULT_GALLERY:
            return "The default gallery holds every face; it cannot be deleted."
        return None

    def delete_collection(self, kind: Kind, collection_id: str, *, user: Any) -> int:
        galleries.gallery_delete(tenant=self.tenant, user=user, name=collection_id)
        return 0  # faceadmin stores no images of gallery faces

    def collections_overview(self) -> CollectionsOverview:
        found = galleries.gallery_overview(tenant=self.tenant)
        items = [self._item(name) for name in found.galleries]
        count = KindCount(GALLERY_KIND, len(items), False, items)
        return CollectionsOverview([count], people=found.people, named_faces=found.named_faces)

    def members(
        self,
        kind: Kind,
        collection_id: str,
        *,
        start: str | None = None,
        top: int = 50,
        newer_than: str | None = None,
    ) -> MemberPage:
        """Faces, newest first; `start` is the id below which the page begins, `newer_than`
        the id above which it ends (the page before)."""
        page = galleries.gallery_faces_page(
            tenant=self.tenant,
            gallery=collection_id,
            max_id=_id_or_none(start),
            min_id=_id_or_none(newer_than),
            limit=top,
        )
        items = [
            Member(
                str(f.id),
                f.face.meta or "",
                f.face.meta or "",
                (str(f.id),),
                thumbnail=f.thumbnail,
                also_in=f.other_galleries,
                created=f.face.timestamp,
            )
            for f in page.faces
        ]
        return MemberPage(
            items,
            str(page.next_max_id) if page.next_max_id else None,
            str(page.prev_min_id) if page.prev_min_id else None,
        )


def _id_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None
