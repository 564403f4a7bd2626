"""What a turn does, by what started it: a lesson turn the orchestration policy decides (next,
help, a learner's message, a board click), the grading of an answer, a change of pace."""
from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import aclosing

from agents_app import lesson_text, pipeline, policy, questions, schemas
from agents_app.agents import quiz, teacher
from agents_app.errors import AgentError
from agents_app.mastery import MASTERED
from agents_app.schemas import TeacherCompleted, TeacherDelta, TeacherFailed
from agents_app.wiring import get_gateway
from sessions_app import actions, models
from sessions_app.quizzes import as_quiz_question
from sessions_app.tutor import flow
from sessions_app.tutor.history import add_exchange, recent_replies, transcript_for_teacher
from sessions_app.tutor.turns import Body, Lesson, Turn, teaching_material
from tutor_project.realtime.database import db
from tutor_project.web.errors import DomainError
from whiteboard_app import actions as whiteboard
from whiteboard_app.skills import Drawing
from whiteboard_app.tools import board_tools

logger = logging.getLogger(__name__)


EVENTS = {"next": policy.Event.NEXT, "help": policy.Event.HELP, "user_message": policy.Event.MESSAGE}


def lesson_body(trigger: str, *, help_mode: str | None = None) -> Body:
    """A turn the orchestration policy decides: next, help, a learner's message, a board click."""

    async def body(turn: Turn) -> None:
        lesson = turn.lesson
        assert lesson is not None
        if lesson.context.plan is None and trigger != "user_message":
            await _plan(turn, lesson)
        if trigger == "next":
            flow.count_lesson_turn(lesson.context)
        await _move(turn, lesson, EVENTS[trigger], help_mode)

    return body


async def _move(turn: Turn, lesson: Lesson, event: policy.Event, help_mode: str | None = None) -> None:
    """Decide the next move and make it; a move without a turn of its own (moving on, starting
    the review) changes the lesson's position and decides again."""
    decision = policy.decide(flow.policy_state(lesson, event, help_mode, **await _question_facts(lesson, event)))
    if decision.action in (policy.Action.MOVE_ON, policy.Action.REVIEW):
        flow.apply(lesson, decision)
        await _move(turn, lesson, policy.Event.NEXT)
        return
    await MOVES[decision.action](turn, lesson, decision)


async def _question_facts(lesson: Lesson, event: policy.Event) -> dict[str, bool]:
    """What the documents allow to ask about the concept in focus, read only when the decision
    can turn on it: whether they give a sentence to ask about, or a new question for the retry."""
    context = lesson.context
    concept = context.concept()
    if flow.asks_whether_askable(context, event):
        assert concept is not None
        return {"askable": questions.has_source(await db(pipeline.folder_chunks)(lesson.session.folder_id), concept)}
    if flow.asks_whether_retry_askable(context, event):
        assert concept is not None
        return {"retry_askable": await db(_can_ask_again)(lesson.session, concept)}
    return {}


def _can_ask_again(session: models.TutorSession, concept: str) -> bool:
    """questions.can_ask_again for the session's folder and questions, in one trip off the loop
    (making the candidate questions is CPU work the sockets' loop should not wait on)."""
    return questions.can_ask_again(pipeline.folder_chunks(session.folder_id), concept, _asked_prompts(session))


async def _plan(turn: Turn, lesson: Lesson) -> None:
    """The folder's stored lesson plan, made now by the ingestion pipeline's analyzer and
    planner if there is none yet (and stored for the next session)."""
    plan = await db(_folder_plan)(lesson.session.folder)
    if plan is None:
        raise DomainError("empty_folder", "This folder has no readable documents yet: upload some notes first.")
    lesson.context.plan = plan
    turn.planned = True
    flow.set_focus(lesson)
    flow.skip_done(lesson)


def _folder_plan(folder: models.Folder) -> schemas.PlanResult | None:
    stored = models.LessonPlan.objects.filter(folder=folder).first()
    if stored is None:
        if not pipeline.refresh_folder(folder):
            return None
        stored = models.LessonPlan.objects.get(folder=folder)
    return schemas.PlanResult.model_validate(stored.data)


async def _explain(turn: Turn, lesson: Lesson, decision: policy.Decision) -> None:
    context = lesson.context
    if turn.message:  # the learner asked: answer, the lesson stays where it is
        await _teach(turn, lesson, decision, concept=None)
        return
    concept = context.concept()
    assert concept is not None
    # Read here, not in _teach: the opening names the concept as these passages do.
    turn.material = await db(teaching_material)(lesson.session, concept, on_board=context.on_board)
    opening = flow.opening(context, concept, turn.material[0])
    introducing = flow.introduces(context, concept)
    context.explanations_since_question += 1
    context.covered = [*dict.fromkeys([*context.covered, concept])]
    context.last_action = "explained"
    await _teach(turn, lesson, decision, concept=concept, opening=opening, introducing=introducing)


async def _help(turn: Turn, lesson: Lesson, decision: policy.Decision) -> None:
    context = lesson.context
    context.help_requests += 1
    context.last_action = "remediated"
    await _teach(turn, lesson, decision, concept=flow.concept_for_help(context))


async def _teach(turn: Turn, lesson: Lesson, decision: policy.Decision, *, concept: str | None,
                 opening: str = "", introducing: bool = False) -> None:
    context = lesson.context
    focus_terms = " ".join(context.focus.concepts) if context.focus else ""
    query = turn.message or concept or focus_terms
    passages, board = turn.material or await db(teaching_material)(lesson.session, query, on_board=context.on_board)
    request = teacher.TeacherRequest(
        action=decision.action, message=turn.message, focus=context.focus, concept=concept or "", opening=opening,
        introducing=introducing,
        passages=passages, history=transcript_for_teacher(context), pace=context.pace, board_summary=board,
    )
    tools = {t.name: t for t in board_tools(turn.session_id, turn_id=turn.turn_id, on_drawn=turn.board_updated)} \
        if context.on_board else {}
    result: TeacherCompleted | None = None
    assert turn.stream is not None
    async with aclosing(teacher.teach(get_gateway(), turn.call, request, tools)) as stream:
        async for event in stream:
            if isinstance(event, TeacherDelta):
                turn.stream.add(event.text)
            elif isinstance(event, TeacherCompleted):
                result = event
            elif isinstance(event, TeacherFailed):
                raise AgentError(event.message, code=event.code, retryable=event.retryable)
    assert result is not None
    flow.apply(lesson, decision)
    content = {"action": decision.action.value, "offline": result.offline, "lesson": flow.position(context),
               "focus": context.focus.model_dump(mode="json") if context.focus else None}
    if turn.planned:  # a new or changed plan travels with the turn that made it
        content["plan"] = context.plan.model_dump(mode="json") if context.plan else None
    await turn.finish(result.text, citations=[c.model_dump() for c in result.citations], content=content)


async def _ask(turn: Turn, lesson: Lesson, decision: policy.Decision) -> None:
    context = lesson.context
    concept = context.concept()
    assert concept is not None
    asked = await db(_asked_prompts)(lesson.session)
    chunks = await db(pipeline.folder_chunks)(lesson.session.folder_id)
    question = await _new_question(turn, chunks, concept, decision.difficulty, asked)
    if question is None:  # nothing (new) to ask about this concept: it is taught, move past it
        await _move(turn, lesson, policy.Event.NO_QUESTION)
        return
    turn.kind = "question"
    context.explanations_since_question = context.lesson_turns_since_question = context.hints = 0
    context.last_action = "asked"
    add_exchange(context, turn.message, question.prompt)
    turn.message = ""
    flow.apply(lesson, decision)
    citation = quiz.question_citation(question, chunks)  # None for a passage the model was not given
    row = await db(actions.add_session_question)(lesson.session, question,
                                                 chunk_id=citation.chunk_id if citation else None)
    drawn = await db(_draw)(lambda: whiteboard.draw_question(
        turn.session_id, question_id=str(row.pk), prompt=row.prompt, options=row.options, turn_id=turn.turn_id,
    )) if row.kind == "mcq" else []
    await turn.conclude(db(actions.ask_question)(lesson.session, context, row, turn_id=turn.turn_id,
                                                 board_object_ids=drawn, content={"lesson": flow.position(context)},
                                                 citations=[citation.model_dump()] if citation else []))


async def _new_question(turn: Turn, chunks: list, concept: str, difficulty: str, asked: list[str]
                        ) -> schemas.QuizQuestion | None:
    """A question on the concept not asked before: multiple choice, else free response."""
    for kind in questions.LESSON_KINDS:
        try:
            made = await quiz.create_quiz(get_gateway(), turn.call, chunks, [concept], count=1, kinds=(kind,),
                                          difficulty=difficulty, existing=asked)
        except AgentError as exc:
            if exc.code != "no_questions":
                raise
            continue
        return made.questions[0]
    return None


async def _hint(turn: Turn, lesson: Lesson, decision: policy.Decision) -> None:
    """Help while a question waits: a hint towards its answer; the question keeps waiting."""
    question = await db(_pending_question)(lesson.session)
    assert question is not None
    lesson.context.help_requests += 1
    lesson.context.last_action = "remediated"
    passages, _ = await db(teaching_material)(lesson.session, question.concept, on_board=False)
    text = lesson_text.hint(question.concept, _answer_of(question), question.quote, passages,
                            free=question.kind == "free", level=lesson.context.hints)
    lesson.context.hints += 1
    flow.apply(lesson, decision)
    await turn.finish(text, content={"action": decision.action.value, "question_id": question.pk,
                                     "lesson": flow.position(lesson.context)})


async def _skip(turn: Turn, lesson: Lesson, decision: policy.Decision) -> None:
    """`next` over a waiting question: its answer is shown and the lesson goes on."""
    question = await db(_pending_question)(lesson.session)
    assert question is not None
    turn.kind = "feedback"
    lesson.context.pending_question_id = None
    text = lesson_text.skipped(_answer_of(question), question.quote)
    flow.apply(lesson, decision)
    await turn.finish(text, content={"action": decision.action.value, "question_id": question.pk,
                                     "lesson": flow.position(lesson.context)})


def _answer_of(question: models.Question) -> str:
    if question.kind == "mcq" and question.correct_index is not None:
        return question.options[question.correct_index]
    return ""


async def _summarise(turn: Turn, lesson: Lesson, decision: policy.Decision) -> None:
    """The end of the plan (or of a review): what was covered and mastered, the weakest concepts."""
    context = lesson.context
    turn.kind = "summary"
    context.last_action = "summarised"
    text, summary = lesson_text.summary(context.covered, lesson.mastery, context.review_later,
                                        mastered_at=MASTERED)
    flow.apply(lesson, decision)
    context.reviewing = False
    await turn.finish(text, content={"action": decision.action.value, "summary": summary,
                                     "lesson": flow.position(context)})


MOVES = {
    policy.Action.EXPLAIN: _explain,
    policy.Action.ASK_QUESTION: _ask,
    policy.Action.HINT: _hint,
    policy.Action.HELP_STUCK: _help,
    policy.Action.HELP_SIMPLER: _help,
    policy.Action.EXAMPLE: _help,
    policy.Action.SKIP_QUESTION: _skip,
    policy.Action.SUMMARY: _summarise,
}


def _draw(drawing: Callable[[], Drawing]) -> list[str]:
    """Draw on the session's board; a board problem never fails the turn (the chat has it all)."""
    try:
        return drawing().object_ids
    except Exception:
        logger.warning("could not draw on the board", exc_info=True)
        return []


def _pending_question(session: models.TutorSession) -> models.Question | None:
    pending = session.context.pending_question_id
    return models.Question.objects.filter(pk=pending, session=session).first() if pending else None


def _asked_prompts(session: models.TutorSession) -> list[str]:
    return list(session.questions.values_list("prompt", flat=True))


def answer_body(question: models.Question, *, option_index: int | None, text: str | None) -> Body:
    """Grade an answer to the pending question: multiple choice without a model."""

    async def body(turn: Turn) -> None:
        lesson = turn.lesson
        assert lesson is not None
        turn.kind = "feedback"
        graded = as_quiz_question(question)
        answer: int | str = option_index if option_index is not None else (text or "")
        grade = await quiz.grade_answer(get_gateway(), turn.call, graded, answer)
        context = lesson.context
        flow.count_lesson_turn(context)
        if grade.feedback in recent_replies(context):  # two questions quoting one sentence: say which
            grade = grade.model_copy(update={"feedback": f"On {question.concept}: {grade.feedback}"})
        context.last_action = "evaluated"
        event = policy.Event.RIGHT if grade.correct else policy.Event.WRONG
        flow.apply(lesson, policy.decide(flow.policy_state(lesson, event, None)))
        said = question.options[option_index] if option_index is not None else (text or "")
        add_exchange(context, said, grade.feedback)
        drawn = await db(_draw)(lambda: whiteboard.draw_answer_feedback(
            turn.session_id, question_id=str(question.pk), chosen_index=option_index,
            correct_index=question.correct_index, explanation=grade.feedback, turn_id=turn.turn_id,
        )) if option_index is not None else []
        await turn.conclude(db(actions.grade_session_answer)(lesson.session, context, question,
                                       turn_id=turn.turn_id, answer_text=said, option_index=option_index,
                                       grade=grade, board_object_ids=drawn, content={"lesson": flow.position(context)},
                                       author=turn.author))

    return body


def pace_body(value: float) -> Body:
    """A new pace: stored, and the policy's consequence told to the learner (no model call)."""

    async def body(turn: Turn) -> None:
        assert turn.lesson is not None
        turn.kind = "message"
        turn.lesson.context.pace = value
        every = policy.explanations_before_question(value)
        pace = "slower" if value < 1 else "faster" if value > 1 else "the normal pace"
        noun = "explanation" if every == 1 else "explanations"
        await turn.finish(f"All right, {pace} ({value:g}). I will check your understanding after every "
                          f"{every} {noun}.", content={"pace": value})

    return body
