"""From descriptor distance to Azure's confidence.

dlib's ResNet model is trained so that two descriptors of the same person lie closer than 0.6
(Euclidean). Azure speaks in confidences in [0, 1] and calls two faces identical when the
confidence is at least 0.5. The map below ties the two rules together:

    confidence(d) = 1 / (1 + (d / 0.6) ** 6)

* ``confidence(0) == 1`` (the same picture twice), ``confidence(0.6) == 0.5`` exactly (``0.6 /
  0.6`` is exactly 1.0 in floating point), and the confidence tends to 0 as ``d`` grows; so
  ``confidence >= 0.5`` is ``d <= 0.6``, dlib's rule (which only differs on the measure-zero
  boundary ``d == 0.6``).
* It is strictly decreasing for ``d > 0`` and has a closed-form inverse,
  ``d = 0.6 * ((1 - c) / c) ** (1 / 6)``, used to turn a confidence threshold into a distance
  bound that can be checked on raw distances.
* The exponent sets the spread. With 6, typical same-person distances (0.3-0.45) give 0.98-0.85
  and typical different-person distances (0.7-0.9) give 0.28-0.08, about the spread of Azure's
  own confidences; near the threshold one unit of distance moves the confidence by 2.5, the
  slope of the logistic ``1 / (1 + exp(10 (d - 0.6)))`` but without its offset at ``d = 0``.
"""

from __future__ import annotations

import math
from typing import Any, Final, overload

import numpy as np
import numpy.typing as npt

MATCH_DISTANCE: Final = 0.6
_STEEPNESS: Final = 6.0


@overload
def distance_to_confidence(distance: float) -> float: ...
@overload
def distance_to_confidence(distance: npt.NDArray[Any]) -> npt.NDArray[np.float64]: ...
def distance_to_confidence(distance: float | npt.NDArray[Any]) -> float | npt.NDArray[np.float64]:
    """Confidence in [0, 1] for a Euclidean descriptor distance; vectorised over arrays.

    ``1 / (1 + (d / 0.6) ** 6)``: 1 at distance 0, exactly 0.5 at dlib's 0.6 threshold,
    strictly decreasing towards 0. See the module docstring for why this form.
    """
    d = np.maximum(np.asarray(distance, dtype=np.float64), 0.0)
    with np.errstate(over="ignore"):  # huge distances give inf, hence confidence 0: correct
        confidence = 1.0 / (1.0 + (d / MATCH_DISTANCE) ** _STEEPNESS)
    if isinstance(distance, np.ndarray):
        return np.asarray(confidence, dtype=np.float64)
    return float(confidence)


def confidence_to_distance(confidence: float) -> float:
    """The largest distance whose confidence is still ``confidence`` (inverse of the map).

    0 maps to infinity (every face passes a threshold of 0) and 1 to distance 0.
    """
    if not 0.0 <= confidence <= 1.0:
        raise ValueError(f"confidence must be within [0, 1], got {confidence!r}")
    if confidence == 0.0:
        return math.inf
    return MATCH_DISTANCE * ((1.0 - confidence) / confidence) ** (1.0 / _STEEPNESS)
