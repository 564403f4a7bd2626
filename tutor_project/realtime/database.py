"""Database work from the sockets' async code: one way, Channels' database_sync_to_async."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from channels.db import database_sync_to_async

P = ParamSpec("P")
R = TypeVar("R")


def db(function: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """`function` made awaitable, with Django's connection hygiene around each call.

    Not thread-sensitive: calls for different sessions run in parallel on the event loop's
    default executor, each thread with its own connection (from the pool on PostgreSQL),
    instead of queueing in Django's one sync thread behind every other socket's work."""
    return database_sync_to_async(function, thread_sensitive=False)
