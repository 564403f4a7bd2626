"""Two Daphne processes serve one room: clients on either converge (through the Redis
channel layer when REDIS_URL is set, through the update log otherwise)."""
import asyncio
import os

import pytest

from tests.whiteboard.conftest import FAST
from tests.whiteboard.helpers import connected, spec, stored_keys, until
from tests.whiteboard.live import WhiteboardServer


@pytest.fixture
def second_server(server):
    with WhiteboardServer(**FAST) as live:
        yield live


def test_clients_on_two_processes_edit_one_room_and_converge(server, second_server, tutor_session, token):
    expected = {f"{side}-{n}" for side in ("a", "b") for n in range(20)}

    async def scenario():
        on_a = await connected(server.url(tutor_session.pk, token), 2)
        on_b = await connected(second_server.url(tutor_session.pk, token), 2)

        async def edit(client, side: str, first: int) -> None:
            for n in range(first, 20, 2):
                client.objects[f"{side}-{n}"] = spec(f"{side}-{n}", n)
                await asyncio.sleep(0.01)

        await asyncio.gather(edit(on_a[0], "a", 0), edit(on_a[1], "a", 1), edit(on_b[0], "b", 0),
                             edit(on_b[1], "b", 1))
        everyone = [*on_a, *on_b]
        await until(lambda: all(set(c.objects.keys()) == expected for c in everyone), timeout=15)
        for client in everyone:
            await client.close()

    asyncio.run(scenario())
    assert stored_keys(tutor_session.pk, expected) == expected


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="processes only meet through Redis")
def test_an_update_reaches_the_other_process_through_the_relay_not_the_log(
    transactional_db, tutor_session, token
):
    slow_log = {**FAST, "WHITEBOARD_CATCHUP_SECONDS": "60"}  # the log catch-up cannot help in time
    async def scenario(servers: list[WhiteboardServer]) -> None:
        (on_a,), (on_b,) = [await connected(live.url(tutor_session.pk, token)) for live in servers]
        on_a.objects["from-a"] = spec("from-a")
        await until(lambda: "from-a" in on_b.objects, timeout=5)
        on_b.objects["from-b"] = spec("from-b")
        await until(lambda: "from-b" in on_a.objects, timeout=5)
        for client in (on_a, on_b):
            await client.close()

    with WhiteboardServer(**slow_log) as first, WhiteboardServer(**slow_log) as second:
        asyncio.run(scenario([first, second]))
