import xml.etree.ElementTree as ET

from pycrdt import Doc

from boards_app.svg import render_svg
from tests.whiteboard.factories import new_context, rect
from tests.whiteboard.test_skills import every_skill
from whiteboard_app import skills
from whiteboard_app.board import BoardState, apply_drawing, read_board
from whiteboard_app.specs import KINDS, parse_object
from whiteboard_app.textfit import line_height

SVG = "{http://www.w3.org/2000/svg}"
# The SVG element(s) each kind must produce.
EXPECTED_ELEMENT = {"rect": "rect", "ellipse": "ellipse", "polygon": "polygon", "line": "polyline",
                    "arrow": "polyline", "path": "path", "text": "text", "latex": "text", "image": "image",
                    "group": "rect"}


def board_with_every_kind() -> BoardState:
    doc, ctx = Doc(), new_context()
    for drawing in every_skill(ctx):
        apply_drawing(doc, drawing)
    state = read_board(doc)
    image = parse_object({"id": "u-photo", "kind": "image", "x": 1400, "y": 800, "width": 100, "height": 80,
                          "src": "https://example.org/leaf.png", "metadata": {"source": "user"}})
    state.objects[image.id] = image
    return state


def test_every_kind_is_rendered_into_well_formed_svg():
    state = board_with_every_kind()
    assert {o.kind for o in state.objects.values()} == set(KINDS)
    root = ET.fromstring(render_svg(state))
    groups = {g.get("data-id"): g for g in root.iter(f"{SVG}g")}
    assert set(groups) == set(state.objects)
    for object_id, spec in state.objects.items():
        element = groups[object_id]
        assert element.get("data-kind") == spec.kind
        assert element.find(f"{SVG}{EXPECTED_ELEMENT[spec.kind]}") is not None, object_id


def test_arrows_have_heads_and_text_and_latex_are_written_out():
    state = board_with_every_kind()
    root = ET.fromstring(render_svg(state))
    arrows = [g for g in root.iter(f"{SVG}g") if g.get("data-kind") == "arrow"]
    assert arrows and all(g.find(f"{SVG}polyline").get("marker-end") == "url(#arrowhead)" for g in arrows)
    latex = next(g for g in root.iter(f"{SVG}g") if g.get("data-kind") == "latex").find(f"{SVG}text")
    assert latex.get("class") == "latex" and latex.get("data-latex") == "E = mc^2"
    words = " ".join(t.text or "" for t in root.iter(f"{SVG}tspan"))
    assert "Photosynthesis" in words and "B. 4" in words


def test_text_and_attributes_are_escaped():
    nasty = 'a < b & "c" </text><script>alert(1)</script>'
    state = BoardState(objects={"r": rect("r", 10, 10, 400, 100, text=nasty)})
    svg = render_svg(state)
    root = ET.fromstring(svg)
    assert "<script>" not in svg
    assert not list(root.iter(f"{SVG}script"))
    assert " ".join(t.text or "" for t in root.iter(f"{SVG}tspan")) == " ".join(nasty.split())


def test_ephemeral_entries_are_exported_only_on_request():
    doc, ctx = Doc(), new_context()
    apply_drawing(doc, skills.pointer(ctx, 50, 60))
    state = read_board(doc)
    assert "<circle" not in render_svg(state)
    assert "<circle" in render_svg(state, include_ephemeral=True)


def test_exported_text_fits_the_box_the_skill_reserved():
    state = board_with_every_kind()
    root = ET.fromstring(render_svg(state))
    for g in root.iter(f"{SVG}g"):
        spec = state.objects[g.get("data-id")]
        if spec.kind == "group" or not (spec.text or spec.latex):
            continue
        lines = len(g.findall(f"{SVG}text/{SVG}tspan"))
        assert lines * line_height(spec.style.fontSize or 16) <= spec.height + 0.5, spec.id
