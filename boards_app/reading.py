"""Reading a session's board from storage, for the board endpoints and the tutor
(never creates a board: a session nobody drew on reads as an empty board)."""
from __future__ import annotations

from datetime import datetime

from pycrdt import Doc

from boards_app.summary import summarize_board
from sessions_app.models import TutorSession
from whiteboard_app.board import BoardState, read_board
from whiteboard_app.history import state_at
from whiteboard_app.models import Board, BoardUpdate


def board_of(session: TutorSession) -> Board | None:
    return Board.objects.filter(session=session).first()


def board_state(session: TutorSession, seq: int | None = None) -> tuple[BoardState, int]:
    """The board as of log row ``seq`` (latest when None) and the seq it reflects."""
    board = board_of(session)
    if board is None:
        return BoardState(), 0
    stored = state_at(board.pk, seq)
    doc = Doc()
    if stored.update:
        doc.apply_update(stored.update)
    return read_board(doc), stored.seq


def objects_json(state: BoardState) -> dict:
    """A board state as JSON: its objects, ephemeral entries, and entries that break the contract."""
    return {
        "objects": {key: spec.to_json() for key, spec in state.objects.items()},
        "ephemeral": {key: entry.to_json() for key, entry in state.ephemeral.items()},
        "invalid": [{"id": key, "reason": reason} for key, reason in state.invalid],
    }


def update_log(session: TutorSession) -> list[tuple[datetime, bytes]]:
    board = board_of(session)
    if board is None:
        return []
    rows = BoardUpdate.objects.filter(board=board).order_by("seq").values_list("created_at", "data")
    return [(created_at, bytes(data)) for created_at, data in rows]


def summary_text(session: TutorSession, *, max_chars: int = 2000) -> str:
    """The board as the teacher's prompt sees it."""
    state, _ = board_state(session)
    return summarize_board(state, max_chars=max_chars).as_text()


def clicked_option(session: TutorSession, object_id: str) -> tuple[str, int] | None:
    """(question_id, option_index) when a clicked board object is an option of a
    multiple-choice question, so the click can be graded as an answer."""
    state, _ = board_state(session)
    spec = state.objects.get(object_id)
    if spec is None or spec.metadata.role != "option":
        return None
    if spec.metadata.question_id is None or spec.metadata.option_index is None:
        return None
    return spec.metadata.question_id, spec.metadata.option_index
