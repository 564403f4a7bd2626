"""Tutor turns: load the session, ask the orchestration policy, run the agents, store, emit.

Each turn runs in its own task (owned by the consumer). Whatever happens, a started turn
ends with `turn.completed` (complete, cancelled or failed) holding the text said so far,
and failures add an `error`; the context, history included, is stored with it.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import TypeVar

from django.db import connection

from agents_app import pipeline, policy, schemas
from agents_app.agents import planner, quiz, teacher
from agents_app.errors import AgentError
from agents_app.runs import CallContext
from agents_app.search import best_passages
from agents_app.schemas import ChunkRef, TextDelta, TurnCompleted, TurnFailed
from agents_app.wiring import get_gateway
from boards_app.summary import summary_text
from sessions_app import actions, events, turn_writes
from sessions_app.context import TutorContext
from sessions_app.history import add_exchange, transcript_for_teacher
from sessions_app.models import ConceptMastery, Folder, Question, TutorSession
from sessions_app.models import LessonPlan as StoredPlan
from sessions_app.quizzes import as_quiz_question
from tutor_project import loop_db
from tutor_project.web.errors import DomainError
from whiteboard_app import actions as whiteboard
from whiteboard_app.skills import Drawing
from whiteboard_app.tools import board_tools

logger = logging.getLogger(__name__)

R = TypeVar("R")
COALESCE_SECONDS = 0.04  # text deltas are batched over this window; the first goes out at once
PASSAGES = 4
db = events.db


def new_turn_id() -> str:
    return f"t-{uuid.uuid4().hex[:16]}"


# --- loading ---------------------------------------------------------------------------


@dataclass
class Lesson:
    session: TutorSession
    context: TutorContext
    mastery: dict[str, float]

    def focus_mastery(self) -> float:
        concepts = self.context.focus.concepts if self.context.focus else []
        return min((self.mastery.get(c, 0.0) for c in concepts), default=0.0)


def load_lesson(session_id: int) -> Lesson:
    session = TutorSession.objects.select_related("folder").get(pk=session_id)
    mastery = dict(ConceptMastery.objects.filter(learner_id=session.learner_id, folder_id=session.folder_id)
                   .values_list("concept", "p_known"))
    return Lesson(session=session, context=session.context, mastery=mastery)


async def read_lesson(session_id: int) -> Lesson:
    """load_lesson, on PostgreSQL as one statement on the loop's own connection: every turn
    reads its lesson on the way to its first words, and through the ORM that was a thread
    hop and about 3 ms of building SQL, contending for the GIL with the turn's other reads."""
    if not loop_db.available():
        return await db(load_lesson)(session_id)
    rows = await loop_db.fetch(
        f"SELECT {loop_db.columns(TutorSession, 's')}, {loop_db.columns(Folder, 'f')}, "
        f"(SELECT coalesce(json_object_agg(m.concept, m.p_known), '{{}}')::text FROM {_MASTERY} AS m "
        f"WHERE m.learner_id = s.learner_id AND m.folder_id = s.folder_id) "
        f"FROM {_SESSIONS} AS s JOIN {_FOLDERS} AS f ON f.id = s.folder_id WHERE s.id = %s", [session_id])
    if not rows:
        raise TutorSession.DoesNotExist(f"no tutor session {session_id}")
    row, split = rows[0], len(TutorSession._meta.concrete_fields)
    session = loop_db.instance(TutorSession, row[:split])
    session.folder = loop_db.instance(Folder, row[split:-1])
    return Lesson(session=session, context=session.context, mastery=json.loads(row[-1]))


_SESSIONS, _FOLDERS, _MASTERY = (connection.ops.quote_name(model._meta.db_table)
                                 for model in (TutorSession, Folder, ConceptMastery))


Material = tuple[list[ChunkRef], str]  # passages to teach from, the board as the prompt sees it


def teaching_material(session: TutorSession, query: str, *, on_board: bool) -> Material:
    """The passages to teach from and the board as the teacher's prompt sees it, in one trip.

    Ranked over the stored index (term counts, not every chunk's text); with no match the
    folder's first passages stand in."""
    passages = best_passages(session.folder_id, query, PASSAGES) or pipeline.folder_chunks(session.folder_id, PASSAGES)
    return passages, summary_text(session) if on_board else ""


# --- streaming text ----------------------------------------------------------------------


@dataclass
class DeltaWriter:
    """Stores and sends a turn's text deltas, coalesced over COALESCE_SECONDS.

    Reading the model waits for the database only for the turn's first piece, which is
    stored and sent before reading on, so the learner sees the tutor start at once (a
    model that answers quickly would otherwise keep the loop parsing until its whole
    reply is in). After that, pieces pile up while a write is in flight and go out
    together in the next one: a slow database means bigger deltas, not a slower stream.
    What is unsent when the turn ends goes out with its turn.completed, in one statement.
    """

    session: TutorSession
    turn_id: str
    said: list[str] = field(default_factory=list)
    _pending: list[str] = field(default_factory=list)
    _last: float = 0.0
    _flusher: asyncio.Task | None = None
    _writing: bool = False
    _draining: bool = False

    @property
    def text(self) -> str:
        return "".join(self.said)

    async def add(self, piece: str) -> None:
        self.said.append(piece)
        self._pending.append(piece)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_pending())
            if self._last == 0.0:  # the turn's first piece; a cancel leaves the write to close()
                await asyncio.shield(self._flusher)

    async def _flush_pending(self) -> None:
        while self._pending and not self._draining:
            await asyncio.sleep(max(0.0, self._last + COALESCE_SECONDS - time.monotonic()))
            self._writing = True
            try:
                await self._write(self._take())
            finally:
                self._writing = False

    def _take(self) -> str:
        text = "".join(self._pending)
        self._pending.clear()
        return text

    async def _write(self, text: str) -> None:
        self._last = time.monotonic()
        await events.delta_log().record(self.session.pk, turn_id=self.turn_id, text=text)

    async def drain(self) -> str:
        """Stop streaming and take the text not sent yet (also when the turn is being
        cancelled). A write in flight is waited for, never abandoned, so deltas keep
        their order; the text may go on afterwards (after a drawing)."""
        self._draining = True
        try:
            if self._flusher is not None and not self._flusher.done():
                if not self._writing:
                    self._flusher.cancel()  # it was only waiting for the window to pass
                await asyncio.wait([self._flusher])
        finally:
            self._draining = False
        return self._take()

    def give_back(self, text: str) -> None:
        """Text taken by `drain` that did not go out after all: first in line again."""
        self._pending.insert(0, text)

    async def close(self) -> None:
        """Send what is pending now."""
        if text := await self.drain():
            await self._write(text)


# --- the turn frame: start, finish however it ends ---------------------------------------


@dataclass
class Turn:
    session_id: int
    user_id: int
    turn_id: str
    in_reply_to: str
    message: str = ""  # what the learner said, for the history
    kind: str = "explanation"
    lesson: Lesson | None = None
    writer: DeltaWriter | None = None
    planned: bool = False
    ending: asyncio.Future | None = None
    material: asyncio.Future[Material] | None = None  # fetched ahead for the learner's message

    @property
    def call(self) -> CallContext:
        return CallContext(session_id=self.session_id, user_id=self.user_id)

    async def load(self) -> Lesson:
        return self.attach(await read_lesson(self.session_id))

    def attach(self, lesson: Lesson) -> Lesson:
        self.lesson, self.writer = lesson, DeltaWriter(lesson.session, self.turn_id)
        return lesson

    async def board_updated(self, object_ids: list[str]) -> None:
        """The teacher drew: tell the learner which objects, in order with the text so far."""
        assert self.writer is not None
        await self.writer.close()
        await events.act(actions.record_event, TutorSession(pk=self.session_id), "board.updated",
                         turn_id=self.turn_id, object_ids=object_ids)

    async def finish(self, text: str, *, status: str = "complete", citations: list[dict] | None = None,
                     content: dict | None = None, before: list[tuple[str, dict]] = ()) -> None:
        """End the turn: its unsent text, the `before` events and turn.completed in one write."""
        assert self.lesson is not None and self.writer is not None
        unsent = await self.writer.drain()
        tail = [("text.delta", {"turn_id": self.turn_id, "text": unsent})] if unsent else []
        add_exchange(self.lesson.context, self.message, text)
        await self.conclude(turn_writes.finish_turn(
            self.lesson.session, self.lesson.context, turn_id=self.turn_id, kind=self.kind, status=status,
            text=text, citations=citations, content=content, before=[*tail, *before]), unsent=unsent)

    async def conclude(self, ending: Awaitable[object], *, unsent: str = "") -> None:
        """Run the write that ends the turn (stores turn.completed). Shielded: once started it
        finishes even if the turn is cancelled meanwhile, and the turn is not ended twice.
        If it fails, its `unsent` text goes back to the writer for the next try to send."""
        self.ending = asyncio.ensure_future(ending)
        if unsent:
            writer = self.writer
            assert writer is not None
            self.ending.add_done_callback(
                lambda done: done.cancelled() or done.exception() is None or writer.give_back(unsent))
        await asyncio.shield(self.ending)


async def receive(turn: Turn, session: TutorSession) -> bool:
    """Store the learner's message of `turn` and load its lesson; False if the message was
    received before, DomainError if the session has ended.

    Storing the message changes nothing the turn reads, so the lesson, and the passages
    and board a reply to the message needs, are read in parallel with it (PostgreSQL
    serves all three at once), off the path to the first delta. A turn that does not
    teach drops the passages."""
    on_board = session.context.interaction_mode == "chat_and_whiteboard"  # fixed when the session starts
    lesson = _prefetch(read_lesson(session.pk))
    material = _prefetch(db(teaching_material)(session, turn.message, on_board=on_board))
    try:
        if not await turn_writes.receive_learner_message(session, client_id=turn.in_reply_to, text=turn.message,
                                                         turn_id=turn.turn_id):
            return False
        turn.attach(await lesson)
        turn.material = material
        return True
    finally:
        if turn.material is None:  # not received, or failed: drop what was read ahead
            lesson.cancel()
            material.cancel()


def _prefetch(read: Awaitable[R]) -> asyncio.Future[R]:
    started = asyncio.ensure_future(read)
    started.add_done_callback(lambda done: done.cancelled() or done.exception())  # dropped unread is fine
    return started


Body = Callable[[Turn], Awaitable[None]]


async def run(turn: Turn, body: Body) -> None:
    """Run the body of a turn whose turn.started is stored; a cancelled or failed turn still
    ends with its partial text stored."""
    try:
        if turn.lesson is None:
            await turn.load()
        await body(turn)
    except asyncio.CancelledError:
        await _end_badly(turn, "cancelled", None)
        raise
    except (AgentError, DomainError) as exc:
        await _end_badly(turn, "failed", exc)
    except Exception:
        logger.exception("tutor turn %s failed", turn.turn_id)
        await _end_badly(turn, "failed", DomainError("internal_error", "The tutor hit an internal error.",
                                                     retryable=True))
    finally:
        if turn.material is not None:
            turn.material.cancel()  # unused (the turn did not teach) or done already


async def _end_badly(turn: Turn, status: str, exc: AgentError | DomainError | None) -> None:
    if turn.ending is not None:  # the turn was already being ended normally: let that stand
        await asyncio.wait([turn.ending])
        if turn.ending.exception() is None:
            return
    if turn.lesson is None:
        await turn.load()
    assert turn.writer is not None
    error = [] if exc is None else [("error", {
        "code": exc.code, "message": exc.message if isinstance(exc, AgentError) else exc.detail,
        "retryable": exc.retryable, "in_reply_to": turn.in_reply_to, "turn_id": turn.turn_id,
    })]
    await turn.finish(turn.writer.text, status=status, before=error)


# --- bodies ------------------------------------------------------------------------------


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


def _folder_plan(folder: Folder, again: bool) -> schemas.LessonPlan | None:
    stored = StoredPlan.objects.filter(folder=folder).first()
    if stored is None or again:
        made = pipeline.replan_folder(folder) if again else False
        if not made and not pipeline.refresh_folder(folder):
            return None
        stored = StoredPlan.objects.get(folder=folder)
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
    assert turn.writer is not None
    async with aclosing(teacher.teach(get_gateway(), turn.call, request, tools)) as stream:
        async for event in stream:
            if isinstance(event, TextDelta):
                await turn.writer.add(event.text)
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
    known = {c.chunk_id for c in chunks}
    row = await events.act(actions.add_session_question, lesson.session, question,
                           chunk_id=question.chunk_id if question.chunk_id in known else None)
    drawn = await db(_draw)(lambda: whiteboard.draw_question(
        turn.session_id, question_id=str(row.pk), prompt=row.prompt, options=row.options, turn_id=turn.turn_id,
    )) if row.kind == "mcq" else []
    await turn.conclude(events.act(actions.ask_question, lesson.session, context, row, turn_id=turn.turn_id,
                                   board_object_ids=drawn))


def _draw(drawing: Callable[[], Drawing]) -> list[str]:
    """Draw on the session's board; a board problem never fails the turn (the chat has it all)."""
    try:
        return drawing().object_ids
    except Exception:
        logger.warning("could not draw on the board", exc_info=True)
        return []


def _pending_question(session: TutorSession) -> Question | None:
    pending = session.context.pending_question_id
    return Question.objects.filter(pk=pending, session=session).first() if pending else None


def _asked_prompts(session: TutorSession) -> list[str]:
    return list(session.questions.values_list("prompt", flat=True))


def answer_body(question: Question, *, option_index: int | None, text: str | None) -> Body:
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
        await turn.conclude(events.act(actions.grade_session_answer, lesson.session, context, question,
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
