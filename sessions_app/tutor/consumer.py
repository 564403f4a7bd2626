"""The tutor socket (SPEC 6): a thin consumer over delivery, the turns and the actions.

- Accept, then close with 4403 / 4404 (4401 is the JWT middleware's), so clients can tell
  "not yours" and "gone" from a network failure; 4413 for an oversized frame, 4429 for a
  client that keeps sending past the frame rate after its `rate_limited` error.
- Every frame is answered: by its events or by an `error`; a bad frame never closes the
  socket.
- Events reach this connection through its Delivery: the first frame decides where it
  starts (`hello` replays after `resume_from`; anything else, or silence for
  HELLO_WAIT_SECONDS, gets a fresh `session.state`).
- Turns run in their own tasks, owned by the process, not by this socket: `cancel` and
  `ping` are handled mid-stream, and a disconnect leaves the turn running to its end.
- Shared sessions (SPEC 11): members connect too, with their role; a viewer's writes and a
  member's `session.end` get an error on this socket alone (sessions_app.access.refusal), and
  turns and answers carry who asked. The socket is a presence row while it is open.
"""
from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from pydantic import ValidationError

from sessions_app import actions, event_log, protocol
from sessions_app.access import refusal, session_for_socket
from sessions_app.models import Question, TutorSession
from sessions_app.presence import PROCESS
from sessions_app.tutor import bodies, budget, metrics, turns
from sessions_app.tutor.delivery import Delivery
from sessions_app.tutor.hub import hub
from tutor_project.realtime.database import db
from tutor_project.realtime.ratelimit import TokenBucket
from tutor_project.realtime import NO_CONSUMER_CHANNEL
from tutor_project.realtime.revocation import RevocationWatch
from tutor_project.web.errors import DomainError
from whiteboard_app.history import drawn_object, option_of

CLOSE_TOO_BIG = 4413
CLOSE_TOO_MANY = 4429
HELLO_WAIT_SECONDS = 0.3
CANCEL_GRACE_SECONDS = 10.0


class TutorConsumer(AsyncWebsocketConsumer):
    channel_layer_alias = NO_CONSUMER_CHANNEL
    revocation: RevocationWatch | None = None
    session: TutorSession | None = None
    delivery: Delivery | None = None
    connection_id: int | None = None  # this socket's presence row

    async def connect(self) -> None:
        self.greeter: asyncio.Task | None = None
        self.bucket = TokenBucket(settings.TUTOR_WS_FRAMES_PER_SECOND, settings.TUTOR_WS_FRAME_BURST)
        self.next_limit_notice = 0.0
        metrics.CONNECTIONS.inc()
        await self.accept()
        user = self.scope["user"]
        code, session, role = await db(session_for_socket)(user, self.scope["url_route"]["kwargs"]["session_id"])
        if session is None:
            await self.close(code)
            return
        self.author = {"user_id": user.pk, "username": user.username, "role": role}
        self.session, self.delivery = session, Delivery(session.pk, self.send_frame, role=role)
        self.revocation = RevocationWatch(user.pk, self.close, session_id=session.pk)
        await self.revocation.start()
        self.delivery.listen()
        await hub.join(self.delivery)
        self.connection_id = await db(actions.open_connection)(session.pk, user.pk, PROCESS)
        self.greeter = asyncio.create_task(self._greet_after_wait())

    async def disconnect(self, code: int) -> None:
        try:
            if self.delivery is None:
                return
            if self.greeter is not None:
                self.greeter.cancel()
            self.revocation.stop()
            self.delivery.stop()
            await hub.leave(self.delivery)
            if self.connection_id is not None:
                await db(actions.close_connection)(self.connection_id)
        finally:
            metrics.CONNECTIONS.dec()

    # --- delivery ---------------------------------------------------------------------------

    async def _greet_after_wait(self) -> None:
        await asyncio.sleep(HELLO_WAIT_SECONDS)
        await self.delivery.start_with_state()

    async def send_frame(self, frame: event_log.Frame) -> None:
        await self.send(text_data=json.dumps(frame))

    async def error(self, code: str, message: str, *, in_reply_to: str | None, retryable: bool = False,
                    turn_id: str | None = None) -> None:
        await db(actions.record_event)(self.session, "error", code=code, message=message, retryable=retryable,
                                       in_reply_to=in_reply_to, turn_id=turn_id)

    # --- receiving -----------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.session is None:
            return
        size = len(bytes_data) if bytes_data is not None else len(text_data.encode())
        if size > settings.TUTOR_WS_MAX_FRAME_BYTES:
            await self.close(CLOSE_TOO_BIG)
            return
        frame, problem = _parse(text_data)
        if not (isinstance(frame, protocol.Hello) or self.delivery.started):
            await self.delivery.start_with_state()
        if not self.bucket.take():
            # The first frame over the rate is answered with an error; one more within the
            # second after it closes the socket (answering every frame of a flood would turn
            # the limit into a way to make the server write, and no frame goes unanswered).
            if time.monotonic() < self.next_limit_notice:
                await self.close(CLOSE_TOO_MANY)
                return
            self.next_limit_notice = time.monotonic() + 1.0
            await self.error("rate_limited", f"More than {settings.TUTOR_WS_FRAMES_PER_SECOND} frames a second: this "
                             "one was not handled; keep under the rate or the socket closes (4429).",
                             in_reply_to=_reply_to(frame), retryable=True)
            return
        if problem is not None:
            await self.error(problem[0], problem[1], in_reply_to=_reply_to(frame))
            return
        if (refused := refusal(self.author["role"], frame.type)) is not None:
            # To this socket alone, not stored: the others need not hear of it.
            await self.send_frame(protocol.Error(seq=None, code=refused.code, message=refused.detail,
                                                 retryable=False, in_reply_to=_reply_to(frame)).model_dump())
            return
        await getattr(self, "handle_" + frame.type.replace(".", "_"))(frame)

    # --- handlers, one per client frame type --------------------------------------------------

    async def handle_hello(self, frame: protocol.Hello) -> None:
        if self.greeter is not None:
            self.greeter.cancel()
        if frame.resume_from == 0:
            await self.delivery.start_with_state()
            return
        first, last = await db(_log_bounds)(self.session.pk)
        ahead, forgotten = frame.resume_from > last, first > frame.resume_from + 1 and frame.resume_from < last
        if ahead or forgotten:
            await self.delivery.start_with_state()
            reason = "is ahead of this session's log" if ahead else "is older than the log keeps"
            await self.error("resume_unavailable", f"resume_from {frame.resume_from} {reason}; "
                             "a fresh session.state was sent instead.", in_reply_to="hello")
            return
        await self.delivery.start_after(frame.resume_from)

    async def handle_ping(self, frame: protocol.Ping) -> None:
        await self.send_frame(protocol.Pong.model_validate({**frame.model_dump(), "type": "pong"}).model_dump())

    async def handle_user_message(self, frame: protocol.UserMessage) -> None:
        turn = self._turn(frame.client_id, message=frame.text)
        try:
            received = await turns.receive(turn, self.session, counted=await budget.model_turns())
        except DomainError as exc:
            await self.error(exc.code, exc.detail, in_reply_to=frame.client_id, retryable=exc.retryable)
            return
        if not received:
            await self.error("duplicate_message", f"Message {frame.client_id!r} was already received; its reply "
                             "is in the session's events.", in_reply_to=frame.client_id)
            return
        turns.start(turn, bodies.lesson_body("user_message"))

    async def handle_next(self, frame: protocol.Next) -> None:
        await self._lesson_turn("next", "next")

    async def handle_help(self, frame: protocol.Help) -> None:
        await self._lesson_turn("help", "help", help_mode=frame.mode)

    async def handle_board_click(self, frame: protocol.BoardClick) -> None:
        """A click on an option of a question drawn on the board answers it; any other drawn
        object becomes a question about that object, through the orchestration policy."""
        drawn = await db(drawn_object)(self.session, frame.object_id)
        if drawn is None:
            await self.error("no_such_object", f"Nothing is drawn on the board under {frame.object_id[:64]!r}.",
                             in_reply_to="board.click")
            return
        option = option_of(drawn)
        if option is not None and option[0].isdigit():
            await self._answer(int(option[0]), option_index=option[1], text=None, in_reply_to="board.click")
            return
        message = f"I clicked on the board object {frame.object_id!r}: tell me about it."
        await self._lesson_turn("board.click", "user_message", message=message)

    async def _lesson_turn(self, in_reply_to: str, trigger: str, *, help_mode: str | None = None,
                           message: str = "") -> None:
        if (counted := await self._take_budget(in_reply_to)) is None:
            return
        turn = self._turn(in_reply_to, message=message)
        await self._start(turn, bodies.lesson_body(trigger, help_mode=help_mode), counted=counted)

    async def handle_quiz_answer(self, frame: protocol.QuizAnswer) -> None:
        await self._answer(frame.question_id, option_index=frame.option_index, text=frame.text,
                           in_reply_to="quiz.answer")

    async def _answer(self, question_id: int, *, option_index: int | None, text: str | None,
                      in_reply_to: str) -> None:
        question = await db(_pending)(self.session.pk, question_id)
        if question is None:
            await self.error("no_pending_question", f"Question {question_id} is not waiting for an answer.",
                             in_reply_to=in_reply_to)
            return
        if option_index is not None and (question.kind != "mcq" or option_index >= len(question.options)):
            await self.error("invalid_option", f"Question {question.pk} has no option {option_index}.",
                             in_reply_to=in_reply_to)
            return
        if text is not None and question.kind != "free":
            await self.error("invalid_answer", "Answer a multiple-choice question with option_index.",
                             in_reply_to=in_reply_to)
            return
        # Free text is graded by a model: it counts against the learner's turn budget.
        counted = await self._take_budget(in_reply_to) if question.kind == "free" else False
        if counted is None:
            return
        turn = self._turn(in_reply_to)
        await self._start(turn, bodies.answer_body(question, option_index=option_index, text=text), counted=counted)

    async def handle_pace(self, frame: protocol.Pace) -> None:
        turn = self._turn("pace")
        await self._start(turn, bodies.pace_body(frame.value), counted=False)

    async def handle_cancel(self, frame: protocol.Cancel) -> None:
        if frame.turn_id not in turns.RUNNING and await db(_running_turn_id)(self.session.pk) != frame.turn_id:
            await self.error("no_such_turn", f"Turn {frame.turn_id!r} is not running.", in_reply_to="cancel",
                             turn_id=frame.turn_id)
            return
        await self._stop(frame.turn_id)  # it stores its partial text and ends with turn.completed (cancelled)

    async def handle_session_end(self, frame: protocol.SessionEnd) -> None:
        if running := await db(_running_turn_id)(self.session.pk):
            await self._stop(running, wait=CANCEL_GRACE_SECONDS)
        self.session = await db(_ended)(self.session)

    async def _stop(self, turn_id: str, *, wait: float = 0.0) -> None:
        """Cancel a turn wherever it runs; if here, wait up to `wait` seconds for it to store its end."""
        running = turns.RUNNING.get(turn_id)
        if running is None:
            await event_log.aring(event_log.TURN_REQUESTS, {"type": event_log.CANCEL, "turn_id": turn_id})
            return
        running[1].cancel()
        if wait:
            await asyncio.wait([running[1]], timeout=wait)

    # --- turns ---------------------------------------------------------------------------

    async def _take_budget(self, in_reply_to: str) -> bool | None:
        """Whether a model turn was counted against the learner's budget (offline turns are
        limited by the frame rate alone, and count nothing); None, with an error sent, once
        the budget is spent."""
        if not await budget.model_turns():
            return False
        if await budget.take_llm_turn(self.scope["user"].pk):
            return True
        refused = budget.spent()
        await self.error(refused.code, refused.detail, in_reply_to=in_reply_to, retryable=refused.retryable)
        return None

    def _turn(self, in_reply_to: str, *, message: str = "") -> turns.Turn:
        """A new turn asked for by this socket's user."""
        return turns.Turn(self.session.pk, self.author["user_id"], turns.new_turn_id(), in_reply_to,
                          author=self.author, message=message)

    async def _give_back(self, counted: bool) -> None:
        """A counted turn that did not start after all goes back to the budget."""
        if counted:
            await budget.give_back_llm_turn(self.scope["user"].pk)

    async def _start(self, turn: turns.Turn, body: turns.Body, *, counted: bool) -> None:
        """Store the turn's turn.started, then run it; an ended or busy session gets an error
        instead (and a counted turn is given back)."""
        try:
            await db(actions.start_turn)(self.session, turn_id=turn.turn_id, in_reply_to=turn.in_reply_to,
                                         asked_by=turn.author)
        except DomainError as exc:
            await self._give_back(counted)
            await self.error(exc.code, exc.detail, in_reply_to=turn.in_reply_to, retryable=exc.retryable)
            return
        turns.start(turn, body)


def _parse(text: str | None) -> tuple[Any, tuple[str, str] | None]:
    if text is None:
        return None, ("invalid_frame", "Frames are JSON text, not binary.")
    try:
        raw = json.loads(text)
    except ValueError:
        return None, ("invalid_json", "The frame is not valid JSON.")
    except RecursionError:
        return None, ("invalid_json", "The frame's JSON is nested too deeply.")
    if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
        return None, ("invalid_frame", "A frame is a JSON object with a string `type`.")
    if raw["type"] not in protocol.CLIENT_TYPES:
        return raw, ("unknown_type", f"Unknown frame type {raw['type'][:64]!r}.")
    try:
        return protocol.client_frame.validate_python(raw), None
    except ValidationError as exc:
        return raw, ("invalid_frame", _describe(exc))
    except RecursionError:
        return raw, ("invalid_frame", "The frame is nested too deeply.")


def _log_bounds(session_id: int) -> tuple[int, int]:
    """(first kept seq, last seq) of a session's log; (0, 0) when empty."""
    last = TutorSession.objects.values_list("last_event_seq", flat=True).get(pk=session_id)
    return event_log.first_kept_seq(session_id), last


def _running_turn_id(session_id: int) -> str:
    return TutorSession.objects.values_list("running_turn_id", flat=True).get(pk=session_id)


def _pending(session_id: int, question_id: int) -> Question | None:
    session = TutorSession.objects.get(pk=session_id)
    if session.context.pending_question_id != question_id:
        return None
    return Question.objects.filter(pk=question_id, session_id=session_id).first()


def _ended(session: TutorSession) -> TutorSession:
    actions.end_session(session)
    session.refresh_from_db()
    return session


def _reply_to(frame: Any) -> str | None:
    """What an error answers: a message's client_id, else the frame's type (None if unreadable)."""
    if isinstance(frame, protocol.UserMessage):
        return frame.client_id
    if isinstance(frame, dict):
        value = frame.get("client_id") if frame.get("type") == "user.message" else frame.get("type")
        return value[:64] if isinstance(value, str) else None
    return getattr(frame, "type", None)


def _describe(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error["loc"][1:]) or "frame"  # loc[0] is the frame type
        problems.append(f"{where}: {error['msg']}")
    return "Invalid frame: " + "; ".join(problems)
