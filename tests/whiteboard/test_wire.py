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
