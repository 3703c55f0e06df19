"""Recognition core of the embedded engine: decode, detect, describe, compare. No Django here.

* ``decode_image`` applies Azure's upload rules (size, formats) and returns upright RGB pixels.
* ``detect_faces`` finds faces with dlib's HOG detector (scale policy in ``detection``), and
  computes, only when asked, 128-d descriptors (one batched call per image), Azure's 27 named
  landmarks (mapping in ``landmarks``) and the attributes of ``SUPPORTED_ATTRIBUTES``
  (definitions in ``attributes``).
* ``describe_face`` gives the descriptor of a given rectangle (``targetFace``).
* ``distance_to_confidence`` / ``confidence_to_distance`` map descriptor distances to Azure
  confidences with 0.6 <-> 0.5 (formula in ``matching``).

Models load lazily, once per process, and are safe to use from several threads (``models``).
"""

from .attributes import SUPPORTED_ATTRIBUTES
from .detection import DETECTION_PIXEL_BUDGET, Face, describe_face, detect_faces, face_at
from .geometry import Rect
from .images import (
    MAX_DECODED_BYTES,
    MAX_IMAGE_BYTES,
    MAX_IMAGE_PIXELS,
    MAX_IMAGE_SIDE,
    MIN_IMAGE_BYTES,
    MIN_IMAGE_SIDE,
    DecodedImage,
    ImageError,
    check_dimensions,
    decode_image,
)
from .landmarks import LANDMARK_NAMES
from .matching import MATCH_DISTANCE, confidence_to_distance, distance_to_confidence
from .models import warm_up

__all__ = [
    "DETECTION_PIXEL_BUDGET",
    "LANDMARK_NAMES",
    "MATCH_DISTANCE",
    "MAX_DECODED_BYTES",
    "MAX_IMAGE_BYTES",
    "MAX_IMAGE_PIXELS",
    "MAX_IMAGE_SIDE",
    "MIN_IMAGE_BYTES",
    "MIN_IMAGE_SIDE",
    "SUPPORTED_ATTRIBUTES",
    "DecodedImage",
    "Face",
    "ImageError",
    "Rect",
    "check_dimensions",
    "confidence_to_distance",
    "decode_image",
    "describe_face",
    "detect_faces",
    "distance_to_confidence",
    "face_at",
    "warm_up",
]
