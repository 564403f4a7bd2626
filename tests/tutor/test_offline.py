"""With no model configured (the embedded default) a lesson still runs, on the offline
engine, honestly labelled: plan, cited explanations, a question graded without a model."""
from __future__ import annotations

from sessions_app.models import Question
from tests.tutor.client import of_type


def test_a_lesson_runs_offline(connect, offline_server, tutor_session):
    client = connect(tutor_session.pk, url=offline_server)
    client.send({"type": "pace", "value": 1.5})
    client.until_type("turn.completed")
    client.send({"type": "next"})
    explained = client.until_type("turn.completed")[-1]
    assert explained["status"] == "complete" and explained["content"]["offline"] is True
    assert explained["content"]["text"].startswith("(offline mode)")
    assert explained["citations"]
    client.send({"type": "next"})
    frames = client.until_type("turn.completed")
    question = of_type(frames, "question")[0]["question"]
    assert question["kind"] == "mcq" and len(question["options"]) >= 3
    asked = frames[-1]
    assert asked["kind"] == "question" and asked["citations"][0]["quote"]  # the passage it was made from
    client.send({"type": "quiz.answer", "question_id": question["id"], "option_index": 0})
    graded = client.until_type("turn.completed")
    assert of_type(graded, "feedback") and of_type(graded, "mastery.updated")
    state_plan = tutor_session.folder.lesson_plan.data
    assert state_plan["sections"]  # the plan was made offline and stored for the folder


def test_a_new_section_opens_naming_its_first_concept_as_the_documents_do(connect, offline_server, tutor_session):
    """"Chloroplasts and chlorophyll: let us start with chloroplast." read wrong: the notes write
    "the chloroplast" and "each chloroplast" (the opening reads the passages it teaches from)."""
    client = connect(tutor_session.pk, url=offline_server)
    opened = []
    while len(opened) < 2:
        client.send({"type": "next"})
        frames = client.until_type("turn.completed")
        if asked := of_type(frames, "question"):  # answered right, so the lesson moves on
            question = asked[0]["question"]
            right = Question.objects.get(pk=question["id"]).correct_index
            client.send({"type": "quiz.answer", "question_id": question["id"], "option_index": right})
            client.until_type("turn.completed")
        elif "let us start with" in frames[-1]["content"]["text"]:
            opened.append(frames[-1]["content"]["text"])
    assert opened[0].startswith("(offline mode) What photosynthesis does: let us start with photosynthesis. ")
    assert opened[1].startswith("(offline mode) Chloroplasts and chlorophyll: let us start with the chloroplast. ")
