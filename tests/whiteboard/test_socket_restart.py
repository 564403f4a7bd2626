"""Five clients edit; the server is SIGKILLed mid-way and started again; every edit of
every client ends up in every document and in storage."""
import asyncio

from tests.whiteboard.helpers import connected, reconnect, spec, stored_keys, until

CLIENTS, EDITS = 5, 30


def test_every_edit_survives_a_sigkill_and_restart(server, tutor_session, token):
    url = server.url(tutor_session.pk, token)
    expected = {f"c{i}-{n}" for i in range(CLIENTS) for n in range(EDITS)}

    async def edit(client, i: int, start: int, stop: int) -> None:
        for n in range(start, stop):
            client.objects[f"c{i}-{n}"] = spec(f"c{i}-{n}", n)
            await asyncio.sleep(0.005)

    async def scenario():
        clients = await connected(url, CLIENTS)
        await asyncio.gather(*(edit(c, i, 0, EDITS // 3) for i, c in enumerate(clients)))
        # Kill while edits are in flight, so some batches never reach the log.
        editing = [asyncio.create_task(edit(c, i, EDITS // 3, 2 * EDITS // 3)) for i, c in enumerate(clients)]
        await asyncio.sleep(0.03)
        server.kill()
        await asyncio.gather(*editing)  # these land in the local documents meanwhile
        await asyncio.gather(*(c.wait_closed() for c in clients))
        server.start()
        await asyncio.gather(*(reconnect(c) for c in clients))
        await asyncio.gather(*(edit(c, i, 2 * EDITS // 3, EDITS) for i, c in enumerate(clients)))
        await until(lambda: all(set(c.objects.keys()) == expected for c in clients), timeout=20)
        for client in clients:
            await client.close()

    asyncio.run(scenario())
    assert stored_keys(tutor_session.pk, expected) == expected
