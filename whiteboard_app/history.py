"""Reading a board's stored history, for every reader (live rooms, the tutor, the
board endpoints, exports): the state at any ``seq`` (latest snapshot plus the log
after it), the log rows a live room has not seen yet, and the update log itself.
A session nobody drew on reads as an empty board; reading never creates one."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pycrdt import Doc

from sessions_app.models import TutorSession
from whiteboard_app.board import BoardState, read_board
from whiteboard_app.models import Board, BoardSnapshot, BoardUpdate
from whiteboard_app.specs import ObjectSpec


@dataclass(frozen=True)
class StoredState:
    update: bytes  # the whole document as one Yjs update (b"" when empty)
    seq: int  # every log row with seq <= this is included


def _doc_from(snapshot: bytes | None, updates: list[bytes]) -> Doc:
    doc = Doc()
    if snapshot:
        doc.apply_update(snapshot)
    for update in updates:
        doc.apply_update(update)
    return doc


def state_at(board_id: int, seq: int | None = None) -> StoredState:
    """The document as of log row ``seq`` (the latest when None)."""
    snapshots = BoardSnapshot.objects.filter(board_id=board_id)
    updates = BoardUpdate.objects.filter(board_id=board_id)
    if seq is not None:
        snapshots = snapshots.filter(seq__lte=seq)
        updates = updates.filter(seq__lte=seq)
    snapshot = snapshots.order_by("-seq").values_list("seq", "state").first()
    base_seq, base = (snapshot[0], bytes(snapshot[1])) if snapshot else (0, None)
    rows = list(updates.filter(seq__gt=base_seq).order_by("seq").values_list("seq", "data"))
    doc = _doc_from(base, [bytes(data) for _, data in rows])
    last = rows[-1][0] if rows else base_seq
    return StoredState(update=doc.get_update(), seq=last)


def updates_after(board_id: int, seq: int, *, exclude_origin: str) -> tuple[list[bytes], int]:
    """Log rows after ``seq`` written by others, and the highest seq read."""
    rows = list(
        BoardUpdate.objects.filter(board_id=board_id, seq__gt=seq)
        .order_by("seq")
        .values_list("seq", "origin", "data")
    )
    if not rows:
        return [], seq
    return [bytes(data) for _, origin, data in rows if origin != exclude_origin], rows[-1][0]


def board_of(session: TutorSession) -> Board | None:
    return Board.objects.filter(session=session).first()


def board_state(session: TutorSession, seq: int | None = None) -> tuple[BoardState, int]:
    """A session's board as of log row ``seq`` (latest when None) and the seq it reflects."""
    board = board_of(session)
    if board is None:
        return BoardState(), 0
    stored = state_at(board.pk, seq)
    doc = Doc()
    if stored.update:
        doc.apply_update(stored.update)
    return read_board(doc), stored.seq


def update_log(session: TutorSession) -> list[tuple[datetime, bytes]]:
    board = board_of(session)
    if board is None:
        return []
    rows = BoardUpdate.objects.filter(board=board).order_by("seq").values_list("created_at", "data")
    return [(created_at, bytes(data)) for created_at, data in rows]


def drawn_object(session: TutorSession, object_id: str) -> ObjectSpec | None:
    """The object drawn on the session's board under that id, if any."""
    state, _ = board_state(session)
    return state.objects.get(object_id)


def option_of(spec: ObjectSpec) -> tuple[str, int] | None:
    """(question_id, option_index) when the object is an option of a multiple-choice
    question, so a click on it can be graded as an answer."""
    if spec.metadata.role != "option":
        return None
    if spec.metadata.question_id is None or spec.metadata.option_index is None:
        return None
    return spec.metadata.question_id, spec.metadata.option_index
