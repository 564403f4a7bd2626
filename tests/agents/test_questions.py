"""The offline quiz creator: more than one question per concept, no grammatical give-aways,
difficulty that changes the question, and a citation for every question."""
from __future__ import annotations

from agents_app.agents.quiz import question_citation
from agents_app.questions import blank, make_questions
from agents_app.schemas import ChunkRef
from tests.agents.concept_set import document_chunks
from tests.agents.sample_docs import all_chunks, load_chunks


def test_an_article_before_the_blank_gives_nothing_away():
    assert blank("An earthquake is the sudden shaking of the ground.", "earthquake") == (
        "A(n) _____ is the sudden shaking of the ground.")
    assert blank("It forms a tumour.", "tumour") == "It forms a(n) _____."


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
    assert easy.prompt.startswith("Which term does your text define like this?")
    assert "green pigment" in easy.prompt
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
