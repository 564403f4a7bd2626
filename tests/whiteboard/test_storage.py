"""The update log, snapshots, history, server-side drawing and the Celery tasks."""
import pytest
from pycrdt import Doc

from tests.whiteboard.factories import learner_stroke
from tutor_project.celery import app
from whiteboard_app import actions, tasks
from whiteboard_app.board import ephemeral_map, objects_map, read_board
from whiteboard_app.history import state_at
from whiteboard_app.models import Board, BoardSnapshot, BoardUpdate
from whiteboard_app.skills import draw_mcq
from whiteboard_app.specs import bbox


@pytest.fixture
def board(tutor_session):
    return actions.board_for_session(tutor_session)


@pytest.fixture
def eager_celery():
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def client_edit(change) -> bytes:
    """The update a client would send for ``change``."""
    doc, captured = Doc(), []
    doc.observe(lambda event: captured.append(event.update))
    change(doc)
    return captured[0]


def keys(update: bytes) -> set[str]:
    doc = Doc()
    doc.apply_update(update)
    return set(objects_map(doc).keys())


def put(key: str):
    return lambda doc: objects_map(doc).__setitem__(key, {"id": key})


def test_log_rows_are_numbered_per_board_and_history_reads_any_point(board):
    seqs = [actions.append_update(board.pk, client_edit(put(f"k{n}")), origin="t") for n in range(3)]
    assert seqs == [1, 2, 3]
    assert keys(state_at(board.pk).update) == {"k0", "k1", "k2"}
    assert keys(state_at(board.pk, seq=2).update) == {"k0", "k1"}
    assert state_at(board.pk, seq=2).seq == 2


def test_compaction_folds_the_log_into_a_snapshot_without_changing_the_state(board):
    for n in range(5):
        actions.append_update(board.pk, client_edit(put(f"k{n}")), origin="t")
    before = keys(state_at(board.pk).update)
    assert tasks.compact_board(board.pk) == 5
    snapshot = BoardSnapshot.objects.get(board=board)
    assert (snapshot.seq, snapshot.object_count) == (5, 5)
    assert keys(bytes(snapshot.state)) == before == keys(state_at(board.pk).update)
    assert tasks.compact_board(board.pk) is None  # nothing new
    actions.append_update(board.pk, client_edit(put("late")), origin="t")
    assert keys(state_at(board.pk).update) == before | {"late"}
    assert BoardUpdate.objects.filter(board=board).count() == 6  # the log stays for history


def test_the_sweep_queues_compaction_only_for_boards_that_grew(board, monkeypatch, eager_celery):
    assert tasks.compact_boards() == 0
    monkeypatch.setattr(tasks, "COMPACT_AFTER_ROWS", 3)
    for n in range(3):
        actions.append_update(board.pk, client_edit(put(f"k{n}")), origin="t")
    assert tasks.compact_boards() == 1
    assert BoardSnapshot.objects.filter(board=board, seq=3).exists()
    assert tasks.compact_boards() == 0


def test_the_server_draws_around_what_learners_drew(board, tutor_session):
    stroke = learner_stroke("u-1", [(20, 20), (400, 300)])
    actions.append_update(board.pk, client_edit(lambda doc: objects_map(doc).__setitem__("u-1", stroke.to_json())),
                          origin="t")
    drawing = actions.draw_on_board(tutor_session.pk, lambda ctx, state: draw_mcq(ctx, "Q?", ["a", "b"]),
                                    turn_id="turn-3")
    doc = Doc()
    doc.apply_update(state_at(board.pk).update)
    state = read_board(doc)
    assert set(drawing.object_ids) <= set(state.objects)
    assert not bbox(drawing.objects[0]).intersects(bbox(stroke))
    assert all(o.metadata.turn_id == "turn-3" for o in drawing.objects)


def test_the_ephemeral_sweep_clears_expired_entries_of_stored_boards(board, tutor_session):
    entry = {"id": "p", "kind": "pointer", "x": 1, "y": 1, "color": "red", "expiresAt": 1, "source": "user"}
    actions.append_update(board.pk, client_edit(lambda doc: ephemeral_map(doc).__setitem__("p", entry)), origin="t")
    assert tasks.sweep_ephemeral() == 1
    doc = Doc()
    doc.apply_update(state_at(board.pk).update)
    assert len(ephemeral_map(doc)) == 0
    assert tasks.sweep_ephemeral() == 0


def test_compaction_and_the_ephemeral_sweep_are_scheduled(db):
    from django_celery_beat.models import PeriodicTask

    app.loader.import_default_modules()
    scheduled = dict(PeriodicTask.objects.filter(task__startswith="whiteboard_app.").values_list("task", "enabled"))
    assert scheduled == {"whiteboard_app.compact_boards": True, "whiteboard_app.sweep_ephemeral": True}
    assert set(scheduled) <= set(app.tasks)
