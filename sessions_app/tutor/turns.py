"""Tutor turns: the frame every turn runs in, whatever its body (sessions_app.tutor.bodies).

A turn runs in its own task, registered in this process's RUNNING until it ends, and not
owned by any socket: a disconnect does not stop it (it runs to its end and is stored, so
the learner who reconnects, to any process, sees the whole reply). Only `cancel` stops it.
Whatever happens, a started turn ends with `turn.completed` (complete, cancelled or
failed) holding the text said so far, and failures add an `error`; the context, history
included, is stored with it.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from channels.layers import get_channel_layer

from agents_app import pipeline
from agents_app.errors import AgentError
from agents_app.runs import CallContext
from agents_app.schemas import ChunkRef
from agents_app.search import best_passages
from boards_app.summary import summary_text
from sessions_app import actions, event_log
from sessions_app.context import TutorContext
from sessions_app.models import ConceptMastery, TutorSession
from sessions_app.tutor import budget, metrics
from sessions_app.tutor.history import add_exchange
from sessions_app.tutor.stream import TextStream, asked_elsewhere
from tutor_project.realtime.database import db
from tutor_project.web.errors import DomainError

logger = logging.getLogger(__name__)

PASSAGES = 4


def new_turn_id() -> str:
    return f"t-{uuid.uuid4().hex[:16]}"


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


Material = tuple[list[ChunkRef], str]  # passages to teach from, the board as the prompt sees it


def teaching_material(session: TutorSession, query: str, *, on_board: bool) -> Material:
    """The passages to teach from and the board as the teacher's prompt sees it, in one trip.
    With no match the folder's first passages stand in."""
    passages = best_passages(session.folder_id, query, PASSAGES) or pipeline.folder_chunks(session.folder_id, PASSAGES)
    return passages, summary_text(session) if on_board else ""


@dataclass
class Turn:
    session_id: int
    user_id: int
    turn_id: str
    in_reply_to: str
    author: dict | None = None  # who asked (protocol.Person): the owner or a member
    message: str = ""  # what the learner said, for the history
    kind: str = "explanation"
    lesson: Lesson | None = None
    stream: TextStream | None = None
    planned: bool = False
    ending: asyncio.Future | None = None
    material: Material | None = None  # read with the learner's message, for the reply to it

    def __post_init__(self) -> None:
        HERE[self.turn_id] = self

    @property
    def call(self) -> CallContext:
        return CallContext(session_id=self.session_id, user_id=self.user_id)

    @property
    def text(self) -> str:
        return self.stream.text if self.stream is not None else ""

    async def load(self) -> Lesson:
        return self.attach(await db(load_lesson)(self.session_id))

    def attach(self, lesson: Lesson) -> Lesson:
        self.lesson, self.stream = lesson, TextStream(self.session_id, self.turn_id)
        return lesson

    async def board_updated(self, object_ids: list[str]) -> None:
        """The teacher drew: tell the learner which objects, in order with the text so far."""
        assert self.stream is not None
        await self.stream.flush()
        await db(actions.record_event)(TutorSession(pk=self.session_id), "board.updated",
                                       turn_id=self.turn_id, object_ids=object_ids)

    async def finish(self, text: str, *, status: str = "complete", citations: list[dict] | None = None,
                     content: dict | None = None, before: list[tuple[str, dict]] = ()) -> None:
        """End the turn with its text: the `before` events, then turn.completed."""
        assert self.lesson is not None
        add_exchange(self.lesson.context, self.message, text)
        await self.conclude(db(actions.finish_turn)(
            self.lesson.session, self.lesson.context, turn_id=self.turn_id, kind=self.kind, status=status,
            text=text, citations=citations, content=content, before=list(before)))

    async def conclude(self, ending: Awaitable[object]) -> None:
        """Run the write that ends the turn (stores turn.completed), after the last piece of
        text went out. Shielded: once started it finishes even if the turn is cancelled
        meanwhile, and the turn is not ended twice."""
        if self.stream is not None:
            await self.stream.close()
        self.ending = asyncio.ensure_future(ending)
        await asyncio.shield(self.ending)


# The turns running in this process, by turn id, to cancel one; and every turn of this
# process while it is referenced, from before its turn.started is stored (whose bell can come
# back before the turn runs) to its end, to read its text at once.
RUNNING: dict[str, tuple[Turn, asyncio.Task]] = {}
HERE: weakref.WeakValueDictionary[str, Turn] = weakref.WeakValueDictionary()


def start(turn: Turn, body: Body) -> None:
    """Run a turn whose turn.started is stored, in its own task (the process hears requests to
    its turns from its first socket on: sessions_app.tutor.consumer)."""
    task = asyncio.create_task(run(turn, body))
    RUNNING[turn.turn_id] = (turn, task)
    metrics.TURNS.inc()
    metrics.TURNS_RUNNING.inc()

    def ended(_: asyncio.Task) -> None:
        RUNNING.pop(turn.turn_id, None)
        metrics.TURNS_RUNNING.dec()

    task.add_done_callback(ended)


def text_here(turn_id: str) -> str | None:
    """The text so far of a turn of this process (fresher than the saved one)."""
    turn = HERE.get(turn_id)
    return turn.text if turn is not None else None


class Requests:
    """What is asked of running turns from any socket on any process (cancel one, publish
    its whole text again), heard by each process on one channel and acted on by the process
    running the turn. Requests are rare, so every process hears them all; a channel per turn
    cost four subscription round trips a turn, queued with every bell the process rings."""

    def __init__(self) -> None:
        self._task: asyncio.Task | None = None

    def hear(self) -> None:
        """Listen from now on (a listener the channel layer refused is tried again)."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._hear())

    async def _hear(self) -> None:
        layer = get_channel_layer()
        try:
            channel = await layer.new_channel("turns.")
            await layer.group_add(event_log.TURN_REQUESTS, channel)
        except Exception:  # the layer is away: turns run on; cancel still works in their own process
            logger.warning("running turns hear no requests: the channel layer is away", exc_info=True)
            return
        while True:
            message = await layer.receive(channel)
            running = RUNNING.get(message.get("turn_id", ""))
            if running is None:  # another process's turn, one that has ended, or one about to start here
                if message["type"] == event_log.RESEND:
                    asked_elsewhere(message["turn_id"])
                continue
            turn, task = running
            if message["type"] == event_log.CANCEL:
                task.cancel()
            elif message["type"] == event_log.RESEND and turn.stream is not None:
                try:
                    await turn.stream.resend()
                except Exception:  # one request's trouble must not deafen the process
                    logger.warning("could not publish turn %s again", turn.turn_id, exc_info=True)


requests = Requests()


async def receive(turn: Turn, session: TutorSession, *, counted: bool) -> bool:
    """Store the learner's message of `turn` and load its lesson; False if the message was
    received before, DomainError if the session has ended or is answering, or if the turn is
    `counted` against the learner's budget of model turns and that is spent."""
    received = await db(_receive)(turn, session, counted)
    if received is None:
        return False
    lesson, turn.material = received
    turn.attach(lesson)
    return True


def _receive(turn: Turn, session: TutorSession, counted: bool) -> tuple[Lesson, Material] | None:
    """The budget, the message, then the lesson and the passages and board a reply to the
    message needs, in one trip to the executor: under load each trip waits its turn there,
    and trips run side by side only contend for the one interpreter lock. A turn counted
    and then refused is given back."""
    if counted and not budget.take(turn.user_id):
        raise budget.spent()
    stored = False
    try:
        stored = actions.receive_learner_message(session, client_id=turn.in_reply_to, text=turn.message,
                                                 turn_id=turn.turn_id, asked_by=turn.author) is not None
    finally:
        if counted and not stored:
            budget.give_back(turn.user_id)
    if not stored:
        return None
    return load_lesson(session.pk), teaching_material(session, turn.message, on_board=session.context.on_board)


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
        if turn.stream is not None:
            await turn.stream.close()


async def _end_badly(turn: Turn, status: str, exc: AgentError | DomainError | None) -> None:
    if turn.ending is not None:  # the turn was already being ended normally: let that stand
        await asyncio.wait([turn.ending])
        if turn.ending.exception() is None:
            return
    if turn.lesson is None:
        await turn.load()
    error = [] if exc is None else [("error", {
        "code": exc.code, "message": exc.message if isinstance(exc, AgentError) else exc.detail,
        "retryable": exc.retryable, "in_reply_to": turn.in_reply_to, "turn_id": turn.turn_id,
    })]
    await turn.finish(turn.text, status=status, before=error)
