"""Issue 15 and 18 rules of the whiteboard socket, against a live Daphne: the sender
gets its own awareness, either URL form works, bad ids and bad text are refused
cleanly, floods of presences or waiting updates close their sender at once while the
room keeps answering, and objects that break the contract never reach anyone."""
import asyncio
import contextlib
import time

import pytest
import websockets

from tests.support.servers import daphne
from pycrdt import Doc, Map

from tests.conftest import access_token
from tests.whiteboard.conftest import FAST
from tests.whiteboard.helpers import connected, spec, until
from tests.whiteboard.live import WhiteboardServer
from tests.whiteboard.test_socket_sync import close_code
from tests.support.whiteboard_client import BoardClient
from whiteboard_app import protocol

TIGHT = {**FAST, "WHITEBOARD_MAX_PRESENCES_PER_CONNECTION": "2", "WHITEBOARD_MAX_PRESENCES_PER_ROOM": "3",
         "WHITEBOARD_MAX_AWARENESS_STATE_BYTES": "512", "WHITEBOARD_MAX_WAITING_UPDATES": "20"}


@pytest.fixture(scope="module")
def tight_server(django_db_setup):
    with WhiteboardServer(**TIGHT) as live:
        yield live


@pytest.fixture
def tight(transactional_db, tight_server):
    yield tight_server
    tight_server.wait_until_quiet()


async def still_answers(url: str, within: float = 3.0) -> None:
    """A fresh pair of clients sync and see each other's edit within ``within`` seconds."""
    began = time.monotonic()
    a, b = await connected(url, 2)
    a.objects["alive"] = spec("alive")
    await until(lambda: "alive" in b.objects, timeout=within)
    assert time.monotonic() - began < within
    await a.close()
    await b.close()


def test_the_sender_gets_its_own_awareness_back(server, tutor_session, token):
    async def scenario():
        (alone,) = await connected(server.url(tutor_session.pk, token))
        await alone.announce({"user": {"name": "ada"}})
        await until(lambda: alone.doc.client_id in alone.awareness)
        await alone.close()

    asyncio.run(scenario())


def test_the_room_answers_with_and_without_the_trailing_slash(server, tutor_session, token):
    async def scenario():
        (slash,) = await connected(server.url(tutor_session.pk, token))
        (bare,) = await connected(f"{server.base}{tutor_session.pk}?token={token}")
        slash.objects["one"] = spec("one")
        await until(lambda: "one" in bare.objects)
        await slash.close()
        await bare.close()

    asyncio.run(scenario())


@pytest.mark.parametrize("room", ["abc", "1e3", "12345678901234567890123", "-4"])
def test_an_id_that_is_not_a_session_is_refused_with_4404(server, token, room):
    assert asyncio.run(close_code(f"{server.base}{room}/?token={token}")) == 4404


def invalid_utf8_close_code(url: str) -> int | None:
    async def scenario():
        async with websockets.connect(url) as socket:
            await socket.send(b"\xff\xfe\xfd", text=True)
            with pytest.raises(websockets.ConnectionClosed):
                while True:
                    await asyncio.wait_for(socket.recv(), 5)
            return socket.close_code

    return asyncio.run(scenario())


@pytest.mark.parametrize(("exception_on", "code"), [("1", 1007), ("0", 1006)])
def test_a_text_frame_with_invalid_utf8_closes_with_1007(transactional_db, tutor_session, token, exception_on, code):
    # A close frame with 1007, not a dropped connection (1006), through the product's Daphne
    # exception; with it off (SPEC 2.2: tested both ways) autobahn drops the connection.
    with daphne(DAPHNE_GUARD_REQUESTS=exception_on) as url:
        ws = url.replace("http", "ws", 1)
        assert invalid_utf8_close_code(f"{ws}/ws/whiteboard/{tutor_session.pk}/?token={token}") == code


def test_an_awareness_flood_closes_its_sender_at_once_and_the_room_keeps_answering(server, tutor_session, token):
    url = server.url(tutor_session.pk, token)

    async def scenario():
        (flooder,) = await connected(url)
        began = time.monotonic()
        for frame in range(4):  # up to 64,000 made-up presences, 16,000 a frame until it is closed
            entries = [(frame * 16_000 + n + 1, 1, "{}") for n in range(16_000)]
            try:
                await flooder.send_raw(protocol.awareness_message(entries))
            except websockets.ConnectionClosed:
                break
            # Frames sent past the close lie unread when the server drops the connection, and the
            # reset that makes can overtake its close frame (the client then sees 1006).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(flooder.closed.wait(), 0.5)
            if flooder.closed.is_set():
                break
        assert await flooder.wait_closed() == 4429
        assert time.monotonic() - began < 3
        await still_answers(url)

    asyncio.run(scenario())


def test_presences_per_room_and_the_state_size_are_limited(tight, tutor_session, token):
    url = tight.url(tutor_session.pk, token)

    async def scenario():
        first, second, big = await connected(url, 3)
        await first.send_raw(protocol.awareness_message([(1, 1, "{}"), (2, 1, "{}")]))
        await until(lambda: 2 in second.awareness)
        await second.send_raw(protocol.awareness_message([(3, 1, "{}"), (4, 1, "{}")]))  # a 4th in a room of 3
        assert await second.wait_closed() == 4429
        await big.announce({"name": "x" * 600})
        assert await big.wait_closed() == 4413
        assert not first.closed.is_set()
        await first.close()

    asyncio.run(scenario())


def test_updates_waiting_for_a_missing_one_are_bounded_and_the_room_keeps_answering(tight, tutor_session, token):
    source = Doc()
    updates: list[bytes] = []
    source.observe(lambda event: updates.append(event.update))
    objects = source.get("objects", type=Map)
    for n in range(3_500):
        objects[f"w{n}"] = spec(f"w{n}", n)
    url = tight.url(tutor_session.pk, token)

    async def scenario():
        (sender,) = await connected(url)
        began = time.monotonic()
        try:
            for update in updates[1:]:  # each waits for the first, never sent
                await sender.send_raw(protocol.update_message(update))
        except websockets.ConnectionClosed:
            pass
        assert await sender.wait_closed() == 4429
        assert time.monotonic() - began < 5
        await still_answers(url)

    asyncio.run(scenario())


def test_an_object_that_breaks_the_contract_never_reaches_anyone(server, tutor_session, token):
    url = server.url(tutor_session.pk, token)
    before = server.metric("tutor_whiteboard_invalid_objects_total")
    seen_bad: list[bool] = []

    async def scenario():
        (writer,) = await connected(url)
        watcher = BoardClient(url, on_remote=lambda _: seen_bad.append("bad" in watcher.objects))
        await watcher.connect()
        await asyncio.wait_for(watcher.synced.wait(), 5)
        writer.objects["bad"] = {"id": "bad", "kind": "blob", "metadata": {"source": "user"}}
        writer.objects["good"] = spec("good")
        await until(lambda: "good" in watcher.objects and "bad" not in writer.objects)
        (late,) = await connected(url)
        assert set(late.objects.keys()) == {"good"}
        for client in (writer, watcher, late):
            await client.close()

    asyncio.run(scenario())
    assert not any(seen_bad)
    assert server.metric("tutor_whiteboard_invalid_objects_total") == before + 1


def test_a_client_over_the_message_rate_is_closed_not_ignored(tight, tutor_session):
    token = access_token(tutor_session.learner)

    async def scenario():
        (chatty,) = await connected(tight.url(tutor_session.pk, token))
        for n in range(2_000):  # over the default burst of 600
            try:
                await chatty.send_raw(protocol.awareness_message([(chatty.doc.client_id, n + 1, "{}")]))
            except websockets.ConnectionClosed:
                break
        return await chatty.wait_closed()

    assert asyncio.run(scenario()) == 4429
