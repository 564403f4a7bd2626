"""Storage of whiteboard rooms: one Board per tutor session, its append-only Yjs
update log and compacted snapshots.

``Board.last_seq`` numbers the log per board; a writer takes the board row lock to
hand out the next number, so rows become visible in ``seq`` order and a process that
has read up to ``seq`` N can catch up with ``seq > N`` without gaps.
"""
from __future__ import annotations

from django.db import models

from sessions_app.models import TutorSession


class Board(models.Model):
    session = models.OneToOneField(TutorSession, on_delete=models.CASCADE, related_name="board")
    last_seq = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"board of session {self.session_id} (seq {self.last_seq})"


class BoardUpdate(models.Model):
    """One batch of Yjs updates (merged), as received within a few tens of ms."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="updates")
    seq = models.PositiveBigIntegerField()
    data = models.BinaryField()
    size = models.PositiveIntegerField()
    # The process (room instance) that wrote it, so it skips its own rows on catch-up.
    origin = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["board_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["board", "seq"], name="board_update_unique_seq")]

    def __str__(self) -> str:
        return f"board {self.board_id} update {self.seq} ({self.size} B)"


class BoardSnapshot(models.Model):
    """The whole document as of update ``seq`` (every update with seq <= it)."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="snapshots")
    seq = models.PositiveBigIntegerField()
    state = models.BinaryField()
    size = models.PositiveIntegerField()
    object_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["board_id", "-seq"]
        constraints = [models.UniqueConstraint(fields=["board", "seq"], name="board_snapshot_unique_seq")]

    def __str__(self) -> str:
        return f"board {self.board_id} snapshot at {self.seq}"
