"""Graded answers in a tutor session, through the real action (which also moves mastery)."""
from django.db import transaction

from agents_app.schemas import GradeResult
from sessions_app import actions
from sessions_app.context import TutorContext
from sessions_app.models import Answer, Question, TutorSession


def answer_in_session(session: TutorSession, concept: str, correct: bool) -> Answer:
    question = Question.objects.create(session=session, kind="free", prompt="Why?", concept=concept)
    grade = GradeResult(correct=correct, score=float(correct), feedback="noted", missing_points=[])
    with transaction.atomic():
        return actions.grade_session_answer(session, TutorContext(), question, turn_id=f"t-{question.pk}",
                                            answer_text="because", option_index=None, grade=grade)
