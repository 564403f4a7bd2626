"""Stop autobahn formatting debug log lines that are never written.

autobahn (26.x, under Daphne) passes ``hltype(...)`` and ``hlval(...)`` to
``log.debug`` on every frame it sends or receives. The arguments are built even
when debug logging is off, and building them (qualified names through ``inspect``,
ANSI colours through click) was about a quarter of the CPU a whiteboard fan-out
spent per recipient. The helpers only decorate log text, so in the two modules that
call them per frame they are replaced by a pass-through: debug lines, when enabled,
show the plain value.
"""
from __future__ import annotations

from typing import Any

from autobahn.twisted import websocket as twisted_websocket
from autobahn.websocket import protocol


def _plain(value: Any, *args: Any, **kwargs: Any) -> Any:
    return value


def skip_unused_log_formatting() -> None:
    for module in (protocol, twisted_websocket):
        module.hltype = _plain  # type: ignore[attr-defined]
        module.hlval = _plain  # type: ignore[attr-defined]
