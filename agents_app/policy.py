"""The orchestration policy: the lesson as a small state machine, in plain Python (no model).

The lesson teaches the plan's concepts one at a time, in the documents' order. `Stage` says
where it is on the concept in focus, `Event` what just happened, and TRANSITIONS, the one
table of the machine, which teaching move comes next and which stage follows. A concept is
explained, then checked with a question; a miss brings a simpler explanation, a worked
example and a new, easier question (the simpler explanation alone when the documents give no
new question); a second miss marks the concept for review and the lesson moves on. Whatever
the pace, the fourth lesson turn without a question asks one (`question_due`). So every
`next` makes progress and no concept can trap the learner. After the last concept comes the
summary; `next` after it starts a review of the weakest concepts.

The tutor socket builds a TutorState from the session, acts on the Decision (the action,
then its effect on the plan position) and stores the new stage.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from agents_app.mastery import Difficulty, choose_difficulty

HelpMode = Literal["stuck", "example", "simpler"]


class Stage(StrEnum):
    TEACH = "teach"  # explaining the concept in focus
    CHECK = "check"  # a question on it waits for an answer
    SIMPLER = "simpler"  # it was missed: a simpler explanation comes next
    EXAMPLE = "example"  # then a worked example from the documents
    RETRY = "retry"  # then a new, easier question
    RECHECK = "recheck"  # the easier question waits for an answer
    ENDED = "ended"  # the plan is done and summed up; `next` starts a review


class Event(StrEnum):
    NEXT = "next"
    HELP = "help"
    MESSAGE = "message"  # the learner asked something (or clicked the board)
    RIGHT = "right"  # the pending question was answered right
    WRONG = "wrong"
    NO_QUESTION = "no_question"  # the documents give no (new) question on the concept


class Action(StrEnum):
    EXPLAIN = "explain"
    ASK_QUESTION = "ask_question"
    GIVE_FEEDBACK = "give_feedback"
    HINT = "hint"  # help while a question waits: a hint towards its answer
    HELP_STUCK = "help_stuck"  # one smaller step with a hint
    HELP_SIMPLER = "help_simpler"  # the shortest definition and one supporting sentence
    EXAMPLE = "example"  # an example sentence from the documents
    SKIP_QUESTION = "skip_question"  # `next` over a waiting question: show its answer
    MOVE_ON = "move_on"  # apply the effect, then decide again (no turn of its own)
    SUMMARY = "summary"  # the end of the plan
    REVIEW = "review"  # start reviewing the weakest concepts, then decide again


class Effect(StrEnum):
    NONE = "none"
    ADVANCE = "advance"  # the concept is done: on to the next one of the plan
    REVIEW_LATER = "review_later"  # not mastered after its tries: marked for review, then advance
    START_REVIEW = "start_review"  # the weakest concepts become the concepts to teach


class TutorState(BaseModel):
    stage: Stage = Stage.TEACH
    event: Event
    help_mode: HelpMode | None = None
    has_concept: bool = Field(True, description="A concept of the plan is left to teach.")
    concept_mastery: float = Field(0.0, ge=0.0, le=1.0)
    pace: float = Field(1.0, ge=0.5, le=1.5)
    explanations_since_question: int = Field(0, ge=0)
    lesson_turns_since_question: int = Field(0, ge=0, description=(
        "Lesson turns (replies to `next` or to an answer) since the last question, this one included."))
    askable: bool = Field(True, description="The documents give a sentence to ask about the concept in focus.")
    retry_askable: bool = Field(True, description=(
        "A new, easier question on the concept in focus can be made (none asked before says the same)."))


class Decision(BaseModel):
    action: Action
    stage: Stage
    effect: Effect
    difficulty: Difficulty
    reason: str


QUESTION_EVERY = 4  # SPEC 6: while concepts remain, a question at least every four lesson turns


def explanations_before_question(pace: float) -> int:
    """A slow pace explains twice before checking; the normal and fast paces once (a miss
    brings its own extra explanations)."""
    return 2 if pace < 0.8 else 1


# --- guards: named conditions a transition may depend on ---------------------------------

Guard = Callable[[TutorState], bool]


def always(_: TutorState) -> bool:
    return True


def plan_done(s: TutorState) -> bool:
    return not s.has_concept


def explained_enough(s: TutorState) -> bool:
    """Explained as often as the pace wants; once is enough for a concept nothing can be asked
    about (a second explanation would only delay the next question)."""
    return s.explanations_since_question >= explanations_before_question(s.pace) or (
        s.explanations_since_question >= 1 and not s.askable)


def question_due(s: TutorState) -> bool:
    """This turn would be the fourth lesson turn without a question, and the concept in focus
    has been explained: check it now, whatever the pace (a pace changed between turns, or a
    concept moved past with nothing to ask, would otherwise stretch the gap)."""
    return s.lesson_turns_since_question >= QUESTION_EVERY and s.explanations_since_question >= 1


def no_retry_question(s: TutorState) -> bool:
    return not s.retry_askable


def wants_example(s: TutorState) -> bool:
    return s.help_mode == "example"


def wants_simpler(s: TutorState) -> bool:
    return s.help_mode == "simpler"


@dataclass(frozen=True)
class Step:
    guard: Guard
    action: Action
    stage: Stage | None  # None: stay in the current stage
    effect: Effect = Effect.NONE
    reason: str = ""


def _help(stage: Stage | None, after_example: Stage | None = None) -> list[Step]:
    """A help request does what its mode says; in the remedial stages it also counts as that
    stage's step, so help never delays the easier question."""
    return [
        Step(wants_example, Action.EXAMPLE, after_example or stage, reason="the learner asked for an example"),
        Step(wants_simpler, Action.HELP_SIMPLER, stage, reason="the learner asked for it simpler"),
        Step(always, Action.HELP_STUCK, stage, reason="the learner is stuck: one smaller step"),
    ]


S, E, A, F = Stage, Event, Action, Effect

# The machine: for each (stage, event), the first step whose guard holds. A pair that is
# not listed cannot happen (answers only come while a question waits).
TRANSITIONS: dict[tuple[Stage, Event], list[Step]] = {
    (S.TEACH, E.NEXT): [
        Step(plan_done, A.SUMMARY, S.ENDED, reason="every concept of the plan is done"),
        Step(explained_enough, A.ASK_QUESTION, S.CHECK, reason="explained at this pace: check understanding"),
        Step(question_due, A.ASK_QUESTION, S.CHECK, reason="four lesson turns since the last question: check now"),
        Step(always, A.EXPLAIN, None, reason="continue the lesson"),
    ],
    (S.TEACH, E.NO_QUESTION): [Step(always, A.MOVE_ON, S.TEACH, F.ADVANCE, "no question source: taught, move on")],
    (S.TEACH, E.HELP): _help(None),
    (S.CHECK, E.RIGHT): [Step(always, A.GIVE_FEEDBACK, S.TEACH, F.ADVANCE, "answered right: next concept")],
    (S.CHECK, E.WRONG): [Step(always, A.GIVE_FEEDBACK, S.SIMPLER, reason="missed: remediate")],
    (S.CHECK, E.NEXT): [Step(always, A.SKIP_QUESTION, S.SIMPLER, reason="question skipped: show the answer")],
    (S.CHECK, E.HELP): [Step(always, A.HINT, None, reason="help with the waiting question")],
    (S.SIMPLER, E.NEXT): [
        # Without an easier question to end on, an example would be the fourth turn without one.
        Step(no_retry_question, A.HELP_SIMPLER, S.TEACH, F.REVIEW_LATER,
             "struggling, no new question left: a simpler explanation, then review later"),
        Step(always, A.HELP_SIMPLER, S.EXAMPLE, reason="struggling: a simpler explanation"),
    ],
    (S.SIMPLER, E.HELP): _help(S.EXAMPLE, after_example=S.RETRY),
    (S.EXAMPLE, E.NEXT): [Step(always, A.EXAMPLE, S.RETRY, reason="struggling: a worked example")],
    (S.EXAMPLE, E.HELP): _help(None, after_example=S.RETRY),
    (S.RETRY, E.NEXT): [Step(always, A.ASK_QUESTION, S.RECHECK, reason="a new, easier question")],
    (S.RETRY, E.NO_QUESTION): [Step(always, A.MOVE_ON, S.TEACH, F.REVIEW_LATER, "no new question: review later")],
    (S.RETRY, E.HELP): _help(None),
    (S.RECHECK, E.RIGHT): [Step(always, A.GIVE_FEEDBACK, S.TEACH, F.ADVANCE, "right at the second try")],
    (S.RECHECK, E.WRONG): [Step(always, A.GIVE_FEEDBACK, S.TEACH, F.REVIEW_LATER, "missed twice: review later")],
    (S.RECHECK, E.NEXT): [Step(always, A.SKIP_QUESTION, S.TEACH, F.REVIEW_LATER, "skipped twice: review later")],
    (S.RECHECK, E.HELP): [Step(always, A.HINT, None, reason="help with the waiting question")],
    (S.ENDED, E.NEXT): [Step(always, A.REVIEW, S.TEACH, F.START_REVIEW, "after the summary: review the weakest")],
    (S.ENDED, E.HELP): _help(None),
}


def decide(state: TutorState) -> Decision:
    step = _step(state)
    difficulty = "easy" if step.stage is Stage.RECHECK else choose_difficulty(state.concept_mastery, state.pace)
    return Decision(action=step.action, stage=step.stage or state.stage, effect=step.effect, difficulty=difficulty,
                    reason=step.reason)


def _step(state: TutorState) -> Step:
    if state.event is Event.MESSAGE:  # answering the learner never moves the lesson
        return Step(always, Action.EXPLAIN, None, reason="the learner asked something")
    steps = TRANSITIONS.get((state.stage, state.event))
    if steps is None:
        raise ValueError(f"no transition from {state.stage} on {state.event}")
    return next(step for step in steps if step.guard(state))
