"""Resources that belong to one event loop (the model client's connection pool) cannot
outlive it, so each is closed when its loop shuts down. (Plain asyncio: part of the AI core.)

asyncio.run, and so async_to_sync as in a worker's tasks, finalises the loop's async
generators before closing it: a generator holding the resource open does the closing.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar
from weakref import WeakKeyDictionary

T = TypeVar("T")


class PerLoop(Generic[T]):
    """One resource per event loop: made by `make` on first use in that loop, closed by
    `close` when the loop shuts down."""

    def __init__(self, make: Callable[[], T], close: Callable[[T], Awaitable[object]]) -> None:
        self._make, self._close = make, close
        self._held: WeakKeyDictionary[asyncio.AbstractEventLoop, _Held[T]] = WeakKeyDictionary()

    async def get(self) -> T:
        loop = asyncio.get_running_loop()
        held = self._held.get(loop)
        if held is None:
            resource = self._make()
            held = self._held[loop] = _Held(resource)  # stored before the await: one per loop
            held.keeper = _hold(lambda: self._close(resource))
            await anext(held.keeper)  # runs to its yield: registered with the loop from now on
        return held.resource


@dataclass
class _Held(Generic[T]):
    resource: T
    keeper: AsyncGenerator[None, None] | None = None  # collected early, it would close the resource early


async def _hold(close: Callable[[], Awaitable[object]]) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        await close()
