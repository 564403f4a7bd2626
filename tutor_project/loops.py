"""Resources that belong to one event loop (an HTTP client's pool, a database connection)
cannot outlive it, so each is closed when its loop shuts down.

asyncio.run, and so async_to_sync as in a worker's tasks, finalises the loop's async
generators before closing it: a generator holding the resource open does the closing.
"""
from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Protocol


class Closable(Protocol):
    async def close(self) -> None: ...


async def closed_with_loop(resource: Closable) -> AsyncGenerator[None, None]:
    """Register `resource` to be closed when the running loop shuts down. Keep the returned
    keeper as long as the resource: a keeper collected early closes it early."""
    keeper = _hold(resource)
    await anext(keeper)  # runs to its yield: registered with the loop from now on
    return keeper


async def _hold(resource: Closable) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        await resource.close()
