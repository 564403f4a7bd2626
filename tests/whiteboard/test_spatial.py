import random

from whiteboard_app.geometry import Box
from whiteboard_app.spatial import SpatialIndex


def test_it_finds_an_upserted_object_only_at_its_new_place():
    index = SpatialIndex()
    index.upsert("a", Box(0, 0, 50, 50))
    index.upsert("a", Box(500, 500, 50, 50))
    assert index.query(Box(10, 10, 5, 5)) == set()
    assert index.query(Box(510, 510, 5, 5)) == {"a"}
    assert len(index) == 1


def test_it_forgets_removed_objects():
    index = SpatialIndex()
    index.upsert("a", Box(0, 0, 300, 300))
    assert index.remove("a") is True
    assert index.remove("a") is False
    assert index.query(Box(0, 0, 1600, 1000)) == set()


def test_touching_edges_do_not_intersect():
    index = SpatialIndex()
    index.upsert("a", Box(100, 100, 100, 100))
    assert index.query(Box(200, 100, 50, 50)) == set()  # touches the right edge
    assert index.query(Box(0, 0, 100, 100)) == set()  # touches a corner
    assert index.query(Box(199.5, 100, 50, 50)) == {"a"}
    assert index.query(Box(150, 150, 0, 0)) == {"a"}  # a point inside


def test_queries_agree_with_checking_every_box():
    rng = random.Random(7)
    index = SpatialIndex(cell_size=64)
    boxes = {}
    for i in range(300):
        box = Box(rng.uniform(0, 1500), rng.uniform(0, 900), rng.uniform(0, 200), rng.uniform(0, 200))
        boxes[f"o{i}"] = box
        index.upsert(f"o{i}", box)
    for i in range(0, 300, 3):
        index.remove(f"o{i}")
        del boxes[f"o{i}"]
    for _ in range(200):
        probe = Box(rng.uniform(-50, 1600), rng.uniform(-50, 1000), rng.uniform(0, 400), rng.uniform(0, 400))
        assert index.query(probe) == {k for k, b in boxes.items() if b.intersects(probe)}
