"""Reading a board's stored state: latest snapshot plus the log after it, the state
at a given ``seq``, and the log rows a live room has not seen yet."""
from __future__ import annotations

from dataclasses import dataclass

from pycrdt import Doc

from whiteboard_app.models import BoardSnapshot, BoardUpdate


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
