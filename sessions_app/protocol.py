"""The tutor socket's contract (SPEC 6): every client frame and every server event, once.

The consumer validates each incoming frame into a ClientFrame; the server builds each
outgoing event from a ServerEvent model, so a field-name drift (the earlier version's
`message_text` vs `text`) fails here, in one place. Client frames are strict: wrong
types are not coerced and unknown fields are refused, so a client bug gets an `error`
naming the field instead of being half-understood.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

ClientId = Annotated[str, Field(min_length=1, max_length=64)]
TurnId = Annotated[str, Field(min_length=1, max_length=64)]
MAX_MESSAGE_CHARS = 4000


# --- client → server ---------------------------------------------------------------


class ClientFrame(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Hello(ClientFrame):
    type: Literal["hello"]
    resume_from: int = Field(ge=0)


class UserMessage(ClientFrame):
    type: Literal["user.message"]
    client_id: ClientId
    text: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)


class QuizAnswer(ClientFrame):
    type: Literal["quiz.answer"]
    question_id: int = Field(ge=1)
    option_index: int | None = Field(default=None, ge=0)
    text: str | None = Field(default=None, min_length=1, max_length=MAX_MESSAGE_CHARS)

    @model_validator(mode="after")
    def _one_answer(self) -> QuizAnswer:
        if (self.option_index is None) == (self.text is None):
            raise ValueError("give exactly one of option_index and text")
        return self


class Next(ClientFrame):
    type: Literal["next"]


class Help(ClientFrame):
    type: Literal["help"]
    mode: Literal["stuck", "example", "simpler"]


class Pace(ClientFrame):
    type: Literal["pace"]
    value: float = Field(ge=0.5, le=1.5)


class BoardClick(ClientFrame):
    type: Literal["board.click"]
    object_id: str = Field(min_length=1, max_length=128)


class Cancel(ClientFrame):
    type: Literal["cancel"]
    turn_id: TurnId


class SessionEnd(ClientFrame):
    type: Literal["session.end"]


class Ping(ClientFrame):
    # Any extra fields are echoed back in the pong.
    model_config = ConfigDict(extra="allow", strict=True)
    type: Literal["ping"]


AnyClientFrame = Annotated[
    Hello | UserMessage | QuizAnswer | Next | Help | Pace | BoardClick | Cancel | SessionEnd | Ping,
    Field(discriminator="type"),
]
client_frame = TypeAdapter(AnyClientFrame)
CLIENT_TYPES = frozenset(m.model_fields["type"].annotation.__args__[0] for m in ClientFrame.__subclasses__())


# --- server → client ---------------------------------------------------------------


class ServerEvent(BaseModel):
    """Every server frame but pong, text.delta and presence: `type` first, then its `seq` in
    the session's event log."""

    model_config = ConfigDict(extra="forbid")
    type: str
    seq: int = Field(ge=1)


class Person(BaseModel):
    """Someone in a shared session (SPEC 11), with their role in it."""

    user_id: int
    username: str
    role: Literal["owner", "editor", "viewer"]


class SessionInfo(BaseModel):
    id: int
    status: Literal["active", "ended", "analysed"]
    folder_id: int


class QuestionOut(BaseModel):
    id: int
    kind: Literal["mcq", "free"]
    prompt: str
    options: list[str]
    concept: str


class HistoryItem(BaseModel):
    seq: int
    role: Literal["learner", "tutor", "system"]
    kind: str
    status: Literal["complete", "streaming", "cancelled", "failed"]
    text: str
    turn_id: str
    client_id: str | None
    citations: list[dict[str, Any]]
    board_object_ids: list[str]
    author: Person | None = None  # who wrote a learner message or answer; None for the tutor


class MasteryItem(BaseModel):
    concept: str
    p_known: float
    attempts: int
    correct: int


class SessionState(ServerEvent):
    """A snapshot sent to the one socket that needs it; not stored. Its `seq` and `last_seq`
    are the last event it covers (0 for a session with none yet)."""

    type: Literal["session.state"] = "session.state"
    seq: int = Field(ge=0)
    session: SessionInfo
    focus: dict[str, Any] | None
    plan: dict[str, Any] | None
    mastery: list[MasteryItem]
    pending_question: QuestionOut | None
    history: list[HistoryItem]
    last_seq: int
    role: Literal["owner", "editor", "viewer"]  # the connecting user's
    participants: list[Person]  # connected now, once each, the owner first


class Presence(BaseModel):
    """Who is connected now, sent to every socket of the session when that changes. Not stored
    and without a seq: each one replaces the last."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["presence"] = "presence"
    participants: list[Person]


class TurnStarted(ServerEvent):
    type: Literal["turn.started"] = "turn.started"
    turn_id: str
    in_reply_to: str
    asked_by: Person | None = None  # whose frame started the turn
    text: str | None = None  # the learner's message, for a turn that answers a user.message


class TextDelta(BaseModel):
    """A piece of a running turn's text, starting at `offset` in it. Not stored and without a
    seq: applying by offset is idempotent, and the stored turn.completed has the whole text."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["text.delta"] = "text.delta"
    turn_id: str
    offset: int = Field(ge=0)
    text: str


class CitationOut(BaseModel):
    document_id: int
    chunk_id: int
    page: int | None
    quote: str


class TurnContent(BaseModel):
    model_config = ConfigDict(extra="allow")
    text: str


class TurnCompleted(ServerEvent):
    type: Literal["turn.completed"] = "turn.completed"
    turn_id: str
    status: Literal["complete", "cancelled", "failed"]
    kind: Literal["explanation", "question", "feedback", "message", "summary"]
    content: TurnContent
    citations: list[CitationOut]


class QuestionEvent(ServerEvent):
    type: Literal["question"] = "question"
    turn_id: str
    question: QuestionOut
    board_object_ids: list[str]


class Feedback(ServerEvent):
    type: Literal["feedback"] = "feedback"
    turn_id: str
    question_id: int
    correct: bool
    correct_option_index: int | None
    explanation: str
    author: Person | None = None  # who answered; only the owner's answers move mastery


class MasteryChange(BaseModel):
    concept: str
    before: float
    after: float


class MasteryUpdated(ServerEvent):
    type: Literal["mastery.updated"] = "mastery.updated"
    turn_id: str
    changes: list[MasteryChange]


class BoardUpdated(ServerEvent):
    type: Literal["board.updated"] = "board.updated"
    turn_id: str
    object_ids: list[str]


class DocumentProgress(ServerEvent):
    type: Literal["document.progress"] = "document.progress"
    document_id: int
    stage: str
    percent: int = Field(ge=0, le=100)
    status: str


class Error(ServerEvent):
    """Codes: invalid_json, invalid_frame, unknown_type (the frame); rate_limited (frames per
    second), turn_rate_limited (model turns per minute), turn_in_progress, duplicate_message,
    no_pending_question, invalid_option, invalid_answer, no_such_turn, session_ended,
    resume_unavailable (the socket); a failed turn's agent code (llm_unavailable,
    llm_timeout, llm_stream_broken, llm_rejected, invalid_output, empty_folder, …) or
    internal_error. `retryable` says whether sending the same frame again may work.

    read_only (a viewer's write) and owner_only (a member's session.end) go to the sending
    socket alone and are not stored: their `seq` is null."""

    type: Literal["error"] = "error"
    seq: int | None = Field(ge=1)
    code: str
    message: str
    retryable: bool
    in_reply_to: str | None
    turn_id: str | None = None


class SessionEnded(ServerEvent):
    type: Literal["session.ended"] = "session.ended"
    analysis_status: Literal["queued", "running", "done", "failed"]


class Pong(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: Literal["pong"] = "pong"


AnyServerEvent = Annotated[
    SessionState | TurnStarted | TextDelta | TurnCompleted | QuestionEvent | Feedback | MasteryUpdated
    | BoardUpdated | DocumentProgress | Error | SessionEnded | Presence,
    Field(discriminator="type"),
]
server_event = TypeAdapter(AnyServerEvent)
EVENT_MODELS: dict[str, type[ServerEvent]] = {
    m.model_fields["type"].default: m for m in ServerEvent.__subclasses__()
}

