"""Refitting BKT parameters from answer history (SPEC 8). Folders belong to one learner, so a
concept is pooled across folders by its name: every learner who practised "photosynthesis"
tells how that concept is learnt. A concept with enough answers gets the parameters under
which those answers are most likely; the others keep theirs."""
from __future__ import annotations

from collections import defaultdict

from agents_app import mastery as bkt
from agents_app.answer_history import ConceptKey, concept_answers, concept_key
from sessions_app import actions

MIN_ANSWERS = 30  # fewer answers fit noise
MAX_SEQUENCES = 200  # the most recent learners' sequences per concept: bounds the fit's time


def answer_sequences() -> dict[str, list[list[bool]]]:
    """Per concept name, each learner's answers (per folder) in time order, the newest last."""
    by_concept: dict[str, dict[ConceptKey, list[bool]]] = defaultdict(dict)
    for answer in concept_answers().iterator(chunk_size=2000):
        key = concept_key(answer)
        by_concept[key[2]].setdefault(key, []).append(answer.correct)
    return {concept: list(sequences.values()) for concept, sequences in by_concept.items()}


def refit_concepts(min_answers: int = MIN_ANSWERS) -> dict[str, bkt.BKTParams]:
    """Fit and store the parameters of every concept with at least `min_answers` answers; what was stored."""
    refitted = {}
    for concept, sequences in answer_sequences().items():
        recent = sequences[-MAX_SEQUENCES:]
        if sum(len(answers) for answers in recent) < min_answers:
            continue
        refitted[concept] = bkt.fit(recent)
        actions.set_bkt_params(concept, refitted[concept])
    return refitted
