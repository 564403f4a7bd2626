"""Mastery maths: Bayesian Knowledge Tracing per concept, difficulty choice.

Pure functions over floats so the tutor socket, the quiz endpoints and the planner share them.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

Difficulty = Literal["easy", "medium", "hard"]

MASTERED = 0.95  # the customary BKT mastery threshold


@dataclass(frozen=True)
class BKTParams:
    prior: float = 0.2  # P(L0): known before any practice
    learn: float = 0.15  # P(T): learnt at each opportunity
    slip: float = 0.1  # P(S): wrong although known
    guess: float = 0.25  # P(G): right although not known (a blind pick among 3-6 options, typically 4)

    def __post_init__(self) -> None:
        for name in ("prior", "learn", "slip", "guess"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"BKT {name} must be within [0, 1], got {value}")
        if self.slip + self.guess >= 1.0:
            raise ValueError("BKT slip + guess must stay below 1, or answers carry no information")


DEFAULT_BKT = BKTParams()


def posterior(p_known: float, correct: bool, params: BKTParams = DEFAULT_BKT) -> float:
    """P(known | this answer), before the learning step."""
    if correct:
        hit = p_known * (1 - params.slip)
        return hit / (hit + (1 - p_known) * params.guess)
    miss = p_known * params.slip
    return miss / (miss + (1 - p_known) * (1 - params.guess))


def update(p_known: float, correct: bool, params: BKTParams = DEFAULT_BKT) -> float:
    """P(known) after one answer: condition on the evidence, then allow for learning."""
    p = posterior(p_known, correct, params)
    return p + (1 - p) * params.learn


def p_correct(p_known: float, params: BKTParams = DEFAULT_BKT) -> float:
    """Probability that the next answer is correct."""
    return p_known * (1 - params.slip) + (1 - p_known) * params.guess


def is_mastered(p_known: float) -> bool:
    return p_known >= MASTERED


# The grid the refit searches. Slip and guess stop at 0.3: above that BKT explains answers by
# carelessness or luck instead of knowledge (its known degenerate fits).
FIT_PRIORS = (0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
FIT_LEARN = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4)
FIT_SLIP = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3)
FIT_GUESS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3)


def log_likelihood(sequences: Sequence[Sequence[bool]], params: BKTParams) -> float:
    """How likely the answer sequences (one per learner, oldest first) are under `params`."""
    total = 0.0
    for answers in sequences:
        p_known = params.prior
        for correct in answers:
            p = p_correct(p_known, params)
            total += math.log(p if correct else 1.0 - p)
            p_known = update(p_known, correct, params)
    return total


def fit(sequences: Sequence[Sequence[bool]]) -> BKTParams:
    """The grid's most likely parameters for these sequences (brute-force BKT fitting); ties
    go to the earlier grid point, so the same history always gives the same parameters."""
    return max(_fit_grid(), key=lambda params: log_likelihood(sequences, params))


def _fit_grid() -> Iterator[BKTParams]:
    for prior, learn, slip, guess in itertools.product(FIT_PRIORS, FIT_LEARN, FIT_SLIP, FIT_GUESS):
        yield BKTParams(prior=prior, learn=learn, slip=slip, guess=guess)


def choose_difficulty(p_known: float, pace: float = 1.0) -> Difficulty:
    """Harder questions as mastery grows; a faster pace (up to 1.5) pushes up, slower pushes down."""
    if not 0.5 <= pace <= 1.5:
        raise ValueError(f"pace must be within [0.5, 1.5], got {pace}")
    level = min(1.0, max(0.0, p_known * pace))
    if level < 0.35:
        return "easy"
    if level < 0.7:
        return "medium"
    return "hard"
