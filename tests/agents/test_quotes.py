"""Quotes show the answer: the sentence or two of a passage that best match the question."""
from __future__ import annotations

from agents_app import offline
from agents_app.agents.teacher import cite
from agents_app.quotes import QUOTE_CHARS, asked_term, best_quote, defined_term, refers_back
from tests.agents.sample_docs import all_chunks

PASSAGE = (
    "Earth's outer shell is the lithosphere. It includes the crust and the uppermost part of the mantle, "
    "and it is broken into about fifteen major tectonic plates. Plate tectonics is the scientific theory "
    "that Earth's lithosphere is divided into plates that move. Hotspots are not located at plate boundaries."
)
TABLE = "Volcano type | Slope | Eruption style\nShield | Gentle | Effusive\nStratovolcano | Steep | Explosive"


def test_the_quote_is_the_sentence_that_answers_not_the_passage_start():
    quote = best_quote(PASSAGE, "Where are hotspots located?")
    assert "Hotspots are not located at plate boundaries." in quote
    assert not quote.startswith("Earth's outer shell")


def test_a_sentence_opening_with_a_pronoun_is_quoted_with_the_sentence_before_it():
    quote = best_quote(PASSAGE, "How many major plates does it include?")
    assert quote.startswith("Earth's outer shell is the lithosphere. It includes the crust")


def test_a_pronoun_after_an_opening_phrase_is_quoted_with_the_sentence_it_points_at():
    passage = ("At a divergent boundary, two plates move apart. Magma rises to fill the gap and cools into new crust. "
               "Under the oceans this builds long underwater mountain ranges called mid-ocean ridges.")
    assert best_quote(passage, "What builds underwater mountain ranges?").startswith("Magma rises to fill the gap")
    # A pronoun whose antecedent is the sentence's own subject needs nothing before it.
    heart = "The lungs fill with air. The heart pumps its blood through two circuits of vessels."
    assert best_quote(heart, "How does the heart pump blood through circuits?").startswith("The heart pumps")


def test_a_possessive_whose_owner_opens_the_sentence_points_at_nothing_before_it():
    """"When polyps die their skeletons remain": "their" is the polyps'. Taken as pointing back, the
    sentence was never used to explain coral reefs, and an unrelated one was."""
    assert not refers_back("When polyps die their skeletons remain, and new polyps grow on top of them.")
    assert not refers_back("As the volcano erupts its magma flows downhill.")
    assert refers_back("During the war their army grew.")  # a war owns no army: theirs is someone said before
    assert refers_back("After its collapse the empire split.")


def test_what_is_x_quotes_the_documents_own_definition_first():
    assert asked_term("Can you explain what plate tectonics is?") == "plate tectonics"
    assert best_quote(PASSAGE, "Can you explain what plate tectonics is?").startswith(
        "Plate tectonics is the scientific theory")


def test_a_table_row_is_quoted_as_a_row_under_its_header():
    assert best_quote(TABLE, "What eruption style does a stratovolcano have?") == (
        "Volcano type | Slope | Eruption style; Stratovolcano | Steep | Explosive")


def test_a_quote_stays_within_about_three_hundred_characters_around_the_matching_words():
    long_sentence = "Filler words " * 60 + "the mitochondrion releases energy " + "and more filler " * 30 + "end."
    quote = best_quote(long_sentence, "What releases energy?")
    assert len(quote) <= QUOTE_CHARS and "mitochondrion releases energy" in quote


def test_offline_answers_to_what_is_x_open_with_the_definition_and_never_with_a_dangling_pronoun():
    chunks = all_chunks()
    text, _ = offline.explain("explain", "What is inertia?", chunks)
    assert text.split(". ", 1)[1].startswith("Newton's first law states") and "is called inertia" in text
    chlorophyll, _ = offline.explain("explain", "What does chlorophyll do?", chunks)
    assert "Chlorophyll is the green pigment" in chlorophyll
    assert " It absorbs red and blue light" in chlorophyll.split("Chlorophyll is the green pigment", 1)[1]


def test_citations_quote_the_sentences_the_reply_cites_each_marker_for():
    chunks = all_chunks()
    text, used = offline.explain("explain", "What does chlorophyll do?", chunks)
    [first, *_] = cite(text, used)
    assert first.quote.startswith("Chlorophyll is the green pigment that absorbs light")
    assert len(first.quote) <= QUOTE_CHARS


def test_a_who_question_quotes_the_sentence_that_names_the_person():
    passage = ("The Reign of Terror was the period from 1793 to 1794 when thousands were executed. "
               "The Committee of Public Safety, led by Maximilien Robespierre, ruled with emergency powers.")
    assert "led by Maximilien Robespierre" in best_quote(passage, "Who was in charge during the Reign of Terror?")


def test_a_markdown_table_row_is_quoted_under_its_header_without_the_rule_line():
    table = "| Volcano type | Slope |\n|---|---|\n| Shield volcano | Gentle |\n| Cinder cone | Steep |"
    assert best_quote(table, "What slope does a cinder cone have?") == "Volcano type | Slope; Cinder cone | Steep"


def test_a_phrasal_verb_after_called_defines_nothing():
    assert defined_term("The tiny pores on a leaf are called stomata.") == "stomata"
    assert defined_term("Only the cells that match a new germ are called into action.") is None
    assert defined_term("The match was called off, because of the rain.") is None
