"""Flowcharts, timelines and labelled diagrams."""
from __future__ import annotations

import math
from typing import Literal, Sequence

from whiteboard_app.geometry import Box
from whiteboard_app.layout import Side
from whiteboard_app.skills.base import Drawing, GroupBuilder, SkillContext, color, start_group
from whiteboard_app.textfit import text_size

FLOW_FONT = 16.0
FLOW_BOX_MAX = 200.0
FLOW_GAP_MAIN = 56.0
FLOW_GAP_CROSS = 32.0
MAX_STEPS = 30
LOOP_OFFSET = 12.0

Edge = tuple[int, int] | tuple[int, int, str]


def _layers(count: int, edges: Sequence[Edge]) -> list[int]:
    """Longest-path layering over forward edges (i < j); edges pointing back to an
    earlier step (loops) do not push layers."""
    layer = [0] * count
    for j in range(count):
        for edge in edges:
            i, k = edge[0], edge[1]
            if k == j and i < j:
                layer[j] = max(layer[j], layer[i] + 1)
    return layer


def draw_flowchart(
    ctx: SkillContext,
    steps: Sequence[str],
    *,
    edges: Sequence[Edge] | None = None,
    direction: Literal["down", "right"] = "down",
    near: Box | None = None,
    side: Side = "below",
) -> Drawing:
    """Boxes for ``steps`` joined by arrows; ``edges`` are (from, to[, label]) step
    indices, by default one step after another."""
    if not 1 <= len(steps) <= MAX_STEPS:
        raise ValueError(f"a flowchart needs between 1 and {MAX_STEPS} steps")
    edges = list(edges) if edges is not None else [(i, i + 1) for i in range(len(steps) - 1)]
    for edge in edges:
        if not all(0 <= n < len(steps) for n in edge[:2]) or edge[0] == edge[1]:
            raise ValueError(f"edge {edge[:2]} does not join two different steps")
    sizes = [text_size(s, FLOW_FONT, FLOW_BOX_MAX - 16) for s in steps]
    box_w = max(w for w, _ in sizes) + 16
    box_h = max(h for _, h in sizes) + 16
    layer = _layers(len(steps), edges)
    depth, breadth = max(layer) + 1, max(layer.count(n) for n in set(layer))
    main = depth * box_h + (depth - 1) * FLOW_GAP_MAIN if direction == "down" else depth * box_w + (depth - 1) * FLOW_GAP_MAIN
    cross = breadth * box_w + (breadth - 1) * FLOW_GAP_CROSS if direction == "down" else breadth * box_h + (breadth - 1) * FLOW_GAP_CROSS
    cross += _loop_room(layer, edges)
    width, height = (cross, main) if direction == "down" else (main, cross)
    group = start_group(ctx, "flow", width, height, near=near, side=side)
    boxes = _place_steps(group, layer, box_w, box_h, direction)
    for n, (step, box) in enumerate(zip(steps, boxes)):
        group.add(f"{group.group_id}-box{n}", "rect", role="flow_box", box=box, text=step,
                  style={"fill": "#E3F2FD", "stroke": color("primary"), "strokeWidth": 2, "fontSize": FLOW_FONT})
    for n, edge in enumerate(edges):
        _connect(group, n, boxes[edge[0]], boxes[edge[1]], edge[2] if len(edge) > 2 else None, direction)
    return group.finish()


def _loop_room(layer: list[int], edges: Sequence[Edge]) -> float:
    """Extra room beside the boxes for arrows that loop back and their labels."""
    loops = [e for e in edges if layer[e[1]] <= layer[e[0]]]
    if not loops:
        return 0.0
    labels = [text_size(e[2], 12, 120)[0] for e in loops if len(e) > 2]
    return LOOP_OFFSET + 8 + max(labels, default=0.0)


def _place_steps(group: GroupBuilder, layer: list[int], box_w: float, box_h: float, direction: str) -> list[Box]:
    x0, y0 = group.origin
    seen: dict[int, int] = {}
    boxes = []
    for n in layer:
        slot = seen.get(n, 0)
        seen[n] = slot + 1
        if direction == "down":
            boxes.append(Box(x0 + slot * (box_w + FLOW_GAP_CROSS), y0 + n * (box_h + FLOW_GAP_MAIN), box_w, box_h))
        else:
            boxes.append(Box(x0 + n * (box_w + FLOW_GAP_MAIN), y0 + slot * (box_h + FLOW_GAP_CROSS), box_w, box_h))
    return boxes


def _connect(group: GroupBuilder, n: int, a: Box, b: Box, label: str | None, direction: str) -> None:
    if direction == "down":
        forward = b.y >= a.y2
        start, end = ((a.center[0], a.y2), (b.center[0], b.y)) if forward else ((a.x2, a.center[1]), (b.x2, b.center[1]))
    else:
        forward = b.x >= a.x2
        start, end = ((a.x2, a.center[1]), (b.x, b.center[1])) if forward else ((a.center[0], a.y2), (b.center[0], b.y2))
    if not forward:
        # A loop back: leave and enter on the outer side, a little outside the boxes.
        start = (start[0] + LOOP_OFFSET, start[1]) if direction == "down" else (start[0], start[1] + LOOP_OFFSET)
        end = (end[0] + LOOP_OFFSET, end[1]) if direction == "down" else (end[0], end[1] + LOOP_OFFSET)
    group.add(f"{group.group_id}-edge{n}", "arrow", role="flow_arrow", points=[start, end],
              style={"stroke": "#37474F", "strokeWidth": 2})
    if label:
        w, h = text_size(label, 12, 120)
        mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
        group.add(f"{group.group_id}-edge{n}-label", "text", role="flow_arrow_label", text=label,
                  box=Box(mx + 4, my - h / 2, w, h), style={"fontSize": 12, "fill": "#37474F"})


def draw_timeline(
    ctx: SkillContext,
    events: Sequence[tuple[str, str]],
    *,
    width: float | None = None,
    near: Box | None = None,
    side: Side = "below",
) -> Drawing:
    """A horizontal line with evenly spaced (date, label) events, labels alternating
    above and below the line."""
    if not 1 <= len(events) <= MAX_STEPS:
        raise ValueError(f"a timeline needs between 1 and {MAX_STEPS} events")
    spacing = (width or min(1400.0, 160.0 * len(events))) / len(events)
    label_w = spacing * 2 - 16  # labels alternate sides, so each has two slots of room
    sizes = [text_size(label, 13, label_w) for _, label in events]
    label_h = max(h for _, h in sizes)
    date_h = text_size("0", 12, 100)[1]
    total_w = spacing * len(events) + label_w / 2
    # Top to bottom: labels of even events, the line, dates, labels of odd events.
    group = start_group(ctx, "timeline", total_w, 2 * label_h + date_h + 40, near=near, side=side)
    x0, y0 = group.origin
    line_y = y0 + label_h + 12
    gid = group.group_id
    group.add(f"{gid}-axis", "line", role="timeline_axis", points=[(x0, line_y), (x0 + total_w, line_y)],
              style={"stroke": "#37474F", "strokeWidth": 3})
    for n, ((date, label), (w, h)) in enumerate(zip(events, sizes)):
        cx = x0 + label_w / 2 + n * spacing
        group.add(f"{gid}-tick{n}", "line", role="timeline_tick", points=[(cx, line_y - 8), (cx, line_y + 8)],
                  style={"stroke": "#37474F", "strokeWidth": 2})
        dw, _ = text_size(date, 12, spacing - 8)
        group.add(f"{gid}-date{n}", "text", role="timeline_date", text=date,
                  box=Box(cx - dw / 2, line_y + 12, dw, date_h), style={"fontSize": 12, "fill": "#555555"})
        label_y = line_y - 12 - h if n % 2 == 0 else line_y + 12 + date_h + 16
        group.add(f"{gid}-label{n}", "text", role="timeline_label", text=label,
                  box=Box(cx - w / 2, label_y, w, h), style={"fontSize": 13})
    return group.finish()


def draw_labelled_diagram(
    ctx: SkillContext,
    title: str,
    parts: Sequence[str],
    *,
    near: Box | None = None,
    side: Side = "below",
) -> Drawing:
    """A central shape named ``title`` with ``parts`` labelled around it, each joined
    to the shape by a leader line."""
    if not 1 <= len(parts) <= 16:
        raise ValueError("a labelled diagram needs between 1 and 16 parts")
    label_w, gap, center_w, center_h = 170.0, 50.0, 200.0, 120.0
    sizes = [text_size(p, 14, label_w) for p in parts]
    per_side = math.ceil(len(parts) / 2)
    row_h = max(h for _, h in sizes) + 14
    height = max(center_h, per_side * row_h)
    width = 2 * (label_w + gap) + center_w
    group = start_group(ctx, "diagram", width, height, near=near, side=side)
    x0, y0 = group.origin
    centre = Box(x0 + label_w + gap, y0 + (height - center_h) / 2, center_w, center_h)
    gid = group.group_id
    group.add(f"{gid}-main", "ellipse", role="main_shape", box=centre, text=title,
              style={"fill": "#FFF3E0", "stroke": color("accent"), "strokeWidth": 2, "fontSize": 18})
    for n, (part, (w, h)) in enumerate(zip(parts, sizes)):
        left = n % 2 == 0
        row = n // 2
        rows_here = per_side if left else len(parts) // 2
        top = y0 + (height - rows_here * row_h) / 2 + row * row_h + (row_h - h) / 2
        label = Box(x0 + label_w - w if left else centre.x2 + gap, top, w, h)
        group.add(f"{gid}-part{n}", "text", role="label", text=part, box=label, style={"fontSize": 14})
        anchor = (label.x2 + 4, label.center[1]) if left else (label.x - 4, label.center[1])
        group.add(f"{gid}-leader{n}", "line", role="leader", points=[anchor, _ellipse_edge(centre, anchor)],
                  style={"stroke": "#555555", "strokeWidth": 1})
    return group.finish()


def _ellipse_edge(ellipse: Box, toward: tuple[float, float]) -> tuple[float, float]:
    cx, cy = ellipse.center
    rx, ry = ellipse.width / 2, ellipse.height / 2
    dx, dy = toward[0] - cx, toward[1] - cy
    scale = 1 / math.sqrt((dx / rx) ** 2 + (dy / ry) ** 2)
    return (cx + dx * scale, cy + dy * scale)
