"""The orchestration policy: the lesson's state machine, decided from typed state (no database)."""
from __future__ import annotations

import itertools

import pytest

from agents_app.policy import (
    TRANSITIONS, Action, Effect, Event, Stage, TutorState, decide, explanations_before_question,
)

S, E, A, F = Stage, Event, Action, Effect


def step(stage: Stage, event: Event, **state) -> tuple[Action, Stage, Effect]:
    decision = decide(TutorState(stage=stage, event=event, **state))
    return decision.action, decision.stage, decision.effect


@pytest.mark.parametrize(("stage", "event", "state", "expected"), [
    (S.TEACH, E.NEXT, {}, (A.EXPLAIN, S.TEACH, F.NONE)),
    (S.TEACH, E.NEXT, dict(explanations_since_question=1), (A.ASK_QUESTION, S.CHECK, F.NONE)),
    (S.TEACH, E.NEXT, dict(has_concept=False), (A.SUMMARY, S.ENDED, F.NONE)),
    (S.TEACH, E.NO_QUESTION, {}, (A.MOVE_ON, S.TEACH, F.ADVANCE)),
    (S.CHECK, E.RIGHT, {}, (A.GIVE_FEEDBACK, S.TEACH, F.ADVANCE)),
    (S.CHECK, E.WRONG, {}, (A.GIVE_FEEDBACK, S.SIMPLER, F.NONE)),
    (S.CHECK, E.NEXT, {}, (A.SKIP_QUESTION, S.SIMPLER, F.NONE)),
    (S.CHECK, E.HELP, dict(help_mode="stuck"), (A.HINT, S.CHECK, F.NONE)),
    (S.SIMPLER, E.NEXT, {}, (A.HELP_SIMPLER, S.EXAMPLE, F.NONE)),
    (S.SIMPLER, E.NEXT, dict(retry_askable=False), (A.HELP_SIMPLER, S.TEACH, F.REVIEW_LATER)),
    (S.EXAMPLE, E.NEXT, {}, (A.EXAMPLE, S.RETRY, F.NONE)),
    (S.RETRY, E.NEXT, {}, (A.ASK_QUESTION, S.RECHECK, F.NONE)),
    (S.RETRY, E.NO_QUESTION, {}, (A.MOVE_ON, S.TEACH, F.REVIEW_LATER)),
    (S.RECHECK, E.RIGHT, {}, (A.GIVE_FEEDBACK, S.TEACH, F.ADVANCE)),
    (S.RECHECK, E.WRONG, {}, (A.GIVE_FEEDBACK, S.TEACH, F.REVIEW_LATER)),
    (S.RECHECK, E.NEXT, {}, (A.SKIP_QUESTION, S.TEACH, F.REVIEW_LATER)),
    (S.ENDED, E.NEXT, {}, (A.REVIEW, S.TEACH, F.START_REVIEW)),
])
def test_each_transition_of_the_lesson(stage, event, state, expected):
    assert step(stage, event, **state) == expected


@pytest.mark.parametrize(("mode", "action"), [
    ("stuck", A.HELP_STUCK), ("example", A.EXAMPLE), ("simpler", A.HELP_SIMPLER),
])
def test_each_help_mode_does_what_it_says(mode, action):
    assert step(S.TEACH, E.HELP, help_mode=mode) == (action, S.TEACH, F.NONE)


def test_help_in_the_remedial_stages_counts_as_their_step_so_it_never_delays_the_question():
    assert step(S.SIMPLER, E.HELP, help_mode="simpler")[1:] == (S.EXAMPLE, F.NONE)
    assert step(S.SIMPLER, E.HELP, help_mode="example")[1:] == (S.RETRY, F.NONE)
    assert step(S.EXAMPLE, E.HELP, help_mode="example")[1:] == (S.RETRY, F.NONE)


def test_a_message_is_answered_and_the_lesson_stays_where_it_is():
    for stage in Stage:
        assert step(stage, E.MESSAGE) == (A.EXPLAIN, stage, F.NONE)


def test_a_learner_who_always_misses_reaches_a_question_within_four_turns_and_moves_on():
    """From a missed question: simpler, example, a new easier question, and after a second
    miss the concept is left for review; never a loop."""
    stage, turns = S.CHECK, []
    for event in (E.WRONG, E.NEXT, E.NEXT, E.NEXT, E.WRONG):
        decision = decide(TutorState(stage=stage, event=event))
        turns.append(decision.action)
        stage = decision.stage
    assert turns == [A.GIVE_FEEDBACK, A.HELP_SIMPLER, A.EXAMPLE, A.ASK_QUESTION, A.GIVE_FEEDBACK]
    assert stage is S.TEACH and decide(TutorState(stage=S.RECHECK, event=E.WRONG)).effect is F.REVIEW_LATER


def test_a_miss_with_no_new_question_left_moves_on_after_the_simpler_explanation():
    """A worked example would make the feedback, the simpler explanation, the example and the
    next concept's explanation four turns without a question."""
    missed = decide(TutorState(stage=S.CHECK, event=E.WRONG))
    simpler = decide(TutorState(stage=missed.stage, event=E.NEXT, retry_askable=False))
    after = decide(TutorState(stage=simpler.stage, event=E.NEXT))
    assert [missed.action, simpler.action, after.action] == [A.GIVE_FEEDBACK, A.HELP_SIMPLER, A.EXPLAIN]
    assert simpler.effect is F.REVIEW_LATER


def test_the_easier_question_is_easy():
    assert decide(TutorState(stage=S.RETRY, event=E.NEXT, concept_mastery=0.9, pace=1.5)).difficulty == "easy"


def test_every_stage_has_a_way_forward_on_next():
    """No stage can trap the learner: `next` is defined everywhere and never stays put on a
    waiting question."""
    for stage, concept, explained in itertools.product(Stage, (True, False), (0, 1, 2)):
        decision = decide(TutorState(stage=stage, event=E.NEXT, has_concept=concept,
                                     explanations_since_question=explained))
        assert decision.action is not A.HINT
    assert all((stage, E.NEXT) in TRANSITIONS for stage in Stage)


def test_pace_sets_how_much_is_explained_before_a_question():
    assert [explanations_before_question(p) for p in (0.5, 1.0, 1.5)] == [2, 1, 1]
    slow = TutorState(stage=S.TEACH, event=E.NEXT, pace=0.5, explanations_since_question=1)
    assert decide(slow).action is A.EXPLAIN
    # A concept nothing can be asked about is explained once, whatever the pace: a second
    # explanation and then the next concept's would make four turns without a question.
    assert decide(slow.model_copy(update={"askable": False})).action is A.ASK_QUESTION


def test_the_fourth_lesson_turn_without_a_question_asks_one_whatever_the_pace():
    """A pace slowed between turns (after a feedback, an explanation and a concept moved past
    with nothing to ask) must not bring a fourth lesson turn without a question."""
    slowed = TutorState(stage=S.TEACH, event=E.NEXT, pace=0.75, explanations_since_question=1,
                        lesson_turns_since_question=4)
    assert decide(slowed).action is A.ASK_QUESTION
    assert decide(slowed.model_copy(update={"lesson_turns_since_question": 3})).action is A.EXPLAIN
    # A concept not explained yet is explained first, however long since the last question.
    assert decide(slowed.model_copy(update={"explanations_since_question": 0})).action is A.EXPLAIN


def test_the_decision_carries_a_difficulty_from_mastery_and_pace():
    assert decide(TutorState(event=E.NEXT, concept_mastery=0.1)).difficulty == "easy"
    assert decide(TutorState(event=E.NEXT, concept_mastery=0.8, pace=1.2)).difficulty == "hard"


def test_an_impossible_transition_and_invalid_state_are_refused():
    with pytest.raises(ValueError):
        decide(TutorState(stage=S.TEACH, event=E.RIGHT))
    with pytest.raises(ValueError):
        TutorState(event=E.NEXT, pace=3.0)


def test_a_context_stored_by_the_earlier_policy_still_loads_into_the_first_stage():
    from sessions_app.context import TutorContext

    old = TutorContext.model_validate({"pace": 1.5, "consecutive_wrong": 2, "questions_on_objective": 6})
    assert old.stage is S.TEACH and old.pace == 1.5 and old.concept() is None
