from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rect:
    """A face rectangle in image pixels, Azure's ``faceRectangle``."""

    left: int
    top: int
    width: int
    height: int

    @property
    def area(self) -> int:
        return self.width * self.height

    def iou(self, other: Rect) -> float:
        """Intersection over union of the two boxes (0.0 when they do not overlap)."""
        left, top = max(self.left, other.left), max(self.top, other.top)
        right = min(self.left + self.width, other.left + other.width)
        bottom = min(self.top + self.height, other.top + other.height)
        inter = max(right - left, 0) * max(bottom - top, 0)
        union = self.area + other.area - inter
        return inter / union if union > 0 else 0.0
