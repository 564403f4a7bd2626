"""How a lesson turn opens when it moves to a new part of the plan (plain functions, no socket)."""
from __future__ import annotations

from agents_app.schemas import FocusObjective
from sessions_app.context import TutorContext
from sessions_app.tutor.flow import opening


def _at(title: str, concepts: list[str], position: int = 0) -> TutorContext:
    focus = FocusObjective(objective_id="o1", title=title, concepts=concepts, difficulty="easy", position=0)
    return TutorContext(focus=focus, concept_position=position)


def test_a_section_opens_with_its_heading_and_first_concept():
    assert opening(_at("Antibodies and memory", ["plasma cell"]), "plasma cell") == (
        "Antibodies and memory: let us start with plasma cell. ")


def test_a_heading_that_names_the_concept_is_said_once_in_its_own_words():
    """"The immune system: let us start with immune system." said the concept twice, once
    without its article."""
    assert opening(_at("Notes > The immune system", ["immune system"]), "immune system") == (
        "Let us start with the immune system. ")
    assert opening(_at("Photosynthesis", ["photosynthesis"]), "photosynthesis") == "Let us start with photosynthesis. "
    assert opening(_at("What a vaccine does", ["vaccine"]), "vaccine") == "What a vaccine does: let us start with vaccine. "


def test_later_concepts_of_a_section_open_with_next():
    assert opening(_at("Antibodies and memory", ["plasma cell", "antibody"], 1), "antibody") == "Next: antibody. "
