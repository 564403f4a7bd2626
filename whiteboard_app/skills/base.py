"""What every drawing skill shares: the call context, the result, and the builder that
reserves a region, stamps metadata and frames the group.

A skill is a plain function ``skill(ctx, ...) -> Drawing``. It asks the allocator for
free space, builds specs inside that region, and marks them occupied in the index so the
next skill call (before the drawing is written) does not land on them. The caller writes
``Drawing`` to the document in one transaction (``board.apply_drawing``).
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from whiteboard_app.geometry import Box
from whiteboard_app.layout import LayoutAllocator, Side
from whiteboard_app.specs import EphemeralSpec, Kind, ObjectSpec, parse_object

# Named colours the model may ask for; each reads as text on the white board at WCAG AA
# (contrast at least 4.5:1, checked by a test).
STYLE_TOKENS = {
    "default": "#000000",
    "primary": "#1565C0",
    "accent": "#BF360C",
    "muted": "#616161",
    "success": "#2E7D32",
    "error": "#C62828",
}
# Room between the group frame and its content.
PADDING = 8.0


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class SkillContext:
    allocator: LayoutAllocator
    turn_id: str | None = None
    concept: str | None = None
    clock: Callable[[], int] = now_ms

    def new_group_id(self, prefix: str) -> str:
        return f"{prefix}-{uuid.uuid4().hex[:8]}"


@dataclass
class Drawing:
    """The result of one skill call: objects to upsert (new or replacing by id) and
    ephemeral entries, all under one group id."""

    group_id: str
    objects: list[ObjectSpec] = field(default_factory=list)
    ephemeral: list[EphemeralSpec] = field(default_factory=list)

    @property
    def object_ids(self) -> list[str]:
        return [o.id for o in self.objects]


class GroupBuilder:
    """Builds the objects of one group inside its reserved region."""

    def __init__(self, ctx: SkillContext, group_id: str, region: Box, *, concept: str | None = None) -> None:
        self.ctx = ctx
        self.group_id = group_id
        self.region = region
        self.concept = concept or ctx.concept
        self.created_at = ctx.clock()
        self.objects: list[ObjectSpec] = []

    @property
    def origin(self) -> tuple[float, float]:
        return (self.region.x + PADDING, self.region.y + PADDING)

    def add(
        self,
        object_id: str,
        kind: Kind,
        *,
        role: str,
        box: Box | None = None,
        points: Iterable[tuple[float, float]] | None = None,
        style: dict[str, Any] | None = None,
        **fields: Any,
    ) -> ObjectSpec:
        """Add one object; ``fields`` are content fields (text, latex, src) and
        metadata fields (question_id, option_index, is_correct, linked_to)."""
        meta_names = {"question_id", "option_index", "is_correct", "linked_to"}
        meta = {k: fields.pop(k) for k in list(fields) if k in meta_names}
        data: dict[str, Any] = {"id": object_id, "kind": kind, "style": style or {}, **fields}
        if box is not None:
            data.update(x=box.x, y=box.y, width=box.width, height=box.height)
        if points is not None:
            data["points"] = [(float(px), float(py)) for px, py in points]
        data["metadata"] = self._metadata(role, meta)
        spec = parse_object(data)
        self.objects.append(spec)
        return spec

    def finish(self, *, title: str | None = None, linked_to: str | None = None) -> Drawing:
        """Frame the group with a ``group`` object covering the region and occupy it.
        A frame ``linked_to`` another group is deleted together with it."""
        frame_data: dict[str, Any] = {
            "id": self.group_id,
            "kind": "group",
            "x": self.region.x,
            "y": self.region.y,
            "width": self.region.width,
            "height": self.region.height,
            "style": {"stroke": "none", "fill": "none"},
            "metadata": self._metadata("group", {"linked_to": linked_to} if linked_to else {}),
        }
        if title:
            frame_data["text"] = title
        frame = parse_object(frame_data)
        objects = [frame, *self.objects]
        self.ctx.allocator.occupy(objects)
        return Drawing(group_id=self.group_id, objects=objects)

    def _metadata(self, role: str, extra: dict[str, Any]) -> dict[str, Any]:
        meta = {
            "source": "assistant",
            "role": role,
            "group_id": self.group_id,
            "concept": self.concept,
            "turn_id": self.ctx.turn_id,
            "created_at": self.created_at,
            **extra,
        }
        return {k: v for k, v in meta.items() if v is not None}


def start_group(
    ctx: SkillContext,
    prefix: str,
    content_width: float,
    content_height: float,
    *,
    near: Box | None = None,
    side: Side = "below",
    group_id: str | None = None,
    concept: str | None = None,
) -> GroupBuilder:
    """Reserve room for content of the given size (plus padding) and start a group.
    Raises BoardFullError when nothing fits."""
    region = ctx.allocator.allocate(content_width + 2 * PADDING, content_height + 2 * PADDING, near=near, side=side)
    return GroupBuilder(ctx, group_id or ctx.new_group_id(prefix), region, concept=concept)


def color(token_or_hex: str | None, default: str = "default") -> str:
    """A style token (primary, error, ...) or a colour passed through."""
    if token_or_hex is None:
        return STYLE_TOKENS[default]
    return STYLE_TOKENS.get(token_or_hex, token_or_hex)
