"""The embedded default's channel layer: Channels' in-memory layer with its expiry sweep
run at most once a second.

The stock layer walks every channel and every group membership on each receive and
group send, so its cost grows with the number of open sockets: with a hundred tutor
sockets in one process that walk was the largest single cost of a streamed turn
(profiled). Expiry is a safety net for abandoned messages (60 s by default), so a
sweep a second keeps its meaning.
"""
from __future__ import annotations

import time

from channels.layers import InMemoryChannelLayer

SWEEP_SECONDS = 1.0


class LocalChannelLayer(InMemoryChannelLayer):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._next_sweep = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_SECONDS
            super()._clean_expired()
