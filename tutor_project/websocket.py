"""The base of the project's socket consumers."""
from __future__ import annotations

from typing import Any, Awaitable, Callable

from autobahn.websocket.protocol import WebSocketProtocol
from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer

from tutor_project.wire import OutgoingFrame, server_protocol, write


class SocketConsumer(AsyncWebsocketConsumer):
    """Channels' JSON-text consumer with two costs of every frame taken out.

    - Channels cleans up stale database connections before every message: a hop to the
      one shared sync thread for each frame and bell, about a tenth of a busy tutor
      process's time (profiled), queued behind whatever else that thread does. The
      project's consumers reach the database only through database_sync_to_async,
      which cleans up around each call itself.
    - A text frame goes straight to Daphne's autobahn protocol (tutor_project.wire)
      rather than through the ASGI send's dispatch and Twisted's write queue; accept,
      close and binary frames keep the ASGI path, which Daphne handles at once, in order.
    """

    # Daphne's autobahn protocol for this socket, found once (see tutor_project.wire).
    protocol: WebSocketProtocol | None = None

    async def __call__(
        self, scope: dict[str, Any], receive: Callable[[], Awaitable[dict]], send: Callable[[dict], Awaitable[None]]
    ) -> None:
        self.protocol = server_protocol(send)
        await super().__call__(scope, receive, send)

    async def dispatch(self, message: dict[str, Any]) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def send(self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False) -> None:
        if self.protocol is None or text_data is None or bytes_data is not None or close:
            await super().send(text_data, bytes_data, close)
            return
        write(self.protocol, OutgoingFrame(text_data.encode(), binary=False))
