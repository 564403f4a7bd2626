"""Bad or oversized updates close only the sender; the room and its stored state stay."""
import asyncio

import pytest

from tests.whiteboard.helpers import connected, spec, stored_keys, until
from tests.whiteboard.live import WhiteboardServer
from whiteboard_app import protocol
from tests.support.whiteboard_client import BoardClient


def test_an_invalid_or_oversized_update_closes_only_its_sender(server, tutor_session, token):
    url = server.url(tutor_session.pk, token)

    async def scenario():
        a, b = await connected(url, 2)
        a.objects["keep"] = spec("keep")
        await until(lambda: "keep" in b.objects)

        broken = BoardClient(url)
        await broken.connect()
        await broken.send_raw(protocol.update_message(b"\x05\xffnot a yjs update"))
        assert await broken.wait_closed() == 4400

        garbled = BoardClient(url)
        await garbled.connect()
        await garbled.send_raw(b"\x00\x07\x01")  # unknown sync message type
        assert await garbled.wait_closed() == 4400

        (huge,) = await connected(url)
        huge.objects["big"] = {"id": "big", "text": "x" * 300_000}  # a valid update, too large
        assert await huge.wait_closed() == 4413

        a.objects["after"] = spec("after")
        await until(lambda: "after" in b.objects)
        assert not a.closed.is_set() and not b.closed.is_set()
        assert "big" not in a.objects and "big" not in b.objects
        (late,) = await connected(url)
        assert set(late.objects.keys()) == {"keep", "after"}
        for client in (a, b, late):
            await client.close()

    asyncio.run(scenario())
    assert stored_keys(tutor_session.pk, {"keep", "after"}) == {"keep", "after"}


@pytest.fixture
def strict_server(transactional_db):
    """A server with a tiny rate limit and the smallest document limit."""
    with WhiteboardServer(WHITEBOARD_MESSAGES_PER_SECOND="5", WHITEBOARD_MESSAGE_BURST="10",
                          WHITEBOARD_MAX_DOCUMENT_BYTES=str(64 * 1024)) as live:
        yield live


def test_a_client_over_the_message_rate_is_closed(strict_server, tutor_session, token):
    async def scenario():
        (chatty,) = await connected(strict_server.url(tutor_session.pk, token))
        for n in range(40):
            chatty.objects[f"k{n}"] = spec(f"k{n}", n)
        return await chatty.wait_closed()

    assert asyncio.run(scenario()) == 4429


def test_an_update_that_would_overfill_the_document_is_refused(strict_server, tutor_session, token):
    url = strict_server.url(tutor_session.pk, token)

    async def scenario():
        watcher, writer = await connected(url, 2)
        writer.objects["a"] = spec("a", points=2000)
        writer.objects["b"] = spec("b", points=2000)
        await until(lambda: "b" in watcher.objects)
        writer.objects["c"] = spec("c", points=2000)
        assert await writer.wait_closed() == 4413
        later = (await connected(url, 1))[0]  # whatever the room relays after the refusal...
        later.objects["d"] = spec("d", points=2)
        await until(lambda: "d" in watcher.objects)  # ...reaches the watcher after anything before it
        assert set(watcher.objects.keys()) == {"a", "b", "d"} and not watcher.closed.is_set()
        await watcher.close()
        await later.close()

    asyncio.run(scenario())
