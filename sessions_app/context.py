"""The tutor context: the typed state a tutor session carries between turns.

Stored in TutorSession.context through TypedJSONField, which validates on every
write, so an invalid context can never reach the database (the earlier version
stored a bare "next" as its last action and could never open the session again).
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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
    # The lesson: its plan, the objective in focus, objectives done, and the counters
    # the orchestration policy reads (agents_app.policy.TutorState).
    plan: PlanResult | None = None
    focus: FocusObjective | None = None
    done_objectives: list[str] = Field(default_factory=list, max_length=500)
    explanations_since_question: int = Field(default=0, ge=0)
    questions_on_objective: int = Field(default=0, ge=0)
    consecutive_wrong: int = Field(default=0, ge=0)
