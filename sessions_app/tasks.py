"""Celery tasks of sessions_app: the session analysis, closing stale sessions, refitting BKT."""
from __future__ import annotations

import logging
from datetime import timedelta

from asgiref.sync import async_to_sync
from celery import shared_task
from django.conf import settings
from django.utils import timezone

from agents_app.agents.session_analyzer import analyze_session
from agents_app.errors import AgentError
from agents_app.runs import CallContext
from agents_app.schemas import ConceptChange, SessionStats, TranscriptTurn
from agents_app.wiring import build_gateway
from sessions_app import actions, bkt_refit, stale
from sessions_app.models import Answer, Message, TutorSession

logger = logging.getLogger(__name__)


@shared_task(name="sessions_app.analyse_session", acks_late=True, autoretry_for=(AgentError,),
             retry_backoff=5, retry_backoff_max=300, max_retries=3)
def analyse_session(analysis_id: int) -> None:
    """Analyse an ended session once: claims the row by moving queued → running; a row that
    is gone or already claimed is left alone."""
    analysis = actions.claim_session_analysis(analysis_id)
    if analysis is None:
        return
    session = analysis.session
    transcript, stats = session_record(session)
    try:
        # A fresh gateway: each task run has its own event loop, and HTTP connections belong to one.
        result = async_to_sync(analyze_session)(build_gateway(), CallContext(session_id=session.pk,
                                                                             user_id=session.learner_id),
                                                transcript, stats)
    except AgentError as exc:
        if not exc.retryable or analyse_session.request.retries >= analyse_session.max_retries:
            logger.warning("session analysis %s failed: %s", analysis_id, exc)
            actions.fail_session_analysis(analysis, f"{exc.code}: {exc.message}")
            return
        actions.requeue_session_analysis(analysis)
        raise
    actions.store_session_analysis(analysis, result)


def session_record(session: TutorSession) -> tuple[list[TranscriptTurn], SessionStats]:
    """What the analyzer reads: the whole transcript, and figures measured from stored rows."""
    transcript = [
        TranscriptTurn(role="learner" if m.role == Message.Role.LEARNER else "tutor", text=m.text, kind=m.kind)
        for m in session.messages.exclude(role=Message.Role.SYSTEM).order_by("seq")
    ]
    answers = list(Answer.objects.filter(session=session).select_related("question").order_by("created_at", "id"))
    ended = session.ended_at or timezone.now()
    return transcript, SessionStats(
        duration_seconds=int((ended - session.started_at).total_seconds()),
        questions_asked=session.questions.count(),
        questions_correct=sum(1 for a in answers if a.correct),
        help_requests=session.events.filter(type="turn.started", payload__in_reply_to="help").count(),
        concept_changes=_concept_changes(session),
    )


def _concept_changes(session: TutorSession) -> list[ConceptChange]:
    """First `before` and last `after` per concept, from the session's stored mastery.updated events."""
    changes: dict[str, ConceptChange] = {}
    for event in session.events.filter(type="mastery.updated").order_by("seq"):
        for change in event.payload.get("changes", []):
            first = changes.get(change["concept"])
            before = first.before if first else change["before"]
            changes[change["concept"]] = ConceptChange(concept=change["concept"][:300], before=before,
                                                       after=change["after"])
    return list(changes.values())


@shared_task(name="sessions_app.close_stale_sessions", acks_late=True)
def close_stale_sessions() -> int:
    """Scheduled: end sessions left active with no activity for TUTOR_STALE_SESSION_HOURS."""
    closed = stale.close_stale_sessions(timedelta(hours=settings.TUTOR_STALE_SESSION_HOURS))
    if closed:
        logger.info("ended %d stale tutor session(s): %s", len(closed), closed)
    return len(closed)


@shared_task(name="sessions_app.refit_bkt", acks_late=True)
def refit_bkt() -> int:
    """Scheduled: fit each well-practised concept's BKT parameters to its answer history
    (the same history gives the same parameters, so a rerun is harmless)."""
    refitted = bkt_refit.refit_concepts()
    if refitted:
        logger.info("refitted BKT parameters of %d concept(s)", len(refitted))
    return len(refitted)
