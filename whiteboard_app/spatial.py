"""A uniform-grid spatial index over object boxes (pure Python, no native deps).

Each id is stored with its box and listed in every grid cell the box covers. Upsert
removes the id from the cells of its OLD box before adding the new one, so a moved
object is never found at its previous place. Intersection follows ``Box.intersects``:
touching edges do not intersect.
"""
from __future__ import annotations

import math
from typing import Iterator

from whiteboard_app.geometry import Box

# About a tenth of the board's width: few cells per typical object, few ids per cell.
DEFAULT_CELL = 100.0

Cell = tuple[int, int]


class SpatialIndex:
    def __init__(self, cell_size: float = DEFAULT_CELL) -> None:
        if cell_size <= 0:
            raise ValueError("cell_size must be positive")
        self._cell = cell_size
        self._boxes: dict[str, Box] = {}
        self._cells: dict[Cell, set[str]] = {}

    def __len__(self) -> int:
        return len(self._boxes)

    def items(self) -> Iterator[tuple[str, Box]]:
        return iter(list(self._boxes.items()))

    def upsert(self, object_id: str, box: Box) -> None:
        self.remove(object_id)
        self._boxes[object_id] = box
        for cell in self._cells_of(box):
            self._cells.setdefault(cell, set()).add(object_id)

    def remove(self, object_id: str) -> bool:
        """Forget an id; returns False when it was not indexed."""
        old = self._boxes.pop(object_id, None)
        if old is None:
            return False
        for cell in self._cells_of(old):
            members = self._cells.get(cell)
            if members is not None:
                members.discard(object_id)
                if not members:
                    del self._cells[cell]
        return True

    def query(self, box: Box) -> set[str]:
        """Ids whose boxes intersect ``box`` (touching edges excluded)."""
        if self._cell_count(box) > len(self._boxes):
            # Huge query, few objects: checking every box is cheaper than the cells.
            return {i for i, b in self._boxes.items() if b.intersects(box)}
        found: set[str] = set()
        for cell in self._cells_of(box):
            for object_id in self._cells.get(cell, ()):
                if object_id not in found and self._boxes[object_id].intersects(box):
                    found.add(object_id)
        return found

    def query_boxes(self, box: Box) -> list[Box]:
        return [self._boxes[i] for i in self.query(box)]

    def _span(self, box: Box) -> tuple[int, int, int, int]:
        # Closed range of cells: a box ending exactly on a cell line is listed in the
        # next cell too, which costs nothing (queries re-check the exact boxes).
        c0, c1 = math.floor(box.x / self._cell), math.floor(box.x2 / self._cell)
        r0, r1 = math.floor(box.y / self._cell), math.floor(box.y2 / self._cell)
        return c0, c1, r0, r1

    def _cell_count(self, box: Box) -> int:
        c0, c1, r0, r1 = self._span(box)
        return (c1 - c0 + 1) * (r1 - r0 + 1)

    def _cells_of(self, box: Box) -> Iterator[Cell]:
        c0, c1, r0, r1 = self._span(box)
        for cx in range(c0, c1 + 1):
            for cy in range(r0, r1 + 1):
                yield (cx, cy)
