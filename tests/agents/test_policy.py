"""The orchestration policy decides each turn's action from typed state."""
from __future__ import annotations

import pytest

from agents_app.policy import Action, TutorState, decide, explanations_before_question


@pytest.mark.parametrize(("state", "action"), [
    (dict(trigger="answer", pending_question=True), Action.GIVE_FEEDBACK),
    (dict(trigger="help", help_mode="example"), Action.EXAMPLE),
    (dict(trigger="help", help_mode="stuck"), Action.HELP_SIMPLER),
    (dict(trigger="help", help_mode="simpler"), Action.HELP_SIMPLER),
    (dict(trigger="user_message", pending_question=True), Action.EXPLAIN),
    (dict(trigger="start"), Action.EXPLAIN),
    (dict(trigger="next", focus_mastery=0.96), Action.REPLAN),
    (dict(trigger="next", has_focus=False), Action.MOVE_ON),
    (dict(trigger="next", pending_question=True), Action.ASK_QUESTION),
    (dict(trigger="next", consecutive_wrong=2), Action.HELP_SIMPLER),
    (dict(trigger="next", explanations_since_question=2), Action.ASK_QUESTION),
    (dict(trigger="next", explanations_since_question=1), Action.EXPLAIN),
    (dict(trigger="next", questions_on_objective=6, plan_position=0, plan_length=3), Action.MOVE_ON),
    (dict(trigger="next", questions_on_objective=6, plan_position=2, plan_length=3), Action.HELP_SIMPLER),
])
def test_it_picks_the_action_for_the_state(state, action):
    assert decide(TutorState(**state)).action == action


def test_pace_sets_how_much_is_explained_before_a_question():
    assert [explanations_before_question(p) for p in (0.5, 1.0, 1.5)] == [4, 2, 1]
    slow = TutorState(trigger="next", pace=0.5, explanations_since_question=2)
    fast = TutorState(trigger="next", pace=1.5, explanations_since_question=1)
    assert decide(slow).action == Action.EXPLAIN and decide(fast).action == Action.ASK_QUESTION


def test_the_decision_carries_a_difficulty_from_mastery_and_pace():
    assert decide(TutorState(trigger="next", focus_mastery=0.1)).difficulty == "easy"
    assert decide(TutorState(trigger="next", focus_mastery=0.8, pace=1.2)).difficulty == "hard"


def test_invalid_state_is_refused():
    with pytest.raises(ValueError):
        TutorState(trigger="next", pace=3.0)
