"""Learners' answer history per concept, in time order: what mastery is replayed from
(daily analytics) and what BKT parameters are fitted to (the refit)."""
from __future__ import annotations

from django.db.models import QuerySet

from sessions_app.models import Answer

ConceptKey = tuple[int, int, str]  # (learner, folder, concept)


def concept_answers() -> QuerySet[Answer]:
    """Answers that move a concept's mastery (a question without a concept moves none), oldest first."""
    return (Answer.objects.exclude(question__concept="").exclude(session=None, question__quiz=None)
            .select_related("question__quiz", "session").order_by("created_at", "id"))


def concept_key(answer: Answer) -> ConceptKey:
    folder_id = answer.session.folder_id if answer.session else answer.question.quiz.folder_id
    return answer.learner_id, folder_id, answer.question.concept
