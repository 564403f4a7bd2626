"""This process's tutor sockets, by session: what reaches them from the channel layer and
from the log.

- Bells: the process hears every session it has sockets for on one channel of its own,
  joining a session's group when its first socket here opens and leaving it when its last
  one closes, and hands each bell to those sockets' deliveries. A channel per socket would
  cost two subscriptions at every connect and two at every disconnect, each a round trip
  to Redis queued behind every bell the process rings (channels_redis runs one call at a
  time per process).
- The log, not the bell, is what every socket can count on. Bells may not arrive: the
  channel layer delivers at most once, a process whose Redis subscription dropped misses
  what was published meanwhile, and on the embedded default the in-memory layer does not
  reach across processes at all (the Celery worker's document progress is logged, but its
  bell rings only in the worker). So the process reads the log positions of its sessions
  in one query every CATCHUP_SECONDS, and a socket still behind what the log held a tick
  earlier reads what it missed.
- What this process rings (stored events, pieces of a turn's text) goes to its own sockets
  from here (`hand_here`), not through the channel layer, and the process drops the echo of
  what it publishes (sessions_app.event_log.ORIGIN). Pieces are published only once a
  socket on another process asked for the turn (sessions_app.tutor.stream). A round trip
  through Redis for every piece cost a quarter of a busy process's CPU and queued behind
  every other call on channels_redis's one connection.
- Presence (SPEC 11): a socket opening or closing rings its session's group; the process reads
  who is connected once (sessions_app.presence) and hands a `presence` frame to its sockets of
  the session when that changed, through their inboxes, so it keeps its place among their
  events. The catch-up loop also renews this process's connection rows.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from channels.layers import get_channel_layer

from sessions_app import actions
from sessions_app.event_log import ORIGIN, PRESENCE, group_name, ring_here
from sessions_app.models import TutorSession
from sessions_app.presence import PROCESS, RENEW_SECONDS, STALE_SECONDS, participants
from sessions_app.protocol import Presence
from tutor_project.realtime.database import db

if TYPE_CHECKING:
    from sessions_app.tutor.delivery import Delivery

logger = logging.getLogger(__name__)

CATCHUP_SECONDS = 1.0


class Hub:
    def __init__(self) -> None:
        self._sockets: dict[int, set[Delivery]] = {}
        self._seen: dict[int, int] = {}  # each session's last seq at the previous look
        self._channel: asyncio.Future[str] | None = None
        self._hearing: asyncio.Task | None = None
        self._catching_up: asyncio.Task | None = None
        self._presence_changed: set[int] = set()  # sessions whose participants to read and announce
        self._announcing: asyncio.Task | None = None
        self._renewed = 0.0

    async def join(self, delivery: Delivery) -> None:
        """From now on the socket gets its session's bells, and catches up from the log.
        With the channel layer away (Redis down) it still gets every stored event from the
        log, a second late, and replies whole."""
        ring_here(asyncio.get_running_loop(), self.hand_here)
        sockets = self._sockets.setdefault(delivery.session_id, set())
        sockets.add(delivery)
        if self._catching_up is None or self._catching_up.done():
            self._catching_up = asyncio.create_task(self._catch_up())
        if len(sockets) > 1:
            return  # the process hears this session already
        try:
            await get_channel_layer().group_add(group_name(delivery.session_id), await self._own_channel())
        except Exception:
            logger.warning("tutor sockets of session %s hear no bells: the channel layer is away",
                           delivery.session_id, exc_info=True)

    async def leave(self, delivery: Delivery) -> None:
        sockets = self._sockets.get(delivery.session_id, set())
        sockets.discard(delivery)
        if sockets:
            return
        self._sockets.pop(delivery.session_id, None)
        if self._channel is not None and self._channel.done() and self._channel.exception() is None:
            try:
                await get_channel_layer().group_discard(group_name(delivery.session_id), self._channel.result())
            except Exception:  # the layer is away: nothing to leave
                logger.warning("could not leave session %s's group", delivery.session_id, exc_info=True)

    async def _own_channel(self) -> str:
        """This process's channel, heard by one task (a channel the layer refused is asked again)."""
        if self._channel is None or (self._channel.done() and self._channel.exception() is not None):
            self._channel = asyncio.ensure_future(get_channel_layer().new_channel("tutor."))
            self._channel.add_done_callback(self._start_hearing)
        return await asyncio.shield(self._channel)

    def _start_hearing(self, channel: asyncio.Future[str]) -> None:
        if not channel.cancelled() and channel.exception() is None:
            self._hearing = asyncio.create_task(self._hear(channel.result()))

    async def _hear(self, channel: str) -> None:
        layer = get_channel_layer()
        while True:
            message: dict[str, Any] = await layer.receive(channel)
            if message.get("origin") != ORIGIN:
                self.hand_here(message)

    def hand_here(self, message: dict[str, Any]) -> None:
        """Give a session's message to its sockets in this process; who is connected is read first."""
        if message.get("type") == PRESENCE:
            self._announce(message["session_id"])
            return
        for delivery in self._sockets.get(message.get("session_id"), ()):
            delivery.inbox.put_nowait(message)

    # --- presence: read once per process and change, in the sockets' order with their events --

    def _announce(self, session_id: int) -> None:
        self._presence_changed.add(session_id)
        if self._announcing is None or self._announcing.done():
            self._announcing = asyncio.create_task(self._announce_changes())

    async def _announce_changes(self) -> None:
        """One task reads them all, so a burst of joins is read once and never out of order."""
        while self._presence_changed:
            session_id = self._presence_changed.pop()
            if session_id not in self._sockets:
                continue
            try:
                people = await db(participants)(session_id)
            except Exception:  # the database is away: the next change announces again
                logger.warning("could not read who is in session %s", session_id, exc_info=True)
                continue
            if session_id not in self._sockets:
                continue
            # Each socket's delivery passes it on only if it is news to that socket.
            frame = Presence(participants=people).model_dump(mode="json")
            for delivery in self._sockets[session_id]:
                delivery.inbox.put_nowait({"type": PRESENCE, "frame": frame})

    async def _catch_up(self) -> None:
        while self._sockets:
            await asyncio.sleep(CATCHUP_SECONDS)
            try:
                await self._look()
                if time.monotonic() >= self._renewed + RENEW_SECONDS:
                    self._renewed = time.monotonic()
                    await db(actions.renew_connections)(PROCESS, stale_after=STALE_SECONDS)
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


hub = Hub()
