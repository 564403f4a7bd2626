"""Frames built once for many sockets, and finding Daphne's protocol behind ``send``."""
import asyncio
from functools import partial

import pytest
from daphne.ws_protocol import WebSocketProtocol

from tutor_project.asgi import application
from whiteboard_app.consumers import WhiteboardConsumer
from whiteboard_app.wire import OutgoingFrame, server_protocol


def test_a_frame_is_one_unmasked_binary_websocket_frame():
    payload = bytes(range(200))
    wire = OutgoingFrame(payload).prepared().payloadHybi
    assert wire[:4] == bytes([0x82, 126, 0, 200])  # FIN + binary, 16-bit length, no mask
    assert wire[4:] == payload


def test_the_frame_is_built_once():
    frame = OutgoingFrame(b"\x00\x02\x01")
    assert frame.prepared() is frame.prepared()


def test_it_finds_the_protocol_only_behind_daphnes_send():
    async def handle_reply(protocol: object, message: dict) -> None: ...

    protocol = WebSocketProtocol()
    assert server_protocol(partial(handle_reply, protocol)) is protocol
    assert server_protocol(partial(handle_reply, object())) is None
    assert server_protocol(handle_reply) is None


@pytest.mark.django_db(transaction=True)
def test_the_products_stack_hands_daphnes_send_to_the_whiteboard_consumer(monkeypatch, tutor_session, token):
    """A middleware that wrapped `send` would silently cost every room its framed-once
    writes (the consumer falls back to the ASGI send); the live tests would still pass."""
    seen = []

    async def record(self, scope: dict, receive: object, send: object) -> None:
        seen.append(server_protocol(send))

    async def receive() -> dict:
        return {"type": "websocket.connect"}

    async def handle_reply(protocol: object, message: dict) -> None: ...

    monkeypatch.setattr(WhiteboardConsumer, "__call__", record)
    protocol = WebSocketProtocol()
    scope = {"type": "websocket", "path": f"/ws/whiteboard/{tutor_session.pk}/",
             "query_string": f"token={token}".encode(), "headers": []}
    asyncio.run(application(scope, receive, partial(handle_reply, protocol)))
    assert seen == [protocol]


class PollingReactor:
    """What a Twisted transport asks of its reactor when it queues: registrations only.
    The test plays the loop itself by calling doWrite."""

    def __init__(self) -> None:
        self.writers: set = set()

    def addWriter(self, writer: object) -> None:
        self.writers.add(writer)

    def removeWriter(self, writer: object) -> None:
        self.writers.discard(writer)


@pytest.fixture
def tcp_pair():
    """A real TCP connection on loopback: a Twisted transport on one end, a plain socket on the other."""
    import socket

    from twisted.internet.tcp import Connection

    listener = socket.create_server(("127.0.0.1", 0))
    peer = socket.create_connection(listener.getsockname())
    server_side, _ = listener.accept()
    listener.close()
    server_side.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    peer.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    reactor = PollingReactor()
    transport = Connection(server_side, protocol=None, reactor=reactor)
    transport.connected = 1
    yield transport, peer, reactor
    peer.close()
    server_side.close()


def read_exactly(peer, size: int, transport=None) -> bytes:  # noqa: ANN001
    peer.settimeout(5)
    received = bytearray()
    while len(received) < size:
        if transport is not None and transport.reactor.writers:
            transport.doWrite()  # the loop's pass: the socket is writable again once the peer reads
        received += peer.recv(65536)
    return bytes(received)


def test_an_idle_socket_is_written_at_once_without_registering_for_writability(tcp_pair):
    from whiteboard_app.wire import send_now

    transport, peer, reactor = tcp_pair
    send_now(transport, b"hello")
    assert not reactor.writers  # nothing queued: no loop pass needed
    assert read_exactly(peer, 5) == b"hello"


def test_what_the_kernel_does_not_take_is_queued_and_later_frames_keep_their_order(tcp_pair):
    from whiteboard_app.wire import send_now

    transport, peer, reactor = tcp_pair
    frames = [bytes([n]) * 300_000 for n in range(1, 4)]  # far more than the socket buffers hold
    for frame in frames:
        send_now(transport, frame)
    assert reactor.writers == {transport}  # the rest waits for writability
    assert transport._tempDataLen > 0
    assert read_exactly(peer, 900_000, transport) == b"".join(frames)
    assert not reactor.writers
