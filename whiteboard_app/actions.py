"""Every state change of the whiteboard's storage, one function each (sync; async
callers, such as a live room writing its update log, wrap them with
``database_sync_to_async``)."""
from __future__ import annotations

import uuid
from typing import Any, Callable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from pycrdt import Doc

from sessions_app.models import TutorSession
from whiteboard_app.board import (
    BoardState,
    apply_drawing,
    assistant_groups_oldest_first,
    build_index,
    delete_group,
    objects_map,
    read_board,
    remove_stale_ephemeral,
)
from whiteboard_app.history import state_at
from whiteboard_app.layout import BoardFullError, LayoutAllocator
from whiteboard_app.models import Board, BoardSnapshot, BoardUpdate
from whiteboard_app.skills import Drawing, SkillContext, draw_mcq, draw_mcq_feedback

# A skill call bound to its arguments: it gets the context and the current board.
Build = Callable[[SkillContext, BoardState], Drawing]


def group_name(session_id: int) -> str:
    """The channel-layer group of a room: every process holding it listens there."""
    return f"whiteboard.{session_id}"


def board_for_session(session: TutorSession | int) -> Board:
    session_id = session if isinstance(session, int) else session.pk
    board, _ = Board.objects.get_or_create(session_id=session_id)
    return board


def append_update(board_id: int, data: bytes, *, origin: str) -> int:
    """Store one (merged) update as the next row of the log; returns its seq."""
    with transaction.atomic():
        board = Board.objects.select_for_update().only("last_seq").get(pk=board_id)
        seq = board.last_seq + 1
        Board.objects.filter(pk=board_id).update(last_seq=seq)
        BoardUpdate.objects.create(board_id=board_id, seq=seq, data=data, size=len(data), origin=origin)
    return seq


def compact_board(board_id: int) -> BoardSnapshot | None:
    """Fold the log into a new snapshot of the whole document. The log itself stays
    (history and analytics read it); loading starts from the newest snapshot. Does
    nothing when no update arrived since the last snapshot."""
    latest = BoardSnapshot.objects.filter(board_id=board_id).order_by("-seq").values_list("seq", flat=True).first()
    if not BoardUpdate.objects.filter(board_id=board_id, seq__gt=latest or 0).exists():
        return None
    # Slow work outside any transaction; the unique (board, seq) makes a concurrent
    # compaction of the same state fail harmlessly.
    stored = state_at(board_id)
    doc = Doc()
    doc.apply_update(stored.update)
    snapshot, _ = BoardSnapshot.objects.get_or_create(
        board_id=board_id, seq=stored.seq,
        defaults={"state": stored.update, "size": len(stored.update), "object_count": len(objects_map(doc))},
    )
    return snapshot


def _write_stored(session_id: int, change: Callable[[Doc], Any]) -> Any:
    """Apply ``change`` to the stored board (not a live room): read the stored document,
    run the change, append what it wrote to the log, then ring the room's doorbell so
    live rooms apply it at once (they also catch up from the log on their own)."""
    board = board_for_session(session_id)
    doc = Doc()
    doc.apply_update(state_at(board.pk).update)
    captured: list[bytes] = []
    subscription = doc.observe(lambda event: captured.append(event.update))
    try:
        result = change(doc)
    finally:
        doc.unobserve(subscription)
    for update in captured:
        seq = append_update(board.pk, update, origin=f"server-{uuid.uuid4().hex[:12]}")
        ring_doorbell(session_id, update, seq)
    return result


def draw_on_board(session_id: int, build: Build, *, turn_id: str | None = None, make_room: bool = True) -> Drawing:
    """Let a skill draw on a session's board from any process (a tutor turn, a task).
    The drawing is placed against the stored board, learner drawings included. When
    the board is full and ``make_room`` is set, the oldest assistant groups are cleared
    one by one until the drawing fits (the product's policy; learner drawings are
    never cleared); BoardFullError when it cannot fit even on an otherwise empty board."""

    def change(doc: Doc) -> Drawing:
        while True:
            state = read_board(doc)
            try:
                drawing = build(SkillContext(LayoutAllocator(build_index(state)), turn_id=turn_id), state)
                break
            except BoardFullError:
                oldest = assistant_groups_oldest_first(state)
                if not make_room or not oldest:
                    raise
                delete_group(doc, oldest[0])
        apply_drawing(doc, drawing)
        return drawing

    return _write_stored(session_id, change)


def sweep_stale_ephemeral(session_id: int, now_ms: int) -> list[str]:
    """Remove expired pointers and highlights from a stored board."""
    return _write_stored(session_id, lambda doc: remove_stale_ephemeral(doc, now_ms))


def erase_group(session_id: int, group_id: str) -> list[str]:
    """Delete one of the tutor's groups (never learner drawings); returns the ids."""

    def change(doc: Doc) -> list[str]:
        frame = read_board(doc).objects.get(group_id)
        if frame is None or frame.kind != "group" or frame.metadata.source != "assistant":
            raise ValueError(f"there is no drawing of the tutor with id {group_id!r}")
        return delete_group(doc, group_id)

    return _write_stored(session_id, change)


def draw_question(session_id: int, *, question_id: str, prompt: str, options: list[str],
                  turn_id: str | None = None) -> Drawing:
    """A multiple-choice question on the board: one object per option (role option,
    question_id, option_index), so a click anywhere on an option answers it."""
    return draw_on_board(
        session_id, lambda ctx, state: draw_mcq(ctx, prompt, options, question_id=question_id), turn_id=turn_id
    )


def draw_answer_feedback(session_id: int, *, question_id: str, chosen_index: int, correct_index: int,
                         explanation: str | None = None, turn_id: str | None = None) -> Drawing:
    """Marks beside the chosen and correct options and an explanation below the
    question, wherever the question is on the board."""
    return draw_on_board(
        session_id,
        lambda ctx, state: draw_mcq_feedback(ctx, state.question(question_id), chosen_index=chosen_index,
                                             correct_index=correct_index, explanation=explanation),
        turn_id=turn_id,
    )


def ring_doorbell(session_id: int, update: bytes, seq: int) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(
            group_name(session_id), {"type": "board.update", "origin": "store", "data": update, "seq": seq}
        )
