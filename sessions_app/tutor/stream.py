"""A running turn's text on its way to the learner.

Pieces from the model are coalesced over COALESCE_SECONDS and published on the session's
group with their offset in the turn's text; they are not stored (the turn's stored
`turn.completed` carries the whole text). A socket that missed a piece asks for the whole
text, which this process publishes again from offset 0. The text so far is also saved on
the session at least every SAVE_SECONDS, so a client that reconnects to any process is
sent it at once, and a crash loses at most that second: one statement a second saves every
running turn of the process (a statement each would be hundreds a second under load).
"""
from __future__ import annotations

import asyncio
import logging
import time

from sessions_app import actions, event_log
from tutor_project.realtime.database import db

logger = logging.getLogger(__name__)

COALESCE_SECONDS = 0.04  # the first piece goes out at once, later ones batched over this window
SAVE_SECONDS = 1.0
RESEND_SECONDS = 0.1
# While the model is silent (thinking, or a slow upstream) the unchanged text is still saved
# this often: it tells other processes the turn is alive (sessions_app.actions.TURN_ORPHAN_SECONDS).
SILENT_SAVE_SECONDS = 5.0


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
        saver.add(self)

    @property
    def text(self) -> str:
        return "".join(self._said)

    def add(self, piece: str) -> None:
        self._said.append(piece)
        self.length += len(piece)
        self._pending.append(piece)
        if self._publisher is None or self._publisher.done():
            self._publisher = asyncio.create_task(self._publish_after_window())

    async def flush(self) -> None:
        """Publish what is pending now (before a drawing is announced, and at the end)."""
        if self._publisher is not None and not self._publisher.done():
            self._publisher.cancel()  # a send under way is shielded and completes
            await asyncio.gather(self._publisher, return_exceptions=True)
        await self._publish()

    async def resend(self) -> None:
        """Publish the whole text so far from offset 0, for sockets that missed a piece (at most
        once a RESEND_SECONDS, however many of them ask)."""
        if time.monotonic() < self._next_resend:
            return
        self._next_resend = time.monotonic() + RESEND_SECONDS
        await self.flush()
        delta = {"type": event_log.DELTA, "session_id": self.session_id, "turn_id": self.turn_id, "offset": 0,
                 "text": self.text}
        await asyncio.shield(event_log.aring(event_log.group_name(self.session_id), delta))

    async def close(self) -> None:
        """Stop saving and publish the rest; the turn's stored end supersedes the saved text."""
        saver.discard(self)
        await self.flush()

    async def _publish_after_window(self) -> None:
        await asyncio.sleep(max(0.0, self._last_publish + COALESCE_SECONDS - time.monotonic()))
        await self._publish()

    async def _publish(self) -> None:
        if not self._pending:
            return
        piece, offset = "".join(self._pending), self._published
        self._pending.clear()
        self._published += len(piece)
        self._last_publish = time.monotonic()
        delta = {"type": event_log.DELTA, "session_id": self.session_id, "turn_id": self.turn_id, "offset": offset,
                 "text": piece}
        await asyncio.shield(event_log.aring(event_log.group_name(self.session_id), delta))


class Saver:
    """Saves the text of every running turn of this process, in one statement a SAVE_SECONDS:
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
