"""The issue's bar: 50 questions one after another on a board with learner drawings,
no overlaps while space remains, and deleted content frees its space."""
import itertools
import math

import numpy as np

from pycrdt import Doc

from tests.whiteboard.factories import learner_stroke, rect
from whiteboard_app.board import (
    apply_drawing,
    assistant_groups_oldest_first,
    build_index,
    delete_group,
    objects_map,
    read_board,
)
from whiteboard_app.layout import BoardFullError, LayoutAllocator
from whiteboard_app.skills import SkillContext, draw_mcq
from whiteboard_app.specs import bbox

OPTIONS = ["a mitochondrion", "a ribosome", "the nucleus", "a chloroplast"]


def draw_learner_content(doc: Doc) -> None:
    objects = objects_map(doc)
    for spec in [
        learner_stroke("u-scribble", [(700, 300), (760, 340), (820, 310), (900, 380)]),
        learner_stroke("u-underline", [(40, 980), (600, 985)]),
        rect("u-box", 1300, 100, 150, 150),
        rect("u-note", 200, 600, 90, 40, text="?", metadata={"role": "annotation"}),
    ]:
        objects[spec.id] = spec.to_json()


def has_room(allocator: LayoutAllocator, width: float, height: float) -> bool:
    """An independent check on a 2-unit raster: obstacles (grown by the margin) and the
    board's edge are rounded outwards, so any window found here is truly free."""
    res, margin = 2, allocator.margin
    occupied = np.zeros((500, 800), dtype=np.int32)
    edge_lo, edge_hi = math.ceil(margin / res), math.floor((1600 - margin) / res)
    occupied[:, :edge_lo] = occupied[:, edge_hi:] = 1
    occupied[: math.ceil(margin / res), :] = occupied[math.floor((1000 - margin) / res):, :] = 1
    for _, box in allocator.index.items():
        grown = box.expand(margin)
        occupied[max(0, math.floor(grown.y / res)): math.ceil(grown.y2 / res),
                 max(0, math.floor(grown.x / res)): math.ceil(grown.x2 / res)] = 1
    kw, kh = math.ceil(width / res), math.ceil(height / res)
    sums = np.pad(occupied.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    windows = sums[kh:, kw:] - sums[:-kh, kw:] - sums[kh:, :-kw] + sums[:-kh, :-kw]
    return bool((windows == 0).any())


def assert_no_overlaps(doc: Doc) -> None:
    state = read_board(doc)
    frames = [bbox(o) for o in state.objects.values() if o.kind == "group"]
    learner = [bbox(o) for o in state.objects.values() if o.metadata.source == "user"]
    for i, frame in enumerate(frames):
        assert not any(frame.intersects(other) for other in frames[i + 1:])
        assert not any(frame.intersects(drawing) for drawing in learner)


def test_fifty_questions_in_a_row_never_overlap_and_reuse_cleared_space():
    doc = Doc()
    draw_learner_content(doc)
    clock = itertools.count(1)
    placed, cleared = 0, []
    for n in range(50):
        question = f"Question {n}: which organelle makes ATP?"
        while True:
            state = read_board(doc)
            ctx = SkillContext(LayoutAllocator(build_index(state)), clock=lambda: next(clock))
            try:
                drawing = draw_mcq(ctx, question, OPTIONS)
                break
            except BoardFullError as full:
                assert not has_room(ctx.allocator, full.width, full.height)
                # The caller's policy: clear the oldest assistant group, then try again.
                oldest = assistant_groups_oldest_first(state)[0]
                cleared.append(bbox(state.objects[oldest]))
                delete_group(doc, oldest)
        if cleared:
            assert any(bbox(drawing.objects[0]).intersects(c) for c in cleared)
        apply_drawing(doc, drawing)
        placed += 1
        assert_no_overlaps(doc)
    assert placed == 50
    assert len(cleared) > 0, "the board never filled up, so reuse was not exercised"
    assert {"u-scribble", "u-underline", "u-box", "u-note"} <= set(objects_map(doc).keys())


def test_the_board_holds_questions_until_it_is_really_full():
    doc = Doc()
    draw_learner_content(doc)
    count = 0
    while True:
        ctx = SkillContext(LayoutAllocator(build_index(read_board(doc))))
        try:
            apply_drawing(doc, draw_mcq(ctx, "Short?", ["yes", "no"]))
        except BoardFullError as full:
            assert not has_room(ctx.allocator, full.width, full.height)
            break
        count += 1
    assert count >= 15
    assert_no_overlaps(doc)
