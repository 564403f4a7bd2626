"""Issue 4: lexical retrieval finds the passage that answers a learner's question.

Seven study documents on different subjects and fifty written questions (tests/retrieval/
questions.json) go through the real upload action, ingestion pipeline and folder search.
"""
from __future__ import annotations

import pytest

from sessions_app.models import Document
from tests.retrieval.testset import (
    DOCS, document_names, evaluate, hit_rate, ingest_documents, load_questions, summary,
)

BAR = 0.9
K = 3


def test_the_test_set_is_big_and_varied_enough_and_every_expected_passage_exists():
    questions = load_questions()
    names = document_names(questions)
    assert len(questions) >= 30 and len(names) >= 5
    assert len({q.question for q in questions}) == len(questions)
    for question in questions:
        text = " ".join((DOCS / question.document).read_text(encoding="utf-8").replace("**", "").split())
        assert question.expected in text, question


@pytest.mark.django_db(transaction=True)
def test_the_expected_passage_is_in_the_top_three_for_at_least_ninety_percent_of_questions(learner):
    questions = load_questions()
    folder = ingest_documents(learner, document_names(questions))
    assert set(folder.documents.values_list("status", flat=True)) == {Document.Status.READY}

    outcomes = evaluate(folder, questions, k=K)

    print("\n" + summary(outcomes, K))
    missed = [f"{o.question.question!r} (best: {o.best_section})" for o in outcomes if not o.found_within(K)]
    assert hit_rate(outcomes, K) >= BAR, missed
