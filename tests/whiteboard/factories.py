"""Small builders for board objects used by the whiteboard and boards tests."""
from __future__ import annotations

from typing import Any

from whiteboard_app.layout import LayoutAllocator
from whiteboard_app.skills import SkillContext
from whiteboard_app.spatial import SpatialIndex
from whiteboard_app.specs import ObjectSpec, parse_object


def learner_stroke(object_id: str, points: list[tuple[float, float]]) -> ObjectSpec:
    return parse_object({
        "id": object_id, "kind": "path", "points": points,
        "style": {"stroke": "#333333", "strokeWidth": 3}, "metadata": {"source": "user"},
    })


def rect(object_id: str, x: float, y: float, w: float, h: float, **extra: Any) -> ObjectSpec:
    meta = {"source": "user", **extra.pop("metadata", {})}
    return parse_object({"id": object_id, "kind": "rect", "x": x, "y": y, "width": w, "height": h,
                         "metadata": meta, **extra})


def new_context(index: SpatialIndex | None = None, *, turn_id: str | None = "turn-1") -> SkillContext:
    return SkillContext(LayoutAllocator(index or SpatialIndex()), turn_id=turn_id)
