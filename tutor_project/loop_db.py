"""The event loop's own PostgreSQL connections, for the sockets' most frequent statements:
the tutor's text deltas, each turn's lesson read and its two writes, and the whiteboard's
update log.

Through Django's ORM, each statement is a hop to a database thread and back, and in a
loaded process each hop waits for the GIL, often several times; that queueing made the
tail of the tutor's first-delta latency. On a connection the event loop drives itself
(psycopg's async connection) a statement is one socket round trip.

A few connections per loop, opened when first needed: under load each statement waits a
pass of the busy loop for its reply, and on a single connection the sockets' statements
queued behind each other's round trips (seconds, with 200 tutor sessions). Not
psycopg_pool's AsyncConnectionPool: its close() waits for its worker tasks, which
asyncio.run has already cancelled when it finalises the loop, so it never closed its
connections (as in every async_to_sync call of a worker's task).
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import psycopg
from django.db import connections
from django.db.models import JSONField, Model
from psycopg.pq import TransactionStatus

from tutor_project.loops import PerLoop

M = TypeVar("M", bound=Model)
APPLICATION_NAME = "tutor-sockets"  # how operators tell these connections apart in pg_stat_activity
CONNECTIONS = 8  # per loop, at most: statements in flight at once


def available() -> bool:
    """Whether the database has loop connections: PostgreSQL (psycopg). Elsewhere (SQLite)
    the same statements go through Django's database thread."""
    return connections["default"].vendor == "postgresql"


async def fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run one statement, in autocommit, on one of the running loop's connections; its rows.

    A connection that broke fails its statement and is dropped, so a later statement opens
    a new one; the statement is not retried, since it may have committed before the break."""
    async with (await _per_loop.get()).connection() as connection:
        async with connection.cursor() as cursor:
            await cursor.execute(sql, params)
            return await cursor.fetchall()


class _LoopConnections:
    """At most CONNECTIONS connections, each lent to one statement at a time."""

    def __init__(self) -> None:
        self._free = asyncio.Semaphore(CONNECTIONS)
        self._idle: list[psycopg.AsyncConnection] = []
        self._open: set[psycopg.AsyncConnection] = set()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection]:
        async with self._free:
            connection = self._idle.pop() if self._idle else await self._connect()
            try:
                yield connection
            finally:
                # Broken (the server went away) or not done with its statement: not reusable.
                if connection.info.transaction_status == TransactionStatus.IDLE:
                    self._idle.append(connection)
                else:
                    self._open.discard(connection)
                    await connection.close()

    async def _connect(self) -> psycopg.AsyncConnection:
        # Django's own settings for the database (name, user, host, port, options); its cursor
        # class and adapters are for its synchronous connections. Client-side binding, as Django's.
        django = connections["default"]
        params = {key: value for key, value in django.get_connection_params().items()
                  if key not in ("cursor_factory", "context")}
        # Times in the zone Django's connections use, so rows read here match the ORM's.
        params["options"] = f"{params.get('options', '')} -c TimeZone={django.timezone_name}".strip()
        connection = await psycopg.AsyncConnection.connect(
            **params, autocommit=True, cursor_factory=psycopg.AsyncClientCursor, application_name=APPLICATION_NAME)
        self._open.add(connection)
        return connection

    async def close(self) -> None:
        for connection in list(self._open):
            await connection.close()
        self._open.clear()
        self._idle.clear()


_per_loop = PerLoop(_LoopConnections, _LoopConnections.close)


def columns(model: type[Model], alias: str) -> str:
    """A model's concrete columns, for a SELECT on the loop connection that `instance` turns
    back into the model. JSON columns come as text, as Django's own connection reads them,
    so each field's from_db_value converts them as the ORM would."""
    quote = connections["default"].ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}"
                     + ("::text" if isinstance(field, JSONField) else "")
                     for field in model._meta.concrete_fields)


def instance(model: type[M], values: Sequence[Any]) -> M:
    """The model instance of a row's values selected with `columns`, converted as the ORM would."""
    fields = model._meta.concrete_fields
    converted = [value if value is None or not hasattr(field, "from_db_value")
                 else field.from_db_value(value, None, connections["default"])
                 for field, value in zip(fields, values)]
    return model.from_db("default", [field.attname for field in fields], converted)
