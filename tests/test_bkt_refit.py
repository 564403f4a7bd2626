"""Refitting BKT parameters from answer history: the fit (pure maths) and the nightly refit."""
import random

import pytest
from django.db import transaction
from django_celery_beat.models import PeriodicTask

from agents_app import mastery as bkt
from sessions_app import actions, bkt_refit
from sessions_app.models import ConceptMastery
from sessions_app.tasks import refit_bkt
from tests.support.answers import answer_in_session

TRUE = bkt.BKTParams(prior=0.1, learn=0.3, slip=0.05, guess=0.25)


def test_a_new_concept_starts_from_the_parameters_the_rest_of_the_product_assumes():
    # The concept map, analytics replay and refit fall back to DEFAULT_BKT for a concept
    # without a row; a new row must update mastery with the same parameters.
    fresh = ConceptMastery()
    assert fresh.bkt_params == bkt.DEFAULT_BKT and fresh.p_known == bkt.DEFAULT_BKT.prior


def simulated(learners: int, answers: int, params: bkt.BKTParams, seed: int = 7) -> list[list[bool]]:
    """Answer sequences of learners who learn as BKT says, with `params`."""
    rng, sequences = random.Random(seed), []
    for _ in range(learners):
        known, sequence = rng.random() < params.prior, []
        for _ in range(answers):
            sequence.append(rng.random() > params.slip if known else rng.random() < params.guess)
            known = known or rng.random() < params.learn
        sequences.append(sequence)
    return sequences


def test_the_fit_finds_parameters_that_explain_the_answers_better_than_the_defaults():
    sequences = simulated(60, 6, TRUE)
    fitted = bkt.fit(sequences)
    assert bkt.log_likelihood(sequences, fitted) >= bkt.log_likelihood(sequences, TRUE)
    assert bkt.log_likelihood(sequences, fitted) > bkt.log_likelihood(sequences, bkt.DEFAULT_BKT) + 5
    assert fitted.slip <= 0.1 and fitted.learn >= 0.2 and fitted.prior <= 0.15
    assert bkt.fit(sequences) == fitted  # deterministic


def practise(user, concept: str, sequence: list[bool]) -> None:
    session = actions.start_session(user, actions.create_folder(user, name="Optics"))
    for correct in sequence:
        answer_in_session(session, concept, correct)


@pytest.mark.django_db
def test_the_nightly_refit_stores_the_fit_of_each_well_practised_concept_for_every_learner(
        learner, other_learner, django_user_model):
    sequences = simulated(8, 5, TRUE)
    learners = [learner, other_learner, *(django_user_model.objects.create_user(f"l{i}") for i in range(6))]
    for user, sequence in zip(learners, sequences):
        practise(user, "lenses", sequence)
    practise(learner, "mirrors", [True, False, True])  # too few answers to fit
    p_known = dict(ConceptMastery.objects.values_list("pk", "p_known"))

    assert refit_bkt.delay().get() == 1
    expected = bkt.fit(sequences)
    for row in ConceptMastery.objects.filter(concept="lenses"):
        assert (row.p_init, row.p_learn, row.p_slip, row.p_guess) == (
            expected.prior, expected.learn, expected.slip, expected.guess)
    mirrors = ConceptMastery.objects.get(concept="mirrors")
    assert (mirrors.p_init, mirrors.p_learn, mirrors.p_slip, mirrors.p_guess) == (0.2, 0.15, 0.1, 0.25)
    assert dict(ConceptMastery.objects.values_list("pk", "p_known")) == p_known  # estimates so far stay
    assert refit_bkt.delay().get() == 1 and ConceptMastery.objects.filter(
        concept="lenses", p_learn=expected.learn).count() == 8


@pytest.mark.django_db
def test_the_refitted_parameters_move_the_next_answer(learner):
    practise(learner, "lenses", [False] * 30)
    bkt_refit.refit_concepts()
    row = ConceptMastery.objects.get(concept="lenses")
    params = bkt.BKTParams(prior=row.p_init, learn=row.p_learn, slip=row.p_slip, guess=row.p_guess)
    assert params == bkt.fit([[False] * 30]) != bkt.BKTParams(prior=0.2, learn=0.15, slip=0.1, guess=0.25)
    with transaction.atomic():
        change = actions.update_mastery(learner.pk, row.folder_id, "lenses", True)
    assert change["after"] == pytest.approx(bkt.update(row.p_known, True, params), abs=1e-4)


@pytest.mark.django_db
def test_beat_refits_nightly():
    task = PeriodicTask.objects.get(task="sessions_app.refit_bkt")
    assert task.enabled and (task.crontab.hour, task.crontab.minute) == ("1", "0")
