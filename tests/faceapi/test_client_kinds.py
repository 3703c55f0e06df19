"""The kind-generic collection operations refuse a kind without the operation, before any HTTP."""

from collections.abc import Callable
from typing import Any

import pytest
import responses

from faceadmin.clients.azure import AzureFaceClient
from faceadmin.clients.errors import BadArgument
from faceadmin.clients.types import CollectionKind

FL, LFL = CollectionKind.FACE_LIST, CollectionKind.LARGE_FACE_LIST
PG, LPG = CollectionKind.PERSON_GROUP, CollectionKind.LARGE_PERSON_GROUP

REFUSED: list[tuple[str, Callable[[AzureFaceClient], Any]]] = [
    ("person on a face list", lambda c: c.person_create(FL, collection_id="fl", name="x")),
    ("persons of a large face list", lambda c: list(c.iter_persons(LFL, collection_id="lfl"))),
    (
        "person face on a face list",
        lambda c: c.person_add_face_from_stream(FL, collection_id="fl", person_id="p", image=b"x"),
    ),
    (
        "face-list face on a group",
        lambda c: c.add_face_from_stream(PG, collection_id="pg", image=b"x"),
    ),
    ("face listing of a group", lambda c: c.list_faces(LPG, collection_id="lpg")),
    (
        "face GET on a plain face list",
        lambda c: c.get_face(FL, collection_id="fl", persisted_face_id="f"),
    ),
    ("training a plain face list", lambda c: c.train(FL, collection_id="fl")),
    ("training status of a face list", lambda c: c.training_status(FL, collection_id="fl")),
    ("paging plain face lists", lambda c: c.collection_list(FL, top=10)),
]


@pytest.mark.parametrize("call", [c for _, c in REFUSED], ids=[n for n, _ in REFUSED])
def test_an_operation_the_kind_lacks_fails_before_any_request(
    client: AzureFaceClient, mocked: responses.RequestsMock, call: Callable[[AzureFaceClient], Any]
) -> None:
    with pytest.raises(BadArgument):
        call(client)
    assert not mocked.calls
