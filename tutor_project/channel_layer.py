"""The embedded default's channel layer: Channels' in-memory layer, made cheap per message.

The stock layer walks every channel and every group membership on each receive and
group send, so its cost grows with the number of open sockets: with a hundred tutor
sockets in one process that walk was the largest single cost of a streamed turn
(profiled). Expiry is a safety net for abandoned messages (60 s by default), so a
sweep a second keeps its meaning.

It also builds a new queue on every send and receive (`setdefault` with a fresh
asyncio.Queue, thrown away when the channel has one) and a task per member on every
group send; each tutor event rings a group, so both showed in the profile of a
streamed turn. Here a queue is made only for a channel that has none, and a group send
puts the message on its members' queues directly (a put never waits: a full queue
drops the message for that member, as the stock layer does).
"""
from __future__ import annotations

import asyncio
import time
from copy import deepcopy
from typing import Any

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer

SWEEP_SECONDS = 1.0


class LocalChannelLayer(InMemoryChannelLayer):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._next_sweep = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_SECONDS
            super()._clean_expired()

    def _queue(self, channel: str) -> asyncio.Queue:
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        return queue

    def _put(self, channel: str, message: dict[str, Any]) -> None:
        try:
            self._queue(channel).put_nowait((time.time() + self.expiry, deepcopy(message)))
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        self._put(channel, message)

    async def receive(self, channel: str) -> dict[str, Any]:
        self.require_valid_channel_name(channel)
        self._clean_expired()
        queue = self._queue(channel)
        try:
            _, message = await queue.get()
        finally:
            if queue.empty():  # as the stock layer: a channel nobody reads holds no queue
                self.channels.pop(channel, None)
        return message

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        for channel in self.groups.get(group, ()):
            try:
                self._put(channel, message)
            except ChannelFull:
                pass
