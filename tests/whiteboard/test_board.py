from pycrdt import Doc

from tests.whiteboard.factories import new_context, rect
from whiteboard_app import skills
from whiteboard_app.board import (
    apply_drawing,
    build_index,
    delete_group,
    delete_objects,
    ephemeral_map,
    objects_map,
    read_board,
    remove_stale_ephemeral,
)
from whiteboard_app.specs import bbox


def test_a_drawing_is_written_as_one_update_of_plain_json_values():
    doc, updates = Doc(), []
    doc.observe(lambda event: updates.append(event.update))
    drawing = skills.draw_table(new_context(), [["a", "b"], ["c", "d"]])
    apply_drawing(doc, drawing)
    assert len(updates) == 1
    other = Doc()
    other.apply_update(updates[0])
    stored = objects_map(other).to_py()
    assert set(stored) == set(drawing.object_ids)
    assert all(isinstance(value, dict) for value in stored.values())
    assert stored[drawing.group_id]["kind"] == "group"


def test_reading_skips_entries_that_break_the_contract_and_says_why():
    doc = Doc()
    objects = objects_map(doc)
    objects["good"] = rect("good", 10, 10, 50, 50).to_json()
    objects["bad"] = {"id": "bad", "kind": "text", "x": 0, "y": 0, "width": 5, "height": 5,
                      "metadata": {"source": "user"}}
    objects["junk"] = "not an object"
    state = read_board(doc)
    assert set(state.objects) == {"good"}
    reasons = dict(state.invalid)
    assert "kind 'text' needs text" in reasons["bad"]
    assert "expected a JSON object" in reasons["junk"]


def test_deleting_a_question_removes_its_feedback_and_frees_the_index():
    doc, ctx = Doc(), new_context()
    question = skills.draw_mcq(ctx, "Q?", ["x", "y"], question_id="q7")
    apply_drawing(doc, question)
    state = read_board(doc)
    apply_drawing(doc, skills.draw_mcq_feedback(ctx, state.question("q7"), chosen_index=1, correct_index=1,
                                                explanation="y it is."))
    apply_drawing(doc, skills.draw_text(ctx, "keep me"))
    removed = delete_group(doc, "mcq-q7")
    assert "mcq-q7-feedback-text" in removed and "mcq-q7-opt-1-mark" in removed
    left = read_board(doc)
    assert all(not o.id.startswith("mcq-q7") for o in left.objects.values())
    assert any(o.text == "keep me" for o in left.objects.values())
    index = build_index(left)
    assert index.query(bbox(question.objects[0])) == set()
    assert delete_objects(doc, ["missing"]) == []


def test_the_sweeper_removes_only_stale_ephemeral_entries():
    doc, ctx = Doc(), new_context()
    ctx.clock = lambda: 10_000
    apply_drawing(doc, skills.pointer(ctx, 5, 5, ttl_ms=1_000))
    live = skills.highlight(ctx, rect("r", 10, 10, 20, 20), ttl_ms=60_000)
    apply_drawing(doc, live)
    ephemeral_map(doc)["broken"] = {"id": "broken", "kind": "pointer"}
    removed = remove_stale_ephemeral(doc, now_ms=12_000)
    assert len(removed) == 2 and "broken" in removed
    assert set(ephemeral_map(doc).keys()) == {live.group_id}
    assert remove_stale_ephemeral(doc, now_ms=12_001) == []
