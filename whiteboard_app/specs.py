"""The board object contract (SPEC 7), defined once and imported by every producer
and reader: skills, the board document layer, the summary, the SVG export.

Objects live in the Yjs map ``objects`` as plain JSON values (``ObjectSpec.to_json``),
which the stock JS client reads as ordinary objects. Geometry is in board units on the
fixed 1600 x 1000 board, origin top-left, y down; ``x, y`` is always the top-left corner
of the box (for ellipses too). Point kinds (line, arrow, path, polygon) carry ``points``;
their ``x, y, width, height`` are derived from the points so every reader can use the
box without knowing the kind.

A ``group`` object is the frame of one skill call: its box is the region the skill
reserved, and the members point at it with ``metadata.group_id`` (membership lives only
there, so it has a single source of truth).
"""
from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Mapping, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from whiteboard_app.geometry import BOARD, Box, points_box

Kind = Literal["rect", "ellipse", "text", "line", "arrow", "path", "polygon", "latex", "image", "group"]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]
Source = Literal["assistant", "user"]

BOX_KINDS = frozenset({"rect", "ellipse", "text", "latex", "image", "group"})
MIN_POINTS = {"line": 2, "arrow": 2, "path": 2, "polygon": 3}
# Kinds that may carry a text label (drawn centred in the shape, or as the frame title).
LABELLED_KINDS = frozenset({"text", "rect", "ellipse", "polygon", "group"})

MAX_TEXT = 2000
MAX_POINTS = 2000
# Derived boxes of point kinds are compared with given ones with this tolerance.
BOX_TOLERANCE = 0.5

ObjectId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$")]
_COLOR_RE = re.compile(
    r"^(#[0-9a-fA-F]{3,4}|#[0-9a-fA-F]{6}|#[0-9a-fA-F]{8}|[a-zA-Z]{3,20}|rgba?\([0-9., %]{3,40}\))$"
)


def _check_color(value: str) -> str:
    if not _COLOR_RE.match(value):
        raise ValueError(f"'{value[:40]}' is not a colour (use #rrggbb, a colour name or rgb()/rgba())")
    return value


Color = Annotated[str, AfterValidator(_check_color)]
# Only web and inline raster images: nothing that could run script in an SVG viewer.
ImageSrc = Annotated[
    str,
    Field(pattern=r"^(https?://[^\s\"'<>]{1,2000}|data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+)$"),
]


class SpecError(ValueError):
    """An object or ephemeral entry that breaks the contract; the message says why."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Style(_Strict):
    fill: Color | None = None
    stroke: Color | None = None
    strokeWidth: float | None = Field(None, ge=0, le=50)
    fontSize: float | None = Field(None, ge=6, le=200)


class Metadata(_Strict):
    source: Source
    role: str | None = Field(None, max_length=40)
    group_id: ObjectId | None = None
    question_id: ObjectId | None = None
    option_index: int | None = Field(None, ge=0, le=25)
    concept: str | None = Field(None, max_length=120)
    turn_id: str | None = Field(None, max_length=80)
    # Feedback marks say which way they went; annotations say what they point at.
    is_correct: bool | None = None
    linked_to: ObjectId | None = None
    # Milliseconds since the epoch; orders groups (oldest first) for the summary and
    # for callers that clear old content to make room.
    created_at: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _option_needs_question(self) -> Metadata:
        if self.option_index is not None and self.question_id is None:
            raise ValueError("option_index needs a question_id")
        return self


class ObjectSpec(_Strict):
    id: ObjectId
    kind: Kind
    x: float | None = None
    y: float | None = None
    width: float | None = Field(None, ge=0)
    height: float | None = Field(None, ge=0)
    points: list[tuple[float, float]] | None = Field(None, max_length=MAX_POINTS)
    style: Style = Field(default_factory=Style)
    text: str | None = Field(None, min_length=1, max_length=MAX_TEXT)
    latex: str | None = Field(None, min_length=1, max_length=MAX_TEXT)
    src: ImageSrc | None = None
    metadata: Metadata

    @model_validator(mode="after")
    def _check_kind(self) -> ObjectSpec:
        if self.kind in BOX_KINDS:
            _check_box_geometry(self)
        else:
            _check_point_geometry(self)
        _check_content(self)
        box = Box(self.x or 0.0, self.y or 0.0, self.width or 0.0, self.height or 0.0)
        if not BOARD.contains(box):
            raise ValueError(f"box {box.rounded()} leaves the {int(BOARD.width)}x{int(BOARD.height)} board")
        return self

    def to_json(self) -> dict[str, Any]:
        """The plain JSON value stored in the document (no nulls)."""
        return self.model_dump(mode="json", exclude_none=True)


def _check_box_geometry(spec: ObjectSpec) -> None:
    missing = [n for n in ("x", "y", "width", "height") if getattr(spec, n) is None]
    if missing:
        raise ValueError(f"kind '{spec.kind}' needs {', '.join(missing)}")
    if spec.points is not None:
        raise ValueError(f"kind '{spec.kind}' takes no points")
    if not spec.width or not spec.height:
        raise ValueError(f"kind '{spec.kind}' needs a positive width and height")


def _check_point_geometry(spec: ObjectSpec) -> None:
    needed = MIN_POINTS[spec.kind]
    if spec.points is None or len(spec.points) < needed:
        raise ValueError(f"kind '{spec.kind}' needs at least {needed} points")
    derived = points_box(spec.points)
    given = (spec.x, spec.y, spec.width, spec.height)
    if all(v is None for v in given):
        spec.x, spec.y, spec.width, spec.height = derived.x, derived.y, derived.width, derived.height
        return
    expected = (derived.x, derived.y, derived.width, derived.height)
    if any(v is None or abs(v - e) > BOX_TOLERANCE for v, e in zip(given, expected)):
        raise ValueError(f"x, y, width, height of kind '{spec.kind}' must be the box of its points")


def _check_content(spec: ObjectSpec) -> None:
    if spec.kind == "text" and spec.text is None:
        raise ValueError("kind 'text' needs text")
    if spec.text is not None and spec.kind not in LABELLED_KINDS:
        raise ValueError(f"kind '{spec.kind}' takes no text")
    if (spec.kind == "latex") != (spec.latex is not None):
        raise ValueError("latex is required for kind 'latex' and allowed nowhere else")
    if (spec.kind == "image") != (spec.src is not None):
        raise ValueError("src is required for kind 'image' and allowed nowhere else")


class EphemeralSpec(_Strict):
    """A pointer or highlight in the ``ephemeral`` map; the server deletes it once
    ``expiresAt`` (milliseconds since the epoch) has passed."""

    id: ObjectId
    kind: Literal["highlight", "pointer"]
    x: float
    y: float
    width: float = Field(0.0, ge=0)
    height: float = Field(0.0, ge=0)
    target_id: ObjectId | None = None
    color: Color
    expiresAt: int = Field(ge=0)
    source: Source

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


_Model = TypeVar("_Model", ObjectSpec, EphemeralSpec)


def _parse(model: type[_Model], what: str, data: Any, key: str | None) -> _Model:
    label = key or (data.get("id") if isinstance(data, Mapping) else None) or "?"
    if not isinstance(data, Mapping):
        raise SpecError(f"{what} '{label}': expected a JSON object, got {type(data).__name__}")
    try:
        item = model.model_validate(data)
    except ValidationError as exc:
        raise SpecError(f"{what} '{label}': {_describe(exc)}") from None
    if key is not None and item.id != key:
        raise SpecError(f"{what} '{label}': stored under key '{key}' but its id is '{item.id}'")
    return item


def parse_object(data: Mapping[str, Any] | Any, *, key: str | None = None) -> ObjectSpec:
    """Validate one stored or proposed object; raise SpecError with a readable reason.
    ``key`` is the map key it was stored under, which must equal its id."""
    return _parse(ObjectSpec, "object", data, key)


def parse_ephemeral(data: Mapping[str, Any] | Any, *, key: str | None = None) -> EphemeralSpec:
    """The same for an entry of the ``ephemeral`` map."""
    return _parse(EphemeralSpec, "ephemeral", data, key)


def bbox(spec: ObjectSpec) -> Box:
    """The space an object takes. Point kinds grow by half their stroke so a thin line
    still occupies room for layout."""
    box = Box(spec.x or 0.0, spec.y or 0.0, spec.width or 0.0, spec.height or 0.0)
    if spec.kind in BOX_KINDS:
        return box
    pad = max((spec.style.strokeWidth or 2.0) / 2, 1.0)
    return box.expand(pad)



def object_spec_json_schema() -> dict[str, Any]:
    """The published JSON Schema of a board object (SPEC 7), generated from ObjectSpec.
    It states the shape (fields, types, ranges, patterns); the rules across fields (a
    kind's required geometry, the box inside the board) are in ``parse_object``, which
    the room applies to every object a client writes."""
    schema = ObjectSpec.model_json_schema(mode="validation")
    schema["$id"] = "https://ai-tutor.invalid/schemas/board-object.json"
    schema["description"] = "One object of the board's Y.Map('objects'), stored under its id."
    return schema
