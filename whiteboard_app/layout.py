"""Find free space on the board for new content.

The allocator reads the spatial index, which holds every object on the board (learner
drawings included), and returns a box that keeps at least ``margin`` from every indexed
box and from the board edge. Freeing space is removing ids from the index.

Search: a placed box can always be slid up and then left until it touches an obstacle
(grown by the margin) or the board edge, so the only rows worth trying are the board
top, the bottom of each obstacle and, for anchored placement, the preferred row and the
row just above each obstacle. For each row, the obstacles crossing that band leave
gaps along x; the best x in a gap that is wide enough is its start (flow) or the
preferred x clamped into it (anchored). The search is exact: if a free spot exists,
one is found.

When the board is full the allocator says so (None / BoardFullError). What to clear
is the caller's policy (e.g. delete the oldest assistant group and try again); the
allocator never moves or removes anything itself.
"""
from __future__ import annotations

from typing import Iterable, Literal

from whiteboard_app.geometry import BOARD, Box
from whiteboard_app.spatial import SpatialIndex
from whiteboard_app.specs import ObjectSpec, bbox

DEFAULT_MARGIN = 16.0
Side = Literal["below", "right", "above", "left"]


class BoardFullError(Exception):
    def __init__(self, width: float, height: float) -> None:
        super().__init__(
            f"no free {round(width)}x{round(height)} space left on the board; "
            "remove something (for example the oldest assistant group) and try again"
        )
        self.width = width
        self.height = height


class LayoutAllocator:
    def __init__(self, index: SpatialIndex, *, board: Box = BOARD, margin: float = DEFAULT_MARGIN) -> None:
        self.index = index
        self.board = board
        self.margin = margin
        self._area = Box(board.x + margin, board.y + margin, board.width - 2 * margin, board.height - 2 * margin)

    def find_space(
        self, width: float, height: float, *, near: Box | None = None, side: Side = "below"
    ) -> Box | None:
        """A free ``width`` x ``height`` box: the top-most then left-most one, or the
        one closest to the ``side`` of ``near``. None when nothing fits."""
        if width <= 0 or height <= 0:
            raise ValueError("width and height must be positive")
        if width > self._area.width or height > self._area.height:
            return None
        target = None if near is None else self._preferred(near, side, width, height)
        best: tuple[float, float, float] | None = None
        for y in self._rows(height, target):
            for g0, g1 in self._gaps(y, height):
                if g1 - g0 < width:
                    continue
                x = g0 if target is None else min(max(target[0], g0), g1 - width)
                if target is None:
                    return Box(x, y, width, height)
                cost = (x - target[0]) ** 2 + (y - target[1]) ** 2
                if best is None or (cost, y, x) < best:
                    best = (cost, y, x)
        return None if best is None else Box(best[2], best[1], width, height)

    def allocate(
        self, width: float, height: float, *, near: Box | None = None, side: Side = "below"
    ) -> Box:
        box = self.find_space(width, height, near=near, side=side)
        if box is None:
            raise BoardFullError(width, height)
        return box

    def occupy(self, specs: Iterable[ObjectSpec]) -> None:
        for spec in specs:
            self.index.upsert(spec.id, bbox(spec))

    def _preferred(self, near: Box, side: Side, width: float, height: float) -> tuple[float, float]:
        m = self.margin
        return {
            "below": (near.x, near.y2 + m),
            "above": (near.x, near.y - m - height),
            "right": (near.x2 + m, near.y),
            "left": (near.x - m - width, near.y),
        }[side]

    def _rows(self, height: float, target: tuple[float, float] | None) -> list[float]:
        top, bottom = self._area.y, self._area.y2 - height
        rows = {top, bottom}
        for _, box in self.index.items():
            rows.add(box.y2 + self.margin)
            if target is not None:
                rows.add(box.y - self.margin - height)
        if target is not None:
            rows.add(target[1])
        return sorted(y for y in rows if top <= y <= bottom)

    def _gaps(self, y: float, height: float) -> list[tuple[float, float]]:
        """Free x-intervals for a box spanning rows y..y+height (closed intervals)."""
        m = self.margin
        band = Box(self._area.x - m, y - m, self._area.width + 2 * m, height + 2 * m)
        blocked = sorted((b.x - m, b.x2 + m) for b in self.index.query_boxes(band))
        gaps: list[tuple[float, float]] = []
        cursor = self._area.x
        for b0, b1 in blocked:
            if b0 > cursor:
                gaps.append((cursor, min(b0, self._area.x2)))
            cursor = max(cursor, b1)
        if cursor < self._area.x2:
            gaps.append((cursor, self._area.x2))
        return gaps
