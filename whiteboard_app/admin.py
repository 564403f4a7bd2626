"""Staff views of whiteboards: read-only (the log is append-only), with a compaction
action."""
from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from tutor_project.web.admin import ReadOnlyAdmin
from whiteboard_app import actions
from whiteboard_app.models import Board, BoardSnapshot, BoardUpdate


@admin.register(Board)
class BoardAdmin(ReadOnlyAdmin):
    list_display = ["session", "last_seq", "snapshots", "created_at"]
    search_fields = ["session__id", "session__learner__username"]
    actions = ["compact"]

    @admin.display(description="snapshots")
    def snapshots(self, board: Board) -> int:
        return board.snapshots.count()

    @admin.action(description="Fold the update log into a new snapshot")
    def compact(self, request: HttpRequest, boards: QuerySet[Board]) -> None:
        made = sum(1 for board in boards if actions.compact_board(board.pk))
        self.message_user(request, f"{made} new snapshot(s).", messages.SUCCESS)


@admin.register(BoardUpdate)
class BoardUpdateAdmin(ReadOnlyAdmin):
    list_display = ["board", "seq", "size", "origin", "created_at"]
    list_filter = ["created_at"]
    exclude = ["data"]


@admin.register(BoardSnapshot)
class BoardSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["board", "seq", "size", "object_count", "created_at"]
    exclude = ["state"]
