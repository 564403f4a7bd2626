"""The whiteboard socket: ``/ws/whiteboard/<session_id>/``, binary y-websocket frames.

Same rules as the tutor socket: accepted, then closed with 4401 (no or bad token, done
by the JWT middleware), 4403 (someone else's session) or 4404 (no such session).
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable

from autobahn.websocket.protocol import WebSocketProtocol
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.contrib.auth.models import AbstractBaseUser

from sessions_app.models import TutorSession
from whiteboard_app import metrics
from whiteboard_app.actions import board_for_session
from whiteboard_app.limits import CLOSE_FORBIDDEN, CLOSE_NOT_FOUND, CLOSE_UNSUPPORTED
from whiteboard_app.rooms import Room, open_room
from tutor_project.realtime.revocation import RevocationWatch
from tutor_project.wire import OutgoingFrame, server_protocol, write


@database_sync_to_async
def board_for_user(user: AbstractBaseUser, session_id: int) -> tuple[int | None, int | None]:
    """(close code, None) when refused, else (None, board id)."""
    session = (
        TutorSession.objects.filter(pk=session_id, folder__deleted_at__isnull=True).only("learner_id").first()
    )
    if session is None:
        return CLOSE_NOT_FOUND, None
    if session.learner_id != user.pk:
        return CLOSE_FORBIDDEN, None
    return None, board_for_session(session_id).pk


class WhiteboardConsumer(AsyncWebsocketConsumer):
    room: Room | None = None
    revocation: RevocationWatch | None = None
    closed = False
    # Daphne's autobahn protocol for this socket, written to directly (see wire.py).
    protocol: WebSocketProtocol | None = None

    async def __call__(
        self, scope: dict[str, Any], receive: Callable[[], Awaitable[dict]], send: Callable[[dict], Awaitable[None]]
    ) -> None:
        """Read events straight from the server, one at a time.

        Channels' own loop spends a new task per frame and, in ``dispatch``, a trip to
        the shared database thread (``close_old_connections``); that thread also writes
        the update log, so every frame queued behind the log's commits. Frames never
        touch the ORM here, and ``database_sync_to_async`` (connect, the room's storage)
        closes stale connections itself. Rooms, not sockets, listen on the channel
        layer, so a socket has no channel.
        """
        self.scope, self.base_send, self.channel_layer = scope, send, None
        self.protocol = server_protocol(send)
        try:
            while True:
                event = await receive()
                if event["type"] == "websocket.receive":
                    await self.receive(event.get("text"), event.get("bytes"))
                elif event["type"] == "websocket.connect":
                    await self.websocket_connect(event)
                elif event["type"] == "websocket.disconnect":
                    await self.websocket_disconnect(event)  # raises StopConsumer
        except StopConsumer:
            pass

    async def connect(self) -> None:
        await self.accept()
        session_id = self.scope["url_route"]["kwargs"]["session_id"]
        code, board_id = await board_for_user(self.scope["user"], session_id)
        if code is not None or board_id is None:
            await self.close_with(code or CLOSE_NOT_FOUND)
            return
        self.revocation = RevocationWatch(self.scope["user"].pk, self.close_with)
        await self.revocation.start()
        self.room = await open_room(session_id, board_id)
        metrics.CONNECTIONS.inc()
        await self.room.join(self)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.room is None or self.closed:
            return
        if bytes_data is None:
            metrics.CLOSED.labels(str(CLOSE_UNSUPPORTED)).inc()
            await self.room.leave(self)
            await self.close_with(CLOSE_UNSUPPORTED)
            return
        await self.room.receive(self, bytes_data)

    async def disconnect(self, code: int) -> None:
        self.closed = True
        if self.revocation is not None:
            await self.revocation.stop()
        if self.room is not None:
            metrics.CONNECTIONS.dec()
            await self.room.leave(self)

    async def send_frame(self, frame: OutgoingFrame) -> None:
        if self.closed:
            return
        if self.protocol is not None:
            write(self.protocol, frame)
        else:
            await self.base_send({"type": "websocket.send", "bytes": frame.data})

    async def close_with(self, code: int) -> None:
        if not self.closed:
            self.closed = True
            await self.close(code)
