"""The two writes of every tutor turn, each as one statement on PostgreSQL.

A turn stores the learner's message as it starts and the tutor's as it ends. As actions
(sessions_app.actions) each is a transaction in a database thread: a hop there and back,
five round trips (BEGIN, the counter UPDATE, two INSERTs, COMMIT) and about 3 ms of
Python building SQL per write, on the path to the tutor's first words and to the end
of its turn. Here each is one data-modifying CTE on the event loop's own connection
(tutor_project.loop_db): the same rows, the same counters, in one atomic statement, under
the same rules as the actions (store, number, then send). On SQLite the actions run.
"""
from __future__ import annotations

import json
from typing import Any

import psycopg
from django.db import connection

from sessions_app import actions, events
from sessions_app.context import TutorContext
from sessions_app.fields import PydanticJSONEncoder
from sessions_app.models import Message, SessionEvent, TutorSession
from tutor_project import loop_db

_SESSIONS, _MESSAGES, _EVENTS = (connection.ops.quote_name(model._meta.db_table)
                                 for model in (TutorSession, Message, SessionEvent))
_MESSAGE_COLUMNS = "session_id, seq, role, kind, status, client_id, turn_id, text, payload, citations, " \
                   "board_object_ids, created_at"

# Numbers the message and its turn.started together, only while the session is active
# (read under the row lock the UPDATE takes, as the action does).
_RECEIVE = (
    f"WITH bumped AS (UPDATE {_SESSIONS} SET last_event_seq = last_event_seq + 1, "
    f"last_message_seq = last_message_seq + 1 WHERE id = %s AND status = %s "
    f"RETURNING id, last_event_seq, last_message_seq), "
    f"message AS (INSERT INTO {_MESSAGES} ({_MESSAGE_COLUMNS}) "
    f"SELECT id, last_message_seq, %s, 'message', %s, %s, %s, %s, '{{}}', '[]', '[]', now() FROM bumped) "
    f"INSERT INTO {_EVENTS} (session_id, seq, type, turn_id, payload, created_at) "
    f"SELECT id, last_event_seq, 'turn.started', %s, %s::jsonb, now() FROM bumped RETURNING seq"
)


async def receive_learner_message(session: TutorSession, *, client_id: str, text: str, turn_id: str) -> bool:
    """actions.receive_learner_message: False if `client_id` was received before; an ended
    session refuses the message with DomainError, and nothing is stored."""
    if not loop_db.available():
        return await events.act(actions.receive_learner_message, session, client_id=client_id, text=text,
                                turn_id=turn_id) is not None
    frame = events.validated("turn.started", {"turn_id": turn_id, "in_reply_to": client_id})
    try:
        rows = await loop_db.fetch(_RECEIVE, [
            session.pk, TutorSession.Status.ACTIVE, Message.Role.LEARNER, Message.Status.COMPLETE, client_id,
            turn_id, text, turn_id, json.dumps(events.payload_of(frame)),
        ])
    except psycopg.errors.UniqueViolation as exc:
        if exc.diag.constraint_name == "message_unique_client_id":
            return False  # received before, maybe by another process
        raise
    if not rows:  # ended, or gone
        if not await loop_db.fetch(f"SELECT 1 FROM {_SESSIONS} WHERE id = %s", [session.pk]):
            raise TutorSession.DoesNotExist(f"no tutor session {session.pk}")
        raise actions.session_ended()
    frame["seq"] = rows[0][0]
    await events.ring_all([(session.pk, [frame])])
    return True


async def finish_turn(session: TutorSession, context: TutorContext, *, turn_id: str, kind: str, status: str,
                      text: str, citations: list[dict] | None = None, content: dict | None = None,
                      before: list[tuple[str, dict]] = ()) -> None:
    """actions.finish_turn: store the tutor's message and the context, then announce the
    end of the turn after the `before` events."""
    citations, content = citations or [], content or {}
    if not loop_db.available():
        await events.act(actions.finish_turn, session, context, turn_id=turn_id, kind=kind, status=status,
                         text=text, citations=citations, content=content, before=list(before))
        return
    frames = [events.validated(type_, fields) for type_, fields in actions.turn_end_events(
        turn_id=turn_id, kind=kind, status=status, text=text, citations=citations, content=content,
        before=list(before))]
    stored_context = TutorSession._meta.get_field("context").get_prep_value(context)  # validated, as a save would
    params: list[Any] = [
        len(frames), json.dumps(stored_context, cls=PydanticJSONEncoder), session.pk,
        Message.Role.TUTOR, kind, status, turn_id, text, json.dumps(content), json.dumps(citations),
    ]
    for from_end, frame in zip(range(len(frames) - 1, -1, -1), frames):
        params += [from_end, frame["type"], frame.get("turn_id") or "", json.dumps(events.payload_of(frame))]
    rows = await loop_db.fetch(
        f"WITH bumped AS (UPDATE {_SESSIONS} SET last_event_seq = last_event_seq + %s, "
        f"last_message_seq = last_message_seq + 1, context = %s::jsonb, turn_count = turn_count + 1, "
        f"last_activity_at = now() WHERE id = %s RETURNING id, last_event_seq, last_message_seq), "
        f"message AS (INSERT INTO {_MESSAGES} ({_MESSAGE_COLUMNS}) "
        f"SELECT id, last_message_seq, %s, %s, %s, NULL, %s, %s, %s::jsonb, %s::jsonb, '[]', now() FROM bumped) "
        f"INSERT INTO {_EVENTS} (session_id, seq, type, turn_id, payload, created_at) "
        f"SELECT bumped.id, bumped.last_event_seq - e.from_end, e.type, e.turn_id, e.payload, now() "
        f"FROM (VALUES {', '.join(['(%s::int, %s, %s, %s::jsonb)'] * len(frames))}) "
        f"AS e (from_end, type, turn_id, payload) CROSS JOIN bumped RETURNING seq",
        params,
    )
    if not rows:
        raise TutorSession.DoesNotExist(f"no tutor session {session.pk}")
    last = max(seq for (seq,) in rows)
    for from_end, frame in zip(range(len(frames) - 1, -1, -1), frames):
        frame["seq"] = last - from_end
    await events.ring_all([(session.pk, frames)])
