import json

import pytest
from pycrdt import Doc

from boards_app.summary import summarize_board
from tests.whiteboard.factories import learner_stroke, new_context, rect
from whiteboard_app import skills
from whiteboard_app.board import BoardState, apply_drawing, objects_map, read_board
from whiteboard_app.specs import bbox


def busy_board() -> Doc:
    """A board with many groups of every sort and many learner drawings."""
    doc, ctx = Doc(), new_context()
    for n in range(4):
        apply_drawing(doc, skills.draw_mcq(ctx, f"Question {n}: what is {n} + {n}?", ["1", "2", "3", "4"],
                                           question_id=f"q{n}"))
    apply_drawing(doc, skills.draw_table(ctx, [["H", "1"], ["He", "2"]], header=["element", "Z"]))
    apply_drawing(doc, skills.draw_function_graph(ctx, expression="sin(x)", label="y = sin x"))
    apply_drawing(doc, skills.draw_flowchart(ctx, ["light", "chlorophyll", "glucose"]))
    apply_drawing(doc, skills.draw_latex(ctx, r"6CO_2 + 6H_2O \rightarrow C_6H_{12}O_6 + 6O_2"))
    state = read_board(doc)
    option = state.objects["mcq-q3-opt-2"]
    objects = objects_map(doc)
    circle = rect("u-circle", option.x - 2, option.y - 2, 60, option.height + 4, metadata={"role": "annotation"})
    objects[circle.id] = circle.to_json()
    for n in range(60):
        stroke = learner_stroke(f"u-stroke-{n}", [(1000 + n * 5, 900), (1005 + n * 5, 950)])
        objects[stroke.id] = stroke.to_json()
    return doc


@pytest.mark.parametrize("max_chars", [800, 2000, 4000])
def test_the_summary_of_a_busy_board_stays_within_its_bound(max_chars):
    doc = busy_board()
    summary = summarize_board(read_board(doc), max_chars=max_chars)
    assert len(summary.model_dump_json()) <= max_chars
    assert len(summary.as_text()) <= max_chars
    assert summary.omitted.groups + summary.omitted.annotations > 0
    assert "left out:" in summary.as_text()


def test_the_summary_names_what_is_drawn():
    doc = busy_board()
    summary = summarize_board(read_board(doc), max_chars=6000)
    what = {g.what for g in summary.groups}
    assert {"multiple-choice question", "table", "function graph", "flowchart", "formula"} <= what
    question = next(g for g in summary.groups if g.question_id == "q3")
    assert question.texts[0] == "Question 3: what is 3 + 3?"
    assert "C. 3" in question.texts
    text = summary.as_text()
    assert "Question 3: what is 3 + 3?" in text and "chlorophyll" in text and "$6CO_2" in text
    assert summary.objects_by_source["user"] == 61
    circle = next(a for a in summary.learner_annotations if a.id == "u-circle")
    assert "mcq-q3-opt-2" in circle.on and circle.kind == "annotation"


def test_an_empty_board_has_an_empty_summary():
    summary = summarize_board(BoardState())
    assert summary.groups == [] and summary.learner_annotations == []
    assert json.loads(summary.model_dump_json())["omitted"] == {"groups": 0, "annotations": 0, "invalid_entries": 0}


def test_positions_in_the_summary_are_the_drawn_boxes():
    doc, ctx = Doc(), new_context()
    drawing = skills.draw_text(ctx, "hello")
    apply_drawing(doc, drawing)
    group = summarize_board(read_board(doc)).groups[0]
    assert group.box == bbox(drawing.objects[0]).rounded()
    assert group.where == "top left" and group.texts == ["hello"]


def test_it_refuses_a_bound_too_small_to_mean_anything():
    with pytest.raises(ValueError, match="at least"):
        summarize_board(BoardState(), max_chars=100)
