"""The lesson's teaching moves, built from the documents' own sentences (no model, no database)."""
from __future__ import annotations

from agents_app.lesson_text import hint, skipped, summary, teach, weakest_concepts
from agents_app.schemas import ChunkRef
from tests.agents.sample_docs import PRINTING, load_chunks

CHUNKS = load_chunks("photosynthesis")
DEFINITION = "Chlorophyll is the green pigment that absorbs light for photosynthesis."


def test_an_explanation_starts_with_the_documents_definition_and_is_cited():
    text, cited = teach("explain", "chlorophyll", CHUNKS, opening="Next: chlorophyll. ")
    assert text.startswith("(offline mode) Next: chlorophyll. " + DEFINITION + " [1]")
    assert cited and "green pigment that absorbs light" in cited[0].text


def test_a_second_explanation_says_something_new():
    first, _ = teach("explain", "chlorophyll", CHUNKS)
    second, _ = teach("explain", "chlorophyll", CHUNKS, said=first, recent=first)
    assert second != first and DEFINITION not in second


def test_simpler_gives_the_shortest_definition_and_one_supporting_sentence():
    text, _ = teach("help_simpler", "chlorophyll", CHUNKS)
    assert DEFINITION in text and text.count("[") == 2


def test_stuck_gives_one_smaller_step_with_a_hint_and_a_second_one_moves_on():
    first, _ = teach("help_stuck", "chlorophyll", CHUNKS)
    assert "First just this part:" in first and "Hint: hold on to the words" in first
    second, _ = teach("help_stuck", "chlorophyll", CHUNKS, said=first, recent=first)
    assert second != first


def test_an_example_is_an_example_sentence_of_the_documents_or_says_there_is_none():
    text, _ = teach("example", "limiting factor", CHUNKS)
    assert "for example" in text.lower() or "no worked example" in text


def test_an_example_already_given_is_said_to_be_the_only_one():
    first, _ = teach("example", "limiting factor", CHUNKS)
    again, _ = teach("example", "limiting factor", CHUNKS, said=first)
    everything_said, _ = teach("example", "limiting factor", CHUNKS, said=" ".join(c.text for c in CHUNKS))
    assert "for example" in first.lower() and "once more" in again and "once more" in everything_said


def test_a_hint_does_not_give_the_answer_away_and_grows():
    quote = DEFINITION
    first = hint("Chlorophyll", "Chlorophyll", quote, CHUNKS, free=False)
    second = hint("Chlorophyll", "Chlorophyll", quote, CHUNKS, free=False, level=1)
    assert "begins with “C”" in first and "begins with “Ch”" in second
    assert "Chlorophyll" not in first.split("begins with")[1].replace("“C”", "")


def test_a_skipped_question_shows_its_answer():
    assert skipped("stroma", "The Calvin cycle happens in the stroma.") == (
        "Let us leave that question: the answer is “stroma”. Your documents say: The Calvin cycle happens in the stroma.")


def test_the_summary_names_what_was_covered_mastered_and_weakest_and_offers_a_review():
    mastery = {"chlorophyll": 0.97, "stroma": 0.3, "stomata": 0.6}
    text, parts = summary(["chlorophyll", "stroma", "stomata"], mastery, ["stomata"], mastered_at=0.95)
    assert parts == {"covered": ["chlorophyll", "stroma", "stomata"], "mastered": ["chlorophyll"],
                     "weakest": ["stomata", "stroma"]}
    assert "review" in text and "stomata (60%)" in text
    assert weakest_concepts(["a"], {"a": 0.99}, [], mastered_at=0.95) == []


def test_a_summary_with_nothing_mastered_yet_says_why_instead_of_a_bare_zero():
    """Every question of the lesson answered right, one each: "You have mastered 0 of them. The
    weakest are immune system (55%), innate response (55%)…" read as a failure."""
    covered = ["immune system", "innate response", "antigen", "antibody"]
    text, parts = summary(covered, dict.fromkeys(covered, 0.55), [], mastered_at=0.95)
    assert parts["mastered"] == [] and "mastered 0" not in text
    assert "None is mastered yet: that takes about 95% certainty, a few right answers on each." in text
    assert "To review first: immune system, innate response and antigen (each 55%)." in text


def test_without_an_example_the_move_shows_a_sentence_that_uses_the_concept():
    text, _ = teach("example", "scribes", PRINTING)
    assert "no worked example of scribes" in text and "scribes" in text.split("here is how they use it:")[1]
    # A sentence whose "this work" points back comes with the sentence it points at.
    explained, _ = teach("explain", "scribes", PRINTING)
    assert "every book was copied by hand. In medieval Europe this work" in explained


def test_a_smaller_step_never_repeats_a_one_part_sentence_as_its_first_part():
    text, _ = teach("help_stuck", "Johannes Gutenberg", PRINTING)
    assert "Johannes Gutenberg was a goldsmith from Mainz." in text and "First just this part" not in text
    definition, _ = teach("help_stuck", "chlorophyll", CHUNKS)
    assert "First just this part: “Chlorophyll is the green pigment”." in definition


PLAGUE = [ChunkRef(chunk_id=900 + n, document_id=9, order=n, section=section, text=text) for n, (section, text) in
          enumerate([
              ("Origins", "The Black Death was a pandemic of bubonic plague that swept across Europe. "
                          "The disease is caused by a bacterium which lives in wild rodents such as marmots and rats."),
              ("Later outbreaks", "The Black Death was only the first wave. Plague returned every few decades."),
              ("Art and memory", "Painters covered church walls with the Dance of Death. "
                                 "Tombs began to show the body of the dead person as a rotting corpse."),
          ])]


def test_an_example_of_a_concept_is_about_it_not_any_example_of_its_passage():
    """"such as marmots and rats" is an example of rodents, not of the Black Death."""
    text, _ = teach("example", "Black Death", PLAGUE)
    assert "marmots" not in text and "no worked example of the Black Death" in text  # as the text names it
    again, _ = teach("example", "Black Death", PLAGUE, said=text, recent=text)
    assert "marmots" not in again


def test_a_remark_with_was_only_is_no_definition_so_simpler_gives_the_definition():
    text, _ = teach("help_simpler", "Black Death", PLAGUE)
    assert text.startswith("(offline mode) Put simply: The Black Death was a pandemic")


def test_with_nothing_new_to_say_the_tutor_does_not_say_so_in_the_same_words_each_time():
    said, texts = " ".join(c.text for c in PLAGUE), []
    for concept in ("art", "memory"):  # a heading's topics, every sentence under it said already
        text, cited = teach("explain", concept, PLAGUE, said=said, recent=said)
        assert not cited  # every sentence on it was just said: nothing new
        said += " " + text
        texts.append(text.replace(concept, "X"))
    assert texts[0] != texts[1], texts


def test_a_heading_topic_no_sentence_names_is_taught_from_the_passage_under_that_heading():
    text, _ = teach("explain", "memory", PLAGUE, opening="Next: memory. ")
    assert text.startswith("(offline mode) Next: memory. Painters covered church walls with the Dance of Death.")


def test_an_explanation_does_not_bring_back_a_sentence_said_before_that_is_not_about_its_concept():
    said, _ = teach("explain", "Black Death", PLAGUE)
    text, _ = teach("explain", "bacterium", PLAGUE, said=said, recent="")
    assert "The Black Death was a pandemic" not in text and "bacterium" in text


def test_simpler_supports_the_definition_with_a_sentence_about_the_concept_said_a_while_ago():
    chunks = [ChunkRef(chunk_id=1, document_id=1, order=0, section="Origins", text=(
        "The Black Death was a pandemic of bubonic plague. It is the deadliest pandemic in history. "
        "In 1346 a Mongol army besieged Caffa."))]
    said = "The Black Death was a pandemic of bubonic plague. It is the deadliest pandemic in history."
    text, _ = teach("help_simpler", "Black Death", chunks, said=said, recent="")
    assert "deadliest" in text and "Caffa" not in text


VACCINES = [ChunkRef(chunk_id=1, document_id=1, order=0, section="Antibodies", text=(
    "When a B cell meets its antigen, it turns into plasma cells. "
    "A plasma cell is a B cell that releases antibodies into the blood. "
    "An antibody is a Y-shaped protein that locks onto one antigen. "
    "Killer T cells do a different job: they destroy infected cells. "
    "Some cells remain as memory cells."))]


def test_simpler_asked_again_gives_the_definition_with_other_support_not_the_same_words():
    antigens = [ChunkRef(chunk_id=1, document_id=1, order=0, section="Antigens", text=(
        "An antigen is a molecule that the immune system recognises as foreign. Each B cell fits just one antigen. "
        "Vaccines show the body an antigen."))]
    first, _ = teach("help_simpler", "antigen", antigens)
    said = f"{first} Which term is missing here? ..."
    again, _ = teach("help_simpler", "antigen", antigens, said=said, recent="Which term is missing here? ...")
    assert again != first and "An antigen is a molecule" in again


def test_simpler_does_not_support_a_definition_with_the_definition_of_another_term():
    """"Put simply: A plasma cell is… An antibody is…" used up the definition of antibody, and
    the explanation of antibody that came next said nothing about antibodies."""
    text, _ = teach("help_simpler", "plasma cell", VACCINES)
    assert "A plasma cell is a B cell" in text and "An antibody is" not in text
    assert "memory cells" not in text  # nor a sentence about something else
    after, _ = teach("explain", "antibody", VACCINES, said=text, recent=text, opening="Next: antibody. ")
    assert "An antibody is a Y-shaped protein" in after


def test_introducing_a_concept_says_what_it_is_even_when_the_turn_before_said_it_in_passing():
    """The explanation of "plasma cell" goes on with the sentence after its definition, "An
    antibody is…"; the explanation of antibody that came next began "Killer T cells…"."""
    before, _ = teach("explain", "plasma cell", VACCINES, introducing=True)
    assert "An antibody is" in before
    text, _ = teach("explain", "antibody", VACCINES, said=before, recent=before, opening="Next: antibody. ",
                    introducing=True)
    assert text.startswith("(offline mode) Next: antibody. An antibody is a Y-shaped protein")
    again, _ = teach("explain", "antibody", VACCINES, said=before + text, recent=before + text)
    assert "An antibody is" not in again  # more on it, not its definition twice



def coral_chunks(*texts: str) -> list[ChunkRef]:
    return [ChunkRef(chunk_id=n + 1, document_id=1, order=n, text=text) for n, text in enumerate(texts)]


def test_a_sentence_that_names_the_concept_after_called_is_its_definition():
    """A new document on coral reefs named its terms so ("tiny animals called polyps"): "simpler"
    gave another sentence, and its support was the sentence naming zooxanthellae."""
    chunks = coral_chunks("Each coral is a colony of tiny animals called polyps. Inside each polyp live algae called "
                          "zooxanthellae. A polyp is a soft, tube-shaped animal a few millimetres across, with a ring "
                          "of stinging tentacles around its mouth.")
    text, _ = teach("help_simpler", "polyps", chunks)
    assert text.startswith("(offline mode) Put simply: Each coral is a colony of tiny animals called polyps. [1]")
    assert "zooxanthellae" not in text  # another term's naming sentence is no support


def test_an_explanation_supports_the_definition_with_a_sentence_naming_the_concept_before_an_unrelated_one():
    chunks = coral_chunks("A coral looks like a rock. A polyp is a tiny animal with tentacles. Corals grow in warm seas.",
                          "Polyps catch plankton at night.")
    said = "Corals grow in warm seas."  # what follows the definition was said already
    text, _ = teach("explain", "polyps", chunks, said=said, introducing=True)
    assert text == "(offline mode) A polyp is a tiny animal with tentacles. [1] Polyps catch plankton at night. [2]"


def test_an_explanation_takes_no_support_from_elsewhere_in_the_passage():
    """"Charles Darwin explained how atolls form in 1842. A barrier reef lies further out…": the
    passage's other sentences say nothing of the concept; one next to its sentence may."""
    chunks = coral_chunks("A fringing reef grows close to the shore. A barrier reef lies further out. The Great Barrier "
                          "Reef is the largest reef system. An atoll is a ring of reef. Charles Darwin explained how "
                          "atolls form in 1842.")
    text, _ = teach("explain", "Charles Darwin", chunks, said="An atoll is a ring of reef.", introducing=True)
    assert text == "(offline mode) Charles Darwin explained how atolls form in 1842. [1]"
    text, _ = teach("explain", "Great Barrier Reef", chunks, introducing=True)
    assert text == ("(offline mode) The Great Barrier Reef is the largest reef system. [1] "
                    "An atoll is a ring of reef. [1]")


def test_an_example_is_not_taken_for_concrete_because_it_comes_with_the_sentence_before_it():
    """"…that people release. This makes seawater more acidic… for polyps" was given as the way the
    documents use polyps: the capital of "This" read as a name."""
    chunks = coral_chunks("Each coral is a colony of tiny animals called polyps. Each polyp builds a cup of limestone.",
                          "The ocean absorbs carbon dioxide. This makes seawater acidic and leaves less carbonate for "
                          "polyps.")
    text, _ = teach("example", "polyps", chunks)
    assert "here is how they use it: Each polyp builds a cup of limestone. [1]" in text
