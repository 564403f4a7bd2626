"""The offline quiz creator: more than one question per concept, no grammatical give-aways,
difficulty that changes the question, and a citation for every question."""
from __future__ import annotations

import re

from agents_app.agents.quiz import question_citation
from agents_app.concepts import find_concepts
from agents_app.questions import blank, can_ask_again, has_source, make_questions
from agents_app.schemas import ChunkRef
from agents_app.text import terms
from tests.agents.concept_set import document_chunks
from tests.agents.sample_docs import PRINTING, all_chunks, load_chunks


def test_an_article_before_the_blank_gives_nothing_away():
    assert blank("An earthquake is the sudden shaking of the ground.", "earthquake") == (
        "A(n) _____ is the sudden shaking of the ground.")
    assert blank("It forms a tumour.", "tumour") == "It forms a(n) _____."


def test_a_term_is_never_blanked_inside_a_hyphenated_word():
    assert blank("The king called the Estates-General to approve taxes.", "estates") == (
        "The king called the Estates-General to approve taxes.")
    assert blank("Society was split into three estates.", "estates") == "Society was split into three _____."


def test_a_sentence_of_several_definitions_is_not_asked_as_one_meaning():
    # "The First Estate was the clergy, the Second Estate was the nobility, and the Third Estate was…"
    [question] = make_questions(load_chunks("french_revolution"), ["First Estate"], count=1, difficulty="easy")
    assert "define as" not in question.prompt and "The _____ was the clergy" in question.prompt


def test_distractors_agree_in_number_with_the_answer():
    chunks = document_chunks("fixtures/docs/plate_tectonics.md")
    for concept, plural in (("tectonic plates", True), ("earthquake", False)):
        [question] = make_questions(chunks, [concept], count=1, difficulty="medium")
        assert [o.split()[-1].endswith("s") for o in question.options] == [plural] * 4, question.options


def test_a_concept_with_several_sentences_gives_several_questions_when_more_are_asked():
    questions = make_questions(load_chunks("newtons_laws"), ["inertia"], count=5, difficulty="medium")
    assert len(questions) >= 2 and len({q.quote for q in questions}) == len(questions)


def test_hard_questions_use_two_sentences_or_an_example_and_easy_ones_a_definition():
    chunks = load_chunks("photosynthesis")
    [easy] = make_questions(chunks, ["chlorophyll"], count=1, difficulty="easy")
    [hard] = make_questions(chunks, ["limiting factor"], count=1, difficulty="hard")
    assert easy.prompt == "Which term does your text define as “the green pigment that absorbs light for photosynthesis”?"
    assert hard.prompt.startswith("Read this passage") and "_____. For example, on a bright cold morning" in hard.prompt


def test_every_question_carries_the_citation_of_the_sentence_it_was_built_from():
    chunks = all_chunks()
    for question in make_questions(chunks, ["inertia", "Bastille", "chlorophyll"], count=3, difficulty="hard"):
        citation = question_citation(question, chunks)
        chunk = next(c for c in chunks if c.chunk_id == question.chunk_id)
        assert citation is not None and citation.chunk_id == chunk.chunk_id
        assert citation.document_id == chunk.document_id and citation.quote == question.quote
    stranger = ChunkRef(chunk_id=999_999, document_id=1, order=0, text="Nothing here.")
    assert question_citation(question, [stranger]) is None


def test_hard_distractors_are_of_the_same_kind_as_the_answer():
    chunks = document_chunks("fixtures/docs/plate_tectonics.md")
    [hard] = make_questions(chunks, ["divergent boundary"], count=1, difficulty="hard")
    assert {"convergent boundary", "transform boundary"} <= set(hard.options)


def test_options_look_alike_so_none_stands_out():
    questions = make_questions(PRINTING, ["movable type", "scribes", "Johannes Gutenberg"], count=3,
                               difficulty="medium")
    by_answer = {q.options[q.correct_index]: q.options for q in questions}
    # A term among terms, written in lower case; names among names; never a bare heading.
    assert set(by_answer) >= {"movable type", "Johannes Gutenberg"}, by_answer
    for option in by_answer["movable type"]:
        assert option == option.lower(), by_answer
    assert all(o[0].isupper() for o in by_answer["Johannes Gutenberg"]), by_answer
    assert not any("consequences" in o.lower() or o == "Europe" for options in by_answer.values() for o in options)


def test_a_sentence_that_refers_back_is_shown_after_the_sentence_it_refers_to():
    [question] = make_questions(PRINTING, ["scribes"], count=1, difficulty="medium")
    assert "every book was copied by hand. In medieval Europe this work was done mainly by _____" in question.prompt


def test_medium_questions_are_worded_in_more_than_one_way():
    chunks = all_chunks()
    concepts = [c.name for c in find_concepts(chunks)]
    stems = {q.prompt.split("“")[0] for q in make_questions(chunks, concepts, count=30, difficulty="medium")}
    assert len(stems) >= 3, stems


def test_a_concept_only_a_heading_names_has_no_question_source():
    chunks = load_chunks("newtons_laws")
    assert has_source(chunks, "inertia") and not has_source(chunks, "laws of motion")


def _passage(prompt: str) -> str:
    return prompt.split("“", 1)[1].rsplit("”", 1)[0] if "“" in prompt else prompt


def test_options_take_the_number_the_stem_asks_for():
    # "_____ are single-celled organisms…" once offered "pathogen", "vaccine", "immunity" beside
    # "bacteria"; "If _____ do get in" offered the answer as "pathogen".
    chunks = document_chunks("heldout/immune_system.html")
    questions = [q for difficulty in ("easy", "medium", "hard")
                 for q in make_questions(chunks, ["bacteria", "pathogen"], count=10, difficulty=difficulty)]
    plural = [q for q in questions if re.search(r"(?<!and )_____ (are|do)\b", _passage(q.prompt))]
    assert plural
    for question in plural:
        assert all(o == "bacteria" or o.endswith("s") for o in question.options), (question.prompt, question.options)
    asked = [q for q in questions if "If _____ do get in" in q.prompt]
    assert asked and all(q.options[q.correct_index] == "pathogens" for q in asked)


def test_no_distractor_repeats_a_word_of_the_stem_the_answer_does_not():
    # "In the pulmonary circuit, the _____ pumps blood…" once offered "systemic circuit", and
    # "…he began printing with _____" offered "woodblock printing": plainly not the answer.
    for chunks in (document_chunks("fixtures/lessons/human_heart.md"), PRINTING):
        concepts = [c.name for c in find_concepts(chunks)]
        for difficulty in ("easy", "medium", "hard"):
            for question in make_questions(chunks, concepts, count=20, difficulty=difficulty):
                shown = set(terms(_passage(question.prompt).replace("_____", " ")))
                if not set(terms(question.options[question.correct_index])) & shown:
                    assert not any(set(terms(o)) & shown for o in question.options), (question.prompt, question.options)


def test_easy_and_medium_ask_a_concept_differently():
    # Both once blanked the concept in its first sentence with the same words: 2 of 21 concepts of
    # this document differed, 1 of 16 of the water cycle's.
    for document in ("fixtures/docs/plate_tectonics.md", "fixtures/docs/water_cycle.md"):
        chunks = document_chunks(document)
        concepts = [c.name for c in find_concepts(chunks)]
        easy, medium = ({q.concept: q for q in make_questions(chunks, concepts, count=len(concepts), difficulty=d)}
                        for d in ("easy", "medium"))
        both = set(easy) & set(medium)
        assert sum(easy[c].prompt != medium[c].prompt for c in both) >= 0.65 * len(both), document
        # Without a definition, easy names the part of the documents as a hint (never a heading naming the answer).
        hinted = [q for q in easy.values() if q.prompt.startswith("From the part of your documents on ")]
        assert hinted and not any(set(terms(q.concept)) & set(terms(q.prompt.split(":")[0])) for q in hinted)


def test_a_retry_can_be_asked_until_every_question_on_the_concept_was_asked():
    chunks = document_chunks("fixtures/docs/plate_tectonics.md")
    asked: list[str] = []
    while can_ask_again(chunks, "slab pull", asked):
        made = [q for kind in ("mcq", "free") for q in make_questions(
            chunks, ["slab pull"], count=1, difficulty="easy", kinds=(kind,), existing=asked)]
        assert made
        asked.append(made[0].prompt)
        assert len(asked) < 20
    assert asked  # one at least, then none left


def test_a_free_question_names_its_concept_as_the_documents_do():
    """"what does your text say about chloroplast?" read wrong beside "the chloroplast" of the notes."""
    chunks = [ChunkRef(chunk_id=1, document_id=1, order=0, text=(
        "In plants, photosynthesis happens inside the chloroplast. Each chloroplast contains stacks of thylakoids. "
        "Photosynthesis turns light energy into chemical energy."))]
    [thing] = make_questions(chunks, ["chloroplast"], count=1, difficulty="easy", kinds=("free",))
    [process] = make_questions(chunks, ["photosynthesis"], count=1, difficulty="easy", kinds=("free",))
    assert thing.prompt == "In your own words, what does your text say about the chloroplast?"
    assert process.prompt == "In your own words, what does your text say about photosynthesis?"
