"""One tutor session as a single JSON-ready document, for operators (`export_session`):
built from the same serializers and readers the API uses, so it reads like the API does."""
from __future__ import annotations

from django.utils import timezone

from sessions_app import event_log
from whiteboard_app.history import board_state
from sessions_app.models import SessionAnalysis, TutorSession
from sessions_app.quizzes import concept_map
from sessions_app.serializers import (
    ConceptMasterySerializer, MessageSerializer, SessionAnalysisSerializer, SessionSerializer,
)


def export_session(session: TutorSession) -> dict:
    """The session, its transcript and event log in order, its board as it stands, its
    analysis (None before the session ended), and the learner's mastery of the folder."""
    state, board_seq = board_state(session)
    analysis = SessionAnalysis.objects.filter(session=session).first()
    return {
        "exported_at": timezone.now().isoformat(),
        "session": {
            **SessionSerializer(session).data,
            "learner": {"id": session.learner_id, "username": session.learner.get_username()},
            "folder": {"id": session.folder_id, "name": session.folder.name},
        },
        "messages": MessageSerializer(session.messages.order_by("seq"), many=True).data,
        "events": event_log.frames_after(session.pk, 0),
        "board": {"seq": board_seq, **state.to_json()},
        "analysis": SessionAnalysisSerializer(analysis).data if analysis else None,
        "mastery": ConceptMasterySerializer(concept_map(session.learner_id, session.folder), many=True).data,
    }
