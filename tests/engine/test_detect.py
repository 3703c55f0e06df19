"""Detect through the official SDK (and raw HTTP for what the SDK refuses to send)."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from azure.cognitiveservices.vision.face import FaceClient
from azure.cognitiveservices.vision.face.models import APIErrorException
from django.utils import timezone
from PIL import Image

from faceadmin.engine import detection
from faceadmin.engine.accounts import account_create
from faceadmin.engine.models import DetectedFace
from faceadmin.engine.recognition import LANDMARK_NAMES
from tests.engine.conftest import DATA, MANIFEST, Api, error_code, photo

# Photos with known faces: multi-face, edge-cut, 32-bit PNG, small and large resolutions.
DETECT_PHOTOS = [
    "multi/barack_obama_joe_biden.jpg",
    "multi/kit_harington_rose_leslie.jpg",
    "multi/two_people.jpg",
    "probe/barack_obama_32bit.png",
    "probe/barack_obama_partial.jpg",
    "resolution/barack_obama_240p.jpg",
    "resolution/barack_obama_small.jpg",
    "resolution/barack_obama_1080p.jpg",
]
ONE_FACE = "probe/kit_harington.jpg"
OCTET = {"Content-Type": "application/octet-stream"}


def iou(a: dict[str, int], b: dict[str, int]) -> float:
    left, top = max(a["left"], b["left"]), max(a["top"], b["top"])
    right = min(a["left"] + a["width"], b["left"] + b["width"])
    bottom = min(a["top"] + a["height"], b["top"] + b["height"])
    inter = max(right - left, 0) * max(bottom - top, 0)
    return inter / (a["width"] * a["height"] + b["width"] * b["height"] - inter)


def clamped(rect: dict[str, int], width: int, height: int) -> dict[str, int]:
    left, top = max(rect["left"], 0), max(rect["top"], 0)
    right = min(rect["left"] + rect["width"], width)
    bottom = min(rect["top"] + rect["height"], height)
    return {"left": left, "top": top, "width": right - left, "height": bottom - top}


def detect(client: FaceClient, path: str, **kwargs: Any) -> list[Any]:
    with (DATA / path).open("rb") as handle:
        return list(client.face.detect_with_stream(handle, **kwargs))


def test_it_finds_the_manifests_faces_largest_first(face_client: FaceClient) -> None:
    for path in DETECT_PHOTOS:
        expected = MANIFEST[path]
        faces = detect(face_client, path)
        assert len(faces) == len(expected["faces"]), path
        areas = [f.face_rectangle.width * f.face_rectangle.height for f in faces]
        assert areas == sorted(areas, reverse=True), path
        for face, want in zip(faces, expected["faces"], strict=True):
            got = face.face_rectangle.as_dict()
            want_rect = clamped(want["rect"], expected["width"], expected["height"])
            assert iou(got, want_rect) > 0.6, (path, got, want_rect)
            assert got["left"] >= 0 and got["top"] >= 0
            assert got["left"] + got["width"] <= expected["width"]
            assert got["top"] + got["height"] <= expected["height"]
            assert face.face_id is not None


def test_it_returns_azures_27_landmarks_inside_the_face(face_client: FaceClient) -> None:
    (face,) = detect(face_client, ONE_FACE, return_face_landmarks=True)
    landmarks = face.face_landmarks.serialize()
    assert set(landmarks) == set(LANDMARK_NAMES)
    assert len(landmarks) == 27
    rect = face.face_rectangle
    margin = rect.width * 0.25
    for point in landmarks.values():
        assert rect.left - margin <= point["x"] <= rect.left + rect.width + margin
        assert rect.top - margin <= point["y"] <= rect.top + rect.height + margin
    assert landmarks["pupilLeft"]["x"] < landmarks["pupilRight"]["x"]


def test_it_computes_the_supported_attributes(face_client: FaceClient) -> None:
    (face,) = detect(
        face_client,
        ONE_FACE,
        return_face_attributes=["headPose", "blur", "exposure", "noise", "qualityForRecognition"],
        recognition_model="recognition_04",
    )
    attributes = face.face_attributes
    assert abs(attributes.head_pose.yaw) < 45
    assert attributes.blur.blur_level in ("Low", "Medium", "High")
    assert 0 <= attributes.blur.value <= 1
    assert attributes.exposure.exposure_level in ("UnderExposure", "GoodExposure", "OverExposure")
    assert 0 <= attributes.noise.value <= 1
    assert attributes.quality_for_recognition in ("Low", "Medium", "High")
    assert attributes.age is None and attributes.glasses is None


def test_it_leaves_out_what_was_not_asked_for(api: Api) -> None:
    response = api.post(
        "detect?returnFaceId=false&returnRecognitionModel=true&recognitionModel=Recognition_03",
        data=photo(ONE_FACE),
        headers=OCTET,
    )
    (face,) = response.json()
    assert set(face) == {"recognitionModel", "faceRectangle"}
    assert face["recognitionModel"] == "recognition_03"
    assert list(face["faceRectangle"]) == ["top", "left", "width", "height"]


def test_it_detects_from_a_url(face_client: FaceClient, photo_server: str) -> None:
    faces = face_client.face.detect_with_url(f"{photo_server}/multi/two_people.jpg")
    assert len(faces) == 2


def test_it_answers_an_empty_list_for_a_photo_without_faces(api: Api) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 140, 200)).save(buffer, "PNG")
    response = api.post("detect", data=buffer.getvalue() + b"\0" * 1024, headers=OCTET)
    assert (response.status_code, response.json()) == (200, [])


def test_it_keeps_face_ids_for_their_time_to_live(face_client: FaceClient) -> None:
    (face,) = detect(face_client, ONE_FACE, face_id_time_to_live=60)
    stored = DetectedFace.objects.get(id=face.face_id)
    remaining = (stored.expires_at - timezone.now()).total_seconds()
    assert 50 < remaining <= 60
    assert stored.recognition_model == "recognition_01"


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("returnFaceAttributes=emotion", 403, "UnsupportedFeature"),
        ("returnFaceAttributes=age,headPose", 403, "UnsupportedFeature"),
        ("returnFaceAttributes=glasses", 403, "UnsupportedFeature"),
        ("returnFaceAttributes=mask&detectionModel=detection_03", 403, "UnsupportedFeature"),
        ("returnFaceAttributes=beauty", 400, "BadArgument"),
        ("returnFaceAttributes=blur&detectionModel=detection_02", 400, "BadArgument"),
        ("returnFaceLandmarks=true&detectionModel=detection_02", 400, "BadArgument"),
        ("returnFaceAttributes=blur&detectionModel=detection_03", 400, "BadArgument"),
        ("returnFaceAttributes=qualityForRecognition", 400, "BadArgument"),
        ("recognitionModel=recognition_09", 400, "BadArgument"),
        ("detectionModel=detection_04", 400, "BadArgument"),
        ("faceIdTimeToLive=59", 400, "BadArgument"),
        ("faceIdTimeToLive=86401", 400, "BadArgument"),
        ("returnFaceId=maybe", 400, "BadArgument"),
    ],
)
def test_it_refuses_bad_detect_options(api: Api, query: str, status: int, code: str) -> None:
    response = api.post(f"detect?{query}", data=photo(ONE_FACE), headers=OCTET)
    assert error_code(response) == (status, code)


def test_it_names_the_unsupported_attribute(face_client: FaceClient) -> None:
    with pytest.raises(APIErrorException) as raised:
        detect(face_client, ONE_FACE, return_face_attributes=["smile"])
    assert raised.value.error.error.code == "UnsupportedFeature"
    assert "smile" in raised.value.error.error.message


def test_it_allows_head_pose_and_quality_with_detection_03(api: Api) -> None:
    response = api.post(
        "detect?returnFaceAttributes=headpose,QualityForRecognition"
        "&detectionModel=detection_03&recognitionModel=recognition_04&returnFaceLandmarks=true",
        data=photo(ONE_FACE),
        headers=OCTET,
    )
    assert response.status_code == 200, response.text
    (face,) = response.json()
    assert set(face["faceAttributes"]) == {"headPose", "qualityForRecognition"}
    assert len(face["faceLandmarks"]) == 27


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"x" * 100, "InvalidImageSize"),
        (b"", "InvalidImageSize"),
        (b"x" * 4096, "InvalidImage"),
    ],
)
def test_it_refuses_bad_images(api: Api, body: bytes, code: str) -> None:
    assert error_code(api.post("detect", data=body, headers=OCTET)) == (400, code)


@pytest.mark.django_db
def test_it_purges_expired_face_ids_when_storing_new_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    account, _ = account_create(name="purge")
    expired = detection.detected_faces_store(
        account=account,
        descriptors=[np.zeros(128)],
        recognition_model="recognition_01",
        ttl_seconds=60,
    )
    DetectedFace.objects.filter(id__in=expired).update(expires_at=timezone.now())
    monkeypatch.setattr(detection, "_last_purge", 0.0)  # the purge runs at most once a minute
    kept = detection.detected_faces_store(
        account=account,
        descriptors=[np.ones(128)],
        recognition_model="recognition_01",
        ttl_seconds=60,
    )
    assert list(DetectedFace.objects.values_list("id", flat=True)) == kept
