"""A deactivated or deleted user's open sockets close with 4401 (SPEC 12).

Each socket listens on its own channel in the per-user group `user-<id>`; the signal
that deactivates or deletes a user rings that group after commit, from whichever
process made the change (with Redis, every process hears it). Both consumers use it the
same way: `await watch.start()` once authenticated, `await watch.stop()` on disconnect.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from tutor_project.realtime.ws_auth import CLOSE_UNAUTHENTICATED

REVOKED = {"type": "user.revoked"}


def user_group(user_id: int) -> str:
    return f"user-{user_id}"


def close_sockets_of(user_id: int) -> None:
    """Rings the user's group once the current transaction commits."""
    layer = get_channel_layer()
    if layer is not None:
        transaction.on_commit(lambda: async_to_sync(layer.group_send)(user_group(user_id), REVOKED))


class RevocationWatch:
    """Calls `close(4401)` when the user's group rings."""

    def __init__(self, user_id: int, close: Callable[[int], Awaitable[None]]) -> None:
        self.group, self.close = user_group(user_id), close
        self.layer = get_channel_layer()
        self.channel: str | None = None
        self.task: asyncio.Task | None = None

    async def start(self) -> None:
        if self.layer is None:
            return
        self.channel = await self.layer.new_channel("revocation.")
        await self.layer.group_add(self.group, self.channel)
        self.task = asyncio.create_task(self._wait())

    async def _wait(self) -> None:
        await self.layer.receive(self.channel)
        await self.close(CLOSE_UNAUTHENTICATED)

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
        if self.channel is not None:
            await self.layer.group_discard(self.group, self.channel)
