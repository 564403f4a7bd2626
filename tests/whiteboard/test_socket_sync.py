"""Two Python clients edit one room through a live Daphne and converge; auth rules."""
import asyncio
import json

import pytest
import websockets

from tests.conftest import access_token
from tests.whiteboard.helpers import connected, off_loop, spec, until
from whiteboard_app import actions, protocol
from whiteboard_app.board import ephemeral_map
from tests.support.whiteboard_client import BoardClient
from whiteboard_app.skills import draw_mcq


def test_two_clients_edit_the_same_room_and_converge(server, tutor_session, token):
    async def scenario():
        url = server.url(tutor_session.pk, token)
        a, b = BoardClient(url), BoardClient(url)
        await a.connect()
        await b.connect()
        await asyncio.wait_for(asyncio.gather(a.synced.wait(), b.synced.wait()), 5)
        a.objects["from-a"] = spec("from-a", 1)
        b.objects["from-b"] = spec("from-b", 2)
        await until(lambda: len(a.objects) == 2 and len(b.objects) == 2)
        assert a.objects.to_py() == b.objects.to_py()
        await a.close()
        await b.close()
        # A newcomer gets the state that was stored or is held by the room.
        c = BoardClient(url)
        await c.connect()
        await asyncio.wait_for(c.synced.wait(), 5)
        assert set(c.objects.keys()) == {"from-a", "from-b"}
        await c.close()

    asyncio.run(scenario())


async def close_code(url: str) -> int:
    async with websockets.connect(url) as socket:
        with pytest.raises(websockets.ConnectionClosed):
            while True:
                await asyncio.wait_for(socket.recv(), 5)
        return socket.close_code


def test_it_refuses_bad_tokens_foreign_sessions_and_missing_sessions(server, tutor_session, other_learner):
    outsider = access_token(other_learner)
    assert asyncio.run(close_code(f"{server.base}{tutor_session.pk}/")) == 4401
    assert asyncio.run(close_code(f"{server.base}{tutor_session.pk}/?token=nonsense")) == 4401
    assert asyncio.run(close_code(server.url(tutor_session.pk, outsider))) == 4403
    assert asyncio.run(close_code(server.url(tutor_session.pk + 999, outsider))) == 4404


def test_a_drawing_made_by_the_server_reaches_connected_clients(server, tutor_session, token):
    async def scenario():
        (client,) = await connected(server.url(tutor_session.pk, token))
        drawing = await off_loop(
            actions.draw_on_board, tutor_session.pk, lambda ctx, state: draw_mcq(ctx, "Q?", ["yes", "no"])
        )
        await until(lambda: set(drawing.object_ids) <= set(client.objects.keys()))
        options = [v for v in client.objects.values() if v["metadata"].get("role") == "option"]
        assert sorted(o["metadata"]["option_index"] for o in options) == [0, 1]
        await client.close()

    asyncio.run(scenario())


def test_the_room_removes_expired_ephemeral_entries(server, tutor_session, token):
    async def scenario():
        a, b = await connected(server.url(tutor_session.pk, token), 2)
        ephemeral_map(a.doc)["ping"] = {"id": "ping", "kind": "pointer", "x": 5, "y": 5, "color": "red",
                                        "expiresAt": 1, "source": "user"}
        await until(lambda: "ping" in ephemeral_map(b.doc))
        await until(lambda: "ping" not in ephemeral_map(a.doc) and "ping" not in ephemeral_map(b.doc))
        await a.close()
        await b.close()

    asyncio.run(scenario())


def test_presence_reaches_others_and_newcomers_and_is_cleared_on_leave(server, tutor_session, token):
    async def scenario():
        url = server.url(tutor_session.pk, token)
        a, b = await connected(url, 2)
        await a.announce({"user": {"name": "ada"}, "cursor": [10, 20]})
        await until(lambda: a.doc.client_id in b.awareness)
        assert json.loads(b.awareness[a.doc.client_id])["user"]["name"] == "ada"
        (c,) = await connected(url)
        await until(lambda: a.doc.client_id in c.awareness)
        await a.close()
        await until(lambda: a.doc.client_id not in b.awareness and a.doc.client_id not in c.awareness)
        await b.close()
        await c.close()

    asyncio.run(scenario())


def test_a_cursor_moving_fast_reaches_others_coalesced_and_ends_where_it_stopped(server, tutor_session, token):
    async def scenario():
        a, b = await connected(server.url(tutor_session.pk, token), 2)
        for clock in range(1, 61):
            await a.announce({"user": {"name": "ada"}, "cursor": [clock, clock]}, clock=clock)
        await until(lambda: json.loads(b.awareness.get(a.doc.client_id, "{}")).get("cursor") == [60, 60])
        assert b.awareness_frames < 30  # 60 moves in a few milliseconds: a handful of messages, not 60
        await a.close()
        await b.close()

    asyncio.run(scenario())


def test_a_connection_cannot_speak_for_another_ones_presence(server, tutor_session, token):
    # The stock provider echoes every presence it hears: echoes are dropped, so they neither
    # count against the echoing connection's presences nor change the other person's state.
    async def scenario():
        a, b, c = await connected(server.url(tutor_session.pk, token), 3)
        await a.announce({"user": {"name": "ada"}})
        await until(lambda: a.doc.client_id in b.awareness and a.doc.client_id in c.awareness)
        for clock in range(2, 12):
            await b.send_raw(protocol.awareness_message([(a.doc.client_id, clock, json.dumps({"user": {"name": "eve"}}))]))
        await b.announce({"user": {"name": "bob"}})
        await until(lambda: b.doc.client_id in c.awareness)
        assert json.loads(c.awareness[a.doc.client_id])["user"]["name"] == "ada" and not b.closed.is_set()
        for client in (a, b, c):
            await client.close()

    asyncio.run(scenario())


def test_presence_that_is_not_renewed_expires(server, tutor_session, token):
    async def scenario():
        a, b = await connected(server.url(tutor_session.pk, token), 2)
        await a.announce({"user": {"name": "ada"}})
        await until(lambda: a.doc.client_id in b.awareness)
        await until(lambda: a.doc.client_id not in b.awareness, timeout=8)  # 3 s timeout in tests
        assert not a.closed.is_set()
        await a.close()
        await b.close()

    asyncio.run(scenario())


def test_a_room_is_loaded_from_storage_once_however_many_join(server, tutor_session, token):
    before = server.metric("tutor_whiteboard_room_loads_total")

    async def scenario():
        clients = [BoardClient(server.url(tutor_session.pk, token)) for _ in range(6)]
        await asyncio.gather(*(c.connect() for c in clients))  # all at once, on a cold room
        await asyncio.wait_for(asyncio.gather(*(c.synced.wait() for c in clients)), 10)
        for client in clients:
            await client.close()

    asyncio.run(scenario())
    assert server.metric("tutor_whiteboard_room_loads_total") == before + 1
