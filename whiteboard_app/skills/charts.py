"""Tables, axes, coordinate planes and function graphs."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from whiteboard_app.geometry import Box
from whiteboard_app.layout import Side
from whiteboard_app.skills.base import Drawing, GroupBuilder, SkillContext, color, start_group
from whiteboard_app.skills.expressions import compile_expression, evaluate
from whiteboard_app.textfit import line_height, text_size

CELL_PAD = 6.0
MAX_CELL_WIDTH = 260.0
MAX_CELLS = 200
TICK_FONT = 12.0
LABEL_FONT = 14.0
SAMPLES = 240


def draw_table(
    ctx: SkillContext,
    rows: Sequence[Sequence[str]],
    *,
    header: Sequence[str] | None = None,
    font_size: float = 16,
    near: Box | None = None,
    side: Side = "below",
) -> Drawing:
    """A grid of cells, one rect-with-text object per cell; the header row is tinted."""
    table = [list(header)] if header else []
    table += [list(r) for r in rows]
    cols = max((len(r) for r in table), default=0)
    if not table or cols == 0 or len(table) * cols > MAX_CELLS:
        raise ValueError(f"a table needs between 1 and {MAX_CELLS} cells")
    table = [r + [""] * (cols - len(r)) for r in table]
    sizes = [[text_size(c or " ", font_size, MAX_CELL_WIDTH - 2 * CELL_PAD) for c in r] for r in table]
    widths = [max(sizes[r][c][0] for r in range(len(table))) + 2 * CELL_PAD for c in range(cols)]
    heights = [max(s[1] for s in row) + 2 * CELL_PAD for row in sizes]
    group = start_group(ctx, "table", sum(widths), sum(heights), near=near, side=side)
    x0, y = group.origin
    for r, row in enumerate(table):
        x = x0
        is_header = bool(header) and r == 0
        for c, text in enumerate(row):
            extra = {"text": text} if text.strip() else {}
            group.add(
                f"{group.group_id}-r{r}c{c}", "rect", box=Box(x, y, widths[c], heights[r]),
                role="table_header" if is_header else "table_cell",
                style={"fill": "#BBDEFB" if is_header else "#FFFFFF", "stroke": "#0D47A1", "strokeWidth": 1,
                       "fontSize": font_size},
                **extra,
            )
            x += widths[c]
        y += heights[r]
    return group.finish()


def draw_axes(
    ctx: SkillContext,
    *,
    x_label: str = "x",
    y_label: str = "y",
    width: float = 400,
    height: float = 300,
    near: Box | None = None,
    side: Side = "below",
) -> Drawing:
    """Two labelled axes with arrowheads meeting at the bottom-left corner."""
    label_w, label_h = text_size(x_label, LABEL_FONT, 200)
    y_w, y_h = text_size(y_label, LABEL_FONT, 200)
    group = start_group(ctx, "axes", width + label_w + 8, y_h + 4 + height + label_h / 2, near=near, side=side)
    x, y = group.origin
    ox, oy = x, y + y_h + 4 + height
    stroke = {"stroke": "#000000", "strokeWidth": 2}
    group.add(f"{group.group_id}-x", "arrow", role="axis_x", points=[(ox, oy), (ox + width, oy)], style=stroke)
    group.add(f"{group.group_id}-y", "arrow", role="axis_y", points=[(ox, oy), (ox, oy - height)], style=stroke)
    group.add(f"{group.group_id}-xl", "text", role="axis_label_x", text=x_label,
              box=Box(ox + width + 8, oy - label_h / 2, label_w, label_h), style={"fontSize": LABEL_FONT})
    group.add(f"{group.group_id}-yl", "text", role="axis_label_y", text=y_label,
              box=Box(x, y, y_w, y_h), style={"fontSize": LABEL_FONT})
    return group.finish()


@dataclass(frozen=True)
class _Plane:
    """Maps maths coordinates into the plot area of a coordinate plane."""

    area: Box
    x_range: tuple[float, float]
    y_range: tuple[float, float]

    def to_board(self, x: float, y: float) -> tuple[float, float]:
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        return (
            self.area.x + (x - x0) / (x1 - x0) * self.area.width,
            self.area.y2 - (y - y0) / (y1 - y0) * self.area.height,
        )

    def contains(self, x: float, y: float) -> bool:
        return self.x_range[0] <= x <= self.x_range[1] and self.y_range[0] <= y <= self.y_range[1]


def nice_ticks(low: float, high: float, target: int = 6) -> list[float]:
    """Round tick values (1, 2 or 5 times a power of ten) covering [low, high]."""
    raw = (high - low) / max(target, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    count = int(math.floor((high - first) / step + 1e-9)) + 1
    return [round(first + i * step, 10) for i in range(count)]


def _check_range(name: str, value: tuple[float, float]) -> tuple[float, float]:
    low, high = float(value[0]), float(value[1])
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"{name} must be two finite numbers, low < high")
    return (low, high)


def _draw_plane(group: GroupBuilder, plane: _Plane, *, grid: bool, x_label: str, y_label: str) -> None:
    gid, area = group.group_id, plane.area
    for i, tx in enumerate(nice_ticks(*plane.x_range)):
        px, _ = plane.to_board(tx, plane.y_range[0])
        if grid:
            group.add(f"{gid}-gx{i}", "line", role="grid", points=[(px, area.y), (px, area.y2)],
                      style={"stroke": "#E0E0E0", "strokeWidth": 1})
        label = _format_tick(tx)
        w, h = text_size(label, TICK_FONT, 80)
        group.add(f"{gid}-tx{i}", "text", role="tick_label_x", text=label,
                  box=Box(px - w / 2, area.y2 + 4, w, h), style={"fontSize": TICK_FONT, "fill": "#555555"})
    for i, ty in enumerate(nice_ticks(*plane.y_range)):
        _, py = plane.to_board(plane.x_range[0], ty)
        if grid:
            group.add(f"{gid}-gy{i}", "line", role="grid", points=[(area.x, py), (area.x2, py)],
                      style={"stroke": "#E0E0E0", "strokeWidth": 1})
        label = _format_tick(ty)
        w, h = text_size(label, TICK_FONT, 80)
        group.add(f"{gid}-ty{i}", "text", role="tick_label_y", text=label,
                  box=Box(area.x - w - 6, py - h / 2, w, h), style={"fontSize": TICK_FONT, "fill": "#555555"})
    # Axes cross at the origin when it is visible, otherwise along the plot's edges.
    ax = min(max(0.0, plane.x_range[0]), plane.x_range[1])
    ay = min(max(0.0, plane.y_range[0]), plane.y_range[1])
    ox, oy = plane.to_board(ax, ay)
    axis = {"stroke": "#000000", "strokeWidth": 2}
    group.add(f"{gid}-ax", "arrow", role="axis_x", points=[(area.x, oy), (area.x2, oy)], style=axis)
    group.add(f"{gid}-ay", "arrow", role="axis_y", points=[(ox, area.y2), (ox, area.y)], style=axis)
    lw, lh = text_size(x_label, LABEL_FONT, 120)
    group.add(f"{gid}-xl", "text", role="axis_label_x", text=x_label,
              box=Box(area.x2 + 6, oy - lh / 2, lw, lh), style={"fontSize": LABEL_FONT})
    lw, lh = text_size(y_label, LABEL_FONT, 120)
    group.add(f"{gid}-yl", "text", role="axis_label_y", text=y_label,
              box=Box(ox - lw / 2, area.y - lh - 4, lw, lh), style={"fontSize": LABEL_FONT})


def _format_tick(value: float) -> str:
    return f"{value:g}"


def _plane_group(
    ctx: SkillContext, prefix: str, width: float, height: float, x_range: tuple[float, float],
    y_range: tuple[float, float], near: Box | None, side: Side,
) -> tuple[GroupBuilder, _Plane]:
    # Room around the plot area for tick labels (left, below) and axis labels (right, above).
    widest = max(text_size(_format_tick(t), TICK_FONT, 80)[0] for t in nice_ticks(*y_range))
    left, right, top, bottom = max(48.0, widest + 10), 70.0, 26.0, 24.0
    group = start_group(ctx, prefix, width + left + right, height + top + bottom, near=near, side=side)
    x, y = group.origin
    return group, _Plane(Box(x + left, y + top, width, height), x_range, y_range)


def draw_coordinate_plane(
    ctx: SkillContext,
    *,
    x_range: tuple[float, float] = (-5, 5),
    y_range: tuple[float, float] = (-5, 5),
    points: Sequence[tuple[float, float, str]] = (),
    grid: bool = True,
    width: float = 400,
    height: float = 320,
    x_label: str = "x",
    y_label: str = "y",
    near: Box | None = None,
    side: Side = "below",
) -> Drawing:
    """A scaled plane with ticks, optional grid and labelled points (x, y, label)."""
    x_range, y_range = _check_range("x_range", x_range), _check_range("y_range", y_range)
    group, plane = _plane_group(ctx, "plane", width, height, x_range, y_range, near, side)
    _draw_plane(group, plane, grid=grid, x_label=x_label, y_label=y_label)
    for i, (px, py, label) in enumerate(points):
        if not plane.contains(px, py):
            raise ValueError(f"point ({px}, {py}) is outside the plane's ranges")
        bx, by = plane.to_board(px, py)
        group.add(f"{group.group_id}-p{i}", "ellipse", role="point", box=Box(bx - 4, by - 4, 8, 8),
                  style={"fill": color("accent"), "stroke": color("accent")})
        if label:
            w, h = text_size(label, TICK_FONT, 120)
            lx = min(bx + 6, plane.area.x2 + 60 - w)
            group.add(f"{group.group_id}-pl{i}", "text", role="point_label", text=label,
                      box=Box(lx, max(by - h - 2, plane.area.y - 20), w, h), style={"fontSize": TICK_FONT})
    return group.finish()


def sample_function(
    expression: str, x_range: tuple[float, float], samples: int = SAMPLES
) -> list[tuple[float, float | None]]:
    function = compile_expression(expression)
    x0, x1 = x_range
    return [(x, evaluate(function, x)) for x in (x0 + (x1 - x0) * i / (samples - 1) for i in range(samples))]


def _auto_range(values: Sequence[float]) -> tuple[float, float]:
    if not values:
        return (-1.0, 1.0)
    low, high = min(values), max(values)
    if high - low < 1e-9:
        return (low - 1, high + 1)
    pad = (high - low) * 0.1
    return (low - pad, high + pad)


def _segments(plane: _Plane, samples: Sequence[tuple[float, float | None]]) -> list[list[tuple[float, float]]]:
    """Runs of consecutive defined samples inside the plane, in board units."""
    runs: list[list[tuple[float, float]]] = [[]]
    for x, y in samples:
        if y is None or not plane.contains(x, y):
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append(plane.to_board(x, y))
    return [r for r in runs if len(r) >= 2]


def draw_function_graph(
    ctx: SkillContext,
    *,
    expression: str | None = None,
    points: Sequence[tuple[float, float]] | None = None,
    x_range: tuple[float, float] = (-5, 5),
    y_range: tuple[float, float] | None = None,
    label: str | None = None,
    width: float = 400,
    height: float = 320,
    colour: str | None = "primary",
    near: Box | None = None,
    side: Side = "below",
) -> Drawing:
    """The graph of ``expression`` (in x, see expressions.py) or of given points over a
    coordinate plane; the y range is fitted to the values when not given."""
    if (expression is None) == (points is None):
        raise ValueError("give exactly one of expression or points")
    x_range = _check_range("x_range", x_range)
    if expression is not None:
        samples = sample_function(expression, x_range)
    else:
        samples = sorted((float(px), float(py)) for px, py in points or ())
        if len(samples) < 2:
            raise ValueError("a graph from points needs at least 2 points")
        x_range = _check_range("x_range", _auto_range([s[0] for s in samples]))
    fitted = _auto_range([y for _, y in samples if y is not None])
    y_range = _check_range("y_range", y_range or fitted)
    group, plane = _plane_group(ctx, "graph", width, height, x_range, y_range, near, side)
    _draw_plane(group, plane, grid=True, x_label="x", y_label="y")
    runs = _segments(plane, samples)
    if not runs:
        raise ValueError("the function has no visible values in these ranges")
    stroke = color(colour)
    for i, run in enumerate(runs):
        group.add(f"{group.group_id}-curve{i}", "path", role="graph", points=run,
                  style={"stroke": stroke, "strokeWidth": 2, "fill": "none"})
    if label:
        w, h = text_size(label, LABEL_FONT, 160)
        group.add(f"{group.group_id}-label", "text", role="graph_label", text=label,
                  box=Box(plane.area.x2 - w, plane.area.y - line_height(LABEL_FONT) - 4, w, h),
                  style={"fontSize": LABEL_FONT, "fill": stroke})
    return group.finish()
