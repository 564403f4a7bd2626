from __future__ import annotations

import asyncio
import time
from typing import Callable

from django.db import connections
from pycrdt import Doc

from whiteboard_app.board import objects_map
from tests.support.whiteboard_client import BoardClient
from whiteboard_app.history import state_at
from whiteboard_app.models import Board


def spec(object_id: str, n: int = 0, *, points: int = 0) -> dict:
    """A learner's rectangle that meets the object contract (the room removes objects
    that do not), or with ``points`` a freehand path of that many points."""
    metadata = {"source": "user"}
    if points:
        line = [[10.0 + (i % 1500) + 0.25, 10.0 + (i % 900) + 0.5] for i in range(points)]
        return {"id": object_id, "kind": "path", "points": line, "metadata": metadata}
    return {"id": object_id, "kind": "rect", "x": 10 + n % 1500, "y": 10, "width": 20, "height": 20,
            "metadata": metadata}


async def off_loop(function: Callable, *args: object, **kwargs: object) -> object:
    """Run ORM code from a test's event loop in a thread, closing that thread's
    database connections afterwards (else they outlive the test database)."""

    def call() -> object:
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    return await asyncio.to_thread(call)


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


async def connected(url: str, count: int = 1) -> list[BoardClient]:
    clients = [BoardClient(url) for _ in range(count)]
    for client in clients:
        await client.connect()
    await asyncio.wait_for(asyncio.gather(*(c.synced.wait() for c in clients)), 10)
    return clients


async def reconnect(client: BoardClient, timeout: float = 20.0) -> None:
    """Try until the server answers again (it may still be starting)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            await client.connect()
            await asyncio.wait_for(client.synced.wait(), 5)
            return
        except (OSError, asyncio.TimeoutError):
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.1)


def stored_keys(session_id: int, expected: set[str], timeout: float = 5.0) -> set[str]:
    """The object ids in the stored board, waiting up to ``timeout`` for ``expected``
    (the room writes its log in batches)."""
    deadline = time.monotonic() + timeout
    while True:
        doc = Doc()
        doc.apply_update(state_at(Board.objects.get(session_id=session_id).pk).update)
        keys = set(objects_map(doc).keys())
        if keys == expected or time.monotonic() > deadline:
            return keys
        time.sleep(0.05)
