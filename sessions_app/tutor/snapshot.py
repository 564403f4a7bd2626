"""What a socket is sent when it (re)starts: a `session.state` snapshot, or the stored events
it missed; either way with the running turn's text so far."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from agents_app.agents.planner import choose_focus
from agents_app.schemas import FocusObjective, PlanResult
from sessions_app import event_log
from sessions_app.actions import question_out
from sessions_app.models import ConceptMastery, LessonPlan, Message, Question, TutorSession
from sessions_app.presence import participants_of
from sessions_app.protocol import SessionState

HISTORY_ITEMS = 30


@dataclass
class Catchup:
    """Frames for one socket, read in one transaction: `frames` in seq order, then the turn
    still running (its id and text so far, as saved), if any."""

    frames: list[event_log.Frame]
    last_seq: int
    running_turn_id: str
    running_text: str


def state(session_id: int, role: str) -> Catchup:
    """A fresh `session.state` for the one socket that asked, whose user has `role` (not stored:
    its seq is the last event it covers, so later events follow it without a gap)."""
    with transaction.atomic():  # the row lock holds the session's writers until it is read
        session = TutorSession.objects.select_for_update(of=("self",)).select_related("learner").get(pk=session_id)
        frame = SessionState.model_validate({
            "seq": session.last_event_seq, **snapshot(session), "last_seq": session.last_event_seq, "role": role,
            "participants": participants_of(session),
        }).model_dump(mode="json")
        return Catchup([frame], session.last_event_seq, session.running_turn_id, session.running_text)


def missed(session_id: int, after: int) -> Catchup:
    """The stored events after `after`."""
    with transaction.atomic():
        session = TutorSession.objects.select_for_update().only("last_event_seq", "running_turn_id", "running_text") \
            .get(pk=session_id)
        frames = event_log.frames_after(session_id, after, session.last_event_seq)
        return Catchup(frames, session.last_event_seq, session.running_turn_id, session.running_text)


def snapshot(session: TutorSession) -> dict[str, Any]:
    context = session.context
    pending = Question.objects.filter(pk=context.pending_question_id, session=session).first() \
        if context.pending_question_id else None
    recent = list(session.messages.select_related("author").order_by("-seq")[:HISTORY_ITEMS])[::-1]
    mastery = list(ConceptMastery.objects.filter(learner_id=session.learner_id, folder_id=session.folder_id)
                   .order_by("concept"))
    plan, focus = lesson_outline(session, {row.concept: row.p_known for row in mastery})
    return {
        "session": {"id": session.pk, "status": session.status, "folder_id": session.folder_id},
        "focus": focus.model_dump(mode="json") if focus else None,
        "plan": plan.model_dump(mode="json") if plan else None,
        "mastery": [{"concept": r.concept, "p_known": round(r.p_known, 4), "attempts": r.attempts,
                     "correct": r.correct} for r in mastery],
        "pending_question": question_out(pending) if pending else None,
        "history": [history_item(m) for m in recent],
    }


def lesson_outline(session: TutorSession, mastery: dict[str, float]) -> tuple[PlanResult | None, FocusObjective | None]:
    """The session's plan and focus; before its first turn, the folder's stored plan and the
    focus the lesson will start with (by the learner's `mastery`), so a learner sees the plan at once."""
    context = session.context
    if context.plan is not None:
        return context.plan, context.focus
    stored = LessonPlan.objects.filter(folder_id=session.folder_id).first()
    if stored is None:
        return None, None
    plan = PlanResult.model_validate(stored.data)
    return plan, choose_focus(plan, mastery, context.pace)


def history_item(message: Message) -> dict[str, Any]:
    return {"seq": message.seq, "role": message.role, "kind": message.kind, "status": message.status,
            "text": message.text, "turn_id": message.turn_id, "client_id": message.client_id,
            "citations": message.citations, "board_object_ids": message.board_object_ids,
            "author": message.author_ref}
