"""Azure's 27 named landmarks from dlib's 68 iBUG points.

Sides: in Azure, "Left" is the side on the *image's* left (the subject's right). The contract
example (examples/DetectWithUrl.json) shows it: pupilLeft.x 412.7 < pupilRight.x 446.8,
eyeLeftOuter.x 406.7 < eyeLeftInner.x 418.9, mouthLeft.x 417.8 < mouthRight.x 451.3. iBUG counts
from the image's left too (point 36 is the outer corner of the eye on the image's left), so
"Left" names take the lower-numbered iBUG side.

Mapping (0-based iBUG indices; several points are means, a few are interpolations because
iBUG has no such point):

    pupilLeft            mean(36..41)       pupilRight           mean(42..47)
    eyeLeftOuter         36                 eyeRightOuter        45
    eyeLeftTop           mean(37, 38)       eyeRightTop          mean(43, 44)
    eyeLeftInner         39                 eyeRightInner        42
    eyeLeftBottom        mean(40, 41)       eyeRightBottom       mean(46, 47)
    eyebrowLeftOuter     17                 eyebrowRightOuter    26
    eyebrowLeftInner     21                 eyebrowRightInner    22
    noseRootLeft         2/3 27 + 1/3 39    noseRootRight        2/3 27 + 1/3 42
    noseLeftAlarTop      0.6 31 + 0.4 29    noseRightAlarTop     0.6 35 + 0.4 29
    noseLeftAlarOutTip   31                 noseRightAlarOutTip  35
    mouthLeft            48                 mouthRight           54
    noseTip              30
    upperLipTop          51                 upperLipBottom       62
    underLipTop          66                 underLipBottom       57

Nose root: iBUG has only the centre of the bridge (27); Azure's two points sit either side of
it, a third of the way towards the inner eye corners. Alar tops: iBUG has the outer lower
nostril points (31, 35); Azure's alar tops lie above and inside them, towards the bridge (29).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

_TABLE: Final[tuple[tuple[str, dict[int, float]], ...]] = (
    ("pupilLeft", dict.fromkeys(range(36, 42), 1 / 6)),
    ("pupilRight", dict.fromkeys(range(42, 48), 1 / 6)),
    ("noseTip", {30: 1.0}),
    ("mouthLeft", {48: 1.0}),
    ("mouthRight", {54: 1.0}),
    ("eyebrowLeftOuter", {17: 1.0}),
    ("eyebrowLeftInner", {21: 1.0}),
    ("eyeLeftOuter", {36: 1.0}),
    ("eyeLeftTop", {37: 0.5, 38: 0.5}),
    ("eyeLeftBottom", {40: 0.5, 41: 0.5}),
    ("eyeLeftInner", {39: 1.0}),
    ("eyebrowRightInner", {22: 1.0}),
    ("eyebrowRightOuter", {26: 1.0}),
    ("eyeRightInner", {42: 1.0}),
    ("eyeRightTop", {43: 0.5, 44: 0.5}),
    ("eyeRightBottom", {46: 0.5, 47: 0.5}),
    ("eyeRightOuter", {45: 1.0}),
    ("noseRootLeft", {27: 2 / 3, 39: 1 / 3}),
    ("noseRootRight", {27: 2 / 3, 42: 1 / 3}),
    ("noseLeftAlarTop", {31: 0.6, 29: 0.4}),
    ("noseRightAlarTop", {35: 0.6, 29: 0.4}),
    ("noseLeftAlarOutTip", {31: 1.0}),
    ("noseRightAlarOutTip", {35: 1.0}),
    ("upperLipTop", {51: 1.0}),
    ("upperLipBottom", {62: 1.0}),
    ("underLipTop", {66: 1.0}),
    ("underLipBottom", {57: 1.0}),
)

LANDMARK_NAMES: Final = tuple(name for name, _ in _TABLE)

# One matrix product maps all 68 points to all 27 at once.
_WEIGHTS: Final = np.zeros((len(_TABLE), 68), dtype=np.float64)
for _row, (_, _mix) in enumerate(_TABLE):
    for _index, _weight in _mix.items():
        _WEIGHTS[_row, _index] = _weight


def azure_landmarks(points: npt.NDArray[np.float64]) -> dict[str, tuple[float, float]]:
    """27 named points (image pixels, 1 decimal) from a (68, 2) array of iBUG points."""
    named = np.round(_WEIGHTS @ points, 1)
    return {name: (float(x), float(y)) for name, (x, y) in zip(LANDMARK_NAMES, named, strict=True)}
