"""Binary frames sent to many sockets, framed for the wire once.

Under Daphne an ASGI ``websocket.send`` travels message dict → ``Server.handle_reply``
→ ``WebSocketProtocol.handle_reply`` → ``serverSend`` → autobahn ``sendMessage``,
which frames the payload again for every socket; in a 20-client room that was most
of the CPU between an update arriving and its 19 copies leaving. autobahn's broadcast
API frames a message once (``PreparedMessage``) and writes those bytes to each
socket (``sendPreparedMessage``). A consumer reaches its autobahn protocol through
the ``send`` callable Daphne gives the application, ``partial(Server.handle_reply,
protocol)``; under any other server (or a test communicator) it keeps the ASGI send.
"""
from __future__ import annotations

from functools import partial
from typing import Any

from autobahn.websocket.protocol import PreparedMessage, WebSocketProtocol


class OutgoingFrame:
    """One binary message for one or more sockets."""

    __slots__ = ("data", "_prepared")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self._prepared: PreparedMessage | None = None

    def prepared(self) -> PreparedMessage:
        if self._prepared is None:
            # Server frames are not masked; a connection that negotiated compression
            # compresses from the payload, so compression stays allowed.
            self._prepared = PreparedMessage(self.data, isBinary=True, applyMask=False, doNotCompress=False)
        return self._prepared


def server_protocol(send: Any) -> WebSocketProtocol | None:
    """The autobahn protocol behind Daphne's ASGI ``send``, else None."""
    if isinstance(send, partial) and send.args and isinstance(send.args[0], WebSocketProtocol):
        return send.args[0]
    return None


def write(protocol: WebSocketProtocol, frame: OutgoingFrame) -> None:
    # Like sendMessage, nothing goes out once a close began; the disconnect event
    # that follows removes the socket from its room.
    if protocol.state == WebSocketProtocol.STATE_OPEN:
        protocol.sendPreparedMessage(frame.prepared())
