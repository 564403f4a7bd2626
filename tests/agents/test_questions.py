"""The offline quiz creator: more than one question per concept, no grammatical give-aways,
difficulty that changes the question, and a citation for every question."""
from __future__ import annotations

from agents_app.agents.quiz import question_citation
from agents_app.concepts import find_concepts
from agents_app.questions import blank, has_source, make_questions
from agents_app.schemas import ChunkRef
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
        assert option == option.lower() and len(option.split()) == 2, by_answer
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
