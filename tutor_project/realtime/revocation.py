"""A deactivated or deleted user's open sockets close with 4401 (SPEC 12); a member removed
from a shared session has their sockets of that session closed with 4403 (SPEC 11).

The signal that deactivates or deletes a user rings the group `users.revoked` after commit,
from whichever process made the change, with the user's id; every process hears it on one
channel of its own and closes its sockets of that user. Revocations are rare, so every
process hearing them all costs less than a subscription per socket (two round trips to
Redis at every connect and every disconnect, queued behind every bell of the process).
A removal rings the same group with the session's id too, and closes only the user's sockets
of that session. Both consumers use it the same way: `await watch.start()` once authenticated,
`watch.stop()` on disconnect.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from tutor_project.realtime.ws_auth import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED

logger = logging.getLogger(__name__)

REVOKED = "user.revoked"
GROUP = "users.revoked"

Close = Callable[[int], Awaitable[None]]


def close_sockets_of(user_id: int, *, session_id: int | None = None) -> None:
    """Rings the revocation group once the current transaction commits: every socket of the
    user, or (with `session_id`) only their sockets of that session."""
    layer = get_channel_layer()
    if layer is not None:
        message = {"type": REVOKED, "user_id": user_id, "session_id": session_id}
        transaction.on_commit(lambda: async_to_sync(layer.group_send)(GROUP, message))


class _Revocations:
    """This process's sockets by user, and the one listener that closes them."""

    def __init__(self) -> None:
        self.sockets: dict[int, set[RevocationWatch]] = {}
        self._ready: asyncio.Future[None] | None = None
        self._task: asyncio.Task | None = None

    async def listen(self) -> bool:
        """Whether revocations are heard from now on; a listener the layer refused is tried again."""
        if self._ready is None or (self._ready.done() and self._ready.exception() is not None):
            self._ready = asyncio.get_running_loop().create_future()
            self._task = asyncio.create_task(self._run(self._ready))
        try:
            await asyncio.shield(self._ready)
        except Exception:  # the layer is away (Redis down): the socket works on; tokens still expire
            logger.warning("sockets hear no revocations: the channel layer is away", exc_info=True)
            return False
        return True

    async def _run(self, ready: asyncio.Future[None]) -> None:
        layer = get_channel_layer()
        try:
            channel = await layer.new_channel("revocation.")
            await layer.group_add(GROUP, channel)
        except Exception as exc:
            ready.set_exception(exc)
            return
        ready.set_result(None)
        while True:
            message = await layer.receive(channel)
            session_id = message.get("session_id")
            for watch in list(self.sockets.get(message.get("user_id"), ())):
                if session_id is not None and watch.session_id != session_id:
                    continue
                try:
                    await watch.close(CLOSE_UNAUTHENTICATED if session_id is None else CLOSE_FORBIDDEN)
                except Exception:  # a socket closing meanwhile must not keep the others open
                    logger.warning("could not close a revoked user's socket", exc_info=True)


_revocations = _Revocations()


class RevocationWatch:
    """Calls `close(4401)` when the user is deactivated or deleted, and `close(4403)` when they
    are removed from the session `session_id` the socket belongs to."""

    def __init__(self, user_id: int, close: Close, *, session_id: int | None = None) -> None:
        self.user_id, self.close, self.session_id = user_id, close, session_id

    async def start(self) -> None:
        if await _revocations.listen():
            _revocations.sockets.setdefault(self.user_id, set()).add(self)

    def stop(self) -> None:
        sockets = _revocations.sockets.get(self.user_id, set())
        sockets.discard(self)
        if not sockets:
            _revocations.sockets.pop(self.user_id, None)
