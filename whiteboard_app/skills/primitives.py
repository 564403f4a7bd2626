"""Text, shapes, arrows and LaTeX."""
from __future__ import annotations

from typing import Literal

from whiteboard_app.geometry import Box
from whiteboard_app.layout import Side
from whiteboard_app.skills.base import Drawing, SkillContext, color, start_group
from whiteboard_app.textfit import line_height, text_size

ShapeName = Literal["rect", "ellipse", "triangle", "diamond"]
ARROW_THICKNESS = 24.0


def draw_text(
    ctx: SkillContext,
    text: str,
    *,
    font_size: float = 20,
    max_width: float = 640,
    colour: str | None = None,
    near: Box | None = None,
    side: Side = "below",
) -> Drawing:
    """A block of text wrapped to ``max_width`` (text colour is the ``fill``)."""
    width, height = text_size(text, font_size, max_width)
    group = start_group(ctx, "text", width, height, near=near, side=side)
    x, y = group.origin
    group.add(
        f"{group.group_id}-text", "text", role="text", box=Box(x, y, width, height), text=text,
        style={"fontSize": font_size, "fill": color(colour)},
    )
    return group.finish()


def draw_shape(
    ctx: SkillContext,
    shape: ShapeName,
    width: float,
    height: float,
    *,
    label: str | None = None,
    fill: str | None = None,
    stroke: str | None = None,
    near: Box | None = None,
    side: Side = "below",
) -> Drawing:
    """A rectangle, ellipse, triangle or diamond with an optional centred label."""
    group = start_group(ctx, shape, width, height, near=near, side=side)
    x, y = group.origin
    box = Box(x, y, width, height)
    style = {"fill": color(fill, "muted") if fill else "#FFFFFF", "stroke": color(stroke), "strokeWidth": 2}
    extra = {"text": label} if label else {}
    object_id = f"{group.group_id}-shape"
    if shape in ("rect", "ellipse"):
        group.add(object_id, shape, role="main_shape", box=box, style=style, **extra)
    else:
        group.add(object_id, "polygon", role="main_shape", points=_outline(shape, box), style=style, **extra)
    return group.finish()


def _outline(shape: ShapeName, box: Box) -> list[tuple[float, float]]:
    cx, cy = box.center
    if shape == "triangle":
        return [(cx, box.y), (box.x2, box.y2), (box.x, box.y2)]
    return [(cx, box.y), (box.x2, cy), (cx, box.y2), (box.x, cy)]


def draw_arrow(
    ctx: SkillContext,
    *,
    target: Box | None = None,
    side: Side = "left",
    length: float = 140,
    label: str | None = None,
    colour: str | None = "primary",
) -> Drawing:
    """An arrow placed in free space on ``side`` of ``target`` and pointing at it
    (without a target it points right, placed in flow order)."""
    font = 16.0
    label_w, label_h = text_size(label, font, max(length, 120)) if label else (0.0, 0.0)
    horizontal = side in ("left", "right")
    if horizontal:
        width, height = max(length, label_w), ARROW_THICKNESS + label_h
    else:
        width, height = ARROW_THICKNESS + label_w, length
    group = start_group(ctx, "arrow", width, height, near=target, side=side)
    x, y = group.origin
    if horizontal:
        mid = y + label_h + ARROW_THICKNESS / 2
        points = [(x, mid), (x + length, mid)] if side == "left" else [(x + length, mid), (x, mid)]
        label_box = Box(x, y, label_w, label_h)
    else:
        mid = x + ARROW_THICKNESS / 2
        points = [(mid, y), (mid, y + length)] if side == "above" else [(mid, y + length), (mid, y)]
        label_box = Box(x + ARROW_THICKNESS, y + (length - label_h) / 2, label_w, label_h)
    stroke = color(colour)
    group.add(f"{group.group_id}-arrow", "arrow", role="arrow", points=points,
              style={"stroke": stroke, "strokeWidth": 3})
    if label:
        group.add(f"{group.group_id}-label", "text", role="label", box=label_box, text=label,
                  style={"fontSize": font, "fill": stroke})
    return group.finish()


def draw_latex(
    ctx: SkillContext,
    latex: str,
    *,
    font_size: float = 28,
    near: Box | None = None,
    side: Side = "below",
) -> Drawing:
    """A formula; clients typeset ``latex`` (KaTeX), exports fall back to its source.
    Its box is sized for the source at full size (which the export shows), never
    smaller than the typeset result."""
    width, height = text_size(latex, font_size, 1200)
    height = max(height, 2 * line_height(font_size))
    group = start_group(ctx, "latex", width, height, near=near, side=side)
    x, y = group.origin
    group.add(f"{group.group_id}-latex", "latex", role="formula", box=Box(x, y, width, height),
              latex=latex, style={"fontSize": font_size, "fill": "#000000"})
    return group.finish()
