"""BM25 ranking over chunks."""
from __future__ import annotations

from agents_app.retrieval import BM25Index, bm25_term_score, idf
from tests.agents.sample_docs import all_chunks

CHUNKS = all_chunks()


def test_it_ranks_the_passage_that_answers_the_query_first():
    index = BM25Index(CHUNKS)
    assert index.search("Which pores let carbon dioxide into a leaf?", k=1)[0][0].section == "Leaves and gas exchange"
    assert index.search("Tennis Court Oath", k=1)[0][0].document_id == 2
    assert index.search("equal and opposite forces", k=1)[0][0].section == "The third law: action and reaction"


def test_it_returns_nothing_for_words_no_passage_uses():
    assert BM25Index(CHUNKS).search("quantum chromodynamics") == []


def test_it_is_deterministic_and_orders_ties_by_document_position():
    first = BM25Index(CHUNKS).search("force", k=5)
    assert first == BM25Index(list(reversed(CHUNKS))).search("force", k=5)


def test_the_scoring_maths_saturates_term_frequency_and_favours_rare_terms():
    assert idf(1, 100) > idf(50, 100) > 0
    one, many = bm25_term_score(1, 100, 100, 1.0), bm25_term_score(20, 100, 100, 1.0)
    assert many > one and many < 20 * one
