"""The board as a standalone SVG document (SPEC 4 export).

Every kind has a rendering. Text is wrapped with the same estimate the skills used to
size its box. LaTeX is not typeset on the server (that would need a TeX engine or a
JS runtime): a ``latex`` object is exported as its source in a ``<text>`` element with
``class="latex"`` and the source again in ``data-latex``, so a viewer that has KaTeX
can replace it. All text and attribute values are XML-escaped; images are limited by
the spec to http(s) and inline raster data.
"""
from __future__ import annotations

from typing import Iterable
from xml.sax.saxutils import escape, quoteattr

from whiteboard_app.board import BoardState
from whiteboard_app.geometry import BOARD, Box
from whiteboard_app.specs import EphemeralSpec, ObjectSpec
from whiteboard_app.textfit import line_height, wrap_text

DEFAULT_FONT = 16.0
# Paint order: frames, then filled shapes, then strokes, then text on top.
_LAYER = {"group": 0, "image": 1, "rect": 1, "ellipse": 1, "polygon": 1, "path": 2, "line": 2, "arrow": 2,
          "text": 3, "latex": 3}


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _attrs(**values: object) -> str:
    return "".join(
        f" {name.rstrip('_').replace('_', '-')}={quoteattr(str(v))}" for name, v in values.items() if v is not None
    )


def _paint(spec: ObjectSpec, *, fill: str | None, stroke: str | None) -> dict[str, object]:
    style = spec.style
    return {
        "fill": style.fill or fill,
        "stroke": style.stroke or stroke,
        "stroke_width": _n(style.strokeWidth) if style.strokeWidth is not None else ("2" if stroke else None),
    }


def _text_block(text: str, box: Box, font_size: float, colour: str, *, centred: bool, css: str = "") -> str:
    lines = wrap_text(text, font_size, max(box.width, font_size))
    step = line_height(font_size)
    top = box.y + (box.height - step * len(lines)) / 2 if centred else box.y
    x = box.center[0] if centred else box.x
    spans = "".join(
        f"<tspan{_attrs(x=_n(x), y=_n(top + step * (i + 0.8)))}>{escape(line)}</tspan>" for i, line in enumerate(lines)
    )
    anchor = "middle" if centred else None
    return (f"<text{_attrs(class_=css or None, font_size=_n(font_size), fill=colour, text_anchor=anchor)}>"
            f"{spans}</text>")


def _label(spec: ObjectSpec, box: Box) -> str:
    if not spec.text:
        return ""
    font = spec.style.fontSize or DEFAULT_FONT
    return _text_block(spec.text, Box(box.x + 4, box.y, box.width - 8, box.height), font, "#000000", centred=True)


def _points(spec: ObjectSpec) -> str:
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in spec.points or ())


def _element(spec: ObjectSpec) -> str:
    box = Box(spec.x or 0, spec.y or 0, spec.width or 0, spec.height or 0)
    kind = spec.kind
    if kind == "rect":
        return f"<rect{_attrs(x=_n(box.x), y=_n(box.y), width=_n(box.width), height=_n(box.height), **_paint(spec, fill='#FFFFFF', stroke='#000000'))}/>" + _label(spec, box)
    if kind == "ellipse":
        cx, cy = box.center
        return f"<ellipse{_attrs(cx=_n(cx), cy=_n(cy), rx=_n(box.width / 2), ry=_n(box.height / 2), **_paint(spec, fill='#FFFFFF', stroke='#000000'))}/>" + _label(spec, box)
    if kind == "polygon":
        return f"<polygon{_attrs(points=_points(spec), **_paint(spec, fill='#FFFFFF', stroke='#000000'))}/>" + _label(spec, box)
    if kind in ("line", "arrow"):
        marker = "url(#arrowhead)" if kind == "arrow" else None
        return f"<polyline{_attrs(points=_points(spec), marker_end=marker, **_paint(spec, fill='none', stroke='#000000'))}/>"
    if kind == "path":
        first, *rest = spec.points or [(0.0, 0.0)]
        d = f"M {_n(first[0])} {_n(first[1])} " + " ".join(f"L {_n(x)} {_n(y)}" for x, y in rest)
        paint = _paint(spec, fill="none", stroke="#000000")
        return f"<path{_attrs(d=d, stroke_linecap='round', stroke_linejoin='round', **paint)}/>"
    if kind == "text":
        return _text_block(spec.text or "", box, spec.style.fontSize or DEFAULT_FONT, spec.style.fill or "#000000", centred=False)
    if kind == "latex":
        block = _text_block(spec.latex or "", box, spec.style.fontSize or DEFAULT_FONT, spec.style.fill or "#000000",
                            centred=False, css="latex")
        return block.replace("<text ", f"<text data-latex={quoteattr(spec.latex or '')} ", 1)
    if kind == "image":
        return f"<image{_attrs(href=spec.src, x=_n(box.x), y=_n(box.y), width=_n(box.width), height=_n(box.height), preserveAspectRatio='xMidYMid meet')}/>"
    # group: the frame of one skill call, drawn only when it has a visible stroke.
    paint = _paint(spec, fill="none", stroke="none")
    frame = f"<rect{_attrs(x=_n(box.x), y=_n(box.y), width=_n(box.width), height=_n(box.height), stroke_dasharray='6 4', **paint)}/>"
    title = _text_block(spec.text, box, spec.style.fontSize or 14, "#555555", centred=False) if spec.text else ""
    return frame + title


def _ephemeral(entry: EphemeralSpec) -> str:
    if entry.kind == "pointer":
        return f"<circle{_attrs(cx=_n(entry.x), cy=_n(entry.y), r='10', fill='none', stroke=entry.color, stroke_width='3')}/>"
    return f"<rect{_attrs(x=_n(entry.x), y=_n(entry.y), width=_n(entry.width), height=_n(entry.height), fill=entry.color, fill_opacity='0.35')}/>"


def _ordered(objects: Iterable[ObjectSpec]) -> list[ObjectSpec]:
    return sorted(objects, key=lambda o: (_LAYER[o.kind], o.metadata.created_at or 0, o.id))


def render_svg(state: BoardState, *, include_ephemeral: bool = False) -> str:
    """The whole board as SVG text; each element carries its object's id, kind and
    source as data attributes."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg"{_attrs(width=_n(BOARD.width), height=_n(BOARD.height), viewBox=f"0 0 {_n(BOARD.width)} {_n(BOARD.height)}")}'
        ' font-family="Helvetica, Arial, sans-serif">',
        '<defs><marker id="arrowhead" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8"'
        ' orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="context-stroke"/></marker></defs>',
        f"<rect{_attrs(x='0', y='0', width=_n(BOARD.width), height=_n(BOARD.height), fill='#FFFFFF')}/>",
    ]
    for spec in _ordered(state.objects.values()):
        parts.append(
            f"<g{_attrs(data_id=spec.id, data_kind=spec.kind, data_source=spec.metadata.source, data_role=spec.metadata.role)}>"
            f"{_element(spec)}</g>"
        )
    if include_ephemeral:
        parts.extend(f"<g{_attrs(data_id=e.id, data_kind=e.kind)}>{_ephemeral(e)}</g>" for e in state.ephemeral.values())
    parts.append("</svg>")
    return "\n".join(parts)
