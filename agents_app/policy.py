"""The orchestration policy: which teaching action comes next, in plain Python (no model).

The tutor socket builds a TutorState from the session (pending question, mastery of the
focus, pace, help requests, plan position) and acts on the Decision.
"""
from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from agents_app.mastery import MASTERED, Difficulty, choose_difficulty

MAX_QUESTIONS_PER_OBJECTIVE = 6  # after this many, move on and come back later rather than trap the learner


class Action(StrEnum):
    EXPLAIN = "explain"
    ASK_QUESTION = "ask_question"
    GIVE_FEEDBACK = "give_feedback"
    HELP_SIMPLER = "help_simpler"
    EXAMPLE = "example"
    MOVE_ON = "move_on"
    REPLAN = "replan"


class TutorState(BaseModel):
    trigger: Literal["start", "user_message", "next", "help", "answer"]
    help_mode: Literal["stuck", "example", "simpler"] | None = None
    pending_question: bool = False
    has_focus: bool = True
    focus_mastery: float = Field(0.0, ge=0.0, le=1.0)
    pace: float = Field(1.0, ge=0.5, le=1.5)
    help_requests: int = Field(0, ge=0, description="On the current objective.")
    consecutive_wrong: int = Field(0, ge=0)
    explanations_since_question: int = Field(0, ge=0)
    questions_on_objective: int = Field(0, ge=0)
    plan_position: int = Field(0, ge=0)
    plan_length: int = Field(1, ge=0)


class Decision(BaseModel):
    action: Action
    difficulty: Difficulty
    reason: str


def explanations_before_question(pace: float) -> int:
    """A slow pace (0.5) explains four times before checking; a fast one (1.5) checks after each."""
    return max(1, min(4, round(2 / pace)))


def decide(state: TutorState) -> Decision:
    action, reason = _choose(state)
    return Decision(action=action, difficulty=choose_difficulty(state.focus_mastery, state.pace), reason=reason)


def _choose(s: TutorState) -> tuple[Action, str]:
    if s.trigger == "answer":
        return Action.GIVE_FEEDBACK, "the learner answered the pending question"
    if s.trigger == "help":
        if s.help_mode == "example":
            return Action.EXAMPLE, "the learner asked for an example"
        return Action.HELP_SIMPLER, f"the learner asked for help ({s.help_mode or 'stuck'})"
    if s.trigger == "user_message":
        return Action.EXPLAIN, "the learner asked something"
    if not s.has_focus:
        return Action.MOVE_ON, "every objective of the plan is done"
    if s.focus_mastery >= MASTERED:
        return Action.REPLAN, "the focus objective is mastered"
    if s.pending_question:
        return Action.ASK_QUESTION, "a question is still waiting for an answer"
    if s.consecutive_wrong >= 2 or s.help_requests >= 2:
        return Action.HELP_SIMPLER, "the learner is struggling"
    if s.questions_on_objective >= MAX_QUESTIONS_PER_OBJECTIVE:
        if s.plan_position + 1 < s.plan_length:
            return Action.MOVE_ON, "many questions without mastery: come back to this later"
        return Action.HELP_SIMPLER, "many questions without mastery on the last objective: simplify"
    if s.explanations_since_question >= explanations_before_question(s.pace):
        return Action.ASK_QUESTION, "enough explanation at this pace: time to check understanding"
    return Action.EXPLAIN, "continue the lesson"
