"""BKT against hand-computed values; difficulty from mastery and pace."""
from __future__ import annotations

import pytest

from agents_app.mastery import BKTParams, choose_difficulty, is_mastered, p_correct, posterior, update

PARAMS = BKTParams(prior=0.2, learn=0.15, slip=0.1, guess=0.2)


def test_a_correct_answer_matches_the_hand_computed_update():
    # P(L|correct) = 0.2*0.9 / (0.2*0.9 + 0.8*0.2) = 0.18/0.34; then + (1 - that) * 0.15 = 0.6 exactly.
    assert posterior(0.2, True, PARAMS) == pytest.approx(0.18 / 0.34)
    assert update(0.2, True, PARAMS) == pytest.approx(0.6)


def test_an_incorrect_answer_matches_the_hand_computed_update():
    # P(L|wrong) = 0.2*0.1 / (0.2*0.1 + 0.8*0.8) = 0.02/0.66 = 0.030303; + 0.969697 * 0.15 = 0.175758.
    assert posterior(0.2, False, PARAMS) == pytest.approx(0.02 / 0.66)
    assert update(0.2, False, PARAMS) == pytest.approx(0.1757575758)


def test_three_correct_answers_in_a_row_reach_mastery():
    # 0.2 → 0.6 → 0.54/0.62 + (0.08/0.62)*0.15 = 0.890323 → ≈ 0.977 (mastered at 0.95)
    p = PARAMS.prior
    trail = []
    for _ in range(3):
        p = update(p, True, PARAMS)
        trail.append(p)
    assert trail[:2] == pytest.approx([0.6, 0.8903225806])
    assert not is_mastered(trail[1]) and is_mastered(trail[2])


def test_the_chance_of_a_correct_answer_mixes_slip_and_guess():
    assert p_correct(0.2, PARAMS) == pytest.approx(0.2 * 0.9 + 0.8 * 0.2)


def test_it_rejects_parameters_that_make_answers_meaningless():
    with pytest.raises(ValueError):
        BKTParams(slip=0.6, guess=0.5)
    with pytest.raises(ValueError):
        BKTParams(prior=1.2)


@pytest.mark.parametrize(("p_known", "pace", "expected"), [
    (0.1, 1.0, "easy"), (0.5, 1.0, "medium"), (0.9, 1.0, "hard"),
    (0.5, 1.5, "hard"), (0.5, 0.5, "easy"), (0.9, 0.5, "medium"),
])
def test_difficulty_rises_with_mastery_and_pace(p_known, pace, expected):
    assert choose_difficulty(p_known, pace) == expected


def test_pace_outside_the_protocol_range_is_refused():
    with pytest.raises(ValueError):
        choose_difficulty(0.5, 2.0)
