"""WebSocket frames framed for the wire once and written at once, for both sockets.

Under Daphne an ASGI ``websocket.send`` travels message dict → ``Server.handle_reply``
→ ``WebSocketProtocol.handle_reply`` → ``serverSend`` → autobahn ``sendMessage``,
which frames the payload again for every socket; in a 20-client room that was most
of the CPU between an update arriving and its 19 copies leaving. autobahn's broadcast
API frames a message once (``PreparedMessage``) and those bytes go to each socket;
the tutor socket's text frames, one per socket, skip the same dispatch. A consumer
reaches its autobahn protocol through the ``send`` callable Daphne gives the
application, ``partial(Server.handle_reply, protocol)``; under any other server (or a
test communicator) it keeps the ASGI send.

Twisted's ``transport.write`` only queues: it registers the socket for writability
(an ``epoll_ctl`` through asyncio's ``add_writer``), and a later pass of the loop
sends and unregisters it (another ``epoll_ctl``), with Twisted's logging context
around each call. Per recipient that was the largest cost left in a fan-out and an
extra loop pass of latency. Node's libuv tries the write at once and queues only what
the kernel did not take; ``send_now`` does the same, falling back to Twisted's queue
whenever anything is queued already, so bytes keep their order.
"""
from __future__ import annotations

from functools import partial
from typing import Any

from autobahn.websocket.protocol import PreparedMessage, WebSocketProtocol
from twisted.internet.tcp import Connection


class OutgoingFrame:
    """One message (binary, or UTF-8 text) for one or more sockets."""

    __slots__ = ("data", "binary", "_prepared")

    def __init__(self, data: bytes, *, binary: bool = True) -> None:
        self.data = data
        self.binary = binary
        self._prepared: PreparedMessage | None = None

    def prepared(self) -> PreparedMessage:
        if self._prepared is None:
            # Server frames are not masked; a connection that negotiated compression
            # compresses from the payload, so compression stays allowed.
            self._prepared = PreparedMessage(self.data, isBinary=self.binary, applyMask=False, doNotCompress=False)
        return self._prepared


def server_protocol(send: Any) -> WebSocketProtocol | None:
    """The autobahn protocol behind Daphne's ASGI ``send``, else None."""
    import os
    if os.environ.get("TUTOR_SERVER_PATCHES", "1") == "0":  # A/B measurement only
        return None
    if isinstance(send, partial) and send.args and isinstance(send.args[0], WebSocketProtocol):
        return send.args[0]
    return None


def write(protocol: WebSocketProtocol, frame: OutgoingFrame) -> None:
    # Like sendMessage, nothing goes out once a close began; the disconnect event
    # that follows cleans up.
    if protocol.state != WebSocketProtocol.STATE_OPEN:
        return
    prepared = frame.prepared()
    # Compression (per connection) and autobahn's own send queue take autobahn's path.
    if protocol._perMessageCompress is not None or protocol.send_queue:
        protocol.sendPreparedMessage(prepared)
        return
    send_now(protocol.transport, prepared.payloadHybi)


def send_now(transport: Any, data: bytes) -> None:
    """Send ``data`` on a Twisted TCP transport now, queueing only what the kernel did not
    take; through the transport's queue if it holds bytes already (or is not plain TCP)."""
    idle = (
        isinstance(transport, Connection) and transport.connected and not transport.disconnecting
        and not transport._writeDisconnected
        and not transport._tempDataLen and transport.offset == len(transport.dataBuffer)
    )
    if not idle:
        transport.write(data)
        return
    try:
        sent = transport.socket.send(data)
    except OSError:
        # Would block, interrupted, or broken: Twisted's queue sends it later, or notices
        # the broken socket and closes the connection.
        sent = 0
    if sent < len(data):
        transport.write(data[sent:])
