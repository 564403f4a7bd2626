"""The log, not the bell, is what every socket can count on.

Bells may not arrive: the channel layer delivers at most once, a process whose Redis
subscription dropped misses what was published meanwhile, and on the embedded default the
in-memory layer does not reach across processes at all (the Celery worker's document
progress is logged, but its bell rings only in the worker). So each process reads the log
positions of the sessions it has sockets for, in one query every CATCHUP_SECONDS, and a
socket still behind what the log held a tick earlier reads what it missed.
"""
from __future__ import annotations

import asyncio
import logging

from sessions_app.models import TutorSession
from sessions_app.tutor.delivery import Delivery
from tutor_project.realtime.database import db

logger = logging.getLogger(__name__)

CATCHUP_SECONDS = 1.0


class Watcher:
    def __init__(self) -> None:
        self._sockets: dict[int, set[Delivery]] = {}
        self._seen: dict[int, int] = {}  # each session's last seq at the previous look
        self._task: asyncio.Task | None = None

    def watch(self, delivery: Delivery) -> None:
        self._sockets.setdefault(delivery.session_id, set()).add(delivery)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())

    def unwatch(self, delivery: Delivery) -> None:
        sockets = self._sockets.get(delivery.session_id, set())
        sockets.discard(delivery)
        if not sockets:
            self._sockets.pop(delivery.session_id, None)

    async def _run(self) -> None:
        while self._sockets:
            await asyncio.sleep(CATCHUP_SECONDS)
            try:
                await self._look()
            except Exception:  # the database is away: look again next time
                logger.warning("could not read the tutor logs' positions", exc_info=True)

    async def _look(self) -> None:
        lasts = await db(_last_seqs)(list(self._sockets))
        for session_id, last in lasts.items():
            settled = min(last, self._seen.get(session_id, 0))  # bells of newer events may be on their way
            for delivery in list(self._sockets.get(session_id, ())):
                if delivery.sent_seq < settled:
                    await delivery.catch_up(last)
        self._seen = lasts


def _last_seqs(session_ids: list[int]) -> dict[int, int]:
    return dict(TutorSession.objects.filter(pk__in=session_ids).values_list("pk", "last_event_seq"))


watcher = Watcher()
