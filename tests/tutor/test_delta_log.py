"""The shared delta writer: deltas of many sessions stored together, each session's seqs
gap-free and in order, and one session's failure never loses another's deltas."""
from __future__ import annotations

import asyncio
import time

import psycopg
import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import connection

from sessions_app import actions, events
from sessions_app.models import SessionEvent, TutorSession
from tutor_project import loop_db


def stored(session_id: int) -> list[tuple[int, str]]:
    return list(SessionEvent.objects.filter(session_id=session_id).order_by("seq").values_list("seq", "payload__text"))


@pytest.fixture
def two_sessions(folder, learner) -> tuple[TutorSession, TutorSession]:
    return actions.start_session(learner, folder), actions.start_session(learner, folder)


@pytest.mark.django_db(transaction=True)
def test_it_numbers_a_batch_of_several_sessions_per_session_in_order(two_sessions):
    first, second = two_sessions
    frames = events.record_batch([(first.pk, "text.delta", {"turn_id": "t-1", "text": "a"}),
                                  (second.pk, "text.delta", {"turn_id": "t-2", "text": "b"}),
                                  (first.pk, "text.delta", {"turn_id": "t-1", "text": "c"})])
    assert [(f["seq"], f["text"]) for f in frames] == [(1, "a"), (1, "b"), (2, "c")]
    assert stored(first.pk) == [(1, "a"), (2, "c")] and stored(second.pk) == [(1, "b")]
    assert TutorSession.objects.get(pk=first.pk).last_event_seq == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_deltas_are_stored_once_each_and_a_missing_session_fails_alone(two_sessions):
    first, second = two_sessions

    async def write_all() -> list:
        log = events.delta_log()
        writes = [log.record(session_id, turn_id="t", text=f"w{n}")
                  for n in range(5) for session_id in (first.pk, 10**9, second.pk)]
        return await asyncio.gather(*writes, return_exceptions=True)

    outcomes = async_to_sync(write_all)()
    assert all(isinstance(o, TutorSession.DoesNotExist) for o in outcomes[1::3])
    assert stored(first.pk) == stored(second.pk) == [(n + 1, f"w{n}") for n in range(5)]


def loop_connections() -> set[int]:
    """Backend pids of the loop connections on the test database (other processes' too)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s AND datname = current_database()",
                       [loop_db.APPLICATION_NAME])
        return {pid for (pid,) in cursor.fetchall()}


def terminate(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


async def record_opening(session_id: int, text: str) -> int:
    """Record a delta on a loop with no connection yet; the backend pid the loop opened."""
    before = await sync_to_async(loop_connections)()
    await events.delta_log().record(session_id, turn_id="t", text=text)
    opened = await sync_to_async(loop_connections)() - before
    assert len(opened) == 1
    return opened.pop()


postgres_only = pytest.mark.skipif(not loop_db.available(), reason="deltas use the loop's own connection on PostgreSQL")


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_broken_loop_connection_fails_one_write_and_the_next_opens_a_new_one(two_sessions):
    session = two_sessions[0]

    async def write_three() -> list:
        await sync_to_async(terminate)(await record_opening(session.pk, "before"))  # as a restart would
        outcomes = []
        for text in ("lost", "after"):
            try:
                outcomes.append(await events.delta_log().record(session.pk, turn_id="t", text=text))
            except Exception as exc:
                outcomes.append(exc)
        return outcomes

    lost, after = async_to_sync(write_three)()
    assert isinstance(lost, psycopg.OperationalError)
    assert after["seq"] == 2
    assert stored(session.pk) == [(1, "before"), (2, "after")]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_loop_connection_closes_with_its_loop(two_sessions):
    pid = async_to_sync(record_opening)(two_sessions[0].pk, "a")
    deadline = time.monotonic() + 5
    while pid in loop_connections() and time.monotonic() < deadline:
        time.sleep(0.05)  # the server ends the backend just after the client's goodbye
    assert pid not in loop_connections()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_statements_that_find_no_connection_at_once_all_run():
    """A turn reads its lesson while it stores the learner's message: both may be the
    loop's first statements. Each opening connections of its own closed the other's
    mid-statement."""
    async def scenario() -> list[list[tuple]]:
        first = await asyncio.gather(*(loop_db.fetch("SELECT %s::int", [n]) for n in range(5)))
        return [*first, await loop_db.fetch("SELECT 5", [])]

    assert asyncio.run(scenario()) == [[(n,)] for n in range(6)]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_statements_run_at_once_on_several_connections():
    """Each statement waits a pass of the (busy) loop for its reply: on one connection the
    sockets' statements queued behind each other's round trips."""
    async def scenario() -> tuple[float, set[int]]:
        started = time.monotonic()
        rows = await asyncio.gather(*(loop_db.fetch("SELECT pg_backend_pid() FROM pg_sleep(0.3)", [])
                                      for _ in range(4)))
        return time.monotonic() - started, {pid for [(pid,)] in rows}

    took, pids = asyncio.run(scenario())
    assert len(pids) >= 2 and took < 1.2


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_loop_opens_no_more_than_its_share_of_connections():
    """Two hundred sockets on a loop must not take two hundred of the server's connections."""
    async def scenario() -> set[int]:
        rows = await asyncio.gather(*(loop_db.fetch("SELECT pg_backend_pid() FROM pg_sleep(0.05)", [])
                                      for _ in range(3 * loop_db.CONNECTIONS)))
        return {pid for [(pid,)] in rows}

    assert 2 <= len(asyncio.run(scenario())) <= loop_db.CONNECTIONS


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_statement_cancelled_mid_flight_leaves_no_busy_connection_behind():
    """A turn cancelled by the learner cancels its statement; the next statement runs at
    once, not behind the cancelled one's three seconds."""
    async def scenario() -> list[tuple]:
        slow = asyncio.ensure_future(loop_db.fetch("SELECT pg_sleep(3)", []))
        await asyncio.sleep(0.2)
        slow.cancel()
        await asyncio.gather(slow, return_exceptions=True)
        return await asyncio.wait_for(loop_db.fetch("SELECT 1", []), timeout=1)

    assert asyncio.run(scenario()) == [(1,)]
