import pytest

from whiteboard_app.geometry import Box
from whiteboard_app.layout import BoardFullError, LayoutAllocator
from whiteboard_app.spatial import SpatialIndex


def allocator_with(*boxes: Box, margin: float = 10) -> LayoutAllocator:
    index = SpatialIndex()
    for n, box in enumerate(boxes):
        index.upsert(f"o{n}", box)
    return LayoutAllocator(index, margin=margin)


def test_it_places_the_first_box_at_the_top_left_inside_the_margin():
    assert allocator_with().find_space(200, 100) == Box(10, 10, 200, 100)


def test_it_keeps_the_margin_from_everything_on_the_board():
    learner = Box(0, 0, 400, 300)
    found = allocator_with(learner).find_space(300, 200)
    assert found is not None
    assert not found.intersects(learner.expand(10))
    assert found == Box(410, 10, 300, 200)


def test_it_finds_the_only_gap_left():
    # Two blocks leave one 120-wide slot in the middle of the board.
    left, right = Box(0, 0, 700, 1000), Box(840, 0, 760, 1000)
    allocator = allocator_with(left, right)
    assert allocator.find_space(100, 900) == Box(710, 10, 100, 900)
    assert allocator.find_space(130, 100) is None


def test_it_says_clearly_when_the_board_is_full():
    allocator = allocator_with(Box(0, 0, 1600, 1000))
    assert allocator.find_space(10, 10) is None
    with pytest.raises(BoardFullError, match="no free 10x10 space left"):
        allocator.allocate(10, 10)
    assert allocator_with().find_space(1700, 10) is None


@pytest.mark.parametrize(
    ("side", "expected"),
    [("below", Box(600, 510, 100, 50)), ("right", Box(810, 400, 100, 50)),
     ("above", Box(600, 340, 100, 50)), ("left", Box(490, 400, 100, 50))],
)
def test_it_places_next_to_an_anchor_on_the_requested_side(side, expected):
    anchor = Box(600, 400, 200, 100)
    assert allocator_with(anchor).find_space(100, 50, near=anchor, side=side) == expected


def test_anchored_placement_moves_to_the_nearest_free_spot_when_the_side_is_taken():
    anchor, blocker = Box(600, 400, 200, 100), Box(500, 510, 400, 200)
    found = allocator_with(anchor, blocker).find_space(100, 50, near=anchor, side="below")
    assert found is not None
    assert not found.intersects(anchor.expand(10)) and not found.intersects(blocker.expand(10))
    assert abs(found.x - 600) + abs(found.y - 510) < 250
