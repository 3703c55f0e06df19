"""The HOG scan split over two cores gives dlib's own boxes, in dlib's order."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import dlib
import numpy as np
import pytest
from PIL import Image

from faceadmin.engine.recognition import decode_image, detection, hog, parallel
from faceadmin.engine.recognition.models import detector, split_scanners

needs_two_cores = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core")
DATA = Path(__file__).resolve().parents[1] / "data"
PHOTOS = sorted(
    path
    for folder in ("enroll", "multi", "probe", "resolution")
    for path in (DATA / folder).rglob("*")
    if path.suffix.lower() in {".jpg", ".jpeg", ".png"}
)


def _scanned(path: Path) -> np.ndarray:
    """The pixels the engine scans for this photo (shrunk to the budget, as `_find` does)."""
    image = decode_image(path.read_bytes())
    scale = detection.detection_scale(image.width, image.height)
    if scale == 1.0:
        return image.pixels
    size = (round(image.width * scale), round(image.height * scale))
    return np.asarray(Image.fromarray(image.pixels).resize(size, Image.Resampling.BILINEAR))


def _split() -> hog.Split:
    split = split_scanners()
    assert split is not None, "dlib's frontal face detector is not understood"
    return split


def test_every_test_photo_and_its_mirror_gets_dlibs_boxes() -> None:
    assert len(PHOTOS) >= 15
    split = _split()
    faces = 0
    for path in PHOTOS:
        pixels = _scanned(path)
        for variant in (pixels, np.ascontiguousarray(pixels[:, ::-1])):
            plain = list(detector()(variant, 1))
            assert detection._split_scan(split, variant) == plain, path.name
            faces += len(plain)
    assert faces >= 40  # the comparison covered real faces, not empty answers


def test_a_coarse_box_maps_back_exactly_or_not_at_all() -> None:
    # A box found 9 levels down, the way the coarse part reports it (from level 2).
    original = dlib.rectangle(237, 37, 309, 109)  # the 73 px window at its level
    reported = hog._PYRAMID.rect_up(original, 7)
    assert hog._from_level(reported, 2) == hog._PYRAMID.rect_up(original, 9)
    # No window of any level maps onto a box this shape: the caller scans on one core.
    assert hog._from_level(dlib.rectangle(0, 0, 400, 90), 2) is None


def test_suppression_keeps_the_best_of_overlapping_boxes_as_dlib_does() -> None:
    a, b, far = (
        dlib.rectangle(0, 0, 99, 99),
        dlib.rectangle(10, 10, 109, 109),
        dlib.rectangle(300, 0, 399, 99),
    )
    split = _split()
    assert hog.suppress([(a, 0.5), (b, 0.9), (far, 0.1)], split.iou, split.covered) == [b, far]


def test_an_unknown_detector_format_means_one_core(tmp_path: Path) -> None:
    with pytest.raises(hog._Unexpected):
        hog._parse(bytes([1, 3, 1, 1]))


@needs_two_cores
def test_the_engine_scan_splits_only_when_a_core_is_spare() -> None:
    pixels = _scanned(DATA / "resolution" / "barack_obama_1080p.jpg")
    plain = list(detector()(pixels, 1))
    before = detection.SCANS.copy()
    with parallel.busy():  # the caller's own detection
        assert detection._scan(pixels) == plain
    assert detection.SCANS - before == Counter({"split": 1})
    with parallel.busy(), parallel.busy():  # and another one beside it
        assert detection._scan(pixels) == plain
    assert detection.SCANS - before == Counter({"split": 1, "one core": 1})


def test_small_photos_scan_on_one_core() -> None:
    pixels = _scanned(DATA / "resolution" / "barack_obama_240p.jpg")
    assert pixels.shape[0] * pixels.shape[1] < detection.SPLIT_MIN_PIXELS
    before = detection.SCANS.copy()
    detection._scan(pixels)
    assert detection.SCANS - before == Counter({"one core": 1})
