"""The arithmetic of calibration: error rates at a threshold, the thresholds a sample supports.

Pure functions of lists of scores (genuine and impostor pair confidences), so they are checked
against hand computations; `calibration` runs the provider calls that produce the scores.
"""

from __future__ import annotations

import math
from bisect import bisect_left

__all__ = [
    "HISTOGRAM_BIN",
    "false_match_rate",
    "false_non_match_rate",
    "pairs_needed",
    "recommended_threshold",
]

HISTOGRAM_BIN = 0.02


def false_match_rate(impostor: list[float], threshold: float) -> float:
    """Share of impostor pairs the threshold would accept (score ≥ threshold)."""
    if not impostor:
        return 0.0
    return sum(1 for s in impostor if s >= threshold) / len(impostor)


def false_non_match_rate(genuine: list[float], threshold: float) -> float:
    """Share of genuine pairs the threshold would reject (score < threshold)."""
    if not genuine:
        return 0.0
    return sum(1 for s in genuine if s < threshold) / len(genuine)


def pairs_needed(target: float) -> int:
    """Impostor pairs a sample needs before it can speak of a false-match rate `target`."""
    return math.ceil(3 / target - 1e-9)


def recommended_threshold(impostor: list[float], target: float) -> float | None:
    """The lowest threshold (on a 0.001 grid) whose false-match rate on the sample is at most
    `target`; None when the sample has fewer than 3/target impostor pairs."""
    n = len(impostor)
    if n < pairs_needed(target):
        return None
    allowed = math.floor(target * n + 1e-9)  # false matches the target tolerates
    ranked = sorted(impostor, reverse=True)
    if allowed >= n:
        return 0.0
    # Above the (allowed+1)-th highest impostor score, at most `allowed` impostors pass.
    threshold = math.floor(ranked[allowed] * 1000 + 1e-9) / 1000 + 0.001
    return round(min(threshold, 1.0), 3)


def _histogram(scores: list[float]) -> list[int]:
    bins = round(1 / HISTOGRAM_BIN)
    counts = [0] * bins
    for s in scores:
        counts[min(bins - 1, max(0, int(s / HISTOGRAM_BIN)))] += 1
    return counts


def _rate_at(sorted_scores: list[float], threshold: float) -> int:
    """How many scores are below `threshold`."""
    return bisect_left(sorted_scores, threshold - 1e-12)
