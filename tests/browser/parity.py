"""Cases the web app's pure modules are checked against, computed by the server's own code:
text wrapping (whiteboard_app/textfit.py), the SVG of each kind (boards_app/svg.py) and the
object spec's verdicts (whiteboard_app/specs.py). Written to frontend/src/test/fixtures/
by `python -m tests.browser.parity`; tests/browser/test_frontend_unit.py fails when stale."""
from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from typing import Any

from tests.support.servers import ROOT

FIXTURES = ROOT / "frontend" / "src" / "test" / "fixtures"

TEXTS = [
    "", "one", "The light reactions happen in the thylakoid membranes.", "a\nb\n\nc",
    "Supercalifragilisticexpialidocious is long", "tabs\tand  double  spaces", "naïve café — ünïcödé ∑ 🙂 text",
    "x" * 120, "  leading and trailing  ", "line one\r\nline two\r\n", "word " * 40,
]
SIZES = [(16, 200), (14, 96), (24, 600), (20, 30), (12.5, 137.4), (16, 8.8)]

OBJECTS: list[dict[str, Any]] = [
    {"id": "r1", "kind": "rect", "x": 10, "y": 20, "width": 300, "height": 80, "text": "Chlorophyll absorbs red and blue light",
     "style": {"fill": "#FFFFFF", "stroke": "#555555", "strokeWidth": 1, "fontSize": 18},
     "metadata": {"source": "assistant", "role": "option", "question_id": "q1", "option_index": 0, "created_at": 5}},
    {"id": "e1", "kind": "ellipse", "x": 400, "y": 50.25, "width": 120.5, "height": 60, "metadata": {"source": "user"}},
    {"id": "t1", "kind": "text", "x": 600, "y": 40, "width": 250, "height": 90, "text": "Photosynthesis turns light into sugar.\nIn leaves.",
     "style": {"fontSize": 20, "fill": "#1d4ed8"}, "metadata": {"source": "assistant", "role": "question", "created_at": 3}},
    {"id": "a1", "kind": "arrow", "points": [[100, 500], [300.35, 650.05]], "style": {"stroke": "#b91c1c", "strokeWidth": 3},
     "metadata": {"source": "user"}},
    {"id": "l1", "kind": "line", "points": [[0, 0], [1600, 1000]], "metadata": {"source": "assistant", "role": "grid"}},
    {"id": "p1", "kind": "path", "points": [[10, 900], [12.25, 905.75], [20, 910], [35.5, 880]], "metadata": {"source": "user"}},
    {"id": "pg1", "kind": "polygon", "points": [[700, 700], [800, 700], [750, 780]], "text": "tri",
     "metadata": {"source": "assistant"}},
    {"id": "x1", "kind": "latex", "x": 900, "y": 100, "width": 300, "height": 40, "latex": "6CO_2 + 6H_2O \\to C_6H_{12}O_6",
     "style": {"fontSize": 22}, "metadata": {"source": "assistant"}},
    {"id": "i1", "kind": "image", "x": 1200, "y": 600, "width": 100, "height": 100, "src": "data:image/png;base64,iVBORw0KGgo=",
     "metadata": {"source": "assistant"}},
    {"id": "g1", "kind": "group", "x": 5, "y": 5, "width": 500, "height": 400, "text": "Question 1",
     "style": {"stroke": "#4b5563"}, "metadata": {"source": "assistant", "created_at": 1}},
    {"id": "g2", "kind": "group", "x": 900, "y": 300, "width": 200, "height": 100, "metadata": {"source": "assistant", "created_at": 2}},
]

INVALID: list[dict[str, Any]] = [
    {"id": "bad id!", "kind": "rect", "x": 0, "y": 0, "width": 1, "height": 1, "metadata": {"source": "user"}},
    {"id": "r", "kind": "rect", "x": 1500, "y": 0, "width": 200, "height": 10, "metadata": {"source": "user"}},
    {"id": "r", "kind": "rect", "x": 0, "y": 0, "width": 0, "height": 10, "metadata": {"source": "user"}},
    {"id": "r", "kind": "rect", "x": 0, "y": 0, "width": 5, "height": 10, "metadata": {"source": "robot"}},
    {"id": "r", "kind": "rect", "x": 0, "y": 0, "width": 5, "height": 10, "metadata": {"source": "user"}, "colour": "red"},
    {"id": "r", "kind": "rect", "x": 0, "y": 0, "width": 5, "height": 10, "style": {"fill": "javascript:alert(1)"},
     "metadata": {"source": "user"}},
    {"id": "r", "kind": "rect", "x": 0, "y": 0, "width": 5, "height": 10, "style": {"strokeWidth": 51}, "metadata": {"source": "user"}},
    {"id": "t", "kind": "text", "x": 0, "y": 0, "width": 5, "height": 10, "metadata": {"source": "user"}},
    {"id": "t", "kind": "text", "x": 0, "y": 0, "width": 5, "height": 10, "text": "x" * 2001, "metadata": {"source": "user"}},
    {"id": "a", "kind": "arrow", "points": [[0, 0]], "metadata": {"source": "user"}},
    {"id": "a", "kind": "arrow", "points": [[0, 0], [10, 10]], "x": 0, "y": 0, "width": 20, "height": 10, "metadata": {"source": "user"}},
    {"id": "a", "kind": "line", "points": [[0, 0], [10, 10]], "text": "no", "metadata": {"source": "user"}},
    {"id": "p", "kind": "path", "points": [[0, 0], [1601, 10]], "metadata": {"source": "user"}},
    {"id": "x", "kind": "latex", "x": 0, "y": 0, "width": 5, "height": 5, "metadata": {"source": "user"}},
    {"id": "i", "kind": "image", "x": 0, "y": 0, "width": 5, "height": 5, "src": "javascript:alert(1)", "metadata": {"source": "user"}},
    {"id": "o", "kind": "rect", "x": 0, "y": 0, "width": 5, "height": 5, "metadata": {"source": "user", "option_index": 1}},
    {"id": "k", "kind": "kite", "x": 0, "y": 0, "width": 5, "height": 5, "metadata": {"source": "user"}},
    {"id": "r", "kind": "rect", "x": 0, "y": 0, "width": 5, "height": 10, "metadata": {"source": "user", "role": "r" * 41}},
]


def _tree(element: ET.Element) -> dict[str, Any]:
    children: list[Any] = [element.text] if element.text else []
    for child in element:
        children.append(_tree(child))
        if child.tail:
            children.append(child.tail)
    return {"tag": element.tag.split("}")[-1], "attrs": dict(element.attrib), "children": children}


def fixtures() -> dict[str, str]:
    from whiteboard_app.board import BoardState
    from whiteboard_app.specs import SpecError, parse_object
    from whiteboard_app.textfit import text_size, wrap_text
    from boards_app.svg import render_svg

    textfit = [{"text": t, "font": f, "width": w, "lines": wrap_text(t, f, w), "size": list(text_size(t, f, w))}
               for t in TEXTS for f, w in SIZES]
    specs = {o["id"]: parse_object(o) for o in OBJECTS}
    svg = ET.fromstring(render_svg(BoardState(objects=specs)))
    groups = [g for g in svg if g.get("data-id")]
    render = {"objects": OBJECTS, "order": [g.get("data-id") for g in groups], "nodes": [_tree(g) for g in groups]}

    def verdict(data: dict[str, Any]) -> bool:
        try:
            parse_object(data, key=data["id"])
            return True
        except SpecError:
            return False

    validation = [{"object": o, "valid": verdict(o)} for o in OBJECTS + INVALID]
    return {name: json.dumps(data, indent=1, ensure_ascii=False) + "\n" for name, data in
            {"textfit.json": textfit, "render.json": render, "validation.json": validation}.items()}


def write() -> None:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for name, text in fixtures().items():
        (FIXTURES / name).write_text(text, encoding="utf-8")
        print(f"wrote {FIXTURES / name}", file=sys.stderr)


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutor_project.settings")
    django.setup()
    write()
