"""The teacher's drawing tools: each validates the model's arguments (pydantic),
runs a skill against the session's stored board (actions.draw_on_board) and reports
the object ids, which the tutor socket sends as ``board.updated``.

    tools = board_tools(session_id, turn_id=turn_id, on_drawn=send_board_updated)
    teach(gw, ctx, request, tools={t.name: t for t in tools})

Placement: ``near_id`` names an object or group already on the board and ``side``
where to put the new drawing relative to it; without it drawings flow from the top
left into free space. When the board is full the oldest tutor drawings are cleared.
"""
from __future__ import annotations

from functools import cache
from typing import Any, Awaitable, Callable, Literal

from tutor_project.realtime.database import db
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agents_app.tools import Tool
from whiteboard_app import actions, skills
from whiteboard_app.board import BoardState
from whiteboard_app.geometry import Box
from whiteboard_app.skills import Drawing, SkillContext
from whiteboard_app.specs import bbox

OnDrawn = Callable[[list[str]], Awaitable[None]]


class Args(BaseModel):
    model_config = ConfigDict(extra="forbid")
    near_id: str | None = Field(None, description="id of an object or group to place the drawing next to")
    side: Literal["below", "right", "above", "left"] = "below"

    def near(self, state: BoardState) -> Box | None:
        if self.near_id is None:
            return None
        target = state.objects.get(self.near_id)
        if target is None:
            raise ValueError(f"there is no object with id {self.near_id!r} on the board")
        return bbox(target)


class TextArgs(Args):
    text: str = Field(min_length=1, max_length=500)
    font_size: float = Field(20, ge=10, le=48)


class ShapeArgs(Args):
    shape: Literal["rect", "ellipse", "triangle", "diamond"]
    width: float = Field(ge=10, le=800)
    height: float = Field(ge=10, le=600)
    label: str | None = Field(None, max_length=100)


class ArrowArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target_id: str | None = Field(None, description="the object the arrow points at")
    side: Literal["below", "right", "above", "left"] = "left"
    label: str | None = Field(None, max_length=100)


class LatexArgs(Args):
    latex: str = Field(min_length=1, max_length=500)


class TableArgs(Args):
    header: list[str] | None = Field(None, max_length=10)
    rows: list[list[str]] = Field(min_length=1, max_length=20)


class AxesArgs(Args):
    x_label: str = Field("x", max_length=40)
    y_label: str = Field("y", max_length=40)


class PlanePoint(BaseModel):
    x: float
    y: float
    label: str = Field("", max_length=40)


class PlaneArgs(Args):
    x_min: float = -5
    x_max: float = 5
    y_min: float = -5
    y_max: float = 5
    points: list[PlanePoint] = Field(default_factory=list, max_length=20)


class GraphArgs(Args):
    expression: str | None = Field(None, max_length=300, description="in x, e.g. 'x^2 - 2*x + 1' or 'sin(x)'")
    points: list[tuple[float, float]] | None = Field(None, max_length=200)
    x_min: float = -5
    x_max: float = 5
    y_min: float | None = None
    y_max: float | None = None
    label: str | None = Field(None, max_length=60)

    @model_validator(mode="after")
    def _one_source(self) -> GraphArgs:
        if (self.expression is None) == (self.points is None):
            raise ValueError("give exactly one of expression or points")
        return self


class FlowEdge(BaseModel):
    source: int = Field(alias="from", ge=0)
    target: int = Field(alias="to", ge=0)
    label: str | None = Field(None, max_length=40)


class FlowchartArgs(Args):
    steps: list[str] = Field(min_length=1, max_length=20)
    edges: list[FlowEdge] | None = None
    direction: Literal["down", "right"] = "down"


class TimelineEvent(BaseModel):
    date: str = Field(min_length=1, max_length=40)
    label: str = Field(min_length=1, max_length=120)


class TimelineArgs(Args):
    events: list[TimelineEvent] = Field(min_length=1, max_length=20)


class DiagramArgs(Args):
    title: str = Field(min_length=1, max_length=60)
    parts: list[str] = Field(min_length=1, max_length=16)


class HighlightArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    object_id: str
    seconds: float = Field(60, ge=1, le=600)


class PointArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    object_id: str | None = None
    x: float | None = Field(None, ge=0, le=1600)
    y: float | None = Field(None, ge=0, le=1000)


class EraseArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    group_id: str


def _target(state: BoardState, object_id: str):  # noqa: ANN202
    target = state.objects.get(object_id)
    if target is None:
        raise ValueError(f"there is no object with id {object_id!r} on the board")
    return target


def _point(ctx: SkillContext, state: BoardState, a: PointArgs) -> Drawing:
    if a.object_id is not None:
        target = _target(state, a.object_id)
        cx, cy = bbox(target).center
        return skills.pointer(ctx, cx, cy, target_id=target.id)
    if a.x is None or a.y is None:
        raise ValueError("give object_id, or both x and y")
    return skills.pointer(ctx, a.x, a.y)


Builder = Callable[[SkillContext, BoardState, Any], Drawing]

# name -> (description, argument model, builder)
DRAWING_TOOLS: dict[str, tuple[str, type[BaseModel], Builder]] = {
    "draw_text": ("Write a block of text on the whiteboard.", TextArgs,
                  lambda c, s, a: skills.draw_text(c, a.text, font_size=a.font_size, near=a.near(s), side=a.side)),
    "draw_shape": ("Draw a rectangle, ellipse, triangle or diamond with an optional label.", ShapeArgs,
                   lambda c, s, a: skills.draw_shape(c, a.shape, a.width, a.height, label=a.label,
                                                     near=a.near(s), side=a.side)),
    "draw_arrow": ("Draw an arrow pointing at an object on the board.", ArrowArgs,
                   lambda c, s, a: skills.draw_arrow(c, target=bbox(_target(s, a.target_id)) if a.target_id else None,
                                                     side=a.side, label=a.label)),
    "draw_latex": ("Write a formula in LaTeX.", LatexArgs,
                   lambda c, s, a: skills.draw_latex(c, a.latex, near=a.near(s), side=a.side)),
    "draw_table": ("Draw a table (optional header row).", TableArgs,
                   lambda c, s, a: skills.draw_table(c, a.rows, header=a.header, near=a.near(s), side=a.side)),
    "draw_axes": ("Draw two labelled axes.", AxesArgs,
                  lambda c, s, a: skills.draw_axes(c, x_label=a.x_label, y_label=a.y_label, near=a.near(s),
                                                   side=a.side)),
    "draw_coordinate_plane": ("Draw a coordinate plane with a grid and labelled points.", PlaneArgs,
                              lambda c, s, a: skills.draw_coordinate_plane(
                                  c, x_range=(a.x_min, a.x_max), y_range=(a.y_min, a.y_max),
                                  points=[(p.x, p.y, p.label) for p in a.points], near=a.near(s), side=a.side)),
    "draw_graph": ("Plot a function of x (a maths expression) or a list of points.", GraphArgs,
                   lambda c, s, a: skills.draw_function_graph(
                       c, expression=a.expression, points=a.points, x_range=(a.x_min, a.x_max),
                       y_range=(a.y_min, a.y_max) if a.y_min is not None and a.y_max is not None else None,
                       label=a.label, near=a.near(s), side=a.side)),
    "draw_flowchart": ("Draw a flowchart of steps joined by arrows (by default one after another).",
                       FlowchartArgs,
                       lambda c, s, a: skills.draw_flowchart(
                           c, a.steps, direction=a.direction, near=a.near(s), side=a.side,
                           edges=None if a.edges is None else [(e.source, e.target, e.label) if e.label
                                                               else (e.source, e.target) for e in a.edges])),
    "draw_timeline": ("Draw a timeline of dated events.", TimelineArgs,
                      lambda c, s, a: skills.draw_timeline(c, [(e.date, e.label) for e in a.events],
                                                           near=a.near(s), side=a.side)),
    "draw_diagram": ("Draw a labelled diagram: a central shape with its parts around it.", DiagramArgs,
                     lambda c, s, a: skills.draw_labelled_diagram(c, a.title, a.parts, near=a.near(s), side=a.side)),
    "highlight": ("Highlight an object on the board for a while.", HighlightArgs,
                  lambda c, s, a: skills.highlight(c, _target(s, a.object_id), ttl_ms=int(a.seconds * 1000))),
    "point_at": ("Show a pointer at an object or a position for a few seconds.", PointArgs, _point),
}


@cache
def _schema(model: type[BaseModel]) -> dict[str, Any]:
    # Generating a schema costs milliseconds and every turn offers every tool: built once
    # per model class (the models are fixed at import). Shared, so treat it as read-only.
    return model.model_json_schema(by_alias=True)


def _errors(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors())


def board_tools(session_id: int, *, turn_id: str | None, on_drawn: OnDrawn) -> list[Tool]:
    """The drawing tools for one turn of one session."""

    def drawing_tool(name: str, description: str, model: type[BaseModel], build: Builder) -> Tool:
        async def handler(arguments: dict[str, Any]) -> dict[str, Any]:
            try:
                parsed = model.model_validate(arguments)
            except ValidationError as exc:
                raise ValueError(_errors(exc)) from None
            drawing = await db(actions.draw_on_board)(
                session_id, lambda ctx, state: build(ctx, state, parsed), turn_id=turn_id
            )
            ids = drawing.object_ids + [e.id for e in drawing.ephemeral]
            await on_drawn(ids)
            frame = next((o for o in drawing.objects if o.id == drawing.group_id), None)
            return {"group_id": drawing.group_id, "object_ids": ids,
                    "box": list(bbox(frame).rounded()) if frame else None}

        return Tool(name=name, description=description, parameters=_schema(model), handler=handler)

    async def erase(arguments: dict[str, Any]) -> dict[str, Any]:
        try:
            parsed = EraseArgs.model_validate(arguments)
        except ValidationError as exc:
            raise ValueError(_errors(exc)) from None
        removed = await db(actions.erase_group)(session_id, parsed.group_id)
        await on_drawn(removed)
        return {"removed": removed}

    tools = [drawing_tool(name, *entry) for name, entry in DRAWING_TOOLS.items()]
    tools.append(Tool(name="erase", description="Erase one of your drawings by its group id.",
                      parameters=_schema(EraseArgs), handler=erase))
    return tools
