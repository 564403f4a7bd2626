"""Whiteboard limits and timings, read from the environment (loud about bad values),
and the close codes the socket uses when a limit is broken."""
from __future__ import annotations

from dataclasses import dataclass

from tutor_project.env import env_float, env_int

# Close codes. Daphne (autobahn) lets an application close only with 1000 or
# 3000-4999, so the standard 1003/1007/1009 are mirrored in the 4xxx range, in the
# family of the tutor socket's 4401/4403/4404.
CLOSE_INVALID = 4400  # a frame or update that does not decode
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_TOO_BIG = 4413  # a message over max_message_bytes
CLOSE_UNSUPPORTED = 4415  # a text frame: the protocol is binary
CLOSE_RATE = 4429  # over messages_per_second (after the burst)
CLOSE_BOARD_FULL = 4507  # the document would pass max_document_bytes

@dataclass(frozen=True)
class Limits:
    max_message_bytes: int
    max_document_bytes: int
    messages_per_second: float
    burst: int
    # Persistence batch window and catch-up poll period (seconds).
    flush_interval: float
    catchup_interval: float
    sweep_interval: float
    # How long an empty room stays loaded before it is flushed and dropped.
    idle_seconds: float
    # Presence not renewed for this long is dropped (y-protocols clients renew every 15 s).
    awareness_timeout: float


def current() -> Limits:
    return Limits(
        max_message_bytes=env_int("WHITEBOARD_MAX_MESSAGE_BYTES", 256 * 1024, minimum=1024),
        max_document_bytes=env_int("WHITEBOARD_MAX_DOCUMENT_BYTES", 8 * 1024 * 1024, minimum=64 * 1024),
        messages_per_second=env_float("WHITEBOARD_MESSAGES_PER_SECOND", 300.0),
        burst=env_int("WHITEBOARD_MESSAGE_BURST", 600, minimum=1),
        flush_interval=env_float("WHITEBOARD_FLUSH_SECONDS", 0.025),
        catchup_interval=env_float("WHITEBOARD_CATCHUP_SECONDS", 1.0),
        sweep_interval=env_float("WHITEBOARD_SWEEP_SECONDS", 5.0),
        idle_seconds=env_float("WHITEBOARD_IDLE_SECONDS", 15.0),
        awareness_timeout=env_float("WHITEBOARD_AWARENESS_SECONDS", 30.0),
    )
