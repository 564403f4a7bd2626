"""Let the tutor socket close with 1009 (frame too big) through Daphne.

Daphne hands an application's close code to autobahn's sendClose, which accepts only
1000 and 3000-4999 from applications and raises on anything else, so the standard
server codes of RFC 6455 §7.4.1 could not be sent at all. Codes in SERVER_CODES go out
through sendCloseFrame, which Daphne itself uses for 1011. Can go once Daphne accepts
these codes (checked with daphne 4.2.3 / autobahn 26.10).
"""
from __future__ import annotations

from daphne.ws_protocol import WebSocketProtocol

SERVER_CODES = frozenset({1001, 1008, 1009, 1011})


def allow_server_close_codes() -> None:
    if getattr(WebSocketProtocol.serverClose, "allows_server_codes", False):
        return
    original = WebSocketProtocol.serverClose

    def server_close(self: WebSocketProtocol, code: int | None = None) -> None:
        if code in SERVER_CODES:
            self.sendCloseFrame(code=code, isReply=False)
        else:
            original(self, code)

    server_close.allows_server_codes = True  # type: ignore[attr-defined]
    WebSocketProtocol.serverClose = server_close
