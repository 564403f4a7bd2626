"""Lexical retrieval finds the passage that answers a learner's question, and its quote shows the answer.

Two sets go through the real upload action, ingestion pipeline and folder search: the original
seven Markdown documents with fifty questions (used while building search), and eleven held-out
documents in five formats with 142 questions written before measuring (tests/retrieval/heldout.py).
A question counts as answered when the expected words are in one of the top three hits' quotes.
bench/retrieval_quality.py prints the per-question figures; these floors sit a little below them.
"""
from __future__ import annotations

import pytest

from sessions_app.models import Document
from tests.retrieval.heldout import build
from tests.retrieval.testset import (
    DOCS, document_names, evaluate, hit_rate, ingest_documents, load_questions, summary,
)
from agents_app.extraction import extract
from agents_app.text import normalise

FLOORS = {"original": 0.9, "heldout": 0.94}
K = 3
KINDS = {"pdf": "pdf", "docx": "docx", "md": "markdown", "html": "html", "txt": "text"}


def test_the_original_set_is_big_and_varied_enough_and_every_expected_passage_exists():
    questions = load_questions()
    names = document_names(questions)
    assert len(questions) >= 30 and len(names) >= 5
    assert len({q.question for q in questions}) == len(questions)
    for question in questions:
        text = " ".join((DOCS / question.document).read_text(encoding="utf-8").replace("**", "").split())
        assert question.expected in text, question


def test_the_heldout_set_has_ten_documents_in_four_formats_and_every_expected_phrase_is_extracted():
    questions = load_questions("heldout")
    names = document_names(questions)
    assert len(questions) >= 120 and len(names) >= 10
    assert {name.rsplit(".", 1)[1] for name in names} >= {"pdf", "docx", "md", "html", "txt"}
    texts = {name: normalise(" ".join(b.text for b in extract(build(name), KINDS[name.rsplit(".", 1)[1]]).blocks))
             for name in names}
    for question in questions:
        assert normalise(question.expected) in texts[question.document], question


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", FLOORS)
def test_the_answer_is_quoted_in_the_top_three_hits_for_most_questions(learner, name):
    questions = load_questions(name)
    folder = ingest_documents(learner, document_names(questions))
    assert set(folder.documents.values_list("status", flat=True)) == {Document.Status.READY}

    outcomes = evaluate(folder, questions, k=K)

    print("\n" + summary(outcomes, K))
    missed = [f"{o.question.question!r} (best: {o.best_section})" for o in outcomes if not o.found_within(K)]
    assert hit_rate(outcomes, K) >= FLOORS[name], missed
