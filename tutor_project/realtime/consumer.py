"""The base of both sockets' consumers."""
from __future__ import annotations

from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer

from tutor_project.realtime import NO_CONSUMER_CHANNEL


class SocketConsumer(AsyncWebsocketConsumer):
    """An AsyncWebsocketConsumer without Channels' database hop before every message.

    Channels' dispatch awaits `aclose_old_connections()` before each handler: a
    thread-sensitive sync_to_async call, queued in Django's one sync thread that also runs
    every HTTP request's sync middleware. A client sending a few thousand frames put as many
    hops ahead of everyone's requests and frames (measured: /healthz 0.3-0.9 s during a
    whiteboard flood). Our consumers reach the database only through
    tutor_project.realtime.database.db, which closes old connections around each call
    itself, so the hop does nothing for them.
    """

    channel_layer_alias = NO_CONSUMER_CHANNEL

    async def dispatch(self, message: dict[str, Any]) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)
