"""How a lesson turn opens when it moves to a new part of the plan (plain functions, no socket)."""
from __future__ import annotations

from agents_app.schemas import ChunkRef, FocusObjective
from sessions_app.context import TutorContext
from agents_app.concepts import with_article
from sessions_app.tutor.flow import opening


def _passages(*texts: str) -> list[ChunkRef]:
    return [ChunkRef(chunk_id=n, document_id=1, order=n, text=text) for n, text in enumerate(texts, 1)]


NONE = _passages()


def _at(title: str, concepts: list[str], position: int = 0) -> TutorContext:
    focus = FocusObjective(objective_id="o1", title=title, concepts=concepts, difficulty="easy", position=0)
    return TutorContext(focus=focus, concept_position=position)


def test_a_section_opens_with_its_heading_and_first_concept():
    assert opening(_at("Antibodies and memory", ["plasma cell"]), "plasma cell", NONE) == (
        "Antibodies and memory: let us start with plasma cell. ")


def test_a_heading_that_names_the_concept_is_said_once_in_its_own_words():
    """"The immune system: let us start with immune system." said the concept twice, once
    without its article."""
    assert opening(_at("Notes > The immune system", ["immune system"]), "immune system", NONE) == (
        "Let us start with the immune system. ")
    assert opening(_at("Photosynthesis", ["photosynthesis"]), "photosynthesis", NONE) == (
        "Let us start with photosynthesis. ")
    assert opening(_at("What a vaccine does", ["vaccine"]), "vaccine", NONE) == (
        "What a vaccine does: let us start with vaccine. ")


def test_the_concept_is_named_with_the_article_the_documents_give_it():
    """"Kinds of reef: let us start with Great Barrier Reef." left out the article every
    sentence of the notes gives it."""
    reefs = _passages("The Great Barrier Reef lies off Australia. Divers visit the Great Barrier Reef every year.",
                      "A fringing reef grows close to the shore; fringing reefs are the commonest.")
    assert opening(_at("Kinds of reef", ["Great Barrier Reef"]), "Great Barrier Reef", reefs) == (
        "Kinds of reef: let us start with the Great Barrier Reef. ")
    assert opening(_at("Reefs", ["fringing reef"]), "fringing reef", reefs) == "Reefs: let us start with the fringing reef. "
    leaves = _passages("Photosynthesis makes sugar. In photosynthesis, light splits water. The photosynthesis of algae")
    assert with_article("photosynthesis", leaves[0].text) == "photosynthesis"
    assert with_article("chlorophyll", leaves[0].text) == "chlorophyll"  # never written: as it is
    assert with_article("The Terror", "It was known as the Terror.") == "The Terror"  # its own article
    # Counted ("each chloroplast", "chloroplasts"), it is a thing: "let us start with chloroplast" read wrong.
    assert with_article("chloroplast", "Each chloroplast holds thylakoids. Leaves have many chloroplasts.") == (
        "the chloroplast")
    assert with_article("leaves", "Leaves look green. The cells of leaves hold chloroplasts.") == "leaves"
    review = _at("Reefs", ["fringing reef"])
    review.reviewing = True
    assert opening(review, "fringing reef", reefs) == "Let us review the fringing reef. "


def test_later_concepts_of_a_section_open_with_next():
    assert opening(_at("Antibodies and memory", ["plasma cell", "antibody"], 1), "antibody", NONE) == "Next: antibody. "
