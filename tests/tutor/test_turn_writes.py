"""A turn's two writes (sessions_app.turn_writes): on PostgreSQL one statement each on the
loop's connection, storing exactly what the actions store; on SQLite the actions."""
from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from sessions_app import actions, events, turn_writes
from sessions_app.context import TutorContext
from sessions_app.models import Message, SessionEvent, TutorSession
from tutor_project.web.errors import DomainError

pytestmark = pytest.mark.django_db(transaction=True)


def log_of(session: TutorSession) -> dict[str, Any]:
    """Everything a turn's writes leave in the database, minus ids and times."""
    row = TutorSession.objects.get(pk=session.pk)
    return {
        "counters": (row.last_event_seq, row.last_message_seq, row.turn_count),
        "context": row.context.model_dump(), "active_at_changed": row.last_activity_at != session.last_activity_at,
        "messages": list(Message.objects.filter(session=session).order_by("seq").values_list(
            "seq", "role", "kind", "status", "client_id", "turn_id", "text", "payload", "citations",
            "board_object_ids")),
        "events": list(SessionEvent.objects.filter(session=session).order_by("seq").values_list(
            "seq", "type", "turn_id", "payload")),
    }


def bells_of(session: TutorSession, write) -> list[dict]:  # noqa: ANN001
    """Run `write` with a channel in the session's group; the frames that rang."""
    async def scenario() -> list[dict]:
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(events.group_name(session.pk), channel)
        await write()
        return (await layer.receive(channel))["frames"]

    return async_to_sync(scenario)()


def a_turn(session: TutorSession, writes: str) -> list[list[dict]]:
    """The learner asks, the tutor answers after an error event; by the actions or turn_writes."""
    context = TutorContext(pace=1.5, consecutive_wrong=2)
    finish = {"turn_id": "t-1", "kind": "explanation", "status": "complete", "text": "Leaves use light.",
              "citations": [{"chunk_id": 7, "document_id": 3, "page": 2, "quote": "light"}], "content": {"action": "explain"},
              "before": [("error", {"code": "llm_unavailable", "message": "retrying", "retryable": True,
                                    "in_reply_to": "c-1", "turn_id": "t-1"})]}
    if writes == "actions":
        receive = lambda: events.act(actions.receive_learner_message, session, client_id="c-1",  # noqa: E731
                                     text="How do leaves use light?", turn_id="t-1")
        end = lambda: events.act(actions.finish_turn, session, context, **finish)  # noqa: E731
    else:
        receive = lambda: turn_writes.receive_learner_message(session, client_id="c-1",  # noqa: E731
                                                             text="How do leaves use light?", turn_id="t-1")
        end = lambda: turn_writes.finish_turn(session, context, **finish)  # noqa: E731
    return [bells_of(session, receive), bells_of(session, end)]


def test_a_turn_stores_and_rings_what_the_actions_do(learner, folder):
    by_actions, by_statements = actions.start_session(learner, folder), actions.start_session(learner, folder)
    bells = a_turn(by_actions, "actions"), a_turn(by_statements, "turn_writes")
    assert bells[0] == bells[1]
    assert [[f["seq"] for f in frames] for frames in bells[1]] == [[1], [2, 3]]
    assert [f["type"] for frames in bells[1] for f in frames] == ["turn.started", "error", "turn.completed"]
    assert log_of(by_actions) == log_of(by_statements)
    stored = log_of(by_statements)
    assert stored["counters"] == (3, 2, 1) and stored["active_at_changed"]
    assert stored["context"]["pace"] == 1.5 and stored["context"]["consecutive_wrong"] == 2
    assert [m[1:3] for m in stored["messages"]] == [("learner", "message"), ("tutor", "explanation")]


def test_a_message_received_before_is_not_stored_again(learner, folder):
    session = actions.start_session(learner, folder)
    receive = turn_writes.receive_learner_message
    assert async_to_sync(receive)(session, client_id="c-1", text="first", turn_id="t-1") is True
    assert async_to_sync(receive)(session, client_id="c-1", text="again", turn_id="t-2") is False
    assert log_of(session)["counters"][:2] == (1, 1)
    assert [m[6] for m in log_of(session)["messages"]] == ["first"]


def test_an_ended_or_missing_session_refuses_the_message_and_stores_nothing(learner, folder):
    session = actions.start_session(learner, folder)
    actions.end_session(session)
    before = log_of(session)
    with pytest.raises(DomainError) as refused:
        async_to_sync(turn_writes.receive_learner_message)(session, client_id="c-1", text="hi", turn_id="t-1")
    assert refused.value.code == "session_ended"
    assert log_of(session) == before
    with pytest.raises(TutorSession.DoesNotExist):
        async_to_sync(turn_writes.receive_learner_message)(TutorSession(pk=10**9), client_id="c-1", text="hi",
                                                           turn_id="t-1")
    with pytest.raises(TutorSession.DoesNotExist):
        async_to_sync(turn_writes.finish_turn)(TutorSession(pk=10**9), TutorContext(), turn_id="t-1",
                                               kind="message", status="complete", text="hi")
