"""Highlights and pointers: short-lived entries in the ``ephemeral`` map that the
server deletes once their ``expiresAt`` has passed. They take no layout space."""
from __future__ import annotations

import uuid

from whiteboard_app.geometry import BOARD, Box
from whiteboard_app.skills.base import Drawing, SkillContext, color
from whiteboard_app.specs import EphemeralSpec, ObjectSpec, bbox

HIGHLIGHT_TTL_MS = 60_000
POINTER_TTL_MS = 3_000


def highlight(
    ctx: SkillContext, target: ObjectSpec, *, ttl_ms: int = HIGHLIGHT_TTL_MS, colour: str = "#FFEB3B"
) -> Drawing:
    """A translucent band around ``target`` for ``ttl_ms``."""
    box = bbox(target).expand(6)
    x, y = max(box.x, BOARD.x), max(box.y, BOARD.y)
    clipped = Box(x, y, min(box.x2, BOARD.x2) - x, min(box.y2, BOARD.y2) - y)
    entry_id = f"hl-{uuid.uuid4().hex[:8]}"
    entry = EphemeralSpec(
        id=entry_id, kind="highlight", x=clipped.x, y=clipped.y, width=clipped.width, height=clipped.height,
        target_id=target.id, color=color(colour), expiresAt=ctx.clock() + ttl_ms, source="assistant",
    )
    return Drawing(group_id=entry_id, ephemeral=[entry])


def pointer(
    ctx: SkillContext, x: float, y: float, *, ttl_ms: int = POINTER_TTL_MS, colour: str = "error",
    target_id: str | None = None,
) -> Drawing:
    """A ping at (x, y) for ``ttl_ms``."""
    if not (BOARD.x <= x <= BOARD.x2 and BOARD.y <= y <= BOARD.y2):
        raise ValueError(f"pointer ({x}, {y}) is off the board")
    entry_id = f"ptr-{uuid.uuid4().hex[:8]}"
    entry = EphemeralSpec(
        id=entry_id, kind="pointer", x=x, y=y, target_id=target_id, color=color(colour),
        expiresAt=ctx.clock() + ttl_ms, source="assistant",
    )
    return Drawing(group_id=entry_id, ephemeral=[entry])
