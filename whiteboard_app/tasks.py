"""Celery tasks of the whiteboard: thin, named, idempotent by primary key."""
from __future__ import annotations

import time
from datetime import timedelta

from celery import shared_task
from django.db import DatabaseError
from django.db.models import F, Max, Q
from django.utils import timezone

from whiteboard_app import actions
from whiteboard_app.models import Board

RETRY = dict(max_retries=5, retry_backoff=2, retry_backoff_max=120, retry_jitter=True)
# A board is worth a new snapshot once this many log rows came after the last one.
COMPACT_AFTER_ROWS = 200
# Boards written to within this window are checked for stale ephemeral entries.
ACTIVE_WINDOW = timedelta(days=1)


@shared_task(name="whiteboard_app.compact_board", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(DatabaseError,), **RETRY)
def compact_board(board_id: int) -> int | None:
    """Fold the board's log into a snapshot; returns the snapshot's seq (None when
    there was nothing new or the board is gone)."""
    if not Board.objects.filter(pk=board_id).exists():
        return None
    snapshot = actions.compact_board(board_id)
    return snapshot.seq if snapshot else None


@shared_task(name="whiteboard_app.compact_boards", acks_late=True)
def compact_boards() -> int:
    """Queue compaction for every board whose log grew enough since its last snapshot."""
    due = (
        Board.objects.annotate(snapshot_seq=Max("snapshots__seq"))
        .filter(Q(snapshot_seq__isnull=True, last_seq__gte=COMPACT_AFTER_ROWS)
                | Q(last_seq__gte=F("snapshot_seq") + COMPACT_AFTER_ROWS))
        .values_list("pk", flat=True)
    )
    board_ids = list(due)
    for board_id in board_ids:
        compact_board.delay(board_id)
    return len(board_ids)


@shared_task(name="whiteboard_app.sweep_ephemeral", acks_late=True)
def sweep_ephemeral() -> int:
    """Remove expired pointers and highlights from recently used boards (live rooms
    also sweep their own); returns how many entries went."""
    since = timezone.now() - ACTIVE_WINDOW
    sessions = Board.objects.filter(updates__created_at__gte=since).values_list("session_id", flat=True).distinct()
    now_ms = int(time.time() * 1000)
    return sum(len(actions.sweep_stale_ephemeral(session_id, now_ms)) for session_id in sessions)
