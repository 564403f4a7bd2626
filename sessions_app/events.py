"""The tutor event log: store, number, then send.

Every server event but `pong` is stored as a SessionEvent with the next per-session
`seq` before anyone sees it. Numbers come from TutorSession.last_event_seq, bumped by an
UPDATE inside the caller's transaction: the row lock serialises writers, so when event
N is visible every event before it is too. After commit the channel layer rings the
session's group; the bell carries the frames as a shortcut, but a receiver that sees a
gap (Redis pub/sub delivers at most once: a process reconnecting to Redis misses what
was published meanwhile) reads the stored rows instead, so nothing is lost across
processes and nothing is sent twice.

Text deltas, the bulk of the traffic, go through DeltaLog: the deltas of all of a
process's sessions are stored together, under the same rules (on PostgreSQL in one
statement on the event loop's own connection, see tutor_project.loop_db; elsewhere in one
transaction).
"""
from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import Any, NamedTuple, TypeVar
from weakref import WeakKeyDictionary

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import connection, transaction

from sessions_app.models import SessionEvent, TutorSession
from sessions_app.protocol import EVENT_MODELS
from tutor_project import loop_db

Frame = dict[str, Any]
R = TypeVar("R")
BELL = "tutor.bell"  # the consumer's handler is tutor_bell
_local = threading.local()
# PostgreSQL takes concurrent writers (each session's row lock orders its own events), so
# the socket's database work for different sessions runs in parallel; SQLite has one
# writer at a time, and its busy-wait backs off in steps of milliseconds, so there it
# queues in Django's one database thread instead.
WRITER_THREADS = 8
_writers = ThreadPoolExecutor(max_workers=WRITER_THREADS, thread_name_prefix="tutor-events")


def group_name(session_id: int) -> str:
    return f"tutor.session.{session_id}"


def record(session_id: int, events: list[tuple[str, dict[str, Any]]], *, bumped: Counters | None = None
           ) -> list[Frame]:
    """Store `events` (type, fields) with consecutive seqs; ring the group after commit.

    Must run inside a transaction (an action's); returns the wire frames. `bumped`: the
    caller already added len(events) to the event counter in this transaction (along
    with the message it stores), and these are the counters after it.
    """
    if not events:
        return []
    checked = [validated(type_, fields) for type_, fields in events]
    last = (bumped or bump_counters(session_id, events=len(checked))).last_event_seq
    first = last - len(checked) + 1
    rows = []
    for offset, frame in enumerate(checked):
        frame["seq"] = first + offset
        rows.append(SessionEvent(session_id=session_id, seq=frame["seq"], type=frame["type"],
                                 turn_id=frame.get("turn_id") or "", payload=payload_of(frame)))
    SessionEvent.objects.bulk_create(rows)
    transaction.on_commit(lambda: ring(session_id, checked))
    return checked


def record_batch(entries: list[tuple[int, str, dict[str, Any]]]) -> list[Frame]:
    """Store one event each for many sessions (session id, type, fields) in one transaction:
    one counter UPDATE and one INSERT for them all. Rings each session's group after commit;
    returns the frames in the order of `entries`."""
    checked = [(session_id, validated(type_, fields)) for session_id, type_, fields in entries]
    from_end = _from_end(checked)
    with transaction.atomic():
        lasts = _bump_many(Counter(session_id for session_id, _ in checked))
        SessionEvent.objects.bulk_create([
            SessionEvent(session_id=session_id, seq=lasts[session_id] - back, type=frame["type"],
                         turn_id=frame.get("turn_id") or "", payload=payload_of(frame))
            for (session_id, frame), back in zip(checked, from_end)
        ])
    by_session: dict[int, list[Frame]] = defaultdict(list)
    for (session_id, frame), back in zip(checked, from_end):
        frame["seq"] = lasts[session_id] - back
        by_session[session_id].append(frame)
    for session_id, frames in by_session.items():
        transaction.on_commit(partial(ring, session_id, frames))  # at once unless inside a transaction
    return [frame for _, frame in checked]


def _from_end(checked: list[tuple[int, Frame]]) -> list[int]:
    """Each entry's distance from its session's last event of the batch: seq = last - from_end."""
    left = Counter(session_id for session_id, _ in checked)
    from_end = []
    for session_id, _ in checked:
        left[session_id] -= 1
        from_end.append(left[session_id])
    return from_end


def _bump_many(counts: Mapping[int, int]) -> dict[int, int]:
    """Add to several sessions' event counters in one statement; their last seqs after it.
    Rows are listed in id order so concurrent batches of other processes lock alike."""
    table = connection.ops.quote_name(TutorSession._meta.db_table)
    ids = sorted(counts)
    values = " UNION ALL ".join(["SELECT %s AS id, %s AS n"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_event_seq = {table}.last_event_seq + v.n FROM ({values}) AS v "
            f"WHERE {table}.id = v.id RETURNING {table}.id, {table}.last_event_seq",
            [value for session_id in ids for value in (session_id, counts[session_id])],
        )
        lasts = dict(cursor.fetchall())
    if len(lasts) != len(ids):
        raise TutorSession.DoesNotExist(f"no tutor session {sorted(set(ids) - set(lasts))}")
    return lasts


async def _store_deltas_in_one_statement(entries: list[tuple[int, dict[str, Any]]]) -> list[Frame | Exception]:
    """PostgreSQL: bump the counters and insert the rows in one autocommit statement on the
    loop's own connection, one round trip where a transaction takes four (BEGIN, UPDATE,
    INSERT, COMMIT); then ring the groups. One frame or error per entry.

    The statement is its own transaction, so the rules hold as before: the counter rows
    stay locked until the events are committed. A session missing meanwhile (deleted) gets
    no rows and its entries a DoesNotExist; the other sessions' deltas are stored."""
    checked = [(session_id, validated("text.delta", fields)) for session_id, fields in entries]
    from_end = _from_end(checked)
    sessions = connection.ops.quote_name(TutorSession._meta.db_table)
    events = connection.ops.quote_name(SessionEvent._meta.db_table)
    counts = Counter(session_id for session_id, _ in checked)
    ids = sorted(counts)  # rows locked in id order, as _bump_many does
    # set_config(..., true) is SET LOCAL synchronous_commit, as an expression. A crash may then
    # lose the last few deltas, never leave a hole: the counters and the rows commit together
    # and PostgreSQL replays commits in order; a client that saw a lost seq is told on resume
    # (ahead of the log) and gets a fresh state.
    sql = (
        f"WITH bumped AS (UPDATE {sessions} AS s SET last_event_seq = s.last_event_seq + b.n "
        f"FROM (VALUES {', '.join(['(%s::bigint, %s::int)'] * len(ids))}) AS b (id, n), "
        f"(SELECT set_config('synchronous_commit', 'off', true)) AS relaxed "
        f"WHERE s.id = b.id RETURNING s.id, s.last_event_seq) "
        f"INSERT INTO {events} (session_id, seq, type, turn_id, payload, created_at) "
        f"SELECT e.session_id, bumped.last_event_seq - e.from_end, e.type, e.turn_id, e.payload, now() "
        f"FROM (VALUES {', '.join(['(%s::bigint, %s::int, %s, %s, %s::jsonb)'] * len(checked))}) "
        f"AS e (session_id, from_end, type, turn_id, payload) JOIN bumped ON bumped.id = e.session_id "
        f"RETURNING session_id, seq"
    )
    params: list[Any] = [value for session_id in ids for value in (session_id, counts[session_id])]
    for (session_id, frame), back in zip(checked, from_end):
        params += [session_id, back, frame["type"], frame["turn_id"], json.dumps(payload_of(frame))]
    lasts: dict[int, int] = {}
    for session_id, seq in await loop_db.fetch(sql, params):
        lasts[session_id] = max(seq, lasts.get(session_id, 0))
    outcomes: list[Frame | Exception] = []
    bells: dict[int, list[Frame]] = defaultdict(list)
    for (session_id, frame), back in zip(checked, from_end):
        if session_id not in lasts:
            outcomes.append(TutorSession.DoesNotExist(f"no tutor session {session_id}"))
            continue
        frame["seq"] = lasts[session_id] - back
        bells[session_id].append(frame)
        outcomes.append(frame)
    await ring_all(list(bells.items()))
    return outcomes


class Counters(NamedTuple):
    last_event_seq: int
    last_message_seq: int
    status: str  # read under the row lock, so it cannot change before the caller commits


def bump_counters(session_id: int, *, events: int = 0, messages: int = 0) -> Counters:
    """Add to a session's event and message counters in one statement (the row lock
    serialises writers); returns the counters after the bump, with the session's status."""
    table = connection.ops.quote_name(TutorSession._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_event_seq = last_event_seq + %s, last_message_seq = last_message_seq + %s "
            "WHERE id = %s RETURNING last_event_seq, last_message_seq, status", [events, messages, session_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise TutorSession.DoesNotExist(f"no tutor session {session_id}")
    return Counters(*row)


def lock_session(session_id: int) -> int:
    """Take the session's row lock (a write, so SQLite takes its write lock at once rather
    than failing to upgrade a read later); returns the last event seq."""
    return bump_counters(session_id).last_event_seq


def validated(type_: str, fields: dict[str, Any]) -> Frame:
    # seq=1 stands in until the number is allocated; every other field is checked now,
    # before any row is written.
    return EVENT_MODELS[type_].model_validate({"type": type_, "seq": 1, **fields}).model_dump(mode="json")


def payload_of(frame: Frame) -> dict[str, Any]:
    return {k: v for k, v in frame.items() if k not in ("type", "seq")}


def ring(session_id: int, frames: list[Frame]) -> None:
    """Ring the session's group; inside `act` the bell is rung by the caller's event loop
    instead, so the database thread never waits on the channel layer."""
    collected = getattr(_local, "bells", None)
    if collected is not None:
        collected.append((session_id, frames))
        return
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group_name(session_id), {"type": BELL, "frames": frames})


@contextmanager
def _collecting_bells() -> Iterator[list[tuple[int, list[Frame]]]]:
    _local.bells = bells = []
    try:
        yield bells
    finally:
        _local.bells = None


def db(function: Callable[..., R]) -> Callable[..., Awaitable[R]]:
    """`function` made awaitable, run where database work of this backend belongs (see _writers)."""
    if connection.vendor == "postgresql":
        return database_sync_to_async(function, thread_sensitive=False, executor=_writers)
    return database_sync_to_async(function)


async def act(action: Callable[..., R], *args: Any, **kwargs: Any) -> R:
    """Run a sync action in the database thread, then ring the bells of what it committed."""

    def call() -> tuple[Any, BaseException | None, list[tuple[int, list[Frame]]]]:
        with _collecting_bells() as bells:
            try:
                return action(*args, **kwargs), None, bells
            except Exception as exc:  # committed work still rings, then the error goes on
                return None, exc, bells

    result, error, bells = await db(call)()
    await ring_all(bells)
    if error is not None:
        raise error
    return result


async def ring_all(bells: list[tuple[int, list[Frame]]]) -> None:
    """Ring the sessions' groups at once (a batch touches many), each session's bells in order."""
    layer = get_channel_layer()
    if layer is None or not bells:
        return
    by_session: dict[int, list[list[Frame]]] = defaultdict(list)
    for session_id, frames in bells:
        by_session[session_id].append(frames)

    async def ring_session(session_id: int, rings: list[list[Frame]]) -> None:
        for frames in rings:
            await layer.group_send(group_name(session_id), {"type": BELL, "frames": frames})

    await asyncio.gather(*(ring_session(session_id, rings) for session_id, rings in by_session.items()))


class DeltaLog:
    """Stores the text deltas of every session of this process's event loop in shared transactions.

    Each streaming turn writes a delta every few tens of milliseconds: with hundreds of
    sessions, a transaction each is thousands of commits a second. Deltas that arrive while
    a write is in flight wait and go out together in the next one (one UPDATE, one INSERT,
    one commit), so there is no timer: a lone delta is written at once. Still store, number,
    then send: `record` returns once its row is committed and its bell rung.
    """

    def __init__(self) -> None:
        self._waiting: list[tuple[int, dict[str, Any], asyncio.Future[Frame]]] = []
        self._writer: asyncio.Task | None = None

    async def record(self, session_id: int, **fields: Any) -> Frame:
        future: asyncio.Future[Frame] = asyncio.get_running_loop().create_future()
        self._waiting.append((session_id, fields, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_waiting())
        # Shielded: a caller cancelled meanwhile leaves the write to finish for the others.
        return await asyncio.shield(future)

    async def _write_waiting(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            outcomes = await _store_deltas([(session_id, fields) for session_id, fields, _ in batch])
            for (_, _, future), outcome in zip(batch, outcomes):
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)


async def _store_deltas(entries: list[tuple[int, dict[str, Any]]]) -> list[Frame | Exception]:
    """One frame or error per entry. In a transaction, a failing batch (say, a session
    deleted meanwhile) is retried entry by entry so one session's problem never fails the
    others' deltas."""
    if loop_db.available():
        try:
            return await _store_deltas_in_one_statement(entries)
        except Exception as exc:  # failed, or its connection broke: not retried, it may have committed
            return [exc] * len(entries)
    try:
        return await act(record_batch, [(session_id, "text.delta", fields) for session_id, fields in entries])
    except Exception as exc:
        if len(entries) == 1:
            return [exc]
    outcomes: list[Frame | Exception] = []
    for entry in entries:
        outcomes.extend(await _store_deltas([entry]))
    return outcomes


_delta_logs: WeakKeyDictionary[asyncio.AbstractEventLoop, DeltaLog] = WeakKeyDictionary()


def delta_log() -> DeltaLog:
    """The running event loop's DeltaLog (its futures and task belong to that loop)."""
    loop = asyncio.get_running_loop()
    log = _delta_logs.get(loop)
    if log is None:
        log = _delta_logs[loop] = DeltaLog()
    return log


def as_frame(event: SessionEvent) -> Frame:
    return {"type": event.type, "seq": event.seq, **event.payload}


def frames_after(session_id: int, after: int, upto: int | None = None) -> list[Frame]:
    """Stored frames with after < seq <= upto, in order."""
    events = SessionEvent.objects.filter(session_id=session_id, seq__gt=after)
    if upto is not None:
        events = events.filter(seq__lte=upto)
    return [as_frame(e) for e in events.order_by("seq")]


def log_bounds(session_id: int) -> tuple[int, int]:
    """(first kept seq, last seq) of a session's log; (0, 0) when empty."""
    last = TutorSession.objects.values_list("last_event_seq", flat=True).get(pk=session_id)
    first = SessionEvent.objects.filter(session_id=session_id).order_by("seq").values_list("seq", flat=True).first()
    return (first or 0, last)
