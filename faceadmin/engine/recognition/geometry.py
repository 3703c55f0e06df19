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
