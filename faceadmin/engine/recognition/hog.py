"""One HOG scan on two cores, with exactly the rectangles of dlib's own single-core scan.

dlib's frontal face detector with one upsample (what the engine runs) doubles the image, then
scans a pyramid of it, each level 5/6 the size of the one above: the two finest levels hold
about half of the pixels. Feature extraction dominates (one filter costs 250 ms on a 1.5 Mpx
photo, all five 340 ms), so splitting the filters between threads gains little; splitting
the *levels* halves the work:

* the fine part scans the doubled image with a copy of the detector limited to two pyramid
  levels (``max_pyramid_levels`` of its serialized scanner);
* the coarse part builds level 2 itself (dlib's own ``pyramid_down(6)``, twice, as the scanner
  does) and scans its whole pyramid from there.

Both copies keep every raw detection (their box-overlap test is set to never suppress); the
non-maximum suppression of ``object_detector`` (sort by confidence, keep a box unless it
overlaps a kept one, with the detector's own learned thresholds) runs here, in the doubled
image's pixels, and the survivors are mapped down as dlib maps them.

A coarse detection comes back mapped up through its levels *from level 2*, rounded; dlib maps
from level 0 and rounds once. The exact box is recovered: the level-2 rectangle is the one
integer rectangle (of the detection window's size at its level) that ``rect_up`` maps onto the
returned box (``rect_up`` stretches by 1.2 per level, so the preimage is unique), and it is
mapped up through all its levels with dlib's own ``rect_up``. When anything is not as
expected (an unknown serialized format, a box with no or several preimages) the caller runs
dlib's plain scan instead: the answer is always dlib's.
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
import threading
from dataclasses import dataclass
from typing import Any, Final

import dlib
import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

# Levels of the doubled image the fine part scans (0 and 1: ~52 % of the pixels).
FINE_LEVELS: Final = 2
# Side of the detection window at pyramid level 0, in pixels (dlib's frontal face detector).
WINDOW: Final = 73
# A preimage this far from WINDOW (dlib's feature-to-image mapping rounds towards zero at the
# image's top and left edges) still counts; the next level is 20 % (15 px) away.
WINDOW_SLACK: Final = 8
_MAX_LEVELS: Final = 60

_UP: Final = dlib.pyramid_down(2)  # what dlib's upsample uses
_PYRAMID: Final = dlib.pyramid_down(6)  # the scanner's pyramid


class _Unexpected(Exception):
    """The detector is not the one this module understands: use the plain scan."""


# --- dlib's serialization (dlib/serialize.h): integers are a control byte (length | sign) and
# little-endian bytes; a double is a mantissa and an exponent.


def _int(data: bytes, at: int) -> tuple[int, int]:
    control = data[at]
    size = control & 0x0F
    value = int.from_bytes(data[at + 1 : at + 1 + size], "little")
    return (-value if control & 0x80 else value), at + 1 + size


def _double(data: bytes, at: int) -> tuple[float, int]:
    mantissa, at = _int(data, at)
    exponent, at = _int(data, at)
    return math.ldexp(mantissa, exponent), at


def _uint_bytes(value: int) -> bytes:
    raw = value.to_bytes(max(1, (value.bit_length() + 7) // 8), "little")
    return bytes([len(raw)]) + raw


_NEVER_OVERLAP: Final = bytes([1, 1, 1, 0]) * 2  # two doubles 1.0: no box overlaps another


@dataclass(frozen=True)
class _Parsed:
    levels_at: tuple[int, int]  # where the scanner's max_pyramid_levels is
    overlap_at: tuple[int, int]  # where the box-overlap thresholds are
    iou: float
    covered: float


def _parse(data: bytes) -> _Parsed:
    """The offsets of an ``object_detector<scan_fhog_pyramid<pyramid_down<6>>>`` (version 2)."""
    at = 0
    version, at = _int(data, at)
    scanner_version, at = _int(data, at)
    if (version, scanner_version) != (2, 1):
        raise _Unexpected(f"detector format {version}/{scanner_version}")
    for _ in range(6):  # feats (max size, size), cell size, padding, window width and height
        _, at = _int(data, at)
    levels_start = at
    _, at = _int(data, at)
    levels_at = (levels_start, at)
    for _ in range(2):  # min pyramid layer width and height
        _, at = _int(data, at)
    _, at = _double(data, at)  # nuclear norm regularization strength
    _, at = _int(data, at)  # number of dimensions
    overlap_start = at
    iou, at = _double(data, at)
    covered, at = _double(data, at)
    if not (0 < iou <= 1 and 0 < covered <= 1):
        raise _Unexpected(f"overlap thresholds {iou}, {covered}")
    return _Parsed(levels_at, (overlap_start, at), iou, covered)


def _variant(data: bytes, parsed: _Parsed, max_levels: int | None) -> Any:
    """A copy of the detector that keeps every raw detection, optionally with fewer levels."""
    pieces = [data[: parsed.levels_at[0]]]
    if max_levels is None:
        pieces.append(data[parsed.levels_at[0] : parsed.levels_at[1]])
    else:
        pieces.append(_uint_bytes(max_levels))
    pieces += [
        data[parsed.levels_at[1] : parsed.overlap_at[0]],
        _NEVER_OVERLAP,
        data[parsed.overlap_at[1] :],
    ]
    with tempfile.TemporaryDirectory() as folder:  # dlib loads detectors from files only
        path = os.path.join(folder, "detector.svm")
        with open(path, "wb") as out:
            out.write(b"".join(pieces))
        return dlib.fhog_object_detector(path)


@dataclass(frozen=True)
class Split:
    """The two scanners of a split scan (prototypes: each thread runs its own copy)."""

    fine: Any
    coarse: Any
    iou: float
    covered: float


def build_split(detector: Any) -> Split | None:
    """The split scan of ``detector``, or None (logged) when its format is not understood."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "detector.svm")
        detector.save(path)
        with open(path, "rb") as saved:
            data = saved.read()
    try:
        parsed = _parse(data)
        fine = _variant(data, parsed, FINE_LEVELS)
        coarse = _variant(data, parsed, None)
    except (_Unexpected, IndexError, RuntimeError) as exc:
        log.warning("HOG scans stay on one core: %s", exc)
        return None
    return Split(fine, coarse, parsed.iou, parsed.covered)


type Detection = tuple[Any, float]  # dlib rectangle in the doubled image, confidence


def upsampled(pixels: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """The image doubled as dlib's ``upsample_num_times=1`` doubles it (same size, same pixels)."""
    height, width = pixels.shape[:2]
    box = _UP.rect_up(dlib.rectangle(0, 0, width - 1, height - 1))
    return np.asarray(dlib.resize_image(pixels, box.bottom() + 1, box.right() + 1))


def fine_part(scanner: Any, doubled: npt.NDArray[np.uint8]) -> list[Detection]:
    rects, scores, _ = scanner.run(doubled, 0, 0.0)
    return list(zip(rects, scores, strict=True))


def coarse_part(scanner: Any, doubled: npt.NDArray[np.uint8]) -> list[Detection] | None:
    """Detections of levels 2 and below, in the doubled image's pixels; None: not exact."""
    level = doubled
    for _ in range(FINE_LEVELS):
        level = np.asarray(_PYRAMID(level))
    rects, scores, _ = scanner.run(level, 0, 0.0)
    found = []
    for rect, score in zip(rects, scores, strict=True):
        exact = _from_level(rect, FINE_LEVELS)
        if exact is None:
            return None
        found.append((exact, score))
    return found


def _corner_preimages(x: int, y: int, levels: int, corner: str) -> list[tuple[int, int]]:
    """Integer points p with rect_up(p, levels) rounding to (x, y) (as the given corner)."""
    guess = _PYRAMID.rect_down(dlib.drectangle(x, y, x, y), levels)
    gx, gy = math.floor(guess.left() + 0.5), math.floor(guess.top() + 0.5)
    hits = []
    for px in (gx - 1, gx, gx + 1):
        for py in (gy - 1, gy, gy + 1):
            up = _PYRAMID.rect_up(dlib.rectangle(px, py, px, py), levels)
            seen = (up.left(), up.top()) if corner == "tl" else (up.right(), up.bottom())
            if seen == (x, y):
                hits.append((px, py))
    return hits


def _from_level(rect: Any, offset: int) -> Any | None:
    """The box dlib's full scan reports for ``rect``, which a scan of pyramid level
    ``offset`` returned (mapped up through ``levels`` levels from there and rounded)."""
    side = max(rect.width(), rect.height())
    candidates = []
    for levels in range(_MAX_LEVELS):
        scale = 1.2**levels
        if abs((WINDOW - 1) * scale - (side - 1)) > (WINDOW_SLACK + 2) * scale:
            continue
        if levels == 0:
            candidates.append((0, rect))
            continue
        for left, top in _corner_preimages(rect.left(), rect.top(), levels, "tl"):
            for right, bottom in _corner_preimages(rect.right(), rect.bottom(), levels, "br"):
                original = dlib.rectangle(left, top, right, bottom)
                if _PYRAMID.rect_up(original, levels) == rect:
                    candidates.append((levels, original))
    plausible = [
        (levels, original)
        for levels, original in candidates
        if abs(original.width() - WINDOW) <= WINDOW_SLACK
        and abs(original.height() - WINDOW) <= WINDOW_SLACK
    ]
    if len(plausible) != 1:
        return None
    levels, original = plausible[0]
    return _PYRAMID.rect_up(original, levels + offset)


def suppress(found: list[Detection], iou: float, covered: float) -> list[Any]:
    """object_detector's non-maximum suppression: best first, drop boxes overlapping a kept one."""
    kept: list[Any] = []
    for rect, _ in sorted(found, key=lambda hit: -hit[1]):
        if not any(_overlap(other, rect, iou, covered) for other in kept):
            kept.append(rect)
    return kept


def _overlap(a: Any, b: Any, iou: float, covered: float) -> bool:
    """dlib's test_box_overlap: `outer` is the box around both, not the union."""
    inner = a.intersect(b).area()
    if inner == 0:
        return False
    outer = (a + b).area()
    return bool(inner / outer > iou or inner / a.area() > covered or inner / b.area() > covered)


def down(rects: list[Any]) -> list[Any]:
    """Boxes of the doubled image in the original's pixels, as dlib maps them."""
    return [_UP.rect_down(rect, 1) for rect in rects]


_split_lock = threading.Lock()
_split: Split | None = None
_split_built = False


def split_prototype(detector: Any) -> Split | None:
    """The process's split scan, built on first use from ``detector`` (a prototype)."""
    global _split, _split_built
    with _split_lock:
        if not _split_built:
            _split = build_split(detector)
            _split_built = True
        return _split
