"""The tutor event log: store, number, then ring.

Every server event a client must not miss is stored as a SessionEvent with the next
per-session `seq` before anyone sees it. Numbers come from TutorSession.last_event_seq,
bumped by an UPDATE inside the caller's transaction: the row lock serialises writers, so
when event N is visible every event before it is too. After commit the channel layer
rings the session's group; the bell carries the frames as a shortcut, but a receiver that
sees a gap (the layer delivers at most once) reads the stored rows instead.

What is not stored also travels on the group, as a doorbell with no promise: the running
turn's text pieces (`text.delta`, positioned by offset, superseded by the stored
`turn.completed`), and requests to the process running a turn: cancel it, or publish its
whole text again for a socket that missed a piece.

In a process serving sockets, bells rung after commit on a database thread reach that
process's sockets at once and go out to the others through its event loop, the thread not
waiting for them (`ring_here`); each carries the process's ORIGIN, so the process drops
their echo. A thread waiting for the loop and Redis held one of the few executor threads
for tens of milliseconds under load.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from datetime import timezone as dt_timezone
from typing import Any, NamedTuple

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection, transaction
from django.utils import timezone

from sessions_app.context import TutorContext
from sessions_app.models import SessionEvent, TutorSession
from sessions_app.protocol import EVENT_MODELS

logger = logging.getLogger(__name__)

Frame = dict[str, Any]
# On the session's group, with its "session_id", heard by its sockets' deliveries
# (sessions_app.tutor.hub and .delivery):
EVENTS = "tutor.events"  # stored frames
DELTA = "tutor.delta"  # a piece of a running turn's text
PRESENCE = "tutor.presence"  # who is connected changed: read it (sessions_app.presence)
# On TURN_REQUESTS, heard by every process; the one running the turn acts on it:
CANCEL = "turn.cancel"  # stop
RESEND = "turn.resend"  # a socket missed a piece: publish the whole text again
TURN_REQUESTS = "tutor.turns"
ORIGIN = uuid.uuid4().hex  # this process, on what it publishes for the sessions' groups

_serving: tuple[asyncio.AbstractEventLoop, Callable[[dict[str, Any]], None]] | None = None
_ringing: set[asyncio.Future] = set()  # bells on their way (a task nobody holds may be collected)


def group_name(session_id: int) -> str:
    return f"tutor.session.{session_id}"


class Counters(NamedTuple):
    """A session's row as the bump left it, read under its row lock."""

    last_event_seq: int
    last_message_seq: int
    status: str
    running_turn_id: str
    running_saved_at: datetime | None


class TurnEnd(NamedTuple):
    """A turn ending in the bump's statement: the session's context after it."""

    turn_id: str
    context: TutorContext


def bump_counters(session_id: int, *, events: int = 0, messages: int = 0, claim: str = "",
                  end: TurnEnd | None = None) -> Counters:
    """Add to a session's event and message counters in one statement (the row lock it takes
    serialises writers until the caller commits); the row after the bump. With `claim`, the
    same statement makes that turn the running one if the session is active and runs none:
    its `running_turn_id` then says whether it did. With `end`, it stores the context the turn
    ends with, counts the turn, and clears the running turn if it is still that one (a newer
    turn may have taken over): a turn's end costs one statement on the session, not two."""
    field = TutorSession._meta.get_field
    now = field("running_saved_at").get_db_prep_value(timezone.now(), connection)
    assignments = ["last_event_seq = last_event_seq + %s", "last_message_seq = last_message_seq + %s"]
    params: list[Any] = [events, messages]
    if claim:
        active = TutorSession.Status.ACTIVE.value
        _set_running_if("running_turn_id = '' AND status = %s", [active], (claim, "", now), assignments, params)
    if end:
        _set_running_if("running_turn_id = %s", [end.turn_id], ("", "", None), assignments, params)
        assignments += ["context = %s", "turn_count = turn_count + 1", "last_activity_at = %s"]
        params += [field("context").get_db_prep_value(end.context, connection), now]
    table = connection.ops.quote_name(TutorSession._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {', '.join(assignments)} WHERE id = %s "
            "RETURNING last_event_seq, last_message_seq, status, running_turn_id, running_saved_at",
            [*params, session_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise TutorSession.DoesNotExist(f"no tutor session {session_id}")
    saved_at = row[4]
    if saved_at is not None and timezone.is_naive(saved_at):  # SQLite's cursor: UTC, without its zone
        saved_at = timezone.make_aware(saved_at, dt_timezone.utc)
    return Counters(*row[:4], saved_at)


def _set_running_if(condition: str, condition_params: list[Any], running: tuple[str, str, Any],
                    assignments: list[str], params: list[Any]) -> None:
    """Assign the running turn's id, text and saved time where `condition` holds of the row as
    it was before the statement (SET's right-hand sides all read that row)."""
    for column, value in zip(("running_turn_id", "running_text", "running_saved_at"), running):
        assignments.append(f"{column} = CASE WHEN {condition} THEN %s ELSE {column} END")
        params += [*condition_params, value]


def record(session_id: int, events: list[tuple[str, dict[str, Any]]], *, bumped: Counters | None = None
           ) -> list[Frame]:
    """Store `events` (type, fields) with consecutive seqs; ring the group after commit.

    Must run inside a transaction (an action's); returns the wire frames. `bumped`: the
    caller already added len(events) to the event counter in this transaction, and these
    are the counters after it.
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
    transaction.on_commit(lambda: ring(group_name(session_id), {"type": EVENTS, "session_id": session_id,
                                                                "frames": checked}))
    return checked


def validated(type_: str, fields: dict[str, Any]) -> Frame:
    # seq=1 stands in until the number is allocated; every other field is checked now,
    # before any row is written.
    return EVENT_MODELS[type_].model_validate({"type": type_, "seq": 1, **fields}).model_dump(mode="json")


def payload_of(frame: Frame) -> dict[str, Any]:
    return {k: v for k, v in frame.items() if k not in ("type", "seq")}


def ring_here(loop: asyncio.AbstractEventLoop, hand_here: Callable[[dict[str, Any]], None]) -> None:
    """This process serves sockets on `loop`: from now on `ring` hands each bell to them with
    `hand_here` and publishes it from the loop."""
    global _serving
    _serving = (loop, hand_here)


def ring(group: str, message: dict[str, Any]) -> None:
    """Ring a group from sync code. A bell that cannot go out (the channel layer is down)
    loses nothing: the log has it, and sockets catch up from the log."""
    serving = _serving
    if serving is not None and serving[0].is_running():
        try:
            serving[0].call_soon_threadsafe(_ring_on_loop, serving[1], group, message)
            return
        except RuntimeError:  # the loop closed meanwhile (the server is stopping): ring from here
            pass
    try:
        async_to_sync(get_channel_layer().group_send)(group, message)
    except Exception:
        logger.warning("could not ring %s", group, exc_info=True)


def _ring_on_loop(hand_here: Callable[[dict[str, Any]], None], group: str, message: dict[str, Any]) -> None:
    hand_here(message)
    bell = asyncio.ensure_future(aring(group, {**message, "origin": ORIGIN}))
    _ringing.add(bell)
    bell.add_done_callback(_ringing.discard)


async def aring(group: str, message: dict[str, Any]) -> None:
    """`ring` from async code."""
    try:
        await get_channel_layer().group_send(group, message)
    except Exception:
        logger.warning("could not ring %s", group, exc_info=True)


def as_frame(event: SessionEvent) -> Frame:
    return {"type": event.type, "seq": event.seq, **event.payload}


def frames_after(session_id: int, after: int, upto: int | None = None) -> list[Frame]:
    """Stored frames with after < seq <= upto, in order."""
    events = SessionEvent.objects.filter(session_id=session_id, seq__gt=after)
    if upto is not None:
        events = events.filter(seq__lte=upto)
    return [as_frame(e) for e in events.order_by("seq")]


def first_kept_seq(session_id: int) -> int:
    """The oldest seq the log still holds; 0 when it holds none."""
    first = SessionEvent.objects.filter(session_id=session_id).order_by("seq").values_list("seq", flat=True).first()
    return first or 0
