"""A question in a learner's everyday words finds the passage in the textbook's words, and
the learner's own words still come first (agents_app.everyday)."""
from __future__ import annotations

import pytest

from agents_app.everyday import RELATED_WEIGHT, query_terms
from agents_app.quotes import best_quote, best_units, units
from agents_app.search import search_folder
from sessions_app import actions
from tests.retrieval.test_lexical_index import add_document

pytestmark = pytest.mark.django_db(transaction=True)

LEAF = ["Leaves are thin and flat, which helps plants catch light and take up gases through their pores.",
        "Light energy splits water molecules, and this releases oxygen as a by-product.",
        "Roots hold plants in the soil and take up water."]


def test_a_phrasal_verb_finds_the_word_the_document_uses(learner):
    folder = actions.create_folder(learner, name="Plants")
    add_document(folder, "leaf.md", LEAF)
    hits = search_folder(folder.pk, "What gas do plants give off?")
    assert hits[0].chunk.order == 1
    assert "releases oxygen" in hits[0].quote


def test_an_everyday_word_finds_the_textbook_word_but_weighs_less_than_the_learners_own(learner):
    folder = actions.create_folder(learner, name="Economics")
    add_document(folder, "demand.md", ["Buyers purchase fewer goods as the price rises.",
                                       "Sellers offer more goods as the price rises.",
                                       "A tax on a good is paid by buyers and sellers."])
    assert search_folder(folder.pk, "Why do people buy less when it gets expensive?")[0].chunk.order == 0
    # "tax" is the learner's own word: the passage that says it wins over those that say "price" alone.
    assert search_folder(folder.pk, "Who pays a tax when prices are expensive?")[0].chunk.order == 2


def test_a_phrase_weighs_its_meaning_not_its_words():
    wanted = query_terms("Where does the oxygen that plants give off come from?")
    assert wanted.own["oxygen"] == 1.0 and wanted.own["releas"] == 1.0
    assert wanted.own["give"] == RELATED_WEIGHT  # "give" alone means something else
    assert "give" not in wanted.related and "releas" not in wanted.related


def test_the_learners_own_words_choose_the_quoted_sentence_and_related_ones_break_ties():
    passage = ("Demand is the quantity buyers are willing to purchase. Demand rises with income. "
               "As the price rises and costs climb, buyers purchase fewer goods and the quantity demanded falls.")
    # "income" is the learner's own word: its sentence is the best, however many related words another holds.
    best, _ = best_units(units(passage), "Does demand change with income when things get expensive and people buy less?")
    assert best == 1
    # No sentence holds the learner's words: the related ones ("price", "fall") choose.
    assert "quantity demanded falls" in best_quote(passage, "Do people get less when it is expensive?")
