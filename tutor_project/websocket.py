"""The base of the project's socket consumers."""
from __future__ import annotations

from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer


class SocketConsumer(AsyncWebsocketConsumer):
    """Channels' consumer without its clean-up of stale database connections before every
    message. That clean-up is a hop to the one shared sync thread for each frame and
    bell, about a tenth of a busy tutor process's time (profiled), and it queues behind
    whatever else that thread does. The project's consumers reach the database only
    through database_sync_to_async, which cleans up around each call itself."""

    async def dispatch(self, message: dict[str, Any]) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)
