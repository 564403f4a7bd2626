"""Throttled progress reporting, so a per-page loop makes at most about a hundred callbacks."""
from __future__ import annotations

from agents_app.extractors.model import ProgressCallback


class ProgressReporter:
    def __init__(self, callback: ProgressCallback | None, total: int) -> None:
        self._callback = callback
        self._total = max(total, 1)
        self._last_percent = -1

    def update(self, done: int) -> None:
        """Report `done` of `total` when the whole percent moved (and always at the end)."""
        percent = done * 100 // self._total
        if self._callback is None or (percent == self._last_percent and done < self._total):
            return
        self._last_percent = percent
        self._callback(done, self._total)
