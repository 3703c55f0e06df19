"""The recognition core against real photos with known answers (tests/data/manifest.json).

Detection is the slow part (0.1-1 s a photo), so each photo is analysed once per module, with
everything switched on, by the ``analysed`` fixture.
"""

from __future__ import annotations

import io
import json
import math
import struct
import threading
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageFilter, features

from faceadmin.engine.recognition import (
    LANDMARK_NAMES,
    MATCH_DISTANCE,
    MAX_IMAGE_BYTES,
    SUPPORTED_ATTRIBUTES,
    DecodedImage,
    Face,
    ImageError,
    Rect,
    confidence_to_distance,
    decode_image,
    describe_face,
    detect_faces,
    distance_to_confidence,
    face_at,
    warm_up,
)
from faceadmin.engine.recognition.attributes import FaceMeasures

DATA = Path(__file__).resolve().parents[1] / "data"
MANIFEST: dict[str, Any] = json.loads((DATA / "manifest.json").read_text())
PHOTOS = sorted(
    name for name in MANIFEST if name not in ("pairs", "notes") and (DATA / name).exists()
)
ALL_ATTRIBUTES = ("headPose", "blur", "exposure", "noise", "qualityForRecognition")
SMALL = "resolution/barack_obama_small.jpg"  # 320 x 240, one 109 px face

# Azure's own landmark names, in the order of the contract (README, section 3).
AZURE_LANDMARKS = [
    "pupilLeft",
    "pupilRight",
    "noseTip",
    "mouthLeft",
    "mouthRight",
    "eyebrowLeftOuter",
    "eyebrowLeftInner",
    "eyeLeftOuter",
    "eyeLeftTop",
    "eyeLeftBottom",
    "eyeLeftInner",
    "eyebrowRightInner",
    "eyebrowRightOuter",
    "eyeRightInner",
    "eyeRightTop",
    "eyeRightBottom",
    "eyeRightOuter",
    "noseRootLeft",
    "noseRootRight",
    "noseLeftAlarTop",
    "noseRightAlarTop",
    "noseLeftAlarOutTip",
    "noseRightAlarOutTip",
    "upperLipTop",
    "upperLipBottom",
    "underLipTop",
    "underLipBottom",
]

Analysis = tuple[DecodedImage, list[Face]]


@pytest.fixture(scope="module")
def analysed() -> Callable[[str], Analysis]:
    results: dict[str, Analysis] = {}

    def analyse(name: str) -> Analysis:
        if name not in results:
            image = decode_image((DATA / name).read_bytes())
            faces = detect_faces(image, landmarks=True, attributes=ALL_ATTRIBUTES)
            results[name] = (image, faces)
        return results[name]

    return analyse


def _expected_rect(name: str, index: int) -> Rect:
    """The manifest's rect (dlib's own, may pass the edge) clamped to the image, as we report."""
    entry = MANIFEST[name]
    r = entry["faces"][index]["rect"]
    left, top = max(0, r["left"]), max(0, r["top"])
    right = min(entry["width"], r["left"] + r["width"])
    bottom = min(entry["height"], r["top"] + r["height"])
    return Rect(left, top, right - left, bottom - top)


def _iou(a: Rect, b: Rect) -> float:
    width = min(a.left + a.width, b.left + b.width) - max(a.left, b.left)
    height = min(a.top + a.height, b.top + b.height) - max(a.top, b.top)
    inter = max(0, width) * max(0, height)
    return inter / (a.area + b.area - inter)


def _from_pil(image: Image.Image) -> DecodedImage:
    pixels = np.ascontiguousarray(np.asarray(image.convert("RGB")))
    return DecodedImage(pixels=pixels, width=image.width, height=image.height)


def _from_array(pixels: np.ndarray) -> DecodedImage:
    return _from_pil(Image.fromarray(pixels.astype(np.uint8)))


def _photo(name: str = SMALL) -> Image.Image:
    with Image.open(DATA / name) as image:
        return image.convert("RGB")


def _encode(image: Image.Image, fmt: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _png(samples: np.ndarray | None, color_type: int, width: int, height: int) -> bytes:
    """A 16-bit PNG written by hand (Pillow cannot write 16-bit RGB).

    Without ``samples``, the header still claims ``width`` x ``height`` but the data is a
    stub padded past 1 KB: enough for a decoder to read the size and nothing else.
    """

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    if samples is None:
        raw = b"\x00" * 64
        padding = chunk(b"tEXt", b"Comment\x00" + b"x" * 2000)
    else:
        rows = samples.astype(">u2").reshape(height, -1)
        raw = b"".join(b"\x00" + row.tobytes() for row in rows)
        padding = b""
    header = struct.pack(">IIBBBBB", width, height, 16, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + padding
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


# --- decoding -------------------------------------------------------------------------------


def test_it_decodes_a_jpeg_to_contiguous_rgb() -> None:
    image = decode_image((DATA / SMALL).read_bytes())
    assert (image.width, image.height) == (320, 240)
    assert image.pixels.shape == (240, 320, 3)
    assert image.pixels.dtype == np.uint8
    assert image.pixels.flags.c_contiguous
    assert not image.pixels.flags.writeable


def test_it_decodes_the_32_bit_png_probe(analysed: Callable[[str], Analysis]) -> None:
    image, faces = analysed("probe/barack_obama_32bit.png")
    assert image.pixels.shape == (1200, 626, 3)
    assert len(faces) == 1


@pytest.mark.parametrize(
    ("fmt", "options", "tolerance"),
    [
        ("PNG", {}, 0),
        ("BMP", {}, 0),
        ("GIF", {}, 40),  # 256-colour palette
        ("PNG", {"palette": True}, 40),
    ],
    ids=["png-rgb", "bmp", "gif", "png-palette"],
)
def test_it_decodes_lossless_and_palette_formats(
    fmt: str, options: dict[str, Any], tolerance: int
) -> None:
    source = _photo()
    image = source.quantize(256).convert("P") if options.get("palette") else source
    decoded = decode_image(_encode(image, fmt))
    difference = np.abs(decoded.pixels.astype(int) - np.asarray(source).astype(int))
    assert decoded.pixels.shape == (240, 320, 3)
    assert difference.mean() <= tolerance
    assert len(detect_faces(decoded, descriptors=False)) == 1


def test_it_scales_16_bit_grey_png_instead_of_clipping() -> None:
    grey = np.asarray(_photo().convert("L"))
    decoded = decode_image(_encode(Image.fromarray(grey.astype(np.uint16) * 257), "PNG"))
    assert np.array_equal(decoded.pixels[..., 0], grey)
    assert len(detect_faces(decoded, descriptors=False)) == 1


def test_it_reduces_16_bit_rgb_png_to_8_bits() -> None:
    rgb = np.asarray(_photo())
    data = _png(rgb.astype(np.uint16) * 257, color_type=2, width=320, height=240)
    assert np.array_equal(decode_image(data).pixels, rgb)


def test_it_composites_transparency_on_white() -> None:
    rgba = np.dstack([np.asarray(_photo()), np.full((240, 320), 255, np.uint8)])
    rgba[:, :100, :3] = 0  # black under fully transparent pixels
    rgba[:, :100, 3] = 0
    decoded = decode_image(_encode(Image.fromarray(rgba, "RGBA"), "PNG"))
    assert (decoded.pixels[:, :100] == 255).all()
    assert np.array_equal(decoded.pixels[:, 100:], rgba[:, 100:, :3])


def test_it_drops_an_opaque_alpha_channel() -> None:
    rgba = np.dstack([np.asarray(_photo()), np.full((240, 320), 255, np.uint8)])
    decoded = decode_image(_encode(Image.fromarray(rgba, "RGBA"), "PNG"))
    assert np.array_equal(decoded.pixels, rgba[..., :3])


@pytest.mark.parametrize("fmt", ["WEBP", "TIFF"])
def test_it_refuses_formats_azure_does_not_take(fmt: str) -> None:
    if fmt == "WEBP" and not features.check("webp"):
        pytest.skip("Pillow built without WebP")
    with pytest.raises(ImageError) as caught:
        decode_image(_encode(_photo(), fmt))
    assert caught.value.code == "InvalidImage"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\xff" * 1023, "InvalidImageSize"),
        (b"\x00" * (MAX_IMAGE_BYTES + 1), "InvalidImageSize"),
        (b"not an image" * 100, "InvalidImage"),
        (b"\xff" * 1024, "InvalidImage"),
    ],
    ids=["1023-bytes", "over-6MB", "garbage", "1024-bytes-garbage"],
)
def test_it_checks_size_before_format(data: bytes, code: str) -> None:
    with pytest.raises(ImageError) as caught:
        decode_image(data)
    assert caught.value.code == code
    assert caught.value.message.endswith(".")


def test_it_accepts_exactly_6_mb() -> None:
    jpeg = (DATA / SMALL).read_bytes()
    padded = jpeg + b"\x00" * (MAX_IMAGE_BYTES - len(jpeg))  # JPEG ignores trailing bytes
    assert decode_image(padded).width == 320


def test_it_refuses_a_truncated_jpeg() -> None:
    jpeg = (DATA / SMALL).read_bytes()
    with pytest.raises(ImageError) as caught:
        decode_image(jpeg[: len(jpeg) // 2])
    assert caught.value.code == "InvalidImage"


def test_it_refuses_dimensions_that_would_exhaust_memory() -> None:
    # Header of an 8000 x 7000 PNG: refused before any pixel is decoded.
    data = _png(None, color_type=2, width=8000, height=7000)
    with pytest.raises(ImageError) as caught:
        decode_image(data)
    assert caught.value.code == "InvalidImageSize"


@pytest.mark.parametrize(
    ("orientation", "stored_as"),
    [
        (2, Image.Transpose.FLIP_LEFT_RIGHT),
        (3, Image.Transpose.ROTATE_180),
        (6, Image.Transpose.ROTATE_90),  # stored turned left; viewers turn it right
        (8, Image.Transpose.ROTATE_270),
    ],
)
def test_it_honours_exif_orientation(orientation: int, stored_as: Image.Transpose) -> None:
    upright = _photo()
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = _encode(upright.transpose(stored_as), "JPEG", quality=95, exif=exif.tobytes())

    decoded = decode_image(data)

    assert (decoded.width, decoded.height) == (320, 240)
    assert np.abs(decoded.pixels.astype(int) - np.asarray(upright)).mean() < 3
    faces = detect_faces(decoded, descriptors=False)
    assert len(faces) == 1
    assert _iou(faces[0].rect, _expected_rect(SMALL, 0)) > 0.8


# --- detection ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PHOTOS)
def test_it_finds_the_manifest_faces_largest_first(
    name: str, analysed: Callable[[str], Analysis]
) -> None:
    image, faces = analysed(name)
    expected = MANIFEST[name]["faces"]
    assert (image.width, image.height) == (MANIFEST[name]["width"], MANIFEST[name]["height"])
    assert len(faces) == len(expected)
    for index, face in enumerate(faces):
        assert _iou(face.rect, _expected_rect(name, index)) > 0.7, (index, face.rect)
        assert face.rect.left >= 0 and face.rect.left + face.rect.width <= image.width
        assert face.rect.top >= 0 and face.rect.top + face.rect.height <= image.height
    areas = [face.rect.area for face in faces]
    assert areas == sorted(areas, reverse=True)


def test_it_finds_a_36_px_face_in_a_1080p_image() -> None:
    small = _photo()
    scale = 36 / MANIFEST[SMALL]["faces"][0]["rect"]["width"]
    shrunk = small.resize((round(320 * scale), round(240 * scale)), Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", (1920, 1080), (128, 128, 128))
    canvas.paste(shrunk, (1500, 800))

    faces = detect_faces(_from_pil(canvas), descriptors=False, attributes=ALL_ATTRIBUTES)

    r = MANIFEST[SMALL]["faces"][0]["rect"]
    expected = Rect(
        1500 + round(r["left"] * scale),
        800 + round(r["top"] * scale),
        round(r["width"] * scale),
        round(r["height"] * scale),
    )
    assert len(faces) == 1
    assert _iou(faces[0].rect, expected) > 0.5
    assert faces[0].attributes["qualityForRecognition"] == "Low"


def test_it_stops_at_max_faces(analysed: Callable[[str], Analysis]) -> None:
    name = "multi/barack_obama_joe_biden.jpg"
    image, all_faces = analysed(name)
    faces = detect_faces(image, max_faces=1)
    assert len(faces) == 1
    assert faces[0].rect == all_faces[0].rect
    assert detect_faces(image, max_faces=0) == []


def test_it_computes_only_what_is_asked() -> None:
    image = decode_image((DATA / SMALL).read_bytes())
    (bare,) = detect_faces(image, descriptors=False)
    assert (bare.landmarks, bare.descriptor, bare.attributes) == (None, None, {})
    (some,) = detect_faces(image, descriptors=False, attributes=["exposure", "blur"])
    assert list(some.attributes) == ["exposure", "blur"]
    assert some.descriptor is None


def test_it_finds_nothing_in_a_blank_image() -> None:
    blank = DecodedImage(np.full((300, 400, 3), 200, np.uint8), width=400, height=300)
    assert detect_faces(blank, landmarks=True, attributes=ALL_ATTRIBUTES) == []


def test_threads_can_detect_at_the_same_time() -> None:
    # A shared dlib detector crashes the interpreter when two threads run it at once.
    names = [SMALL, "resolution/barack_obama_240p.jpg", "multi/kit_harington_rose_leslie.jpg"]
    images = [decode_image((DATA / name).read_bytes()) for name in names]

    def summary(image: DecodedImage) -> list[tuple[Rect, bytes]]:
        return [(f.rect, np.asarray(f.descriptor).tobytes()) for f in detect_faces(image)]

    expected = [summary(image) for image in images]
    failures: list[str] = []

    def work(index: int) -> None:
        for _ in range(3):
            got = summary(images[index])
            if got != expected[index]:
                failures.append(names[index])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(images))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_warm_up_can_be_called_again() -> None:
    warm_up()
    warm_up()


# --- descriptors ----------------------------------------------------------------------------


def _person_means(analysed: Callable[[str], Analysis]) -> dict[str, np.ndarray]:
    vectors: dict[str, list[np.ndarray]] = {}
    for name in PHOTOS:
        if name.startswith("enroll/"):
            (face,) = analysed(name)[1]
            assert face.descriptor is not None
            vectors.setdefault(name.split("/")[1], []).append(face.descriptor)
    return {person: np.mean(v, axis=0) for person, v in vectors.items()}


def test_descriptors_are_128_float32(analysed: Callable[[str], Analysis]) -> None:
    (face,) = analysed(SMALL)[1]
    assert face.descriptor is not None
    assert face.descriptor.shape == (128,)
    assert face.descriptor.dtype == np.float32


def test_probes_match_enrolled_people_as_in_the_manifest(
    analysed: Callable[[str], Analysis],
) -> None:
    means = _person_means(analysed)
    for pair in MANIFEST["pairs"]:
        (face,) = analysed(pair["probe"])[1]
        distance = float(np.linalg.norm(face.descriptor - means[pair["person"]]))
        assert (distance < MATCH_DISTANCE) == pair["same"], pair
        assert distance == pytest.approx(pair["distance"], abs=0.06), pair
        assert (distance_to_confidence(distance) >= 0.5) == pair["same"], pair


def test_group_photos_are_labelled_as_in_the_manifest(
    analysed: Callable[[str], Analysis],
) -> None:
    means = _person_means(analysed)
    for name in PHOTOS:
        if not name.startswith("multi/"):
            continue
        for face, expected in zip(analysed(name)[1], MANIFEST[name]["faces"], strict=True):
            distances = {p: float(np.linalg.norm(face.descriptor - m)) for p, m in means.items()}
            nearest = min(distances, key=lambda person: distances[person])
            label = nearest if distances[nearest] < MATCH_DISTANCE else "unknown"
            person = expected["person"]
            assert label == ("unknown" if person.startswith("unknown_") else person), name


@pytest.mark.parametrize(
    "name", [SMALL, "enroll/kit_harington/2.jpg", "resolution/barack_obama_1080p.jpg"]
)
def test_describe_face_agrees_with_detection(
    name: str, analysed: Callable[[str], Analysis]
) -> None:
    image, faces = analysed(name)
    descriptor = describe_face(image, _expected_rect(name, 0))
    assert descriptor.shape == (128,)
    assert float(np.linalg.norm(descriptor - faces[0].descriptor)) < 0.1


def test_describe_face_refuses_an_empty_rect() -> None:
    image = decode_image((DATA / SMALL).read_bytes())
    with pytest.raises(ValueError, match="empty"):
        describe_face(image, Rect(10, 10, 0, 20))


# --- landmarks ------------------------------------------------------------------------------


def test_landmarks_are_azures_27_names_inside_the_face(
    analysed: Callable[[str], Analysis],
) -> None:
    assert list(LANDMARK_NAMES) == AZURE_LANDMARKS
    for name in PHOTOS:
        for face in analysed(name)[1]:
            assert face.landmarks is not None
            assert list(face.landmarks) == AZURE_LANDMARKS
            r = face.rect
            margin = 0.2 * max(r.width, r.height)
            for point, (x, y) in face.landmarks.items():
                assert round(x, 1) == x and round(y, 1) == y
                if point.startswith("eyebrow"):
                    continue  # eyebrows may sit above dlib's box; sides checked below
                assert r.left - margin <= x <= r.left + r.width + margin, (name, point)
                assert r.top - margin <= y <= r.top + r.height + margin, (name, point)


def test_left_landmarks_are_on_the_image_left_as_in_azures_example(
    analysed: Callable[[str], Analysis],
) -> None:
    # examples/DetectWithUrl.json: pupilLeft (412.7, 78.4), pupilRight (446.8, 74.2).
    assert 412.7 < 446.8
    for name in PHOTOS:
        for face in analysed(name)[1]:
            p = face.landmarks
            assert p is not None
            assert p["pupilLeft"][0] < p["pupilRight"][0]
            assert p["eyeLeftOuter"][0] < p["eyeLeftInner"][0] < p["eyeRightInner"][0]
            assert p["eyeRightInner"][0] < p["eyeRightOuter"][0]
            assert p["eyebrowLeftOuter"][0] < p["eyebrowRightOuter"][0]
            assert p["mouthLeft"][0] < p["mouthRight"][0]
            assert p["noseLeftAlarOutTip"][0] < p["noseRightAlarOutTip"][0]
            assert p["upperLipTop"][1] < p["underLipBottom"][1]
            assert p["pupilLeft"][1] < p["noseTip"][1] < p["upperLipTop"][1]


# --- attributes -----------------------------------------------------------------------------


def test_attributes_have_azures_shape_and_ranges(analysed: Callable[[str], Analysis]) -> None:
    assert frozenset(ALL_ATTRIBUTES) == SUPPORTED_ATTRIBUTES
    levels = {
        "blur": ("blurLevel", {"Low", "Medium", "High"}),
        "exposure": ("exposureLevel", {"UnderExposure", "GoodExposure", "OverExposure"}),
        "noise": ("noiseLevel", {"Low", "Medium", "High"}),
    }
    for name in PHOTOS:
        for face in analysed(name)[1]:
            a = face.attributes
            assert list(a) == list(ALL_ATTRIBUTES)
            json.dumps(a)  # JSON-ready
            assert set(a["headPose"]) == {"roll", "yaw", "pitch"}
            assert all(-180 <= v <= 180 for v in a["headPose"].values())
            for attribute, (level_key, allowed) in levels.items():
                assert set(a[attribute]) == {level_key, "value"}
                assert a[attribute][level_key] in allowed
                assert 0 <= a[attribute]["value"] <= 1
                assert round(a[attribute]["value"], 2) == a[attribute]["value"]
            assert a["qualityForRecognition"] in {"Low", "Medium", "High"}


def test_levels_follow_azures_thresholds(analysed: Callable[[str], Analysis]) -> None:
    for name in PHOTOS:
        for face in analysed(name)[1]:
            blur = face.attributes["blur"]
            assert blur["blurLevel"] == (
                "Low" if blur["value"] < 0.25 else "Medium" if blur["value"] < 0.75 else "High"
            )
            noise = face.attributes["noise"]
            assert noise["noiseLevel"] == (
                "Low" if noise["value"] < 0.3 else "Medium" if noise["value"] < 0.7 else "High"
            )


def test_sharp_frontal_photos_are_high_quality(analysed: Callable[[str], Analysis]) -> None:
    for name in ("resolution/barack_obama_1080p.jpg", "enroll/joe_biden/2.jpg"):
        (face,) = analysed(name)[1]
        assert face.rect.width >= 200
        assert face.attributes["blur"]["blurLevel"] == "Low"
        assert face.attributes["exposure"]["exposureLevel"] == "GoodExposure"
        assert abs(face.attributes["headPose"]["yaw"]) < 15
        assert face.attributes["qualityForRecognition"] == "High"


def test_yaw_and_roll_flip_sign_on_a_mirrored_photo(analysed: Callable[[str], Analysis]) -> None:
    name = "enroll/kit_harington/2.jpg"  # clearly turned towards the image's left
    image, (face,) = analysed(name)
    mirrored = DecodedImage(
        np.ascontiguousarray(image.pixels[:, ::-1]), width=image.width, height=image.height
    )
    (flipped,) = detect_faces(mirrored, descriptors=False, attributes=["headPose"])
    pose, mirrored_pose = face.attributes["headPose"], flipped.attributes["headPose"]
    assert pose["yaw"] < -15
    assert mirrored_pose["yaw"] > 15
    assert abs(pose["yaw"] + mirrored_pose["yaw"]) < 8
    assert np.sign(pose["roll"]) == -np.sign(mirrored_pose["roll"])
    assert abs(pose["pitch"] - mirrored_pose["pitch"]) < 8


def test_roll_is_positive_for_a_clockwise_tilt() -> None:
    upright = _photo()
    # Pillow rotates counter-clockwise for positive angles.
    tilted = upright.rotate(-20, resample=Image.Resampling.BICUBIC, fillcolor=(128, 128, 128))
    (face,) = detect_faces(_from_pil(tilted), descriptors=False, attributes=["headPose"])
    (level,) = detect_faces(_from_pil(upright), descriptors=False, attributes=["headPose"])
    assert face.attributes["headPose"]["roll"] - level.attributes["headPose"]["roll"] == (
        pytest.approx(20, abs=5)
    )


def test_blur_rises_when_the_photo_is_blurred() -> None:
    photo = _photo()
    (sharp,) = detect_faces(_from_pil(photo), descriptors=False, attributes=["blur"])
    soft = photo.filter(ImageFilter.GaussianBlur(1.5))
    (blurred,) = detect_faces(_from_pil(soft), descriptors=False, attributes=["blur"])
    assert sharp.attributes["blur"]["blurLevel"] == "Low"
    assert blurred.attributes["blur"]["value"] > sharp.attributes["blur"]["value"] + 0.2
    # Too blurred for the detector, so measured on the known rectangle instead.
    very_soft = photo.filter(ImageFilter.GaussianBlur(4))
    measures = FaceMeasures(_from_pil(very_soft).pixels, sharp.rect, None)
    assert measures.attributes(["blur"])["blur"]["blurLevel"] == "High"


def test_exposure_falls_when_the_photo_is_darker() -> None:
    photo = np.asarray(_photo())
    dark = (photo * 0.3).astype(np.uint8)
    (normal,) = detect_faces(_from_array(photo), attributes=["exposure"])
    (darker,) = detect_faces(_from_array(dark), attributes=["exposure"])
    assert normal.attributes["exposure"]["exposureLevel"] == "GoodExposure"
    assert darker.attributes["exposure"]["value"] < normal.attributes["exposure"]["value"] - 0.2
    assert darker.attributes["exposure"]["exposureLevel"] == "UnderExposure"


def test_noise_rises_with_added_noise() -> None:
    photo = np.asarray(_photo()).astype(float)
    noisy = np.clip(photo + np.random.default_rng(7).normal(0, 15, photo.shape), 0, 255)
    (clean,) = detect_faces(_from_array(photo), attributes=["noise"])
    found = detect_faces(_from_array(noisy), attributes=["noise"])
    assert clean.attributes["noise"]["noiseLevel"] == "Low"
    assert found, "the noisy photo should still show a face"
    assert found[0].attributes["noise"]["noiseLevel"] == "High"


# --- confidence -----------------------------------------------------------------------------


def test_confidence_is_one_half_at_the_dlib_threshold() -> None:
    assert distance_to_confidence(0.6) == 0.5
    assert distance_to_confidence(0.0) == 1.0
    assert confidence_to_distance(0.5) == pytest.approx(0.6, abs=1e-15)


def test_confidence_falls_strictly_with_distance() -> None:
    distances = np.linspace(0.0, 2.0, 401)
    confidences = distance_to_confidence(distances)
    assert isinstance(confidences, np.ndarray)
    assert confidences.shape == distances.shape
    assert np.all(np.diff(confidences) < 0)
    assert np.all((confidences >= 0) & (confidences <= 1))
    assert [distance_to_confidence(float(d)) for d in distances[::40]] == pytest.approx(
        list(confidences[::40])
    )
    assert isinstance(distance_to_confidence(0.3), float)


def test_confidence_to_distance_inverts_the_map() -> None:
    for distance in np.linspace(0.05, 1.6, 50):
        confidence = distance_to_confidence(float(distance))
        assert confidence_to_distance(confidence) == pytest.approx(distance, rel=1e-6)
    assert confidence_to_distance(0.0) == math.inf
    assert confidence_to_distance(1.0) == 0.0
    for bad in (-0.1, 1.1, math.nan):
        with pytest.raises(ValueError):
            confidence_to_distance(bad)


def test_face_at_a_detected_box_gives_the_very_descriptor_of_detection(
    analysed: Callable[[str], Analysis],
) -> None:
    """Enrolling with a targetFace detect returned scans only around it (face_at); the answer
    must be the full scan's, bit for bit, for every face of every test photo."""
    checked = edge = 0
    for name in PHOTOS:
        image, faces = analysed(name)
        for face in faces:
            r = face.rect
            if (
                r.left == 0
                or r.top == 0
                or r.left + r.width >= image.width
                or (r.top + r.height >= image.height)
            ):
                assert face_at(image, r) is None  # clamped boxes take the full scan
                edge += 1
                continue
            descriptor = face_at(image, r)
            assert descriptor is not None, (name, r)
            assert face.descriptor is not None
            assert np.array_equal(descriptor, face.descriptor), (name, r)
            checked += 1
    assert checked >= 20 and edge >= 1, (checked, edge)


def test_face_at_finds_nothing_where_there_is_no_face() -> None:
    image = decode_image((DATA / SMALL).read_bytes())
    assert face_at(image, Rect(5, 5, 40, 40)) is None  # a corner of the background
