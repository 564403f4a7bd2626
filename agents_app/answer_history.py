"""Learners' answer history per concept, in time order: what mastery is replayed from
(daily analytics) and what BKT parameters are fitted to (the refit)."""
from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.db.models.functions import Coalesce

from sessions_app.models import Answer

ConceptKey = tuple[int, int, str]  # (learner, folder, concept)


def concept_answers() -> QuerySet[Answer, Any]:
    """Answers that move a concept's mastery (a question without a concept moves none), oldest
    first, as rows of what replaying and fitting need: (learner_id, folder_id, concept, correct,
    created_at). Plain rows, not model instances: these passes read every answer, and a
    session's row would bring its whole tutor context along."""
    return (Answer.objects.exclude(question__concept="").exclude(session=None, question__quiz=None)
            .annotate(folder_id=Coalesce("session__folder_id", "question__quiz__folder_id"))
            .order_by("created_at", "id")
            .values_list("learner_id", "folder_id", "question__concept", "correct", "created_at", named=True))


def concept_key(answer: Any) -> ConceptKey:
    return answer.learner_id, answer.folder_id, answer.question__concept
