"""The whiteboard consumer gets Daphne's send, so its frames take tutor_project.wire's path."""
import asyncio
from functools import partial

import pytest
from daphne.ws_protocol import WebSocketProtocol

from tutor_project.asgi import application
from tutor_project.wire import server_protocol
from whiteboard_app.consumers import WhiteboardConsumer


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
