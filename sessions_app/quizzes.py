"""Quizzes between the database and the AI core: stored questions as the agents see
them, grading a submission, and the concept map of a learner's mastery."""
from __future__ import annotations

from dataclasses import dataclass

from asgiref.sync import async_to_sync

from agents_app import mastery as bkt
from agents_app.agents.quiz import grade_answer
from agents_app.runs import CallContext
from agents_app.schemas import GradeResult, QuizQuestion
from agents_app.wiring import get_gateway
from sessions_app.models import ConceptMastery, Folder, FolderAnalysis, Question, Quiz
from tutor_project.web.errors import DomainError

TREND_WINDOW = 3
TREND_EPSILON = 0.02


def as_quiz_question(question: Question) -> QuizQuestion:
    # Stored rows were validated when created; grading only reads them back.
    return QuizQuestion.model_construct(
        kind=question.kind, prompt=question.prompt, options=list(question.options),
        correct_index=question.correct_index, reference_answer=question.reference_answer,
        rubric=[line for line in question.rubric.splitlines() if line.strip()], concept=question.concept,
        chunk_id=question.chunk_id or 0, quote=question.quote, difficulty="medium",
    )


def question_row(question: QuizQuestion, **links: object) -> Question:
    """An unsaved Question for an agent's question; `links` set quiz or session, and order."""
    return Question(
        kind=question.kind, prompt=question.prompt, options=list(question.options),
        correct_index=question.correct_index, reference_answer=question.reference_answer,
        rubric="\n".join(question.rubric), concept=question.concept, chunk_id=question.chunk_id,
        quote=question.quote, **links,
    )


@dataclass(frozen=True)
class Submitted:
    question: Question
    option_index: int | None = None
    text: str = ""

    @property
    def said(self) -> str:
        return self.question.options[self.option_index] if self.option_index is not None else self.text


def grade_submission(learner_id: int, answers: list[Submitted]) -> list[GradeResult]:
    """Grades in answer order: multiple choice without a model, free response by the evaluator."""
    return async_to_sync(_grade_all)(CallContext(user_id=learner_id), answers)


async def _grade_all(ctx: CallContext, answers: list[Submitted]) -> list[GradeResult]:
    gateway = get_gateway()
    return [
        await grade_answer(gateway, ctx, as_quiz_question(item.question),
                           item.option_index if item.question.kind == Question.Kind.MCQ else item.text)
        for item in answers
    ]


def concept_map(learner_id: int, folder: Folder) -> list[dict]:
    """Every concept of the folder's analysis and every concept practised, weakest first."""
    rows = {row.concept: row for row in ConceptMastery.objects.filter(learner_id=learner_id, folder=folder)}
    analysis = FolderAnalysis.objects.filter(folder=folder).first()
    importance = {c["name"]: c["importance"] for c in (analysis.data["concepts"] if analysis else [])}
    concepts = [*importance, *(name for name in rows if name not in importance)]
    entries = [_entry(name, rows.get(name), importance.get(name)) for name in concepts]
    return sorted(entries, key=lambda e: (e["p_known"], -(e["importance"] or 0), e["concept"]))


def _entry(concept: str, row: ConceptMastery | None, importance: int | None) -> dict:
    p_known = row.p_known if row else bkt.DEFAULT_BKT.prior
    history = list(row.history) if row else []
    return {
        "concept": concept, "importance": importance, "p_known": round(p_known, 4),
        "mastered": bkt.is_mastered(p_known), "attempts": row.attempts if row else 0,
        "correct": row.correct if row else 0, "trend": _trend(history), "history": history[-10:],
        "confusion_notes": list(row.confusion_notes) if row else [],
        "last_seen_at": row.last_seen_at if row else None,
    }


def _trend(history: list[float]) -> str:
    if len(history) < 2:
        return "new" if not history else "flat"
    change = history[-1] - history[-min(len(history), TREND_WINDOW)]
    return "up" if change > TREND_EPSILON else "down" if change < -TREND_EPSILON else "flat"


def submitted_answers(quiz: Quiz, answers: list[dict]) -> list[Submitted]:
    """A submission checked against the quiz: its own questions, each once, answers of the right kind."""
    questions = {q.pk: q for q in quiz.questions.all()}
    seen: set[int] = set()
    submitted = []
    for answer in answers:
        question = questions.get(answer["question_id"])
        if question is None:
            raise DomainError("invalid_answer", f"question {answer['question_id']} is not in this quiz")
        if question.pk in seen:
            raise DomainError("invalid_answer", f"question {question.pk} is answered twice")
        seen.add(question.pk)
        submitted.append(_checked(question, answer))
    return submitted


def _checked(question: Question, answer: dict) -> Submitted:
    option = answer.get("option_index")
    if question.kind == Question.Kind.MCQ:
        if option is None:
            raise DomainError("invalid_answer", f"question {question.pk} is multiple choice: give option_index")
        if option >= len(question.options):
            raise DomainError("invalid_answer", f"question {question.pk} has no option {option}")
        return Submitted(question=question, option_index=option)
    if option is not None:
        raise DomainError("invalid_answer", f"question {question.pk} is free response: give text")
    return Submitted(question=question, text=answer["text"].strip())
