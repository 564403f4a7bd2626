"""The offline engine on the sample documents: concepts, plan order, questions, grading."""
from __future__ import annotations

import random
import re

import pytest

from agents_app import offline, questions
from agents_app.agents.analyzer import analyze_folder
from agents_app.agents.planner import plan_lesson
from agents_app.agents.quiz import create_quiz, grade_answer, grade_choice
from agents_app.agents.teacher import TeacherRequest, teach
from agents_app.errors import AgentError
from agents_app.policy import Action
from agents_app.runs import CallContext
from agents_app.schemas import ChunkRef, QuizResult, TeacherCompleted, TranscriptTurn
from agents_app.text import normalise, terms
from tests.agents.conftest import collect, run
from tests.agents.concept_set import is_junk, key_concepts
from tests.agents.sample_docs import SUBJECTS, all_chunks, load_chunks

CTX = CallContext(user_id=1)

EXPECTED_CONCEPTS = {
    "photosynthesis": {"photosynthesis", "chlorophyll", "chloroplast", "calvin cycle", "stomata",
                       "light-dependent reactions", "limiting factor"},
    "french_revolution": {"estates-general", "national assembly", "tennis court oath", "bastille",
                          "reign of terror", "committee of public safety", "napoleon bonaparte"},
    "newtons_laws": {"force", "net force", "inertia", "mass", "acceleration", "friction", "weight",
                     "newton's first law", "newton's second law", "newton's third law"},
}


@pytest.mark.parametrize("subject", SUBJECTS)
def test_it_names_the_concepts_a_reader_would_name(offline_gateway, subject):
    analysis = run(analyze_folder(offline_gateway, CTX, load_chunks(subject)))
    names = {c.name.lower() for c in analysis.concepts}
    assert EXPECTED_CONCEPTS[subject] <= names
    assert analysis.offline and analysis.summary.startswith("(offline mode)")
    key = key_concepts()[f"fixtures/docs/{subject}.md"]
    key_phrases = {tuple(terms(spelling)) for spellings in key for spelling in spellings}
    assert not [name for name in names if is_junk(name, key_phrases)]  # no fragments, clauses or glue


@pytest.mark.parametrize("subject", SUBJECTS)
def test_its_plan_follows_the_documents_order(offline_gateway, subject):
    chunks = load_chunks(subject)
    analysis = offline.analyze(chunks)
    plan = run(plan_lesson(offline_gateway, CTX, analysis, {}, chunks=chunks))
    headings = list(dict.fromkeys(c.section for c in chunks))
    assert [s.title for s in plan.sections] == [h for h in headings if h in {s.title for s in plan.sections}]
    assert len(plan.sections) >= len(headings) - 1
    assert plan.offline and "offline mode" in plan.description


def test_its_plan_leaves_out_mastered_objectives(offline_gateway):
    chunks = load_chunks("newtons_laws")
    analysis = offline.analyze(chunks)
    first = offline.plan(analysis, chunks, {}).objectives()[0]
    plan = run(plan_lesson(offline_gateway, CTX, analysis, {c: 0.99 for c in first.concepts}, chunks=chunks))
    assert first.id not in {o.id for o in plan.objectives()}
    assert plan.objectives()[0].prerequisites == []


@pytest.mark.parametrize("subject", SUBJECTS)
def test_each_question_has_one_correct_option_supported_by_its_cited_sentence(offline_gateway, subject):
    chunks = load_chunks(subject)
    concepts = [c.name for c in offline.analyze(chunks).concepts]
    quiz = run(create_quiz(offline_gateway, CTX, chunks, concepts, count=len(concepts), difficulty="easy"))
    assert quiz.offline and "offline mode" in quiz.title
    assert len(quiz.questions) >= len(concepts) - 1
    by_id = {c.chunk_id: c for c in chunks}
    for q in quiz.questions:
        assert q.offline and q.kind == "mcq" and len(set(map(normalise, q.options))) == len(q.options) == 4
        assert normalise(q.quote) in normalise(by_id[q.chunk_id].text)
        quote_terms = " ".join(terms(q.quote))
        supported = [o for o in q.options if " ".join(terms(o)) in quote_terms]
        assert supported == [q.options[q.correct_index]]
        # A blank, or a definition to recall ("Which term does your text define as “…”?").
        assert "_____" in q.prompt or "define as" in q.prompt
        assert q.options[q.correct_index].lower() not in q.prompt.lower()
    assert len({normalise(q.prompt) for q in quiz.questions}) == len(quiz.questions)


def test_it_does_not_repeat_existing_questions(offline_gateway):
    chunks = load_chunks("photosynthesis")
    first = run(create_quiz(offline_gateway, CTX, chunks, ["Chlorophyll", "stomata"], count=2))
    again = run(create_quiz(offline_gateway, CTX, chunks, ["Chlorophyll", "stomata", "RuBisCO"], count=2,
                            existing=[q.prompt for q in first.questions]))
    assert [q.concept for q in again.questions][0] == "RuBisCO"  # then another sentence on stomata
    assert not {q.prompt for q in first.questions} & {q.prompt for q in again.questions}


def test_it_is_deterministic(offline_gateway):
    chunks = all_chunks()
    make = lambda: (offline.analyze(chunks), questions.make_questions(chunks, ["inertia", "Bastille"], count=2,
                                                                      difficulty="medium"))
    assert make() == make()


def test_it_writes_free_response_questions_graded_by_overlap(offline_gateway):
    chunks = load_chunks("newtons_laws")
    quiz: QuizResult = run(create_quiz(offline_gateway, CTX, chunks, ["inertia"], count=1, kinds=("free",)))
    [question] = quiz.questions
    assert question.kind == "free" and question.reference_answer and question.rubric
    good = run(grade_answer(offline_gateway, CTX, question, "Inertia is the tendency to resist changes in motion."))
    poor = run(grade_answer(offline_gateway, CTX, question, "It is a kind of plant cell."))
    assert good.correct and good.score > poor.score and not poor.correct
    assert good.offline and good.feedback.startswith("(offline mode)")


def test_multiple_choice_is_graded_deterministically(offline_gateway, recorder):
    chunks = load_chunks("french_revolution")
    [question] = run(create_quiz(offline_gateway, CTX, chunks, ["Bastille"], count=1)).questions
    wrong = (question.correct_index + 1) % len(question.options)
    right = grade_choice(question, question.correct_index)
    assert right.correct and right.feedback == question.quote
    result = run(grade_answer(offline_gateway, CTX, question, wrong))
    assert not result.correct and result.correct_option_index == question.correct_index
    # The verdict is `correct`, shown by the client: the text names the right answer, once.
    answer = question.options[question.correct_index]
    assert result.feedback == f"The answer is “{answer}”. {question.quote}"
    assert [r.agent for r in recorder.runs] == ["quiz_creator"]  # grading an option calls no model


def test_offline_explanations_quote_the_best_matching_passage():
    chunks = all_chunks()
    text, used = offline.explain("explain", "What does chlorophyll absorb?", chunks)
    assert text.startswith("(offline mode)") and "green pigment" in text
    assert used[0].section == "Chloroplasts and chlorophyll"
    example, _ = offline.explain("example", "limiting factor", chunks)
    assert "For example" in example


def plain(text: str, section: str = "", chunk_id: int = 1, order: int = 0) -> ChunkRef:
    return ChunkRef(chunk_id=chunk_id, document_id=9, order=order, text=text, section=section)


def test_it_still_finds_concepts_in_plain_text_without_emphasis_or_definitions(offline_gateway):
    text = ("Volcanoes erupt when magma rises. Magma collects in chambers below volcanoes. "
            "Eruptions spread ash and lava. Lava cools into rock, and ash falls far from volcanoes.")
    chunks = [plain(text, chunk_id=1), plain("Magma and lava differ in where they are found.", chunk_id=2, order=1)]
    analysis = run(analyze_folder(offline_gateway, CTX, chunks))
    assert {"magma", "volcanoes", "lava"} <= {c.name.lower() for c in analysis.concepts}
    plan = run(plan_lesson(offline_gateway, CTX, analysis, {}, chunks=chunks))
    assert plan.objectives()


def test_it_survives_extraction_debris_and_awkward_headings(offline_gateway):
    debris = "word " * 1500 + "**Entropy** is a measure of disorder."
    chunks = [plain(debris, section="Newton's Laws: Entropy & Co.", chunk_id=1),
              plain("**Entropy** is a measure of disorder. **Enthalpy** is heat content.", section="Énergie",
                    chunk_id=2, order=1)]
    analysis = run(analyze_folder(offline_gateway, CTX, chunks))
    plan = run(plan_lesson(offline_gateway, CTX, analysis, {}, chunks=chunks))
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9\-]*", o.id) for o in plan.objectives())
    assert all(len(c.definition) <= 1000 for c in analysis.concepts)


def test_an_empty_folder_or_a_finished_plan_is_a_clear_agent_error(offline_gateway):
    with pytest.raises(AgentError) as empty:
        run(analyze_folder(offline_gateway, CTX, [plain("   ")]))
    chunks = load_chunks("newtons_laws")
    analysis = offline.analyze(chunks)
    with pytest.raises(AgentError) as done:
        run(plan_lesson(offline_gateway, CTX, analysis, {c.name: 1.0 for c in analysis.concepts}, chunks=chunks))
    assert (empty.value.code, done.value.code) == ("empty_folder", "plan_complete")


@pytest.mark.parametrize("seed", range(8))
def test_scrambled_text_never_raises_anything_but_an_agent_error(offline_gateway, seed):
    rng = random.Random(seed)
    chunks = []
    for i, chunk in enumerate(all_chunks()[: rng.randint(1, 12)]):
        pieces = chunk.text.split(" ")
        rng.shuffle(pieces)
        chunks.append(chunk.model_copy(update={"text": " ".join(pieces[: rng.randint(0, len(pieces))]),
                                               "section": rng.choice(["", chunk.section, "**", "1.2 — ?"])}))
    try:
        analysis = run(analyze_folder(offline_gateway, CTX, chunks))
        run(plan_lesson(offline_gateway, CTX, analysis, {}, chunks=chunks))
        run(create_quiz(offline_gateway, CTX, chunks, [c.name for c in analysis.concepts], count=5))
        offline.explain("example", "what", chunks)
    except AgentError as exc:
        assert exc.code in {"empty_folder", "no_questions", "plan_complete"}


def test_the_plan_starts_at_the_first_section_and_teaches_each_term_where_it_is_defined(offline_gateway):
    from tests.agents.concept_set import document_chunks

    chunks = document_chunks("fixtures/docs/plate_tectonics.md")
    plan = run(plan_lesson(offline_gateway, CTX, offline.analyze(chunks), {}, chunks=chunks))
    sections = list(dict.fromkeys(c.section for c in chunks))
    titles = [s.title for s in plan.sections]
    assert titles[0] == sections[0] == "Plate Tectonics > Earth's layers"
    assert titles == [s for s in sections if s in titles]
    where = {name: o.title for o in plan.objectives() for name in o.concepts}
    assert where["sea-floor spreading"] == "Plate Tectonics > Divergent boundaries"  # named again in the last one
    # Within a section too, concepts come in the order the text introduces them.
    text = normalise(" ".join(c.text for c in chunks))
    for objective in plan.objectives():
        firsts = [text.find(normalise(name)) for name in objective.concepts]
        assert firsts == sorted(firsts), (objective.title, objective.concepts)


def test_a_document_of_one_giant_word_is_analysed_without_a_crash():
    """A crafted file (found by bench/abuse.py): one 300,000-character "word" among real ones."""
    text = "Plate tectonics moves the crust. " + "x" * 300_000 + " Subduction recycles the crust."
    analysis = offline.analyze([ChunkRef(chunk_id=1, document_id=1, order=0, text=text, page=1)])
    assert analysis.concepts and all(len(c.name) <= 80 for c in analysis.concepts)


def test_the_offline_plan_leaves_out_a_heading_topic_no_sentence_names():
    """"Leaves and gas exchange": no sentence says "gas exchange", so nothing can be asked about
    it; two such topics in a row gave four lesson turns without a question."""
    from tests.agents.concept_set import document_chunks

    chunks = document_chunks("fixtures/docs/photosynthesis.md")
    analysis = offline.analyze(chunks)
    assert "gas exchange" in [c.name for c in analysis.concepts]
    planned = [c for o in offline.plan(analysis, chunks, {}).objectives() for c in o.concepts]
    assert "gas exchange" not in planned and "stomata" in planned


def test_an_offline_answer_quotes_no_passage_that_matched_only_a_stray_word():
    """"The innate response acts within hours?" was answered with it and with "An adjuvant… a
    stronger response" and "the fast second response", which share only "response"."""
    texts = ["The innate response acts within hours, but it treats every germ in much the same way. "
             "The innate response does not remember germs.",
             "An adjuvant is added to some vaccines to provoke a stronger response.",
             "A later infection is met by the fast second response."]
    chunks = [plain(t, chunk_id=i, order=i) for i, t in enumerate(texts)]
    text, used = offline.explain("explain", "The innate response acts within hours?", chunks)
    assert [c.chunk_id for c in used] == [0] and "adjuvant" not in text


def test_an_offline_answer_asked_again_is_said_again_not_taken_from_a_passage_that_does_not_answer(offline_gateway):
    """A learner asked "An atoll is a ring of?" again after the answer: the second reply quoted
    "A polyp … with a ring of stinging tentacles", from a passage sharing only the word "ring"."""
    chunks = [plain("An atoll is a ring of coral around a lagoon, with no land in the middle.", chunk_id=1),
              plain("A polyp is a soft animal with a ring of stinging tentacles around its mouth.", chunk_id=2, order=1)]
    asked = "Can you explain this: An atoll is a ring of?"
    request = TeacherRequest(action=Action.EXPLAIN, message=asked, passages=chunks)
    first = run(collect(teach(offline_gateway, CTX, request)))[-1]
    assert isinstance(first, TeacherCompleted) and "lagoon" in first.text
    again = request.model_copy(update={"history": [TranscriptTurn(role="learner", text=asked),
                                                   TranscriptTurn(role="tutor", text=first.text)]})
    second = run(collect(teach(offline_gateway, CTX, again)))[-1]
    assert second.text == "(offline mode) As I said a moment ago: An atoll is a ring of coral around a lagoon, with no land in the middle. [1]"
