from datetime import datetime, timedelta, timezone

from pycrdt import Doc

from boards_app.analytics import learner_annotations_over_time, objects_by_source_and_kind
from tests.whiteboard.factories import learner_stroke, new_context
from whiteboard_app import skills
from whiteboard_app.board import apply_drawing, objects_map, read_board

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)


def recorded_session() -> tuple[bytes, list[tuple[datetime, bytes]]]:
    """A board whose every change is captured as (time, update), like the update log."""
    doc, log = Doc(), []
    clock = {"now": T0}
    doc.observe(lambda event: log.append((clock["now"], event.update)))
    apply_drawing(doc, skills.draw_text(new_context(), "Label the leaf"))
    objects = objects_map(doc)
    for minute, count in ((0, 2), (1, 3), (3, 1)):
        clock["now"] = T0 + timedelta(minutes=minute, seconds=20)
        for n in range(count):
            stroke = learner_stroke(f"u-{minute}-{n}", [(10 + n, 900), (60 + n, 950)])
            objects[stroke.id] = stroke.to_json()
    clock["now"] = T0 + timedelta(minutes=3, seconds=40)
    del objects["u-0-0"]
    return doc.get_update(), log


def test_it_counts_learner_annotations_per_minute_from_the_log():
    _, log = recorded_session()
    timeline = learner_annotations_over_time(log)
    rows = [(b.start - T0, b.added, b.removed, b.total) for b in timeline.buckets]
    assert rows == [
        (timedelta(0), 2, 0, 2),
        (timedelta(minutes=1), 3, 0, 5),
        (timedelta(minutes=3), 1, 1, 5),
    ]
    assert timeline.skipped_updates == 0


def test_a_snapshot_base_is_not_counted_and_bad_entries_are_skipped():
    _, log = recorded_session()
    base = Doc()
    for _, update in log[:3]:
        base.apply_update(update)
    timeline = learner_annotations_over_time([*log[3:], (T0 + timedelta(minutes=9), b"\x00garbage")],
                                             base_state=base.get_update())
    assert timeline.skipped_updates == 1
    assert timeline.buckets[-1].total == 5
    assert sum(b.added for b in timeline.buckets) == 6 - 2


def test_it_counts_objects_by_source_and_kind():
    state_doc, _ = recorded_session()
    doc = Doc()
    doc.apply_update(state_doc)
    counts = objects_by_source_and_kind(read_board(doc).objects.values())
    assert counts == {"assistant": {"group": 1, "text": 1}, "user": {"path": 5}}
