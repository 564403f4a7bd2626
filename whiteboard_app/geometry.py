"""Board geometry: the fixed logical board and axis-aligned boxes.

Convention used everywhere (spatial index, allocator, summary): boxes are open
sets, so two boxes that only touch along an edge or a corner do NOT intersect.
A zero-height horizontal line still intersects any box it crosses.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

BOARD_WIDTH = 1600.0
BOARD_HEIGHT = 1000.0


@dataclass(frozen=True, slots=True)
class Box:
    x: float
    y: float
    width: float
    height: float

    @property
    def x2(self) -> float:
        return self.x + self.width

    @property
    def y2(self) -> float:
        return self.y + self.height

    @property
    def center(self) -> tuple[float, float]:
        return (self.x + self.width / 2, self.y + self.height / 2)

    def intersects(self, other: Box) -> bool:
        """True when the interiors overlap; touching edges do not count."""
        return (
            self.x < other.x2
            and other.x < self.x2
            and self.y < other.y2
            and other.y < self.y2
        )

    def contains(self, other: Box) -> bool:
        return (
            self.x <= other.x
            and self.y <= other.y
            and other.x2 <= self.x2
            and other.y2 <= self.y2
        )

    def expand(self, margin: float) -> Box:
        return Box(self.x - margin, self.y - margin, self.width + 2 * margin, self.height + 2 * margin)

    def rounded(self) -> tuple[int, int, int, int]:
        return (round(self.x), round(self.y), round(self.width), round(self.height))


BOARD = Box(0.0, 0.0, BOARD_WIDTH, BOARD_HEIGHT)


def union(boxes: Iterable[Box]) -> Box:
    """The smallest box holding every given box (at least one is required)."""
    items = list(boxes)
    if not items:
        raise ValueError("union() needs at least one box")
    x = min(b.x for b in items)
    y = min(b.y for b in items)
    return Box(x, y, max(b.x2 for b in items) - x, max(b.y2 for b in items) - y)


def points_box(points: Iterable[tuple[float, float]]) -> Box:
    pts = list(points)
    if not pts:
        raise ValueError("points_box() needs at least one point")
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    return Box(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
