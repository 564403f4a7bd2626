"""What one tutor socket has been sent, and what it is sent next.

- Stored events go out in `seq` order, each once: a bell whose first frame is past the
  next expected seq (the channel layer dropped one) is completed from the log.
- A running turn's text goes out by offset: each `text.delta` starts where this socket's
  copy of the turn ends. For a turn running in another process, the socket asks that
  process for the text when the turn starts (it publishes the pieces on the channel layer
  only for turns followed from elsewhere). A piece past that end (one was dropped, or the
  socket resumed from the text as last saved) is joined to the turn's text if it runs in
  this process; otherwise the piece waits and the process running the turn is asked to
  publish its whole text again (`turn.completed`, with the whole text, settles it in any
  case).
- A (re)starting socket gets a `session.state` or the events after its resume point,
  then the running turn's text so far as one delta from offset 0.

The process hears the session's group (sessions_app.tutor.hub) and puts its bells in the
socket's inbox, read by the socket's own task: Channels' consumer dispatch would make each
streamed piece a trip to Django's one sync thread (connection clean-up before every
message), which under load delayed every socket.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable

from sessions_app.event_log import DELTA, EVENTS, PRESENCE, RESEND, TURN_REQUESTS, Frame, aring, frames_after
from sessions_app.presence import participants
from sessions_app.protocol import Presence
from sessions_app.tutor import turns
from sessions_app.tutor.snapshot import Catchup, missed, state
from tutor_project.realtime.database import db

logger = logging.getLogger(__name__)

REPAIR_SECONDS = 0.25  # a socket asks for a turn's whole text at most this often while a gap lasts
FINISHED_KEPT = 16  # recently completed turns, whose late pieces are dropped


class Delivery:
    def __init__(self, session_id: int, send: Callable[[Frame], Awaitable[None]], *, role: str) -> None:
        self.session_id = session_id
        self.role = role  # the socket's user's, in the session.state it is sent
        self._send = send  # to this socket
        self.sent_seq = 0
        self.started = False  # a state or a replay went out: later frames follow it
        self._lock = asyncio.Lock()
        self._streamed: dict[str, int] = {}  # running turn id -> characters this socket has
        self._finished: deque[str] = deque(maxlen=FINISHED_KEPT)
        self._next_repair = 0.0
        self._participants: list | None = None  # as this socket was last told
        self.inbox: asyncio.Queue[dict] = asyncio.Queue()  # bells of this socket's session
        self._listener: asyncio.Task | None = None

    def listen(self) -> None:
        """Hand what reaches `inbox` (sessions_app.tutor.hub) to the socket, in order, from now on."""
        self._listener = asyncio.create_task(self._hear())

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()

    async def _hear(self) -> None:
        while True:
            message = await self.inbox.get()
            try:
                if message["type"] == EVENTS:
                    await self.events(message["frames"])
                elif message["type"] == DELTA:
                    await self.delta(message["turn_id"], message["offset"], message["text"])
                elif message["type"] == PRESENCE:
                    await self.presence(message["frame"])
            except Exception:  # one message's trouble (a socket closing meanwhile) must not deafen it
                logger.warning("could not deliver %s to a tutor socket", message["type"], exc_info=True)

    async def start_with_state(self) -> None:
        async with self._lock:
            if not self.started:
                await self._start(await db(state)(self.session_id, self.role))

    async def start_after(self, seq: int) -> None:
        """Replay what the client missed after `seq` (it has seen that far), then who is here."""
        async with self._lock:
            self.sent_seq = max(seq, self.sent_seq)
            await self._start(await db(missed)(self.session_id, self.sent_seq))
            if self._participants is None:
                self._participants = await db(participants)(self.session_id)
                await self._send(Presence(participants=self._participants).model_dump(mode="json"))

    async def events(self, frames: list[Frame]) -> None:
        """Stored frames rung on the session's group, in seq order."""
        async with self._lock:
            if not self.started or frames[-1]["seq"] <= self.sent_seq:
                return
            if frames[0]["seq"] > self.sent_seq + 1:  # a bell went missing: the log has the rest
                frames = await db(frames_after)(self.session_id, self.sent_seq, frames[-1]["seq"])
            await self._send_frames(frames)

    async def catch_up(self, last_seq: int) -> None:
        """The log is at `last_seq` and this socket behind: read what it has not been sent."""
        async with self._lock:
            if self.started and last_seq > self.sent_seq:
                await self._send_frames(await db(frames_after)(self.session_id, self.sent_seq, last_seq))

    async def presence(self, frame: Frame) -> None:
        """Who is connected now, if that is news to this socket; before its start, its
        session.state says so instead."""
        async with self._lock:
            if self.started and frame["participants"] != self._participants:
                self._participants = frame["participants"]
                await self._send(frame)

    async def delta(self, turn_id: str, offset: int, text: str) -> None:
        async with self._lock:
            if not self.started or turn_id in self._finished:
                return
            have = self._streamed.setdefault(turn_id, 0)
            if offset > have:
                here = turns.text_here(turn_id)
                if here is None or len(here) < offset:
                    await self._ask_for_whole_text(turn_id)
                    return
                text, offset = here[:offset] + text, 0
            await self._send_text(turn_id, offset, text)

    async def _start(self, catchup: Catchup) -> None:
        if catchup.frames and catchup.frames[0]["type"] == "session.state":
            self._participants = catchup.frames[0]["participants"]
        await self._send_frames(catchup.frames)
        self.sent_seq = max(self.sent_seq, catchup.last_seq)
        self.started = True
        turn_id = catchup.running_turn_id
        if turn_id and turn_id not in self._finished:
            self._streamed[turn_id] = 0
            await self._send_text(turn_id, 0, turns.text_here(turn_id) or catchup.running_text)
            await self._follow(turn_id)

    async def _send_frames(self, frames: list[Frame]) -> None:
        started = []
        for frame in frames:
            if frame["seq"] <= self.sent_seq and frame["type"] != "session.state":
                continue
            await self._send(frame)
            self.sent_seq = frame["seq"]
            if frame["type"] == "turn.started":
                started.append(frame["turn_id"])
            elif frame["type"] == "turn.completed":
                self._streamed.pop(frame["turn_id"], None)
                self._finished.append(frame["turn_id"])
        for turn_id in started:
            if turn_id not in self._finished:
                await self._follow(turn_id)

    async def _follow(self, turn_id: str) -> None:
        """Have the pieces of a turn running in another process published for this socket."""
        if turns.text_here(turn_id) is None:
            await aring(TURN_REQUESTS, {"type": RESEND, "turn_id": turn_id})

    async def _send_text(self, turn_id: str, offset: int, text: str) -> None:
        have = self._streamed[turn_id]
        if offset + len(text) <= have:
            return
        await self._send({"type": "text.delta", "turn_id": turn_id, "offset": have, "text": text[have - offset:]})
        self._streamed[turn_id] = offset + len(text)

    async def _ask_for_whole_text(self, turn_id: str) -> None:
        if time.monotonic() < self._next_repair:
            return
        self._next_repair = time.monotonic() + REPAIR_SECONDS
        await aring(TURN_REQUESTS, {"type": RESEND, "turn_id": turn_id})
