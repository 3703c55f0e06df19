from datetime import UTC, datetime
from typing import Any

import pytest

from faceadmin.clients.errors import InvalidResponse
from faceadmin.clients.types import (
    Collection,
    CollectionKind,
    DetectedFace,
    FaceRectangle,
    GroupResult,
    HeadPose,
    IdentifyCandidate,
    IdentifyResult,
    LevelValue,
    OperationStatus,
    PersistedFace,
    Person,
    Point,
    SimilarFace,
    Snapshot,
    TrainingStatus,
    VerifyResult,
    parse_status,
    parse_timestamp,
)

from .support import example_body


def test_it_reads_a_detected_face_from_the_contract_example() -> None:
    (face,) = [DetectedFace.from_json(item) for item in example_body("Face_DetectWithStream")]

    assert face.face_id == "c5c24a82-6845-4031-9d5d-978df9175426"
    assert face.recognition_model == "recognition_01"
    assert face.rectangle == FaceRectangle(left=394, top=54, width=78, height=78)
    assert face.landmarks is not None
    assert len(face.landmarks) == 27
    assert face.landmarks["pupilLeft"] == Point(x=412.7, y=78.4)
    assert face.head_pose == HeadPose(roll=2.1, yaw=3.0, pitch=1.6)
    assert face.blur == LevelValue(level="Medium", value=0.51)
    assert face.exposure == LevelValue(level="GoodExposure", value=0.55)
    assert face.noise == LevelValue(level="Low", value=0.12)
    assert face.quality_for_recognition is None
    # Retired attributes stay available in the raw dict.
    assert face.attributes["age"] == 71.0
    assert face.attributes["glasses"] == "sunglasses"


def test_a_rectangle_only_face_has_no_extras() -> None:
    face = DetectedFace.from_json({"faceRectangle": {"left": 1, "top": 2, "width": 3, "height": 4}})

    assert face.face_id is None
    assert face.landmarks is None
    assert face.attributes == {}
    assert face.head_pose is None
    assert face.blur is None


def test_quality_for_recognition_is_read() -> None:
    face = DetectedFace.from_json(
        {
            "faceRectangle": {"left": 1, "top": 2, "width": 3, "height": 4},
            "faceAttributes": {"qualityForRecognition": "High"},
        }
    )

    assert face.quality_for_recognition == "High"


def test_a_rectangle_is_written_as_target_face() -> None:
    assert FaceRectangle(left=10, top=20, width=100, height=120).as_target() == "10,20,100,120"


def test_it_reads_a_person_group() -> None:
    group = Collection.from_json(example_body("PersonGroup_Get"), kind=CollectionKind.PERSON_GROUP)

    assert group == Collection(
        kind=CollectionKind.PERSON_GROUP,
        id="sample_group",
        name="group1",
        user_data="User-provided data attached to the person group.",
        recognition_model="recognition_01",
    )


def test_it_reads_a_face_list_with_its_faces() -> None:
    face_list = Collection.from_json(example_body("FaceList_Get"))

    assert face_list.kind is CollectionKind.FACE_LIST
    assert face_list.id == "sample_list"
    assert face_list.persisted_faces == (
        PersistedFace(
            persisted_face_id="B8D802CF-DD8F-4E61-B15C-9E6C5844CCBD",
            user_data="User-provided data attached to the face.",
        ),
    )


@pytest.mark.parametrize(
    ("operation_id", "kind"),
    [
        ("PersonGroup_List", CollectionKind.PERSON_GROUP),
        ("LargePersonGroup_List", CollectionKind.LARGE_PERSON_GROUP),
        ("FaceList_List", CollectionKind.FACE_LIST),
        ("LargeFaceList_List", CollectionKind.LARGE_FACE_LIST),
    ],
)
def test_it_reads_every_listing_of_collections(operation_id: str, kind: CollectionKind) -> None:
    items = [Collection.from_json(item, kind=kind) for item in example_body(operation_id)]

    assert items
    assert all(item.kind is kind and item.id and item.name for item in items)
    assert all(item.persisted_faces is None for item in items)


def test_the_kind_is_guessed_from_the_id_field() -> None:
    got = Collection.from_json(example_body("LargePersonGroup_Get"))

    assert got.kind is CollectionKind.LARGE_PERSON_GROUP
    assert CollectionKind.LARGE_FACE_LIST.id_field == "largeFaceListId"


def test_it_reads_a_person() -> None:
    person = Person.from_json(example_body("PersonGroupPerson_Get"))

    assert person == Person(
        person_id="25985303-c537-4467-b41d-bdb45cd95ca1",
        name="Ryan",
        user_data="User-provided data attached to the person.",
        persisted_face_ids=(
            "015839fb-fbd9-4f79-ace9-7675fc2f1dd9",
            "fce92aed-d578-4d2e-8114-068f8af4492e",
            "b64d5e15-8257-4af2-b20a-5a750f8940e7",
        ),
    )


def test_a_person_without_faces_or_user_data_is_fine() -> None:
    person = Person.from_json({"personId": "p1", "name": "Ann"})

    assert person.persisted_face_ids == ()
    assert person.user_data is None


def test_it_reads_a_persisted_face() -> None:
    face = PersistedFace.from_json(example_body("LargeFaceList_GetFace"))

    assert face.persisted_face_id
    assert face.user_data


def test_it_reads_training_status_of_a_person_group() -> None:
    status = TrainingStatus.from_json(example_body("PersonGroup_GetTrainingStatus"))

    assert status == TrainingStatus(
        status="succeeded",
        created=datetime(2017, 12, 21, 12, 57, 27, tzinfo=UTC),
        last_action=datetime(2017, 12, 21, 12, 57, 30, tzinfo=UTC),
        last_successful_training=None,
        message=None,
    )
    assert status.is_finished


def test_it_reads_training_status_of_a_large_person_group() -> None:
    status = TrainingStatus.from_json(example_body("LargePersonGroup_GetTrainingStatus"))

    assert status.last_successful_training == datetime(2017, 12, 21, 12, 57, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("notstarted", "notstarted"),
        ("nonstarted", "notstarted"),
        ("notStarted", "notstarted"),
        ("Running", "running"),
        ("succeeded", "succeeded"),
        ("FAILED", "failed"),
    ],
)
def test_status_spellings_are_normalised(raw: str, expected: str) -> None:
    assert parse_status(raw) == expected


def test_an_unknown_status_is_an_invalid_response() -> None:
    with pytest.raises(InvalidResponse):
        parse_status("paused")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2017-12-21T12:57:27.00Z", datetime(2017, 12, 21, 12, 57, 27, tzinfo=UTC)),
        (
            "2018-12-25T11:41:02.2331413Z",
            datetime(2018, 12, 25, 11, 41, 2, 233141, tzinfo=UTC),
        ),
        ("2018-12-25T11:41:02Z", datetime(2018, 12, 25, 11, 41, 2, tzinfo=UTC)),
        ("2018-12-25T11:41:02", datetime(2018, 12, 25, 11, 41, 2, tzinfo=UTC)),
        ("2018-12-25T13:41:02.5+02:00", datetime(2018, 12, 25, 11, 41, 2, 500000, tzinfo=UTC)),
    ],
)
def test_timestamps_are_aware_utc(raw: str, expected: datetime) -> None:
    parsed = parse_timestamp(raw)

    assert parsed == expected
    assert parsed.tzinfo is UTC


def test_a_bad_timestamp_is_an_invalid_response() -> None:
    with pytest.raises(InvalidResponse):
        parse_timestamp("yesterday")


def test_it_reads_find_similar_results() -> None:
    (hit,) = [SimilarFace.from_json(item) for item in example_body("Face_FindSimilar")]

    assert hit == SimilarFace(
        confidence=0.82, persisted_face_id="015839fb-fbd9-4f79-ace9-7675fc2f1dd9"
    )
    assert SimilarFace.from_json({"faceId": "f1", "confidence": 0.5}).face_id == "f1"


def test_it_reads_identify_results() -> None:
    results = [IdentifyResult.from_json(item) for item in example_body("Face_Identify")]

    assert results[0] == IdentifyResult(
        face_id="c5c24a82-6845-4031-9d5d-978df9175426",
        candidates=(
            IdentifyCandidate(person_id="25985303-c537-4467-b41d-bdb45cd95ca1", confidence=0.92),
        ),
    )
    assert IdentifyResult.from_json({"faceId": "f", "candidates": []}).candidates == ()


def test_it_reads_verify_results() -> None:
    assert VerifyResult.from_json(example_body("Face_VerifyFaceToFace")) == VerifyResult(
        is_identical=True, confidence=0.9
    )
    assert VerifyResult.from_json(example_body("Face_VerifyFaceToPerson")).confidence > 0


def test_it_reads_group_results() -> None:
    result = GroupResult.from_json(example_body("Face_Group"))

    assert [len(group) for group in result.groups] == [4, 2]
    assert result.messy_group == ("be386ab3-af91-4104-9e6d-4dae4c9fddb7",)
    # messyGroup is omitted when empty.
    assert GroupResult.from_json({"groups": [["a", "b"]]}).messy_group == ()


def test_it_reads_a_snapshot() -> None:
    snapshot = Snapshot.from_json(example_body("Snapshot_Get"))

    assert snapshot.id == "e58b3f08-1e8b-4165-81df-aa9858f233dc"
    assert snapshot.type is CollectionKind.FACE_LIST
    assert snapshot.apply_scope == (
        "35230F59-AA9C-45E0-AB5E-C859BF1A5429",
        "64084E07-9B7F-4A98-BEA4-9986D3A1EDEB",
    )
    assert snapshot.account.endswith("/accounts/FaceTest01")
    assert snapshot.user_data == "User-provided data attached to the snapshot."
    assert snapshot.created_time == datetime(2018, 12, 25, 11, 41, 2, 233141, tzinfo=UTC)
    assert snapshot.last_update_time == datetime(2018, 12, 25, 11, 51, 27, 870569, tzinfo=UTC)


def test_it_reads_a_snapshot_listing() -> None:
    snapshots = [Snapshot.from_json(item) for item in example_body("Snapshot_List")]

    assert [s.user_data for s in snapshots] == [
        "User-provided data attached to the snapshot1.",
        "User-provided data attached to the snapshot2.",
    ]


def test_it_reads_an_operation_status() -> None:
    status = OperationStatus.from_json(example_body("Snapshot_GetOperationStatus"))

    assert status.status == "succeeded"
    assert status.resource_location == "/snapshots/e58b3f08-1e8b-4165-81df-aa9858f233dc"
    assert status.message is None
    assert status.created_time == datetime(2018, 12, 25, 11, 41, 2, 233141, tzinfo=UTC)
    assert status.is_finished


@pytest.mark.parametrize(
    ("cls", "data"),
    [
        (DetectedFace, {"faceId": "x"}),
        (DetectedFace, {"faceRectangle": {"left": "1", "top": 2, "width": 3, "height": 4}}),
        (Collection, {"name": "no id"}),
        (Person, {"name": "no id"}),
        (Person, {"personId": "p", "persistedFaceIds": "not-a-list"}),
        (TrainingStatus, {"status": "running"}),
        (SimilarFace, {"confidence": 0.5}),
        (VerifyResult, {"isIdentical": "yes", "confidence": 0.5}),
        (GroupResult, {"groups": "a,b"}),
        (Snapshot, {"id": "s", "account": "a", "type": "Nope", "createdTime": "2018-01-01"}),
        (OperationStatus, ["not", "an", "object"]),
    ],
)
def test_bad_shapes_are_invalid_responses(cls: Any, data: Any) -> None:
    with pytest.raises(InvalidResponse):
        cls.from_json(data)


def test_results_are_frozen() -> None:
    person = Person(person_id="p", name="Ann")

    with pytest.raises(AttributeError):
        person.name = "Bob"  # type: ignore[misc]
