"""`session.state`: everything a client needs to draw a session from scratch."""
from __future__ import annotations

from typing import Any

from django.db import transaction

from sessions_app import events
from sessions_app.actions import question_out
from sessions_app.models import ConceptMastery, Message, Question, TutorSession

HISTORY_ITEMS = 30


def record_state(session_id: int) -> events.Frame:
    """Store and announce a fresh snapshot. Built under the session's row lock, so its
    `last_seq` (its own seq) covers exactly the events before it."""
    with transaction.atomic():
        last_seq = events.lock_session(session_id)
        session = TutorSession.objects.select_related("folder").get(pk=session_id)
        state = snapshot(session)
        state["last_seq"] = last_seq + 1
        return events.record(session_id, [("session.state", state)])[0]


def snapshot(session: TutorSession) -> dict[str, Any]:
    context = session.context
    pending = Question.objects.filter(pk=context.pending_question_id, session=session).first() \
        if context.pending_question_id else None
    recent = list(session.messages.order_by("-seq")[:HISTORY_ITEMS])[::-1]
    return {
        "session": {"id": session.pk, "status": session.status, "folder_id": session.folder_id},
        "focus": context.focus.model_dump(mode="json") if context.focus else None,
        "plan": context.plan.model_dump(mode="json") if context.plan else None,
        "mastery": mastery_of(session),
        "pending_question": question_out(pending) if pending else None,
        "history": [history_item(m) for m in recent],
    }


def mastery_of(session: TutorSession) -> list[dict[str, Any]]:
    rows = ConceptMastery.objects.filter(learner_id=session.learner_id, folder_id=session.folder_id)
    return [{"concept": r.concept, "p_known": round(r.p_known, 4), "attempts": r.attempts, "correct": r.correct}
            for r in rows.order_by("concept")]


def history_item(message: Message) -> dict[str, Any]:
    return {"seq": message.seq, "role": message.role, "kind": message.kind, "status": message.status,
            "text": message.text, "turn_id": message.turn_id, "client_id": message.client_id,
            "citations": message.citations, "board_object_ids": message.board_object_ids}
