"""Shared contracts of the AI core: inputs, agent outputs and teacher-turn events.

Agent outputs forbid extra keys (they double as strict JSON schemas for the model) and
carry an `offline` flag that is left out of the schema the model sees. Checks that need
the call's inputs (which chunks exist) read them from the pydantic validation context.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from agents_app.mastery import Difficulty
from agents_app.text import normalise

OFFLINE_LABEL = "offline mode"

ShortText = Annotated[str, Field(min_length=1, max_length=300)]
LongText = Annotated[str, Field(min_length=1, max_length=4000)]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChunkRef(BaseModel):
    """A passage of a learner's document, as the AI core sees it."""

    chunk_id: int
    document_id: int
    order: int
    text: str
    page: int | None = None
    section: str = ""


def _known_chunk_ids(info: ValidationInfo) -> set[int] | None:
    chunks = (info.context or {}).get("chunks")
    return None if chunks is None else {c.chunk_id for c in chunks}


# --- Analysis ----------------------------------------------------------------------


class Concept(Strict):
    name: ShortText
    definition: LongText
    importance: int = Field(ge=1, le=5)
    source_chunk_ids: list[int] = Field(min_length=1)

    @field_validator("source_chunk_ids")
    @classmethod
    def _cites_known_chunks(cls, ids: list[int], info: ValidationInfo) -> list[int]:
        known = _known_chunk_ids(info)
        unknown = sorted(set(ids) - known) if known is not None else []
        if unknown:
            raise ValueError(f"source_chunk_ids {unknown} are not among the given passages")
        return ids


class KeyTerm(Strict):
    term: ShortText
    definition: LongText


class AnalysisResult(Strict):
    summary: LongText
    concepts: list[Concept] = Field(min_length=1)
    key_terms: list[KeyTerm]
    suggested_difficulty: Difficulty
    offline: SkipJsonSchema[bool] = False


# --- Planning ----------------------------------------------------------------------


class Objective(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9\-]{0,63}$")]
    title: ShortText
    description: LongText
    concepts: list[ShortText] = Field(min_length=1)
    prerequisites: list[str]
    estimated_minutes: int = Field(ge=1, le=240)


class LessonSection(Strict):
    title: ShortText
    objectives: list[Objective] = Field(min_length=1)


class PlanResult(Strict):
    title: ShortText
    description: LongText
    sections: list[LessonSection] = Field(min_length=1)
    offline: SkipJsonSchema[bool] = False

    @model_validator(mode="after")
    def _objectives_are_consistent(self) -> PlanResult:
        seen: set[str] = set()
        for objective in self.objectives():
            if objective.id in seen:
                raise ValueError(f"objective id {objective.id!r} is used twice")
            missing = [p for p in objective.prerequisites if p not in seen]
            if missing:
                raise ValueError(f"objective {objective.id!r} requires {missing}, which do not come before it")
            seen.add(objective.id)
        return self

    def objectives(self) -> list[Objective]:
        return [o for section in self.sections for o in section.objectives]

    @property
    def estimated_minutes(self) -> int:
        return sum(o.estimated_minutes for o in self.objectives())


class FocusObjective(Strict):
    objective_id: str
    title: ShortText
    concepts: list[str]
    difficulty: Difficulty
    position: int = Field(ge=0, description="Index of the objective in plan order.")


# --- Quizzes and grading -------------------------------------------------------------


class QuizQuestion(Strict):
    kind: Literal["mcq", "free"]
    prompt: LongText
    options: list[ShortText]
    correct_index: int | None
    reference_answer: str
    rubric: list[ShortText]
    concept: ShortText
    chunk_id: int
    quote: LongText
    difficulty: Difficulty
    offline: SkipJsonSchema[bool] = False

    @model_validator(mode="after")
    def _well_formed(self, info: ValidationInfo) -> QuizQuestion:
        if self.kind == "mcq":
            _check_mcq(self)
        elif self.options or self.correct_index is not None or not self.reference_answer.strip() or not self.rubric:
            raise ValueError("a free-response question has no options, a reference answer and a rubric")
        chunks = (info.context or {}).get("chunks")
        if chunks is not None:
            _check_citation(self, chunks)
        return self


def _check_mcq(q: QuizQuestion) -> None:
    if not 3 <= len(q.options) <= 6:
        raise ValueError("a multiple-choice question has 3 to 6 options")
    if len({normalise(o) for o in q.options}) != len(q.options):
        raise ValueError("multiple-choice options must be distinct")
    if q.correct_index is None or not 0 <= q.correct_index < len(q.options):
        raise ValueError("correct_index must point at exactly one of the options")


def _check_citation(q: QuizQuestion, chunks: list[ChunkRef]) -> None:
    chunk = next((c for c in chunks if c.chunk_id == q.chunk_id), None)
    if chunk is None:
        raise ValueError(f"chunk_id {q.chunk_id} is not among the given passages")
    if normalise(q.quote) not in normalise(chunk.text):
        raise ValueError(f"quote is not a verbatim sentence of chunk {q.chunk_id}")


class QuizResult(Strict):
    title: ShortText
    questions: list[QuizQuestion] = Field(min_length=1)
    offline: SkipJsonSchema[bool] = False

    @field_validator("questions")
    @classmethod
    def _no_duplicates(cls, questions: list[QuizQuestion]) -> list[QuizQuestion]:
        prompts = [normalise(q.prompt) for q in questions]
        if len(set(prompts)) != len(prompts):
            raise ValueError("questions must not repeat")
        return questions


class GradeResult(Strict):
    correct: bool
    score: Probability
    feedback: LongText
    missing_points: list[str]
    correct_option_index: SkipJsonSchema[int | None] = None
    offline: SkipJsonSchema[bool] = False


# --- Session analysis ---------------------------------------------------------------


class TranscriptTurn(BaseModel):
    role: Literal["learner", "tutor"]
    text: str
    kind: str = "message"


class ConceptChange(Strict):
    concept: ShortText
    before: Probability
    after: Probability


class SessionStats(BaseModel):
    """What the session analyzer is told besides the transcript (computed by the caller)."""

    duration_seconds: int = 0
    questions_asked: int = 0
    questions_correct: int = 0
    help_requests: int = 0
    concept_changes: list[ConceptChange] = []


class SessionAnalysisResult(Strict):
    summary: LongText
    effectiveness: int = Field(ge=0, le=100)
    strengths: list[ShortText]
    gaps: list[ShortText]
    concept_changes: list[ConceptChange]
    recommendations: list[ShortText] = Field(min_length=1)
    offline: SkipJsonSchema[bool] = False


# --- Teacher turn -------------------------------------------------------------------


class Citation(BaseModel):
    document_id: int
    chunk_id: int
    page: int | None
    quote: str


class TeacherDelta(BaseModel):
    type: Literal["text.delta"] = "text.delta"
    text: str


class ToolCallStarted(BaseModel):
    type: Literal["tool.started"] = "tool.started"
    call_id: str
    name: str
    arguments: dict[str, Any]


class ToolCallResult(BaseModel):
    type: Literal["tool.result"] = "tool.result"
    call_id: str
    name: str
    ok: bool
    result: Any = None
    error: str | None = None


class TeacherCompleted(BaseModel):
    type: Literal["turn.completed"] = "turn.completed"
    text: str
    citations: list[Citation]
    offline: bool = False


class TeacherFailed(BaseModel):
    type: Literal["turn.failed"] = "turn.failed"
    partial_text: str
    code: str
    message: str
    retryable: bool


TeacherEvent = Annotated[
    TeacherDelta | ToolCallStarted | ToolCallResult | TeacherCompleted | TeacherFailed, Field(discriminator="type")
]
