"""Frames built once for many sockets, Daphne's protocol behind ``send``, and writing
at once on a real socket (tutor_project.wire)."""
import asyncio
import socket
from functools import partial

import pytest
from daphne.ws_protocol import WebSocketProtocol
from twisted.internet.tcp import Connection

from sessions_app import actions
from tests.conftest import access_token
from tutor_project.asgi import application
from tutor_project.websocket import SocketConsumer
from tutor_project.wire import OutgoingFrame, send_now, server_protocol
from whiteboard_app.consumers import WhiteboardConsumer


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
    listener = socket.create_server(("127.0.0.1", 0))
    peer = socket.create_connection(listener.getsockname())
    server_side, _ = listener.accept()
    listener.close()
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
    from tutor_project.wire import send_now

    transport, peer, reactor = tcp_pair
    send_now(transport, b"hello")
    assert not reactor.writers  # nothing queued: no loop pass needed
    assert read_exactly(peer, 5) == b"hello"


def test_what_the_kernel_does_not_take_is_queued_and_later_frames_keep_their_order(tcp_pair):
    from tutor_project.wire import send_now

    transport, peer, reactor = tcp_pair
    # Far more than the socket buffers hold (the kernel caps a send buffer at 4 MB by
    # default). Shrinking the buffers instead stalled the transfer for minutes at a time.
    frames = [bytes([n]) * 8_000_000 for n in range(1, 4)]
    for frame in frames:
        send_now(transport, frame)
    assert reactor.writers == {transport}  # the rest waits for writability
    assert transport._tempDataLen > 0
    assert read_exactly(peer, 24_000_000, transport) == b"".join(frames)
    assert not reactor.writers


def test_a_tutor_text_frame_goes_straight_to_the_socket(tcp_pair):
    transport, peer, reactor = tcp_pair
    protocol = WebSocketProtocol()
    protocol.state, protocol.transport = WebSocketProtocol.STATE_OPEN, transport
    protocol.send_queue, protocol._perMessageCompress = [], None
    dispatched = []

    async def handle_reply(protocol: object, message: dict) -> None:
        dispatched.append(message)

    consumer = SocketConsumer()
    consumer.base_send = partial(handle_reply, protocol)
    consumer.protocol = server_protocol(consumer.base_send)  # as __call__ finds it
    asyncio.run(consumer.send(text_data='{"type": "pong"}'))
    assert read_exactly(peer, 18) == b"\x81\x10" + b'{"type": "pong"}'  # FIN + text, unmasked
    assert dispatched == [] and not reactor.writers
    asyncio.run(consumer.close(4403))  # a close keeps the ASGI path
    assert dispatched == [{"type": "websocket.close", "code": 4403}]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("route, consumer", [("whiteboard", WhiteboardConsumer)])
def test_the_products_stack_hands_daphnes_send_to_both_socket_consumers(monkeypatch, learner, route, consumer):
    """Each consumer finds Daphne's protocol behind `send`. A middleware that wrapped `send`,
    or a consumer that stopped looking, would silently cost every socket its direct writes
    (the consumers fall back to the ASGI send); the live tests would still pass."""
    session = actions.start_session(learner, actions.create_folder(learner, name="Biology"))
    seen = []
    events = iter([{"type": "websocket.connect"}, {"type": "websocket.disconnect", "code": 1000}])

    async def record(self) -> None:
        seen.append(self.protocol)

    async def receive() -> dict:
        return next(events)

    async def handle_reply(protocol: object, message: dict) -> None: ...

    monkeypatch.setattr(consumer, "connect", record)
    protocol = WebSocketProtocol()
    scope = {"type": "websocket", "path": f"/ws/{route}/{session.pk}/",
             "query_string": f"token={access_token(learner)}".encode(), "headers": []}
    asyncio.run(application(scope, receive, partial(handle_reply, protocol)))
    assert seen == [protocol]
