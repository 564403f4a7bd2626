"""The whiteboard socket: ``/ws/whiteboard/<session_id>`` (trailing slash optional),
binary y-websocket frames.

Same rules as the tutor socket: accepted, then closed with 4401 (no or bad token, done
by the JWT middleware), 4403 (a session the user neither owns nor is a member of, or a
member removed meanwhile) or 4404 (no such session, or an id that is not a number). Rooms,
not sockets, listen on the channel layer, and enforce the user's role (SPEC 11).
"""
from __future__ import annotations

from channels.generic.websocket import AsyncWebsocketConsumer
from django.contrib.auth.models import AbstractBaseUser

from sessions_app.access import session_for_socket
from sessions_app.models import TutorSession
from whiteboard_app import metrics
from whiteboard_app.actions import board_for_session
from whiteboard_app.limits import CLOSE_UNSUPPORTED
from tutor_project.realtime.database import db
from tutor_project.realtime import NO_CONSUMER_CHANNEL
from tutor_project.realtime.revocation import RevocationWatch
from whiteboard_app.rooms import Identity, Room, open_room


@db
def board_for_user(user: AbstractBaseUser, raw_id: str) -> tuple[int, TutorSession | None, int | None, str]:
    """(close code, session, board id, the user's role): the code is 0 when the user may open the board."""
    code, session, role = session_for_socket(user, raw_id)
    return code, session, board_for_session(session.pk).pk if session else None, role


class WhiteboardConsumer(AsyncWebsocketConsumer):
    channel_layer_alias = NO_CONSUMER_CHANNEL
    revocation: RevocationWatch | None = None
    room: Room | None = None
    closed = False

    async def connect(self) -> None:
        await self.accept()
        user = self.scope["user"]
        code, session, board_id, role = await board_for_user(user, self.scope["url_route"]["kwargs"]["session_id"])
        if session is None:
            await self.close_with(code)
            return
        self.revocation = RevocationWatch(user.pk, self.close_with, session_id=session.pk)
        await self.revocation.start()
        self.room = await open_room(session.pk, board_id)
        metrics.CONNECTIONS.inc()
        await self.room.join(self, Identity(user.pk, user.username, role))

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
            self.revocation.stop()
        if self.room is not None:
            metrics.CONNECTIONS.dec()
            await self.room.leave(self)

    async def send_frame(self, data: bytes) -> None:
        if not self.closed:
            await self.send(bytes_data=data)

    async def close_with(self, code: int, reason: str | None = None) -> None:
        if not self.closed:
            self.closed = True
            await self.close(code, reason)
