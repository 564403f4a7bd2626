"""What a turn does, by what started it: a lesson turn the orchestration policy decides (next,
help, a learner's message, a board click), the grading of an answer, a change of pace."""
from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import aclosing

from agents_app import pipeline, policy, schemas
from agents_app.agents import planner, quiz, teacher
from agents_app.errors import AgentError
from agents_app.schemas import TextDelta, TurnCompleted, TurnFailed
from agents_app.wiring import get_gateway
from sessions_app import actions, models
from sessions_app.quizzes import as_quiz_question
from sessions_app.tutor.history import add_exchange, transcript_for_teacher
from sessions_app.tutor.turns import Body, Lesson, Turn, teaching_material
from tutor_project.realtime.database import db
from tutor_project.web.errors import DomainError
from whiteboard_app import actions as whiteboard
from whiteboard_app.skills import Drawing
from whiteboard_app.tools import board_tools

logger = logging.getLogger(__name__)


def lesson_body(trigger: str, *, help_mode: str | None = None) -> Body:
    """A turn the orchestration policy decides: next, help, a learner's message, a board click."""

    async def body(turn: Turn) -> None:
        lesson = turn.lesson
        assert lesson is not None
        if lesson.context.plan is None and trigger != "user_message":
            await _plan(turn, lesson)
        decision = policy.decide(_policy_state(lesson, trigger, help_mode))
        await _act(turn, lesson, decision)

    return body


def _policy_state(lesson: Lesson, trigger: str, help_mode: str | None) -> policy.TutorState:
    context = lesson.context
    return policy.TutorState(
        trigger=trigger, help_mode=help_mode, pending_question=context.pending_question_id is not None,
        has_focus=context.focus is not None, focus_mastery=lesson.focus_mastery(), pace=context.pace,
        help_requests=context.help_requests, consecutive_wrong=context.consecutive_wrong,
        explanations_since_question=context.explanations_since_question,
        questions_on_objective=context.questions_on_objective, plan_position=context.plan_position,
        plan_length=len(context.plan.objectives()) if context.plan else 0,
    )


async def _plan(turn: Turn, lesson: Lesson, *, again: bool = False) -> None:
    """The folder's stored lesson plan, made now by the ingestion pipeline's analyzer and
    planner if there is none yet (and stored for the next session); `again` re-plans
    from the learner's current mastery."""
    plan = await db(_folder_plan)(lesson.session.folder, again)
    if plan is None:
        raise DomainError("empty_folder", "This folder has no readable documents yet: upload some notes first.")
    lesson.context.plan = plan
    turn.planned = True
    _set_focus(lesson)


def _folder_plan(folder: models.Folder, again: bool) -> schemas.LessonPlan | None:
    stored = models.LessonPlan.objects.filter(folder=folder).first()
    if stored is None or again:
        made = pipeline.replan_folder(folder) if again else False
        if not made and not pipeline.refresh_folder(folder):
            return None
        stored = models.LessonPlan.objects.get(folder=folder)
    return schemas.LessonPlan.model_validate(stored.data)


def _set_focus(lesson: Lesson) -> None:
    context = lesson.context
    assert context.plan is not None
    focus = planner.choose_focus(context.plan, lesson.mastery, context.pace, set(context.done_objectives))
    context.focus = focus
    context.focus_objective = focus.title if focus else ""
    context.plan_position = focus.position if focus else context.plan_position
    context.questions_on_objective = context.explanations_since_question = context.help_requests = 0


async def _act(turn: Turn, lesson: Lesson, decision: policy.Decision) -> None:
    context = lesson.context
    action = decision.action
    if action is policy.Action.ASK_QUESTION:
        await _ask(turn, lesson, decision)
        return
    if action in (policy.Action.MOVE_ON, policy.Action.REPLAN) and context.focus is not None:
        # The focus is done (mastered, or left for later): the next objective of the plan takes over.
        context.done_objectives.append(context.focus.objective_id)
        if action is policy.Action.REPLAN:
            await _plan(turn, lesson, again=True)
        else:
            _set_focus(lesson)
    if action in (policy.Action.MOVE_ON, policy.Action.REPLAN) and context.focus is None:
        turn.kind = "message"
        await turn.finish("You have worked through every objective of the lesson plan. Well done! "
                          "Ask me anything, or end the session to see its analysis.")
        return
    if action is policy.Action.HELP_SIMPLER or action is policy.Action.EXAMPLE:
        context.help_requests += 1
        context.last_action = "remediated"
    else:
        context.last_action = "explained"
    context.explanations_since_question += 1
    await _teach(turn, lesson, action)


async def _teach(turn: Turn, lesson: Lesson, action: policy.Action) -> None:
    context = lesson.context
    focus_terms = " ".join(context.focus.concepts) if context.focus else ""
    on_board = context.interaction_mode == "chat_and_whiteboard"
    passages, board = await (turn.material or db(teaching_material)(lesson.session, turn.message or focus_terms,
                                                                      on_board=on_board))
    request = teacher.TeacherRequest(
        action=action, message=turn.message, focus=context.focus, passages=passages,
        history=transcript_for_teacher(context), pace=context.pace, board_summary=board,
    )
    tools = {t.name: t for t in board_tools(turn.session_id, turn_id=turn.turn_id, on_drawn=turn.board_updated)} \
        if on_board else {}
    result: TurnCompleted | None = None
    assert turn.stream is not None
    async with aclosing(teacher.teach(get_gateway(), turn.call, request, tools)) as stream:
        async for event in stream:
            if isinstance(event, TextDelta):
                turn.stream.add(event.text)
            elif isinstance(event, TurnCompleted):
                result = event
            elif isinstance(event, TurnFailed):
                raise AgentError(event.message, code=event.code, retryable=event.retryable)
    assert result is not None
    content = {"action": action.value, "offline": result.offline,
               "focus": context.focus.model_dump(mode="json") if context.focus else None}
    if turn.planned:  # a new or changed plan travels with the turn that made it
        content["plan"] = context.plan.model_dump(mode="json") if context.plan else None
    await turn.finish(result.text, citations=[c.model_dump() for c in result.citations], content=content)


async def _ask(turn: Turn, lesson: Lesson, decision: policy.Decision) -> None:
    context = lesson.context
    turn.kind = "question"
    pending = await db(_pending_question)(lesson.session)
    if pending is not None:  # still unanswered: show it again rather than pile up questions
        shown = actions.question_out(pending)
        await turn.finish(pending.prompt, content={"question_id": pending.pk},
                          before=[("question", {"turn_id": turn.turn_id, "question": shown, "board_object_ids": []})])
        return
    concepts = context.focus.concepts if context.focus else []
    asked = await db(_asked_prompts)(lesson.session)
    chunks = await db(pipeline.folder_chunks)(lesson.session.folder_id)
    made = await quiz.create_quiz(get_gateway(), turn.call, chunks, concepts, count=1,
                                  difficulty=decision.difficulty, existing=asked)
    question = made.questions[0]
    context.explanations_since_question = 0
    context.questions_on_objective += 1
    context.last_action = "asked"
    add_exchange(context, turn.message, question.prompt)
    turn.message = ""
    citation = quiz.question_citation(question, chunks)  # None for a passage the model was not given
    row = await db(actions.add_session_question)(lesson.session, question,
                                                 chunk_id=citation.chunk_id if citation else None)
    drawn = await db(_draw)(lambda: whiteboard.draw_question(
        turn.session_id, question_id=str(row.pk), prompt=row.prompt, options=row.options, turn_id=turn.turn_id,
    )) if row.kind == "mcq" else []
    await turn.conclude(db(actions.ask_question)(lesson.session, context, row, turn_id=turn.turn_id,
                                                 board_object_ids=drawn,
                                                 citations=[citation.model_dump()] if citation else []))


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
        context.consecutive_wrong = 0 if grade.correct else context.consecutive_wrong + 1
        context.last_action = "evaluated"
        said = question.options[option_index] if option_index is not None else (text or "")
        add_exchange(context, said, grade.feedback)
        drawn = await db(_draw)(lambda: whiteboard.draw_answer_feedback(
            turn.session_id, question_id=str(question.pk), chosen_index=option_index,
            correct_index=question.correct_index, explanation=grade.feedback, turn_id=turn.turn_id,
        )) if option_index is not None else []
        await turn.conclude(db(actions.grade_session_answer)(lesson.session, context, question,
                                       turn_id=turn.turn_id, answer_text=said, option_index=option_index,
                                       grade=grade, board_object_ids=drawn))

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
