"""Face attributes measured from pixels and landmarks (no learned model besides dlib's).

Each attribute is computed only when asked for, and each measurement at most once per face
(``qualityForRecognition`` reuses blur, exposure, noise and pose). The numbers are simple
image statistics calibrated on the photos in ``tests/data``; they follow Azure's JSON shape
and level thresholds, not Azure's (unpublished) models.

headPose, in degrees, 1 decimal
    roll: angle of the line from the left pupil to the right pupil (image coordinates, y
    down), so a head tilted clockwise in the picture has a positive roll (the rule Azure's
    WPF sample relies on when it rotates face rectangles by ``roll``).
    yaw, pitch: a scaled-orthographic fit of a generic 3-D face (nose tip, chin, outer eye
    corners, mouth corners, the model used by common head-pose tutorials) to the landmarks by
    least squares: the 2 x 3 projection is orthonormalised into a rotation and the face's
    forward axis read off it. yaw > 0 when the face turns towards the image's right (the
    subject's left), pitch > 0 when it turns up. Azure does not document its signs; these
    are the natural ones for image coordinates. Expect errors of ~10 degrees: landmarks
    drift on turned faces and the 3-D model is generic.

blur: {"blurLevel", "value"}; value in [0, 1], larger is blurrier
    The grey face crop is resized to 64 x 64 (so the measure does not depend on face size)
    and the standard deviation S of its 4-neighbour Laplacian taken:
    ``value = 8^3 / (8^3 + S^3)``. Sharp faces in the test photos have S = 20-37 (value
    < 0.06), a Gaussian blur of one 64th of the face gives S = 7-13, two 64ths S < 5 (value >
    0.8). Levels as Azure documents: Low < 0.25 <= Medium < 0.75 <= High.

exposure: {"exposureLevel", "value"}
    value = mean luma (ITU-R 601) of the face crop / 255. UnderExposure < 0.25 <=
    GoodExposure < 0.75 <= OverExposure, Azure's ranges.

noise: {"noiseLevel", "value"}
    Immerkaer's noise estimator made robust to edges: the median absolute response of the
    3 x 3 kernel [[1,-2,1],[-2,4,-2],[1,-2,1]] over (at most) the central 256 x 256 pixels of
    the face at full resolution gives sigma = median / (0.6745 * 6) grey levels;
    ``value = sigma^3 / (sigma^3 + 7^3)``. Clean photos have sigma 0.2-5, added Gaussian noise
    of sigma 12 reads as ~12.5 (value 0.85). Levels as Azure documents: Low < 0.3 <= Medium
    < 0.7 <= High.

qualityForRecognition: "Low" | "Medium" | "High"
    size = the shorter side of the face rectangle (clamped to the image), or the jaw width
    (landmarks 0 to 16) when smaller: dlib's box never gets smaller than ~43 px (the HOG
    window is 80 px at 2x upsampling), so a 36 px face is reported in a 43 px box, while the
    jaw width follows the face (about 0.9 x the box on larger faces).
    Low if size < 40 px, or blur is High, or |yaw| > 45, or |pitch| > 45, or the exposure
    value is below 0.1 or above 0.9.
    High if size >= 100 px and blur is Low and |yaw| <= 25 and |pitch| <= 25 and exposure is
    Good and noise is not High.
    Medium otherwise. (dlib's descriptor works on a 150 px aligned chip: faces well under
    that lose detail, and it is trained on near-frontal faces.)
"""

from __future__ import annotations

import math
from collections.abc import Collection
from functools import cached_property
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from PIL import Image

from .geometry import Rect

SUPPORTED_ATTRIBUTES: Final = frozenset(
    {"headPose", "blur", "exposure", "noise", "qualityForRecognition"}
)

_LUMA: Final = np.array([0.299, 0.587, 0.114], dtype=np.float32)
_BLUR_SIDE: Final = 64
_BLUR_MIDPOINT: Final = 8.0
_NOISE_WINDOW: Final = 256
_NOISE_MIDPOINT: Final = 7.0

# Generic 3-D face (x right, y up, z towards the camera) and the iBUG points that match it:
# nose tip, chin, outer corner of the image-left eye, of the image-right eye, mouth corners.
_POSE_MODEL: Final = np.array(
    [
        (0.0, 0.0, 0.0),
        (0.0, -330.0, -65.0),
        (-225.0, 170.0, -135.0),
        (225.0, 170.0, -135.0),
        (-150.0, -150.0, -125.0),
        (150.0, -150.0, -125.0),
    ]
)
_POSE_POINTS: Final = [30, 8, 36, 45, 48, 54]
_POSE_MODEL_CENTRED: Final = _POSE_MODEL - _POSE_MODEL.mean(axis=0)


def head_pose(points: npt.NDArray[np.float64]) -> dict[str, float]:
    """roll, yaw, pitch in degrees from (68, 2) iBUG points; see the module docstring."""
    left_pupil = points[36:42].mean(axis=0)
    right_pupil = points[42:48].mean(axis=0)
    dx, dy = right_pupil - left_pupil
    roll = math.degrees(math.atan2(dy, dx))

    observed = points[_POSE_POINTS] * (1.0, -1.0)  # y up, like the model
    observed -= observed.mean(axis=0)
    projection, *_ = np.linalg.lstsq(_POSE_MODEL_CENTRED, observed, rcond=None)
    x_axis, y_axis = projection[:, 0], projection[:, 1]
    x_norm = float(np.linalg.norm(x_axis))
    if x_norm < 1e-9:
        return {"roll": round(roll, 1), "yaw": 0.0, "pitch": 0.0}
    x_axis = x_axis / x_norm
    y_axis = y_axis - x_axis * float(x_axis @ y_axis)
    y_norm = float(np.linalg.norm(y_axis))
    if y_norm < 1e-9:
        return {"roll": round(roll, 1), "yaw": 0.0, "pitch": 0.0}
    y_axis = y_axis / y_norm
    z_axis = np.cross(x_axis, y_axis)
    # The model's forward axis (0, 0, 1) in camera coordinates.
    forward_x, forward_y, forward_z = x_axis[2], y_axis[2], z_axis[2]
    yaw = math.degrees(math.atan2(forward_x, forward_z))
    pitch = math.degrees(math.atan2(forward_y, math.hypot(forward_x, forward_z)))
    return {"roll": round(roll, 1), "yaw": round(yaw, 1), "pitch": round(pitch, 1)}


def _level(value: float, medium_from: float, high_from: float, names: tuple[str, str, str]) -> str:
    if value < medium_from:
        return names[0]
    return names[1] if value < high_from else names[2]


class FaceMeasures:
    """Lazily computed measurements of one face; each is computed at most once."""

    def __init__(
        self,
        pixels: npt.NDArray[np.uint8],
        rect: Rect,
        points: npt.NDArray[np.float64] | None,
    ) -> None:
        self._pixels = pixels
        self._rect = rect
        self._points = points

    @cached_property
    def grey(self) -> npt.NDArray[np.float32]:
        r = self._rect
        crop = self._pixels[r.top : r.top + r.height, r.left : r.left + r.width]
        return crop.astype(np.float32) @ _LUMA

    @cached_property
    def pose(self) -> dict[str, float]:
        if self._points is None:
            raise ValueError("head pose needs the face's landmarks")
        return head_pose(self._points)

    @cached_property
    def blur(self) -> float:
        small = Image.fromarray(self.grey).resize(
            (_BLUR_SIDE, _BLUR_SIDE), Image.Resampling.BILINEAR
        )
        g = np.asarray(small, dtype=np.float32)
        laplacian = 4 * g[1:-1, 1:-1] - g[:-2, 1:-1] - g[2:, 1:-1] - g[1:-1, :-2] - g[1:-1, 2:]
        sharpness = float(laplacian.std())
        return round(_BLUR_MIDPOINT**3 / (_BLUR_MIDPOINT**3 + sharpness**3), 2)

    @cached_property
    def exposure(self) -> float:
        if self.grey.size == 0:
            return 0.0
        return round(float(self.grey.mean()) / 255.0, 2)

    @cached_property
    def noise(self) -> float:
        g = self.grey
        height, width = g.shape
        top = max(0, (height - _NOISE_WINDOW) // 2)
        left = max(0, (width - _NOISE_WINDOW) // 2)
        g = g[top : top + _NOISE_WINDOW, left : left + _NOISE_WINDOW]
        if g.shape[0] < 3 or g.shape[1] < 3:
            return 0.0
        response = (
            g[:-2, :-2] - 2 * g[:-2, 1:-1] + g[:-2, 2:]
            - 2 * g[1:-1, :-2] + 4 * g[1:-1, 1:-1] - 2 * g[1:-1, 2:]
            + g[2:, :-2] - 2 * g[2:, 1:-1] + g[2:, 2:]
        )  # fmt: skip
        sigma = float(np.median(np.abs(response))) / (0.6745 * 6.0)
        return round(sigma**3 / (sigma**3 + _NOISE_MIDPOINT**3), 2)

    @cached_property
    def size(self) -> float:
        """Face size in pixels: the rectangle's shorter side, or the jaw width if smaller."""
        size = float(min(self._rect.width, self._rect.height))
        if self._points is not None:
            size = min(size, float(np.linalg.norm(self._points[16] - self._points[0])))
        return size

    @cached_property
    def quality(self) -> str:
        size = self.size
        yaw, pitch = abs(self.pose["yaw"]), abs(self.pose["pitch"])
        if (
            size < 40
            or self.blur >= 0.75
            or yaw > 45
            or pitch > 45
            or not 0.1 <= self.exposure <= 0.9
        ):
            return "Low"
        if (
            size >= 100
            and self.blur < 0.25
            and yaw <= 25
            and pitch <= 25
            and 0.25 <= self.exposure < 0.75
            and self.noise < 0.7
        ):
            return "High"
        return "Medium"

    def attributes(self, names: Collection[str]) -> dict[str, Any]:
        """The requested attributes, in Azure's JSON shape, in the order asked."""
        result: dict[str, Any] = {}
        for name in names:
            if name == "headPose":
                result[name] = dict(self.pose)
            elif name == "blur":
                level = _level(self.blur, 0.25, 0.75, ("Low", "Medium", "High"))
                result[name] = {"blurLevel": level, "value": self.blur}
            elif name == "exposure":
                level = _level(
                    self.exposure, 0.25, 0.75, ("UnderExposure", "GoodExposure", "OverExposure")
                )
                result[name] = {"exposureLevel": level, "value": self.exposure}
            elif name == "noise":
                level = _level(self.noise, 0.3, 0.7, ("Low", "Medium", "High"))
                result[name] = {"noiseLevel": level, "value": self.noise}
            elif name == "qualityForRecognition":
                result[name] = self.quality
            else:
                raise ValueError(f"unsupported face attribute {name!r}")
        return result
