"""The event loop's own PostgreSQL connection, for the sockets' most frequent writes: the
tutor's text deltas and the whiteboard's update log, each every few tens of milliseconds.

Through Django's ORM, each write is a hop to a database thread and back, and in a loaded
process each hop waits for the GIL, often several times; that queueing made the tail of
the tutor's first-delta latency. On a connection the event loop drives itself (psycopg's
async connection) a write is one socket round trip. One connection per loop, opened when
first needed, replaced when it breaks and closed when its loop shuts down.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

import psycopg
from django.db import connections
from django.db.models import JSONField, Model

from tutor_project.loops import closed_with_loop

M = TypeVar("M", bound=Model)
APPLICATION_NAME = "tutor-sockets"  # how operators tell these connections apart in pg_stat_activity

def available() -> bool:
    """Whether the database has a loop connection: PostgreSQL (psycopg). Elsewhere (SQLite)
    the same writes go through Django's database thread."""
    return connections["default"].vendor == "postgresql"


_opened: WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[psycopg.AsyncConnection, AsyncGenerator]] = \
    WeakKeyDictionary()
_opening: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[psycopg.AsyncConnection]] = WeakKeyDictionary()


async def fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run one statement, in autocommit, on the running loop's connection; its rows.

    A connection that broke is dropped with the error, so the next statement opens a new
    one; the statement is not retried, since it may have committed before the break."""
    loop = asyncio.get_running_loop()
    connection = await _connection(loop)
    try:
        async with connection.cursor() as cursor:
            await cursor.execute(sql, params)
            return await cursor.fetchall()
    except psycopg.OperationalError:
        if connection.broken or connection.closed:
            _opened.pop(loop, None)
        raise


async def _connection(loop: asyncio.AbstractEventLoop) -> psycopg.AsyncConnection:
    opened = _opened.get(loop)
    if opened is not None and not opened[0].closed:
        return opened[0]
    # Statements that find no connection at the same time wait for one opening: each
    # opening its own would replace, and so close, a connection another is using.
    opening = _opening.get(loop)
    if opening is None:
        opening = _opening[loop] = loop.create_task(_open(loop))
        opening.add_done_callback(lambda _: _opening.pop(loop, None))
    return await asyncio.shield(opening)  # a cancelled caller leaves the opening to the others


async def _open(loop: asyncio.AbstractEventLoop) -> psycopg.AsyncConnection:
    # Django's own settings for the database (name, user, host, port, options); its cursor
    # class and adapters are for its synchronous connections. Client-side binding, as Django's.
    params = {key: value for key, value in connections["default"].get_connection_params().items()
              if key not in ("cursor_factory", "context")}
    connection = await psycopg.AsyncConnection.connect(
        **params, autocommit=True, cursor_factory=psycopg.AsyncClientCursor, application_name=APPLICATION_NAME)
    # Times in the zone Django's connections use, so rows read here match the ORM's.
    await connection.execute(f"SET TIME ZONE '{connections['default'].timezone_name}'")
    _opened[loop] = (connection, await closed_with_loop(connection))
    return connection


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
