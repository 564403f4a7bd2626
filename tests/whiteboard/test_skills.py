import pytest

from tests.whiteboard.factories import new_context
from whiteboard_app import skills
from whiteboard_app.skills.expressions import ExpressionError, compile_expression, evaluate
from whiteboard_app.skills import Drawing
from whiteboard_app.skills.base import STYLE_TOKENS
from whiteboard_app.specs import ObjectSpec, bbox


def by_role(drawing: Drawing, role: str) -> list[ObjectSpec]:
    return [o for o in drawing.objects if o.metadata.role == role]


def every_skill(ctx):
    """One call of every object-drawing skill."""
    return [
        skills.draw_text(ctx, "Photosynthesis turns light into chemical energy."),
        skills.draw_shape(ctx, "rect", 120, 80, label="cell"),
        skills.draw_shape(ctx, "triangle", 100, 80),
        skills.draw_arrow(ctx, label="look here"),
        skills.draw_latex(ctx, r"E = mc^2"),
        skills.draw_table(ctx, [["H", "1"], ["He", "2"]], header=["element", "Z"]),
        skills.draw_axes(ctx, x_label="time", y_label="speed"),
        skills.draw_coordinate_plane(ctx, points=[(1, 2, "A")]),
        skills.draw_function_graph(ctx, expression="x^2 - 1", label="y = x² - 1"),
        skills.draw_flowchart(ctx, ["start", "test", "stop"], edges=[(0, 1), (1, 2, "ok"), (1, 0, "retry")]),
        skills.draw_timeline(ctx, [("1789", "Revolution"), ("1815", "Waterloo")]),
        skills.draw_labelled_diagram(ctx, "Heart", ["atrium", "ventricle", "valve"]),
        skills.draw_mcq(ctx, "2 + 2 = ?", ["3", "4", "5"]),
    ]


def test_every_skill_stamps_its_objects_and_keeps_them_inside_its_frame():
    ctx = new_context(turn_id="turn-9")
    drawings = every_skill(ctx)
    kinds = set()
    for drawing in drawings:
        frame = drawing.objects[0]
        assert frame.kind == "group" and frame.id == drawing.group_id
        for spec in drawing.objects:
            kinds.add(spec.kind)
            assert spec.metadata.source == "assistant"
            assert spec.metadata.group_id == drawing.group_id
            assert spec.metadata.turn_id == "turn-9"
            assert bbox(frame).contains(bbox(spec)), spec.id
    assert len({d.group_id for d in drawings}) == len(drawings)
    assert kinds >= {"group", "text", "rect", "polygon", "arrow", "latex", "line", "path", "ellipse"}


def test_skill_groups_never_overlap_each_other():
    frames = [bbox(d.objects[0]) for d in every_skill(new_context())]
    for i, a in enumerate(frames):
        assert not any(a.intersects(b) for b in frames[i + 1:])


def test_a_question_has_one_clickable_object_per_option():
    drawing = skills.draw_mcq(new_context(), "Which is a prime?", ["4", "6", "7", "9"], question_id="q42")
    options = by_role(drawing, "option")
    assert [o.metadata.option_index for o in options] == [0, 1, 2, 3]
    assert all(o.metadata.question_id == "q42" and o.kind == "rect" for o in options)
    assert [o.text for o in options] == ["A. 4", "B. 6", "C. 7", "D. 9"]
    assert by_role(drawing, "question")[0].text == "Which is a prime?"
    boxes = [bbox(o) for o in options]
    assert all(not a.intersects(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_feedback_marks_sit_beside_their_options_wherever_the_question_is():
    ctx = new_context()
    for _ in range(3):  # push later questions elsewhere on the board
        question = skills.draw_mcq(ctx, "Pick one", ["a", "b", "c"])
        feedback = skills.draw_mcq_feedback(ctx, question.objects, chosen_index=2, correct_index=0,
                                            explanation="a is right because it is first.")
        marks = {m.metadata.option_index: m for m in by_role(feedback, "mcq_feedback_mark")}
        assert marks[2].text == "✗" and marks[2].metadata.is_correct is False
        assert marks[0].text == "✓" and marks[0].metadata.is_correct is True
        for index, mark in marks.items():
            option = bbox(next(o for o in by_role(question, "option") if o.metadata.option_index == index))
            assert bbox(question.objects[0]).contains(bbox(mark))
            assert mark.x + mark.width <= option.x
            assert option.y <= bbox(mark).center[1] <= option.y + option.height
        explanation = by_role(feedback, "mcq_feedback_text")[0]
        assert explanation.y >= bbox(question.objects[0]).y
        recoloured = {o.id: o.style.stroke for o in feedback.objects if o.metadata.role == "option"}
        assert recoloured == {by_role(question, "option")[2].id: STYLE_TOKENS["error"],
                              by_role(question, "option")[0].id: STYLE_TOKENS["success"]}


def test_a_function_graph_breaks_where_the_function_is_undefined():
    drawing = skills.draw_function_graph(new_context(), expression="1/x", y_range=(-5, 5))
    curves = by_role(drawing, "graph")
    assert len(curves) == 2
    assert max(p[0] for p in curves[0].points) < min(p[0] for p in curves[1].points)


def test_a_graph_can_be_drawn_from_points():
    drawing = skills.draw_function_graph(new_context(), points=[(0, 0), (1, 1), (2, 4)])
    assert len(by_role(drawing, "graph")[0].points) == 3


@pytest.mark.parametrize("source", ["__import__('os').system('x')", "x.real", "(lambda: 1)()", "open('f')",
                                    "[x for x in ()]", "y + 1", "2x"])
def test_expressions_refuse_anything_but_maths(source):
    with pytest.raises(ExpressionError):
        compile_expression(source)


def test_expressions_compute_maths_and_report_undefined_points():
    f = compile_expression("sqrt(x) + 2^3 - abs(-1)")
    assert evaluate(f, 4) == 9
    assert evaluate(f, -1) is None
    assert evaluate(compile_expression("10^10^10"), 1) is None


def test_highlight_and_pointer_expire():
    ctx = new_context()
    ctx.clock = lambda: 1_000
    target = skills.draw_text(ctx, "x").objects[1]
    mark = skills.highlight(ctx, target).ephemeral[0]
    assert mark.kind == "highlight" and mark.target_id == target.id and mark.expiresAt == 61_000
    assert mark.x < target.x and mark.x + mark.width > target.x + target.width
    ping = skills.pointer(ctx, 100, 200).ephemeral[0]
    assert (ping.kind, ping.x, ping.y, ping.expiresAt) == ("pointer", 100, 200, 4_000)
    with pytest.raises(ValueError, match="off the board"):
        skills.pointer(ctx, 2000, 10)


def contrast_on_white(colour: str) -> float:
    """WCAG 2 contrast ratio of ``#rrggbb`` against white."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


def test_every_named_colour_reads_as_text_on_the_white_board_at_wcag_aa():
    assert {name: round(contrast_on_white(c), 2) for name, c in STYLE_TOKENS.items() if contrast_on_white(c) < 4.5} == {}
