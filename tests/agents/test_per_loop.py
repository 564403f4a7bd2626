"""Per-loop resources (agents_app.per_loop): one per event loop, closed when that loop ends,
never by another loop (the gateway's model client)."""
from __future__ import annotations

import asyncio

from agents_app.per_loop import PerLoop


class Resource:
    def __init__(self, closed: list[Resource]) -> None:
        self.closed_into = closed

    async def close(self) -> None:
        self.closed_into.append(self)


def resources() -> tuple[PerLoop[Resource], list[Resource]]:
    closed: list[Resource] = []
    return PerLoop(lambda: Resource(closed), Resource.close), closed


def test_a_loop_keeps_one_resource_and_closes_it_as_it_ends():
    per_loop, closed = resources()

    async def use() -> Resource:
        first = await per_loop.get()
        assert await per_loop.get() is first
        return first

    one, two = asyncio.run(use()), asyncio.run(use())
    assert one is not two and closed == [one, two]


def test_another_loop_meanwhile_neither_replaces_nor_closes_this_loops_resource():
    """A worker's async_to_sync runs its own loop while the server's loop goes on."""
    per_loop, closed = resources()

    async def use() -> tuple[Resource, Resource, list[Resource]]:
        mine = await per_loop.get()
        theirs = await asyncio.to_thread(asyncio.run, per_loop.get())
        return mine, theirs, list(closed)

    mine, theirs, closed_meanwhile = asyncio.run(use())
    assert closed_meanwhile == [theirs] and mine is not theirs
    assert closed == [theirs, mine]
