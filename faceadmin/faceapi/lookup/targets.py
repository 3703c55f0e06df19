"""The collections an Azure-compatible lookup searches: listing, fetching, training state."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from faceadmin.clients.azure import AzureFaceClient
from faceadmin.clients.errors import NotFoundError
from faceadmin.clients.types import Collection, CollectionKind, Person
from faceadmin.faceapi.collections import collection_list
from faceadmin.faceapi.connection import client_for
from faceadmin.faceapi.lookup.results import GroupRef
from faceadmin.faceapi.training import training_status
from faceadmin.tenants.models import Tenant

__all__ = [
    "LIST_KINDS",
    "PERSON_KINDS",
    "collection_options",
    "get_collection",
    "get_person",
    "group_ids",
    "list_collections",
    "person_options",
    "untrained_reason",
]

PERSON_KINDS: Final = (CollectionKind.PERSON_GROUP, CollectionKind.LARGE_PERSON_GROUP)
LIST_KINDS: Final = (CollectionKind.FACE_LIST, CollectionKind.LARGE_FACE_LIST)


def list_collections(client: AzureFaceClient, kind: CollectionKind) -> list[Collection]:
    """Every collection of a kind, with its recognition model; [] where the provider has
    no such kind (the embedded engine answers 404 for large kinds before its part 2)."""
    try:
        return list(client.iter_collections(kind, return_recognition_model=True))
    except NotFoundError:
        return []


def collection_options(*, tenant: Tenant, kinds: Sequence[CollectionKind]) -> list[Collection]:
    """The collections a lookup form offers; none of a kind the provider does not have."""

    options: list[Collection] = []
    for kind in kinds:
        try:
            options.extend(collection_list(tenant=tenant, kind=kind))
        except NotFoundError:
            continue
    return options


def get_collection(client: AzureFaceClient, ref: GroupRef) -> Collection:
    return client.collection_get(ref.kind, collection_id=ref.id, return_recognition_model=True)


def get_person(client: AzureFaceClient, ref: GroupRef, person_id: str) -> Person | None:
    try:
        return client.person_get(ref.kind, collection_id=ref.id, person_id=person_id)
    except NotFoundError:
        return None


def group_ids(ref: GroupRef) -> dict[str, str]:
    if ref.kind is CollectionKind.LARGE_PERSON_GROUP:
        return {"large_person_group_id": ref.id}
    return {"person_group_id": ref.id}


def untrained_reason(tenant: Tenant, collection: Collection) -> str | None:
    """Why identify / find similar cannot use this collection now, or None if it can."""

    status = training_status(tenant=tenant, kind=collection.kind, collection_id=collection.id)
    if status is None:
        return "it has never been trained"
    if status.status == "succeeded" or status.last_successful_training is not None:
        return None  # large kinds keep answering with their last good training
    if status.status == "failed":
        detail = f": {status.message}" if status.message else ""
        return f"its training failed{detail}"
    return "its first training has not finished yet"


def person_options(*, tenant: Tenant, per_group: int = 500) -> list[tuple[Collection, Person]]:
    """Persons to pick from (the first `per_group` of each person group, by id)."""
    client = client_for(tenant)
    people: list[tuple[Collection, Person]] = []
    for collection in collection_options(tenant=tenant, kinds=PERSON_KINDS):
        try:
            if collection.kind is CollectionKind.LARGE_PERSON_GROUP:
                persons = client.person_list(
                    CollectionKind.LARGE_PERSON_GROUP, collection_id=collection.id, top=per_group
                )
            else:
                persons = client.person_list(
                    CollectionKind.PERSON_GROUP, collection_id=collection.id, top=per_group
                )
        except NotFoundError:
            continue
        people.extend((collection, person) for person in persons)
    return people
