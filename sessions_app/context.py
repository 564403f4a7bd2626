"""The tutor context: the typed state a tutor session carries between turns.

Stored in TutorSession.context through TypedJSONField, which validates on every
write, so an invalid context can never reach the database (the earlier version
stored a bare "next" as its last action and could never open the session again).
"""
from __future__ import annotations

from typing import Literal

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from agents_app.policy import Stage
from agents_app.schemas import FocusObjective, PlanResult

HistoryRole = Literal["user", "assistant", "tool", "system"]
PedagogicalAction = Literal["explained", "asked", "evaluated", "remediated", "summarised"]


class HistoryEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: HistoryRole
    content: str = Field(max_length=20_000)


class TutorContext(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    interaction_mode: Literal["chat", "chat_and_whiteboard"] = "chat_and_whiteboard"
    focus_objective: str = Field(default="", max_length=500)
    plan_position: int = Field(default=0, ge=0)
    pace: float = Field(default=1.0, ge=0.5, le=1.5)
    pending_question_id: int | None = None
    last_action: PedagogicalAction | None = None
    help_requests: int = Field(default=0, ge=0)
    # The conversation the LLM sees: recent entries verbatim, older ones folded
    # into `summary` so the context stays bounded.
    history: list[HistoryEntry] = Field(default_factory=list, max_length=200)
    summary: str = Field(default="", max_length=20_000)
    # The lesson: its plan, the objective in focus (plan_position) and its concept being
    # taught (concept_position), objectives done, and what the orchestration policy reads
    # (agents_app.policy.TutorState): the stage of its state machine and its counters.
    plan: PlanResult | None = None
    focus: FocusObjective | None = None
    concept_position: int = Field(default=0, ge=0)
    stage: Stage = Stage.TEACH
    done_objectives: list[str] = Field(default_factory=list, max_length=500)
    explanations_since_question: int = Field(default=0, ge=0)
    lesson_turns_since_question: int = Field(default=0, ge=0)  # replies to `next` or an answer, this one included
    hints: int = Field(default=0, ge=0)  # given on the waiting question
    covered: list[str] = Field(default_factory=list, max_length=1000)  # concepts taught, in order
    review_later: list[str] = Field(default_factory=list, max_length=1000)  # not mastered after their tries
    reviewing: bool = False  # the focus is the review after the summary, not an objective of the plan

    @model_validator(mode="before")
    @classmethod
    def _drop_retired(cls, data: Any) -> Any:
        """Counters of the earlier policy, still in stored contexts: read and forgotten."""
        if isinstance(data, dict) and _RETIRED & data.keys():
            return {k: v for k, v in data.items() if k not in _RETIRED}
        return data

    @property
    def on_board(self) -> bool:
        """Whether the tutor teaches on the whiteboard too (fixed when the session starts)."""
        return self.interaction_mode == "chat_and_whiteboard"

    def concept(self) -> str | None:
        """The concept being taught, if any is left."""
        concepts = self.focus.concepts if self.focus else []
        return concepts[self.concept_position] if self.concept_position < len(concepts) else None


_RETIRED = frozenset({"questions_on_objective", "consecutive_wrong"})
