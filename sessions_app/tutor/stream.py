"""A running turn's text on its way to the learner.

Pieces from the model are coalesced over COALESCE_SECONDS and handed, with their offset in
the turn's text, to this process's sockets of the session; they are not stored (the turn's
stored `turn.completed` carries the whole text). A socket on another process asks for the
turn's whole text when the turn starts (or when it sees a gap): this process then publishes
it from offset 0 on the session's group, and every later piece too. A turn nobody follows
from elsewhere costs the channel layer nothing per piece. The text so far is also saved on
the session at least every SAVE_SECONDS, so a client that reconnects to any process is
sent it at once, and a crash loses at most that second: one trip to the database a second
saves every running turn of the process (a trip each would be hundreds a second under load).
"""
from __future__ import annotations

import asyncio
import logging
import time

from sessions_app import actions, event_log
from sessions_app.tutor import metrics
from sessions_app.tutor.hub import hub
from tutor_project.realtime.database import db

logger = logging.getLogger(__name__)

COALESCE_SECONDS = 0.04  # the first piece goes out at once, later ones batched over this window
SAVE_SECONDS = 1.0
RESEND_SECONDS = 0.1
# While the model is silent (thinking, or a slow upstream) the unchanged text is still saved
# this often: it tells other processes the turn is alive (sessions_app.actions.TURN_ORPHAN_SECONDS).
SILENT_SAVE_SECONDS = 5.0
ASKED_KEPT_SECONDS = 60.0

# Turns asked for by other processes before they started here (or that run elsewhere), by
# when: a socket elsewhere can hear turn.started before this process has the turn running.
_asked: dict[str, float] = {}


def asked_elsewhere(turn_id: str) -> None:
    """A socket on another process asked for a turn that is not running here (yet)."""
    now = time.monotonic()
    for old in [t for t, at in _asked.items() if now - at > ASKED_KEPT_SECONDS]:
        del _asked[old]
    _asked[turn_id] = now


class TextStream:
    def __init__(self, session_id: int, turn_id: str) -> None:
        self.session_id, self.turn_id = session_id, turn_id
        self._said: list[str] = []
        self._pending: list[str] = []
        self._published = 0  # characters published so far
        self.length = 0
        self._last_publish = 0.0
        self._publisher: asyncio.Task | None = None
        self._next_resend = 0.0
        self._followed_elsewhere = False  # publish on the channel layer too
        saver.add(self)

    @property
    def text(self) -> str:
        return "".join(self._said)

    def add(self, piece: str) -> None:
        self._said.append(piece)
        self.length += len(piece)
        self._pending.append(piece)
        if self._publisher is not None and not self._publisher.done():
            return  # out at the end of the window, with what comes meanwhile
        wait = self._last_publish + COALESCE_SECONDS - time.monotonic()
        if wait > 0:
            self._publisher = asyncio.create_task(self._publish_after(wait))
        elif (delta := self._hand_out()) is not None:  # the window is open: out now, not a loop trip later
            self._publisher = asyncio.create_task(self._ring(delta))

    async def flush(self) -> None:
        """Publish what is pending now (before a drawing is announced, and at the end)."""
        if self._publisher is not None and not self._publisher.done():
            self._publisher.cancel()  # a send under way is shielded and completes
            await asyncio.gather(self._publisher, return_exceptions=True)
        await self._publish()

    async def resend(self) -> None:
        """Publish the whole text so far from offset 0, and every later piece, for sockets on
        other processes that follow the turn from now on or missed a piece (the whole text at
        most once a RESEND_SECONDS, however many of them ask)."""
        self._followed_elsewhere = True
        if time.monotonic() < self._next_resend:
            return
        self._next_resend = time.monotonic() + RESEND_SECONDS
        await self.flush()
        delta = {"type": event_log.DELTA, "session_id": self.session_id, "turn_id": self.turn_id, "offset": 0,
                 "text": self.text, "origin": event_log.ORIGIN}
        await asyncio.shield(event_log.aring(event_log.group_name(self.session_id), delta))

    async def close(self) -> None:
        """Stop saving and publish the rest; the turn's stored end supersedes the saved text."""
        saver.discard(self)
        await self.flush()

    async def _publish_after(self, wait: float) -> None:
        await asyncio.sleep(wait)
        await self._publish()

    async def _publish(self) -> None:
        if (delta := self._hand_out()) is not None:
            await self._ring(delta)

    def _hand_out(self) -> dict | None:
        """Hand what is pending to this process's sockets of the session; the delta when sockets
        on other processes follow the turn too."""
        if not self._pending:
            return None
        piece, offset = "".join(self._pending), self._published
        self._pending.clear()
        self._published += len(piece)
        self._last_publish = time.monotonic()
        delta = {"type": event_log.DELTA, "session_id": self.session_id, "turn_id": self.turn_id, "offset": offset,
                 "text": piece}
        hub.hand_here(delta)
        metrics.PIECES_HERE.inc()
        self._followed_elsewhere = self._followed_elsewhere or self.turn_id in _asked
        return delta if self._followed_elsewhere else None

    async def _ring(self, delta: dict) -> None:
        metrics.PIECES_PUBLISHED.inc()
        elsewhere = {**delta, "origin": event_log.ORIGIN}
        await asyncio.shield(event_log.aring(event_log.group_name(self.session_id), elsewhere))


class Saver:
    """Saves the text of every running turn of this process, in one trip a SAVE_SECONDS:
    what changed, and what has been silent for SILENT_SAVE_SECONDS."""

    def __init__(self) -> None:
        self._streams: dict[TextStream, tuple[int, float]] = {}  # -> (length saved, when)
        self._task: asyncio.Task | None = None

    def add(self, stream: TextStream) -> None:
        self._streams[stream] = (0, time.monotonic())
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())

    def discard(self, stream: TextStream) -> None:
        self._streams.pop(stream, None)

    async def _run(self) -> None:
        while self._streams:
            await asyncio.sleep(SAVE_SECONDS)
            now = time.monotonic()
            due = {stream: stream.text for stream, (length, at) in self._streams.items()
                   if stream.length != length or now - at >= SILENT_SAVE_SECONDS}
            if not due:
                continue
            try:
                await db(actions.save_turn_texts)({s.session_id: (s.turn_id, text) for s, text in due.items()})
            except Exception:  # the next round tries again; the streams themselves go on
                logger.warning("could not save the text of %d running turns", len(due), exc_info=True)
                continue
            for stream, text in due.items():
                if stream in self._streams:
                    self._streams[stream] = (len(text), now)


saver = Saver()
