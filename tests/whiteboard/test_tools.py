"""The teacher's drawing tools against a stored board (the model's side of drawing)."""
import asyncio

import pytest
from pycrdt import Doc

from tests.whiteboard.factories import learner_stroke
from whiteboard_app import actions
from whiteboard_app.board import objects_map, read_board
from whiteboard_app.history import state_at
from whiteboard_app.specs import bbox
from whiteboard_app.tools import DRAWING_TOOLS, board_tools


@pytest.fixture
def run(transactional_db, tutor_session):
    """Call a tool by name as the teacher would; returns (result, ids announced)."""
    announced: list[list[str]] = []

    async def on_drawn(ids: list[str]) -> None:
        announced.append(ids)

    tools = {t.name: t for t in board_tools(tutor_session.pk, turn_id="turn-7", on_drawn=on_drawn)}

    def call(name: str, **arguments):
        result = asyncio.run(tools[name].handler(arguments))
        return result, announced[-1]

    return call


def stored(session) -> dict:
    doc = Doc()
    doc.apply_update(state_at(actions.board_for_session(session).pk).update)
    return read_board(doc).objects


def test_every_tool_offers_a_json_schema():
    for name, (description, model, _) in DRAWING_TOOLS.items():
        schema = model.model_json_schema()
        assert schema["type"] == "object" and description


def test_a_tool_draws_on_the_stored_board_and_announces_the_ids(run, tutor_session):
    result, ids = run("draw_graph", expression="x^2 - 1", label="parabola")
    assert result["object_ids"] == ids
    objects = stored(tutor_session)
    assert set(ids) <= set(objects)
    assert all(objects[i].metadata.turn_id == "turn-7" for i in ids)
    assert any(objects[i].metadata.role == "graph" for i in ids)


def test_drawings_can_be_placed_next_to_what_is_on_the_board(run, tutor_session):
    question = actions.draw_question(tutor_session.pk, question_id="q9", prompt="2+2?", options=["3", "4"])
    result, _ = run("draw_text", text="Hint: count on your fingers", near_id=question.group_id, side="right")
    anchor = bbox(question.objects[0])
    assert result["box"][0] >= anchor.x2 and abs(result["box"][1] - anchor.y) < 1


def test_bad_arguments_get_a_readable_error(run):
    with pytest.raises(ValueError, match="give exactly one of expression or points"):
        run("draw_graph", expression="x", points=[[0, 0], [1, 1]])
    with pytest.raises(ValueError, match="colour: Extra inputs are not permitted"):
        run("draw_text", text="x", colour="red")
    with pytest.raises(ValueError, match="no object with id 'nope'"):
        run("highlight", object_id="nope")
    with pytest.raises(ValueError, match="not an allowed function"):
        run("draw_graph", expression="__import__('os').getcwd()")


def test_feedback_is_drawn_by_the_question_and_erase_removes_only_tutor_drawings(run, tutor_session):
    actions.draw_question(tutor_session.pk, question_id="q1", prompt="Capital of France?", options=["Rome", "Paris"])
    feedback = actions.draw_answer_feedback(tutor_session.pk, question_id="q1", chosen_index=0, correct_index=1,
                                            explanation="Paris is the capital.")
    assert {"mcq-q1-opt-0-mark", "mcq-q1-opt-1-mark", "mcq-q1-feedback-text"} <= set(feedback.object_ids)
    board = actions.board_for_session(tutor_session)
    doc, captured = Doc(), []
    doc.observe(lambda event: captured.append(event.update))
    objects_map(doc)["u-1"] = learner_stroke("u-1", [(1000, 900), (1100, 950)]).to_json()
    actions.append_update(board.pk, captured[0], origin="test")
    result, _ = run("erase", group_id="mcq-q1")
    assert "mcq-q1-feedback-text" in result["removed"]
    assert set(stored(tutor_session)) == {"u-1"}
    with pytest.raises(ValueError, match="no drawing of the tutor"):
        run("erase", group_id="u-1")


def test_a_full_board_makes_room_by_clearing_the_oldest_tutor_drawings(run, tutor_session):
    rows = [[f"row {r} with some words", "and a second column"] for r in range(8)]
    groups = [run("draw_table", rows=rows)[0]["group_id"] for _ in range(12)]
    objects = stored(tutor_session)
    assert groups[-1] in objects and groups[0] not in objects
    frames = [bbox(o) for o in objects.values() if o.kind == "group"]
    assert all(not a.intersects(b) for i, a in enumerate(frames) for b in frames[i + 1:])
