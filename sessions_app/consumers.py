"""The tutor socket (SPEC 6): a thin consumer over the event log, the turns and the actions.

- Accept, then close with 4403 / 4404 (4401 is the JWT middleware's), so clients can tell
  "not yours" and "gone" from a network failure.
- Every frame is answered: by its events or by an `error`; a bad frame never closes the
  socket (an oversized one does, with 1009).
- Events reach this connection only through the session's log (sessions_app.events):
  the first frame decides where delivery starts (`hello` replays after `resume_from`;
  anything else, or silence for HELLO_WAIT_SECONDS, gets a fresh `session.state`).
- Each turn runs in its own task, so `cancel` and `ping` are handled mid-stream; a
  disconnect cancels the running turn (its partial text is kept) but does not end the session.
"""
from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from pydantic import ValidationError

from agents_app.progress import folder_documents_group
from boards_app.reading import clicked_option
from sessions_app import actions, events, limits, metrics, protocol, turns
from sessions_app.models import Question, TutorSession
from sessions_app.snapshot import record_state
from tutor_project.web.errors import DomainError
from tutor_project.realtime.ratelimit import TokenBucket
from tutor_project.realtime.revocation import RevocationWatch
from tutor_project.websocket import SocketConsumer


CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_TOO_BIG = 1009
HELLO_WAIT_SECONDS = 0.3
CANCEL_GRACE_SECONDS = 10.0
db = events.db


def _session_status(user_id: int, session_id: str) -> tuple[int, TutorSession | None]:
    """(close code, session): 4404 for a missing session, 4403 for someone else's."""
    session = TutorSession.objects.filter(pk=int(session_id), folder__deleted_at__isnull=True).first() \
        if session_id.isdigit() and len(session_id) < 19 else None
    if session is None:
        return CLOSE_NOT_FOUND, None
    if session.learner_id != user_id:
        return CLOSE_FORBIDDEN, None
    return 0, session


class TutorConsumer(SocketConsumer):
    session: TutorSession | None = None

    async def connect(self) -> None:
        self.sent_seq = 0
        self.greeted = False
        self.outbox = asyncio.Lock()
        self.bucket = TokenBucket(limits.FRAMES_PER_SECOND, limits.FRAME_BURST)
        self.next_limit_notice = 0.0
        self.turn: asyncio.Task | None = None
        self.turn_id = ""
        self.greeter: asyncio.Task | None = None
        metrics.CONNECTIONS.inc()
        await self.accept()
        code, session = await db(_session_status)(self.scope["user"].pk, self.scope["url_route"]["kwargs"]["session_id"])
        if session is None:
            await self.close(code)
            return
        self.session = session
        self.revocation = RevocationWatch(self.scope["user"].pk, self.close)
        await self.revocation.start()
        await self.channel_layer.group_add(events.group_name(session.pk), self.channel_name)
        await self.channel_layer.group_add(folder_documents_group(session.folder_id), self.channel_name)
        self.greeter = asyncio.create_task(self._greet_after_wait())

    async def disconnect(self, code: int) -> None:
        try:
            if self.session is None:
                return
            if self.greeter is not None:
                self.greeter.cancel()
            if self.turn is not None and not self.turn.done():
                self.turn.cancel()
                # Let the turn store its partial text before this connection goes away.
                await asyncio.wait([self.turn], timeout=CANCEL_GRACE_SECONDS)
            await self.channel_layer.group_discard(events.group_name(self.session.pk), self.channel_name)
            await self.channel_layer.group_discard(folder_documents_group(self.session.folder_id), self.channel_name)
            await self.revocation.stop()
        finally:
            metrics.CONNECTIONS.dec()  # counted until its turn has stored what it said

    # --- delivery ------------------------------------------------------------------------

    async def _greet_after_wait(self) -> None:
        await asyncio.sleep(HELLO_WAIT_SECONDS)
        await self.greet_with_state()

    async def greet_with_state(self) -> None:
        async with self.outbox:
            if self.greeted:
                return
            frame = await events.act(record_state, self.session.pk)
            await self.send(text_data=json.dumps(frame))
            self.sent_seq, self.greeted = frame["seq"], True

    async def replay(self, after: int) -> None:
        """Send every stored event after max(after, what this connection already saw), in order."""
        async with self.outbox:
            # The client has seen `after`: a later bell must not look like a gap before it.
            self.sent_seq = max(after, self.sent_seq)
            frames = await db(events.frames_after)(self.session.pk, self.sent_seq)
            await self._send_frames(frames)
            self.greeted = True

    async def tutor_bell(self, message: dict[str, Any]) -> None:
        """The session's group rang: send what this connection has not seen, in seq order."""
        if not self.greeted:
            return  # the greeting reads the log itself
        frames = message["frames"]
        async with self.outbox:
            if frames[-1]["seq"] <= self.sent_seq:
                return
            if frames[0]["seq"] > self.sent_seq + 1:  # a bell went missing: the log has the rest
                frames = await db(events.frames_after)(self.session.pk, self.sent_seq, frames[-1]["seq"])
            await self._send_frames([f for f in frames if f["seq"] > self.sent_seq])

    async def document_progress(self, message: dict[str, Any]) -> None:
        """The ingestion pipeline reported progress on a document of this session's folder:
        into the session's log (once, however many sockets heard it), then out as usual."""
        fields = {k: message[k] for k in ("document_id", "stage", "percent", "status")}
        await events.act(actions.record_document_progress, self.session, **fields)

    async def _send_frames(self, frames: list[events.Frame]) -> None:
        for frame in frames:
            await self.send(text_data=json.dumps(frame))
            self.sent_seq = frame["seq"]

    async def error(self, code: str, message: str, *, in_reply_to: str | None, retryable: bool = False,
                    turn_id: str | None = None) -> None:
        await events.act(actions.record_event, self.session, "error", code=code, message=message,
                         retryable=retryable, in_reply_to=in_reply_to, turn_id=turn_id)

    # --- receiving -----------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.session is None:
            return
        size = len(bytes_data) if bytes_data is not None else len(text_data.encode())
        if size > limits.MAX_FRAME_BYTES:
            await self.close(CLOSE_TOO_BIG)
            return
        frame, problem = self._parse(text_data)
        if not (isinstance(frame, protocol.Hello) or self.greeted):
            await self.greet_with_state()
        if not self.bucket.take():
            # One notice a second at most: answering every frame of a flood would turn the
            # limit into a way to make the server write.
            if time.monotonic() >= self.next_limit_notice:
                self.next_limit_notice = time.monotonic() + 1.0
                await self.error("rate_limited", f"More than {limits.FRAMES_PER_SECOND} frames a second: frames "
                                 "are dropped until the rate falls.", in_reply_to=_reply_to(frame), retryable=True)
            return
        if problem is not None:
            await self.error(problem[0], problem[1], in_reply_to=_reply_to(frame))
            return
        await getattr(self, "handle_" + frame.type.replace(".", "_"))(frame)

    @staticmethod
    def _parse(text: str | None) -> tuple[Any, tuple[str, str] | None]:
        if text is None:
            return None, ("invalid_frame", "Frames are JSON text, not binary.")
        try:
            raw = json.loads(text)
        except ValueError:
            return None, ("invalid_json", "The frame is not valid JSON.")
        if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
            return None, ("invalid_frame", "A frame is a JSON object with a string `type`.")
        if raw["type"] not in protocol.CLIENT_TYPES:
            return raw, ("unknown_type", f"Unknown frame type {raw['type'][:64]!r}.")
        try:
            return protocol.client_frame.validate_python(raw), None
        except ValidationError as exc:
            return raw, ("invalid_frame", _describe(exc))

    # --- handlers, one per client frame type --------------------------------------------------

    async def handle_hello(self, frame: protocol.Hello) -> None:
        if self.greeter is not None:
            self.greeter.cancel()
        first, last = await db(events.log_bounds)(self.session.pk)
        missing_start = first > frame.resume_from + 1 and frame.resume_from < last
        if frame.resume_from > last or missing_start:
            await self.greet_with_state()
            reason = "is ahead of this session's log" if frame.resume_from > last else "is older than the log keeps"
            await self.error("resume_unavailable", f"resume_from {frame.resume_from} {reason}; "
                             "a fresh session.state was sent instead.", in_reply_to="hello")
            return
        await self.replay(frame.resume_from)

    async def handle_ping(self, frame: protocol.Ping) -> None:
        await self.send(text_data=json.dumps({**frame.model_dump(), "type": "pong"}))

    async def handle_user_message(self, frame: protocol.UserMessage) -> None:
        if not await self._can_start_turn(frame.client_id, llm=True):
            return
        turn = turns.Turn(self.session.pk, self.scope["user"].pk, turns.new_turn_id(), frame.client_id,
                          message=frame.text)
        try:
            received = await turns.receive(turn, self.session)
        except DomainError as exc:
            await self.error(exc.code, exc.detail, in_reply_to=frame.client_id)
            return
        if not received:
            await self.error("duplicate_message", f"Message {frame.client_id!r} was already received; its reply "
                             "is in the session's events.", in_reply_to=frame.client_id)
            return
        self._run(turn, turns.lesson_body("user_message"))

    async def handle_next(self, frame: protocol.Next) -> None:
        await self._lesson_turn("next", "next")

    async def handle_help(self, frame: protocol.Help) -> None:
        await self._lesson_turn("help", "help", help_mode=frame.mode)

    async def handle_board_click(self, frame: protocol.BoardClick) -> None:
        """A click on an option of a question drawn on the board answers it; any other
        object becomes a question about that object, through the orchestration policy."""
        option = await db(clicked_option)(self.session, frame.object_id)
        if option is not None and option[0].isdigit():
            await self._answer(int(option[0]), option_index=option[1], text=None, in_reply_to="board.click")
            return
        message = f"I clicked on the board object {frame.object_id!r}: tell me about it."
        await self._lesson_turn("board.click", "user_message", message=message)

    async def _lesson_turn(self, in_reply_to: str, trigger: str, *, help_mode: str | None = None,
                           message: str = "") -> None:
        if not await self._can_start_turn(in_reply_to, llm=True):
            return
        turn = turns.Turn(self.session.pk, self.scope["user"].pk, turns.new_turn_id(), in_reply_to, message=message)
        await self._start(turn, turns.lesson_body(trigger, help_mode=help_mode))

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
        if not await self._can_start_turn(in_reply_to, llm=question.kind == "free"):
            return
        turn = turns.Turn(self.session.pk, self.scope["user"].pk, turns.new_turn_id(), in_reply_to)
        await self._start(turn, turns.answer_body(question, option_index=option_index, text=text))

    async def handle_pace(self, frame: protocol.Pace) -> None:
        if not await self._can_start_turn("pace", llm=False):
            return
        turn = turns.Turn(self.session.pk, self.scope["user"].pk, turns.new_turn_id(), "pace")
        await self._start(turn, turns.pace_body(frame.value))

    async def handle_cancel(self, frame: protocol.Cancel) -> None:
        if self.turn is None or self.turn.done() or frame.turn_id != self.turn_id:
            await self.error("no_such_turn", f"Turn {frame.turn_id!r} is not running on this connection.",
                             in_reply_to="cancel", turn_id=frame.turn_id)
            return
        self.turn.cancel()  # the turn stores its partial text and answers with turn.completed (cancelled)

    async def handle_session_end(self, frame: protocol.SessionEnd) -> None:
        if self.turn is not None and not self.turn.done():
            self.turn.cancel()
            await asyncio.wait([self.turn], timeout=CANCEL_GRACE_SECONDS)
        self.session = await events.act(_ended, self.session)

    # --- turns ---------------------------------------------------------------------------

    async def _can_start_turn(self, in_reply_to: str, *, llm: bool) -> bool:
        """What this connection knows; whether the session is still active is checked by the
        turn's first write (it may have been ended over the API or on another socket)."""
        if self.turn is not None and not self.turn.done():
            await self.error("turn_in_progress", "The tutor is still answering; wait for turn.completed or "
                             "cancel it.", in_reply_to=in_reply_to, retryable=True, turn_id=self.turn_id)
            return False
        if llm and not await limits.take_llm_turn(self.scope["user"].pk):
            await self.error("turn_rate_limited", f"More than {limits.LLM_TURNS_PER_MINUTE} tutor turns this "
                             "minute; try again in a moment.", in_reply_to=in_reply_to, retryable=True)
            return False
        return True

    async def _start(self, turn: turns.Turn, body: turns.Body) -> None:
        """Store the turn's turn.started, then run it; an ended session gets an error instead."""
        try:
            await events.act(actions.start_turn, self.session, turn_id=turn.turn_id, in_reply_to=turn.in_reply_to)
        except DomainError as exc:
            await self.error(exc.code, exc.detail, in_reply_to=turn.in_reply_to)
            return
        self._run(turn, body)

    def _run(self, turn: turns.Turn, body: turns.Body) -> None:
        """Run a turn whose turn.started is stored in its own task, so cancel and ping still work."""
        self.turn_id = turn.turn_id
        self.turn = asyncio.create_task(turns.run(turn, body))
        metrics.TURNS.inc()
        metrics.TURNS_RUNNING.inc()
        self.turn.add_done_callback(lambda _: metrics.TURNS_RUNNING.dec())


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
