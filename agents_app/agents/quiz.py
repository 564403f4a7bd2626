"""QuizResult creator and quiz evaluator."""
from __future__ import annotations

from agents_app import offline
from agents_app.errors import AgentError
from agents_app.gateway import LLMGateway
from agents_app.mastery import Difficulty
from agents_app.prompts import get_prompt, inert, quote_passages
from agents_app.questions import make_questions
from agents_app.retrieval import BM25Index
from agents_app.runs import AgentSettings, CallContext
from agents_app.schemas import OFFLINE_LABEL, ChunkRef, Citation, GradeResult, QuizResult, QuizQuestion
from agents_app.text import normalise

CREATOR = "quiz_creator"
EVALUATOR = "quiz_evaluator"
MAX_PASSAGES = 8


async def create_quiz(gw: LLMGateway, ctx: CallContext, chunks: list[ChunkRef], concepts: list[str], *,
                      count: int = 5, difficulty: Difficulty = "medium", kinds: tuple[str, ...] = ("mcq",),
                      existing: list[str] = ()) -> QuizResult:
    """`count` new questions on `concepts`, each citing the chunk it tests; none repeats `existing`."""
    if not concepts:
        raise AgentError("a quiz needs at least one concept", code="no_concepts")
    ctx = ctx.with_agent(CREATOR)
    passages = _passages_for(chunks, concepts)

    async def llm(settings: AgentSettings) -> QuizResult:
        messages = get_prompt(CREATOR, settings.prompt_version).messages(
            count=count, kinds=" or ".join("multiple-choice" if k == "mcq" else "free-response" for k in kinds),
            difficulty=difficulty, concepts=", ".join(concepts),
            existing="; ".join(existing) or "none", passages=quote_passages(passages),
        )
        quiz = await gw.structured(ctx, settings, messages, QuizResult, context={"chunks": passages})
        return _without_repeats(quiz, existing, count)

    def offline_quiz() -> QuizResult:
        questions = make_questions(chunks, concepts, count=count, difficulty=difficulty, kinds=kinds,
                                   existing=list(existing))
        if not questions:
            raise AgentError("the documents give no sentence to build a question from", code="no_questions")
        return QuizResult(title=f"Practice quiz ({OFFLINE_LABEL})", questions=questions, offline=True)

    return await gw.run(ctx, llm=llm, offline=offline_quiz)


def question_citation(question: QuizQuestion, chunks: list[ChunkRef]) -> Citation | None:
    """The citation a question turn carries: the chunk the question was built from and its sentence
    (None when that chunk is not among `chunks`, e.g. a model cited a passage it was not given)."""
    chunk = next((c for c in chunks if c.chunk_id == question.chunk_id), None)
    if chunk is None:
        return None
    return Citation(document_id=chunk.document_id, chunk_id=chunk.chunk_id, page=chunk.page, quote=question.quote)


def _passages_for(chunks: list[ChunkRef], concepts: list[str]) -> list[ChunkRef]:
    index = BM25Index(chunks)
    picked: dict[int, ChunkRef] = {}
    for concept in concepts:
        for chunk, _ in index.search(concept, k=2):
            picked.setdefault(chunk.chunk_id, chunk)
    chosen = list(picked.values())[:MAX_PASSAGES] or chunks[:MAX_PASSAGES]
    return sorted(chosen, key=lambda c: (c.document_id, c.order))


def _without_repeats(quiz: QuizResult, existing: list[str], count: int) -> QuizResult:
    seen = {normalise(p) for p in existing}
    fresh = [q for q in quiz.questions if normalise(q.prompt) not in seen][:count]
    if not fresh:
        raise AgentError("the model only repeated existing questions", code="no_questions", retryable=True)
    return quiz.model_copy(update={"questions": fresh})


def grade_choice(question: QuizQuestion, option_index: int) -> GradeResult:
    """Multiple choice is graded without a model: right or wrong, with the passage that says why.
    The feedback leaves the verdict to `correct` (every client shows it beside the text, and
    "✗ Not quite" above "Not quite: …" read twice); a wrong answer's names the right one."""
    if question.kind != "mcq" or question.correct_index is None:
        raise AgentError("only multiple-choice questions are graded by option", code="not_multiple_choice")
    if not 0 <= option_index < len(question.options):
        raise AgentError(f"option {option_index} does not exist", code="invalid_option")
    correct = option_index == question.correct_index
    answer = question.options[question.correct_index]
    feedback = question.quote if correct else f"The answer is “{answer}”. {question.quote}"
    return GradeResult(correct=correct, score=1.0 if correct else 0.0, feedback=feedback,
                       missing_points=[] if correct else [answer], correct_option_index=question.correct_index)


async def grade_answer(gw: LLMGateway, ctx: CallContext, question: QuizQuestion, answer: int | str) -> GradeResult:
    """Grade one answer: an option index for multiple choice, text for free response."""
    if question.kind == "mcq":
        if not isinstance(answer, int):
            raise AgentError("a multiple-choice answer is an option index", code="invalid_option")
        return grade_choice(question, answer)
    if not isinstance(answer, str) or not answer.strip():
        raise AgentError("a free-response answer needs text", code="empty_answer")
    ctx = ctx.with_agent(EVALUATOR)

    async def llm(settings: AgentSettings) -> GradeResult:
        messages = get_prompt(EVALUATOR, settings.prompt_version).messages(
            question=question.prompt, reference=question.reference_answer,
            rubric="\n".join(f"- {point}" for point in question.rubric), answer=inert(answer, "answer"),
        )
        return await gw.structured(ctx, settings, messages, GradeResult)

    return await gw.run(ctx, llm=llm,
                        offline=lambda: offline.grade_free(answer, question.reference_answer, question.rubric))
