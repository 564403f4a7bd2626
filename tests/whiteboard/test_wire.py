"""Frames built once for many sockets, and finding Daphne's protocol behind ``send``."""
from functools import partial

from daphne.ws_protocol import WebSocketProtocol

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
