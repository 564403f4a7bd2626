"""Resources that belong to one event loop (an HTTP client's pool, a database connection)
cannot outlive it, so each is closed when its loop shuts down.

asyncio.run, and so async_to_sync as in a worker's tasks, finalises the loop's async
generators before closing it: a generator holding the resource open does the closing.
"""
from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable


async def closed_with_loop(close: Callable[[], Awaitable[object]]) -> AsyncGenerator[None, None]:
    """Register `close` (a resource's) to be awaited when the running loop shuts down. Keep
    the returned keeper as long as the resource: a keeper collected early closes it early."""
    keeper = _hold(close)
    await anext(keeper)  # runs to its yield: registered with the loop from now on
    return keeper


async def _hold(close: Callable[[], Awaitable[object]]) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        await close()
