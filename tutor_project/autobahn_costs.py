"""Work autobahn (26.x, under Daphne) does on every frame that this server never uses.

Each was found in py-spy profiles of a loaded whiteboard process and is replaced here,
once, for every socket the server carries (``skip_unused_frame_work``). They can go
when autobahn stops doing the work; tests/test_autobahn_costs.py checks each
replacement against autobahn's own behaviour.

- Debug log arguments: autobahn passes ``hltype(...)`` and ``hlval(...)`` to
  ``log.debug`` on every frame it sends or receives, built even with debug logging
  off (qualified names through ``inspect``, ANSI colours through click): about a
  quarter of a fan-out's CPU per recipient. In the two modules that call them per
  frame they become a pass-through: debug lines, when enabled, show the plain value.
- Unmasking: for each client frame autobahn builds a native (NVX, cffi) masker: an
  import statement, two cffi allocations and a finaliser, 17 µs a frame on this
  machine against 4 µs to XOR a 60-byte payload as one Python integer. Frames under
  SMALL_FRAME bytes (whiteboard updates, tutor messages) take the integer; NVX wins
  from a few kilobytes on.
- The "message" signal: after ``onMessage`` autobahn fires an observer signal for each
  message, building a Deferred and an errback although nothing observes it (Daphne
  handles messages in ``onMessage``). Skipped while a protocol has no observers.
"""
from __future__ import annotations

from typing import Any

from autobahn.twisted import websocket as twisted_websocket
from autobahn.websocket import protocol

SMALL_FRAME = 2048  # bytes; the integer XOR and NVX break even at about 3 KB here


def _plain(value: Any, *args: Any, **kwargs: Any) -> Any:
    return value


class SmallFrameMasker:
    """autobahn's masker interface (pointer, reset, process) for small payloads: the
    payload XOR the mask repeated, as one integer operation. ``process`` may be called
    for consecutive pieces of one payload; the pointer keeps the mask's phase."""

    __slots__ = ("_mask", "_pointer")

    def __init__(self, mask: bytes) -> None:
        self._mask = bytes(mask)
        self._pointer = 0

    def pointer(self) -> int:
        return self._pointer

    def reset(self) -> None:
        self._pointer = 0

    def process(self, data: bytes) -> bytes:
        size, phase = len(data), self._pointer % 4
        key = (self._mask[phase:] + self._mask[:phase]) * (size // 4 + 1)
        self._pointer += size
        masked = int.from_bytes(data, "little") ^ int.from_bytes(key[:size], "little")
        return masked.to_bytes(size, "little")


_native_masker = protocol.create_xor_masker


def create_xor_masker(mask: bytes, length: int | None = None) -> Any:
    if length is not None and length < SMALL_FRAME:
        return SmallFrameMasker(mask)
    return _native_masker(mask, length)


_fire_and_end = protocol.WebSocketProtocol.onMessageEnd


def _message_end(self: protocol.WebSocketProtocol) -> None:
    """autobahn's onMessageEnd without the signal nobody observes."""
    if self._listeners is not None:
        _fire_and_end(self)
        return
    if not self.failedByMe:
        payload = b"".join(self.message_data)
        if self.trackedTimings:
            self.trackedTimings.track("onMessage")
        self._onMessage(payload, self.message_is_binary)
    self.message_data = None


def skip_unused_frame_work() -> None:
    for module in (protocol, twisted_websocket):
        module.hltype = _plain  # type: ignore[attr-defined]
        module.hlval = _plain  # type: ignore[attr-defined]
    protocol.create_xor_masker = create_xor_masker  # type: ignore[attr-defined]
    protocol.WebSocketProtocol.onMessageEnd = _message_end  # type: ignore[method-assign]
