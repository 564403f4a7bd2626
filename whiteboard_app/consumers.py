"""The whiteboard socket: ``/ws/whiteboard/<session_id>`` (trailing slash optional),
binary y-websocket frames.

Same rules as the tutor socket: accepted, then closed with 4401 (no or bad token, done
by the JWT middleware), 4403 (someone else's session) or 4404 (no such session, or an
id that is not a number). Rooms, not sockets, listen on the channel layer.
"""
from __future__ import annotations

from channels.generic.websocket import AsyncWebsocketConsumer
from django.contrib.auth.models import AbstractBaseUser

from sessions_app.models import TutorSession
from whiteboard_app import metrics
from whiteboard_app.actions import board_for_session
from whiteboard_app.limits import CLOSE_FORBIDDEN, CLOSE_NOT_FOUND, CLOSE_UNSUPPORTED
from tutor_project.realtime.database import db
from tutor_project.realtime.revocation import RevocationWatch
from whiteboard_app.rooms import Room, open_room

# Longer ids cannot be a row's primary key (a 64-bit integer).
MAX_ID_DIGITS = 18


def session_id_from(raw: str) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= MAX_ID_DIGITS else None


@db
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

    async def connect(self) -> None:
        await self.accept()
        session_id = session_id_from(self.scope["url_route"]["kwargs"]["session_id"])
        code, board_id = (CLOSE_NOT_FOUND, None) if session_id is None else \
            await board_for_user(self.scope["user"], session_id)
        if session_id is None or code is not None or board_id is None:
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

    async def send_frame(self, data: bytes) -> None:
        if not self.closed:
            await self.send(bytes_data=data)

    async def close_with(self, code: int, reason: str | None = None) -> None:
        if not self.closed:
            self.closed = True
            await self.close(code, reason)
