"""Whiteboard limits and timings (read once in settings.py) and the close codes the
socket uses. Application close codes are in 4400-4499, which the stock y-websocket
provider treats as final (it stops reconnecting), in the family of HTTP statuses."""
from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

CLOSE_INVALID = 4400  # a frame, update or awareness entry that does not decode
# Too large: a frame over max_message_bytes, an awareness state over
# max_awareness_state_bytes, or an update that would pass max_document_bytes.
CLOSE_TOO_BIG = 4413
CLOSE_UNSUPPORTED = 4415  # a text frame: the protocol is binary
# Too many: messages per second (after the burst), presences per connection or per
# room, or updates waiting for a missing earlier one.
CLOSE_TOO_MANY = 4429


@dataclass(frozen=True)
class Limits:
    max_message_bytes: int
    max_document_bytes: int
    messages_per_second: float
    burst: int
    # Awareness (presence): client ids one connection may announce, client ids a room
    # holds, and the size of one client's JSON state.
    max_presences_per_connection: int
    max_presences_per_room: int
    max_awareness_state_bytes: int
    # Updates applied but waiting for a missing earlier one, per room.
    max_waiting_updates: int
    max_waiting_bytes: int
    # Persistence batch window and catch-up poll period (seconds).
    flush_interval: float
    catchup_interval: float
    sweep_interval: float
    # How long an empty room stays loaded before it is flushed and dropped.
    idle_seconds: float
    # Presence not renewed for this long is dropped (y-protocols clients renew every 15 s).
    awareness_timeout: float


def current() -> Limits:
    return Limits(**settings.WHITEBOARD_LIMITS)
