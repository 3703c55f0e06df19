"""Finding faces and describing them: dlib's HOG detector, 68-point shapes, ResNet descriptors.

Detection scale policy
----------------------
dlib's HOG frontal detector slides an 80 x 80 window over an image pyramid. Measured on the
test photos (each shrunk until its face was lost), it finds faces down to about 55 px (size
of dlib's own box) with no upsampling and down to about 28 px with one 2x upsample. Azure
promises 36 px faces in images up to 1920 x 1080, and proportionally larger minimum faces in
larger images. The scan costs time in proportion to the pixels it reads (after upsampling).

So the detector always runs with ``upsample_num_times=1``, on an image of at most
``DETECTION_PIXEL_BUDGET`` (1.5 Mpx):

* images of up to 1.5 Mpx (1280 x 1080, 1440 x 1040, anything smaller) are scanned as they
  are: faces of ~28 px and up are found;
* larger images are first shrunk (Pillow, bilinear with antialiasing) by
  ``s = sqrt(1.5 Mpx / pixels)`` and the boxes scaled back by ``1 / s``. For 1920 x 1080,
  s = 0.85, so a 36 px face is scanned at 30.6 px, still above the 28 px limit, and the scan
  takes ~0.7 of the full-resolution time (~0.7 s instead of ~1 s here). A 12 Mpx photo
  (4000 x 3000) gets s = 0.35 and a ~80 px minimum face: Azure's proportional rule
  (36 px x 4000 / 1920 = 75 px), at the cost of a 1.5 Mpx scan.

Landmarks and descriptors always use the full-resolution image.

Rectangles
----------
Boxes are dlib's (left, top, right - left + 1, bottom - top + 1), in the pixels of the decoded
(upright) image. dlib may place a box partly outside the image when a face is cut by the
edge; the reported ``Rect`` is clamped to the image so that every rectangle we return is also
a valid ``targetFace`` for the same image. Landmarks and descriptors use the unclamped box.
Faces are sorted by the area of the reported rectangle, largest first (ties: top to bottom,
then left to right), and cut to ``max_faces`` before any per-face work.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Final

import dlib
import numpy as np
import numpy.typing as npt
from PIL import Image

from . import hog
from .attributes import FaceMeasures
from .geometry import Rect
from .images import DecodedImage
from .landmarks import azure_landmarks
from .models import Models, detector, get_models, split_scanners
from .parallel import busy, pair, spare_core

DETECTION_PIXEL_BUDGET: Final = 1_500_000
UPSAMPLE: Final = 1
_NEEDS_LANDMARKS: Final = frozenset({"headPose", "qualityForRecognition"})


@dataclass(frozen=True, eq=False)
class Face:
    """One detected face. ``eq=False``: faces compare by identity (they hold an array)."""

    rect: Rect
    landmarks: dict[str, tuple[float, float]] | None
    descriptor: npt.NDArray[np.float32] | None
    attributes: dict[str, Any]


def detection_scale(width: int, height: int) -> float:
    """Factor applied to an image before the HOG scan (1.0 up to the pixel budget)."""
    pixels = width * height
    if pixels <= DETECTION_PIXEL_BUDGET:
        return 1.0
    return math.sqrt(DETECTION_PIXEL_BUDGET / pixels)


def detect_faces(
    image: DecodedImage,
    *,
    landmarks: bool = False,
    descriptors: bool = True,
    attributes: Collection[str] = (),
    max_faces: int = 100,
) -> list[Face]:
    """Faces in ``image``, largest first, with what was asked for and nothing more.

    ``attributes`` must be a subset of ``SUPPORTED_ATTRIBUTES`` (validated by the caller);
    they come back in the order given, each in Azure's JSON shape.
    """
    with busy():
        return _detect(image, landmarks, descriptors, attributes, max_faces)


def _detect(
    image: DecodedImage,
    landmarks: bool,
    descriptors: bool,
    attributes: Collection[str],
    max_faces: int,
) -> list[Face]:
    found = sorted(_find(image), key=lambda hit: (-hit[0].area, hit[0].top, hit[0].left))
    found = found[: max(0, max_faces)]
    if not found:
        return []
    wanted = list(dict.fromkeys(attributes))
    need_points = landmarks or any(name in _NEEDS_LANDMARKS for name in wanted)
    models = get_models()
    shapes = (
        [models.shape_predictor(image.pixels, box) for _, box in found]
        if descriptors or need_points
        else []
    )
    vectors = _describe(models, image.pixels, shapes) if descriptors else None

    faces = []
    for index, (rect, _) in enumerate(found):
        points = _points(shapes[index]) if need_points else None
        measures = FaceMeasures(image.pixels, rect, points) if wanted else None
        faces.append(
            Face(
                rect=rect,
                landmarks=azure_landmarks(points) if landmarks and points is not None else None,
                descriptor=vectors[index] if vectors is not None else None,
                attributes=measures.attributes(wanted) if measures is not None else {},
            )
        )
    return faces


def describe_face(image: DecodedImage, rect: Rect) -> npt.NDArray[np.float32]:
    """Descriptor of the face inside ``rect`` (a ``targetFace``), without running detection."""
    if rect.width <= 0 or rect.height <= 0:
        raise ValueError(f"empty face rectangle: {rect}")
    box = dlib.rectangle(
        rect.left, rect.top, rect.left + rect.width - 1, rect.top + rect.height - 1
    )
    models = get_models()
    shape = models.shape_predictor(image.pixels, box)
    return _describe(models, image.pixels, [shape])[0]


# How far around a targetFace the check for a face there looks (in face sizes, each side).
TARGET_MARGIN: Final = 0.5
# A face found around the target is the target's when their boxes overlap at least this much.
TARGET_MIN_IOU: Final = 0.5


def face_at(image: DecodedImage, rect: Rect) -> npt.NDArray[np.float32] | None:
    """The descriptor of the face at ``rect``, when ``rect`` is a box this detector reports
    for ``image`` away from its edges (what detect returned for it); else None.

    Enrolling with a ``targetFace`` that came from detect is the common case (the dashboard,
    bulk import). The full answer would scan the whole image again only to find that same box;
    here the scan covers the box and a margin, just to confirm a face is there, and the
    descriptor comes from ``rect`` itself, which is then exactly dlib's box of the full scan:
    the same shape, the same descriptor. A box touching an edge is clamped, not dlib's own, so
    it is left to the full scan (None), as is a box around which no face is found.
    """
    if rect.width <= 0 or rect.height <= 0:
        return None
    if rect.left == 0 or rect.top == 0:
        return None
    if rect.left + rect.width >= image.width or rect.top + rect.height >= image.height:
        return None
    with busy():
        margin_x = math.ceil(rect.width * TARGET_MARGIN)
        margin_y = math.ceil(rect.height * TARGET_MARGIN)
        left, top = max(0, rect.left - margin_x), max(0, rect.top - margin_y)
        right = min(image.width, rect.left + rect.width + margin_x)
        bottom = min(image.height, rect.top + rect.height + margin_y)
        crop = np.ascontiguousarray(image.pixels[top:bottom, left:right])
        for box in detector()(crop, UPSAMPLE):
            seen = Rect(
                box.left() + left,
                box.top() + top,
                box.right() - box.left() + 1,
                box.bottom() - box.top() + 1,
            )
            if rect.iou(seen) >= TARGET_MIN_IOU:
                return describe_face(image, rect)
    return None


def _find(image: DecodedImage) -> list[tuple[Rect, Any]]:
    """(reported rect, dlib box in full-resolution pixels) for every detection."""
    scale = detection_scale(image.width, image.height)
    if scale == 1.0:
        boxes = _scan(image.pixels)
    else:
        width = max(1, round(image.width * scale))
        height = max(1, round(image.height * scale))
        small = Image.fromarray(image.pixels).resize((width, height), Image.Resampling.BILINEAR)
        sx, sy = image.width / width, image.height / height
        boxes = [
            dlib.rectangle(
                round(box.left() * sx),
                round(box.top() * sy),
                round((box.right() + 1) * sx) - 1,
                round((box.bottom() + 1) * sy) - 1,
            )
            for box in _scan(np.asarray(small))
        ]
    found = []
    for box in boxes:
        left, top = max(0, box.left()), max(0, box.top())
        right, bottom = min(image.width, box.right() + 1), min(image.height, box.bottom() + 1)
        if right > left and bottom > top:
            found.append((Rect(left, top, right - left, bottom - top), box))
    return found


# Below this many pixels a scan stays on one core. The split still pays there (measured idle:
# 0.06 Mpx 15.3 -> 9.5 ms, 0.10 Mpx 25.6 -> 16.8 ms, 0.23 Mpx 57.6 -> 35.6 ms), but saves only
# a few milliseconds, not worth a second thread's core while other requests may want it.
SPLIT_MIN_PIXELS: Final = 200_000
# How scans ran in this process ("split": on two cores, "one core"), for tests and benches.
SCANS: Final[Counter[str]] = Counter()


def _scan(pixels: npt.NDArray[np.uint8]) -> list[Any]:
    """dlib's boxes for the HOG scan of ``pixels`` (one upsample), on two cores when one is
    spare (``hog``: the same boxes, in the same order)."""
    if UPSAMPLE == 1 and pixels.shape[0] * pixels.shape[1] >= SPLIT_MIN_PIXELS:
        split = split_scanners()
        if split is not None:
            with spare_core(beside=1) as spare:
                if spare:
                    found = _split_scan(split, pixels)
                    if found is not None:
                        SCANS["split"] += 1
                        return found
    SCANS["one core"] += 1
    return list(detector()(pixels, UPSAMPLE))


def _split_scan(split: hog.Split, pixels: npt.NDArray[np.uint8]) -> list[Any] | None:
    doubled = hog.upsampled(pixels)

    def coarse() -> list[hog.Detection] | None:
        mine = split_scanners()  # the pool thread's own copies
        assert mine is not None
        return hog.coarse_part(mine.coarse, doubled)

    fine, rest = pair(lambda: hog.fine_part(split.fine, doubled), coarse)
    if rest is None:
        return None
    return hog.down(hog.suppress(fine + rest, split.iou, split.covered))


def _describe(
    models: Models, pixels: npt.NDArray[np.uint8], shapes: Sequence[Any]
) -> list[npt.NDArray[np.float32]]:
    """128-d descriptors of all faces of one image in one batched call."""
    if not shapes:
        return []
    batch = dlib.full_object_detections()
    for shape in shapes:
        batch.append(shape)
    with models.face_recognizer_lock:
        vectors = models.face_recognizer.compute_face_descriptor(pixels, batch)
    descriptors = []
    for vector in vectors:
        descriptor = np.array(vector, dtype=np.float32).reshape(128)
        descriptor.flags.writeable = False
        descriptors.append(descriptor)
    return descriptors


def _points(shape: Any) -> npt.NDArray[np.float64]:
    return np.array([(part.x, part.y) for part in shape.parts()], dtype=np.float64)
