"""AzureFaceClient behaviour beyond one request per method: paging, ids in paths, the
operation id of snapshot calls, and the checks made before anything is sent."""

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from faceadmin.clients.azure import AzureFaceClient
from faceadmin.clients.errors import (
    BadArgument,
    InvalidResponse,
    PersonGroupIdAndLargePersonGroupIdBothNotNull,
    PersonGroupIdAndLargePersonGroupIdBothNull,
)
from faceadmin.clients.transport import HttpTransport
from faceadmin.clients.types import CollectionKind, FaceRectangle

from .support import BASE_URL, PRIMARY

PERSON_IDS = [f"{n:08d}-0000-4000-8000-000000000000" for n in range(1, 8)]


def serve_persons(ids: list[str], *, inclusive_start: bool = False) -> Any:
    """A person listing that pages like the service: ids ascending, after `start`."""

    def callback(request: Any) -> tuple[int, dict[str, str], str]:
        query = parse_qs(urlsplit(request.url).query)
        start = query.get("start", [""])[0]
        top = int(query.get("top", ["1000"])[0])
        page = [i for i in sorted(ids) if i > start or (inclusive_start and i == start)][:top]
        body = [{"personId": i, "name": f"person {i[:8]}", "persistedFaceIds": []} for i in page]
        return 200, {}, json.dumps(body)

    return callback


def starts(rsps: responses.RequestsMock) -> list[str | None]:
    return [
        parse_qs(urlsplit(call.request.url).query).get("start", [None])[0] for call in rsps.calls
    ]


def test_iterating_persons_walks_every_page(
    client: AzureFaceClient, mocked: responses.RequestsMock
) -> None:
    mocked.add_callback(
        responses.GET, f"{BASE_URL}/persongroups/g1/persons", callback=serve_persons(PERSON_IDS)
    )

    persons = list(
        client.iter_persons(CollectionKind.PERSON_GROUP, collection_id="g1", page_size=3)
    )

    assert [p.person_id for p in persons] == PERSON_IDS
    assert starts(mocked) == [None, PERSON_IDS[2], PERSON_IDS[5]]


def test_a_full_last_page_costs_one_empty_request(
    client: AzureFaceClient, mocked: responses.RequestsMock
) -> None:
    mocked.add_callback(
        responses.GET,
        f"{BASE_URL}/largepersongroups/big/persons",
        callback=serve_persons(PERSON_IDS[:6]),
    )

    persons = list(
        client.iter_persons(CollectionKind.LARGE_PERSON_GROUP, collection_id="big", page_size=3)
    )

    assert len(persons) == 6
    assert len(mocked.calls) == 3


def test_paging_survives_a_server_that_repeats_the_start_entry(
    client: AzureFaceClient, mocked: responses.RequestsMock
) -> None:
    mocked.add_callback(
        responses.GET,
        f"{BASE_URL}/persongroups/g1/persons",
        callback=serve_persons(PERSON_IDS, inclusive_start=True),
    )

    persons = list(
        client.iter_persons(CollectionKind.PERSON_GROUP, collection_id="g1", page_size=3)
    )

    assert [p.person_id for p in persons] == PERSON_IDS


def test_a_single_page_is_one_call(client: AzureFaceClient, mocked: responses.RequestsMock) -> None:
    mocked.add_callback(
        responses.GET, f"{BASE_URL}/persongroups/g1/persons", callback=serve_persons(PERSON_IDS)
    )

    page = client.person_list(
        CollectionKind.PERSON_GROUP, collection_id="g1", start=PERSON_IDS[0], top=2
    )

    assert [p.person_id for p in page] == PERSON_IDS[1:3]
    assert len(mocked.calls) == 1


def test_iterating_collections_uses_their_ids_as_start(
    client: AzureFaceClient, mocked: responses.RequestsMock
) -> None:
    groups = [{"personGroupId": f"g{n}", "name": f"Group {n}"} for n in range(1, 4)]
    mocked.get(f"{BASE_URL}/persongroups", json=groups[:2])
    mocked.get(f"{BASE_URL}/persongroups", json=groups[2:])

    got = list(client.iter_collections(CollectionKind.PERSON_GROUP, page_size=2))

    assert [g.id for g in got] == ["g1", "g2", "g3"]
    assert all(g.kind is CollectionKind.PERSON_GROUP for g in got)
    assert starts(mocked) == [None, "g2"]


def test_iterating_large_face_list_faces(
    client: AzureFaceClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(
        f"{BASE_URL}/largefacelists/lfl/persistedfaces",
        json=[{"persistedFaceId": "f1"}, {"persistedFaceId": "f2", "userData": "x"}],
    )
    mocked.get(f"{BASE_URL}/largefacelists/lfl/persistedfaces", json=[])

    faces = list(
        client.iter_faces(CollectionKind.LARGE_FACE_LIST, collection_id="lfl", page_size=2)
    )

    assert [f.persisted_face_id for f in faces] == ["f1", "f2"]
    assert starts(mocked) == [None, "f2"]


def test_iterating_large_groups_and_lists(
    client: AzureFaceClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{BASE_URL}/largepersongroups", json=[{"largePersonGroupId": "a", "name": "A"}])
    mocked.get(f"{BASE_URL}/largefacelists", json=[{"largeFaceListId": "b", "name": "B"}])

    assert [
        g.id for g in client.iter_collections(CollectionKind.LARGE_PERSON_GROUP, page_size=5)
    ] == ["a"]
    assert [f.id for f in client.iter_collections(CollectionKind.LARGE_FACE_LIST, page_size=5)] == [
        "b"
    ]


@pytest.mark.parametrize("page_size", [0, 1001])
def test_page_size_must_be_within_the_api_limits(client: AzureFaceClient, page_size: int) -> None:
    with pytest.raises(BadArgument):
        list(client.iter_collections(CollectionKind.PERSON_GROUP, page_size=page_size))


def test_ids_are_quoted_into_the_path(
    client: AzureFaceClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(
        f"{BASE_URL}/persongroups/g1/persons/..%2Fadmin%3Fx%3D1",
        json={"personId": "../admin?x=1", "name": "Eve"},
    )

    person = client.person_get(
        CollectionKind.PERSON_GROUP, collection_id="g1", person_id="../admin?x=1"
    )

    assert person.name == "Eve"
    assert urlsplit(mocked.calls[0].request.url).path.endswith("/persons/..%2Fadmin%3Fx%3D1")


@pytest.mark.parametrize("bad", ["", "UPPER", "has space", "a/b", "x" * 65, "new\nline"])
def test_collection_ids_are_checked_before_sending(
    client: AzureFaceClient, mocked: responses.RequestsMock, bad: str
) -> None:
    with pytest.raises(BadArgument):
        client.collection_delete(CollectionKind.LARGE_FACE_LIST, collection_id=bad)

    assert len(mocked.calls) == 0


def test_an_empty_person_id_is_refused(client: AzureFaceClient) -> None:
    with pytest.raises(BadArgument):
        client.person_delete(CollectionKind.PERSON_GROUP, collection_id="g1", person_id=" ")


def test_identify_needs_exactly_one_group(client: AzureFaceClient) -> None:
    with pytest.raises(PersonGroupIdAndLargePersonGroupIdBothNull):
        client.identify(face_ids=["f1"])
    with pytest.raises(PersonGroupIdAndLargePersonGroupIdBothNotNull):
        client.identify(face_ids=["f1"], person_group_id="a", large_person_group_id="b")


def test_verify_to_person_needs_exactly_one_group(client: AzureFaceClient) -> None:
    with pytest.raises(PersonGroupIdAndLargePersonGroupIdBothNull):
        client.verify_face_to_person(face_id="f", person_id="p")


def test_identify_sends_the_person_group_variant(
    client: AzureFaceClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE_URL}/identify", json=[{"faceId": "f1", "candidates": []}])

    (result,) = client.identify(face_ids=["f1"], person_group_id="g1")

    assert result.candidates == ()
    assert json.loads(mocked.calls[0].request.body) == {
        "faceIds": ["f1"],
        "personGroupId": "g1",
        "maxNumOfCandidatesReturned": 1,
    }


@pytest.mark.parametrize(
    "scope",
    [
        {},
        {"face_ids": ["a"], "face_list_id": "fl"},
        {"face_list_id": "fl", "large_face_list_id": "l"},
    ],
)
def test_find_similar_needs_exactly_one_scope(
    client: AzureFaceClient, scope: dict[str, Any]
) -> None:
    with pytest.raises(BadArgument):
        client.find_similar(face_id="f", **scope)


def test_find_similar_among_face_ids(
    client: AzureFaceClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE_URL}/findsimilars", json=[{"faceId": "b", "confidence": 0.7}])

    (hit,) = client.find_similar(face_id="a", face_ids=["b", "c"], mode="matchFace")

    assert hit.face_id == "b"
    assert json.loads(mocked.calls[0].request.body) == {
        "faceId": "a",
        "faceIds": ["b", "c"],
        "maxNumOfCandidatesReturned": 20,
        "mode": "matchFace",
    }


def test_a_bare_string_is_not_a_list_of_face_ids(client: AzureFaceClient) -> None:
    with pytest.raises(TypeError):
        client.group(face_ids="f1,f2")


def test_detect_sends_its_options_as_query_parameters(
    client: AzureFaceClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE_URL}/detect", json=[])

    faces = client.detect_with_stream(
        image=b"jpeg bytes",
        return_face_attributes=["headPose", "qualityForRecognition"],
        recognition_model="recognition_04",
        detection_model="detection_03",
        face_id_time_to_live=120,
    )

    assert faces == []
    query = parse_qs(urlsplit(mocked.calls[0].request.url).query)
    assert query == {
        "returnFaceId": ["true"],
        "returnFaceLandmarks": ["false"],
        "returnFaceAttributes": ["headPose,qualityForRecognition"],
        "recognitionModel": ["recognition_04"],
        "returnRecognitionModel": ["false"],
        "detectionModel": ["detection_03"],
        "faceIdTimeToLive": ["120"],
    }


def test_an_empty_image_is_refused(client: AzureFaceClient) -> None:
    with pytest.raises(BadArgument):
        client.detect_with_stream(image=b"")


def test_add_face_sends_the_target_rectangle(
    client: AzureFaceClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE_URL}/facelists/fl/persistedfaces", json={"persistedFaceId": "pf"})

    face_id = client.add_face_from_stream(
        CollectionKind.FACE_LIST,
        collection_id="fl",
        image=b"jpeg",
        target_face=FaceRectangle(1, 2, 30, 40),
    )

    assert face_id == "pf"
    query = parse_qs(urlsplit(mocked.calls[0].request.url).query)
    assert query["targetFace"] == ["1,2,30,40"]
    assert "userData" not in query


def test_create_leaves_out_what_was_not_given(
    client: AzureFaceClient, mocked: responses.RequestsMock
) -> None:
    mocked.put(f"{BASE_URL}/largepersongroups/staff", status=200)

    client.collection_create(
        CollectionKind.LARGE_PERSON_GROUP,
        collection_id="staff",
        name="Staff",
        recognition_model="recognition_04",
    )

    assert json.loads(mocked.calls[0].request.body) == {
        "name": "Staff",
        "recognitionModel": "recognition_04",
    }


@pytest.mark.parametrize(
    "location",
    [
        "/operations/84276574-2a2a-4540-a1b0-f65d834d225b",
        "https://westus.api.cognitive.microsoft.com/face/v1.0/operations/84276574-2a2a-4540-a1b0-f65d834d225b",
        "operations/84276574-2a2a-4540-a1b0-f65d834d225b?x=1",
    ],
)
def test_snapshot_apply_returns_the_operation_id(
    client: AzureFaceClient, mocked: responses.RequestsMock, location: str
) -> None:
    mocked.post(
        f"{BASE_URL}/snapshots/s1/apply", status=202, headers={"Operation-Location": location}
    )

    operation_id = client.snapshot_apply(snapshot_id="s1", object_id="target")

    assert operation_id == "84276574-2a2a-4540-a1b0-f65d834d225b"


def test_a_202_without_operation_location_is_an_invalid_response(
    client: AzureFaceClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE_URL}/snapshots", status=202)

    with pytest.raises(InvalidResponse):
        client.snapshot_take(kind="PersonGroup", object_id="g1", apply_scope=["sub-1"])


def test_snapshot_kind_is_checked(client: AzureFaceClient) -> None:
    with pytest.raises(BadArgument):
        client.snapshot_take(kind="Folder", object_id="g1", apply_scope=["sub-1"])


def test_snapshot_kind_accepts_any_casing(
    client: AzureFaceClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{BASE_URL}/snapshots", json=[])

    assert client.snapshot_list(kind="largepersongroup") == []
    assert parse_qs(urlsplit(mocked.calls[0].request.url).query) == {"type": ["LargePersonGroup"]}


def test_an_empty_create_answer_is_an_invalid_response(
    client: AzureFaceClient, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE_URL}/persongroups/g1/persons", status=200, body="")

    with pytest.raises(InvalidResponse):
        client.person_create(CollectionKind.PERSON_GROUP, collection_id="g1", name="Ann")


def test_an_empty_get_answer_is_an_invalid_response(
    client: AzureFaceClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{BASE_URL}/snapshots/s1", status=200, body="")

    with pytest.raises(InvalidResponse):
        client.snapshot_get(snapshot_id="s1")


def test_for_endpoint_builds_an_http_transport(mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE_URL}/facelists", json=[])

    client = AzureFaceClient.for_endpoint(
        "https://westus.api.cognitive.microsoft.com/", PRIMARY, max_retries=0
    )

    assert isinstance(client.transport, HttpTransport)
    assert client.transport.base_url == BASE_URL
    assert client.collection_list(CollectionKind.FACE_LIST) == []
