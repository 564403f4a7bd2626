"""A whole lesson over a real socket, with the real openai client against the scripted server:
plan, streamed explanations, multiple-choice questions graded without a model, mastery
moving the right way, the plan's ending and a review, session end and a stored session analysis.

The Daphne process runs Celery tasks eagerly (CELERY_TASK_ALWAYS_EAGER=1, see conftest):
the analysis runs in-process right after session.end commits, not in a separate worker.
"""
from __future__ import annotations


from tests.support.scripted_llm import json_reply, reply
from sessions_app.models import Answer, ConceptMastery, Message, SessionAnalysis
from tests.support.waiting import wait_for
from tests.tutor.client import of_type

EXPLANATION = "Chlorophyll is the green pigment of the chloroplast [1]. It absorbs red and blue light [1]."
SENTENCE = "It absorbs red and blue light strongly and reflects green light, which is why leaves look green to us."


def analysis_json(chunk_id: int) -> dict:
    return {
        "summary": "How plants turn light into sugar.",
        "concepts": [{"name": "Chlorophyll", "definition": "The green pigment that absorbs light.",
                      "importance": 5, "source_chunk_ids": [chunk_id]}],
        "key_terms": [{"term": "chloroplast", "definition": "The organelle where photosynthesis happens."}],
        "suggested_difficulty": "easy",
    }


PLAN = {
    "title": "Photosynthesis", "description": "Light, pigments and sugar.",
    "sections": [{"title": "Pigments", "objectives": [{
        "id": "chlorophyll", "title": "What chlorophyll does", "description": "Why leaves are green.",
        "concepts": ["Chlorophyll"], "prerequisites": [], "estimated_minutes": 5}]}],
}


def quiz_json(chunk_id: int, prompt: str) -> dict:
    return {"title": "Check", "questions": [{
        "kind": "mcq", "prompt": prompt, "options": ["Green", "Red and blue", "Only yellow", "None"],
        "correct_index": 1, "reference_answer": "", "rubric": [], "concept": "Chlorophyll", "chunk_id": chunk_id,
        "quote": SENTENCE, "difficulty": "easy"}]}


ANALYSIS = {"summary": "A short, focused session on chlorophyll.", "effectiveness": 72,
            "strengths": ["Answered the first question correctly"], "gaps": ["Mixed up absorbed colours"],
            "concept_changes": [], "recommendations": ["Review which colours chlorophyll absorbs."]}


def completed(client) -> dict:
    return client.until_type("turn.completed")[-1]


def test_a_whole_lesson_runs_from_plan_to_stored_analysis(connect, tutor_session, folder, llm, api):
    pigment_chunk = folder.documents.get().chunks.get(section="Chloroplasts and chlorophyll").pk
    llm.script(
        json_reply(analysis_json(pigment_chunk)), json_reply(PLAN),
        reply(EXPLANATION, chunk_delay=0.015),
        json_reply(quiz_json(pigment_chunk, "Which light does chlorophyll absorb strongly?")),
        reply(EXPLANATION, chunk_delay=0.015),
        json_reply(quiz_json(pigment_chunk, "Chlorophyll mostly takes in which colours of light?")),
        json_reply(ANALYSIS),
    )
    client = connect(tutor_session.pk)
    assert client.recv()["type"] == "session.state"

    client.send({"type": "pace", "value": 1.5})  # at this pace the tutor checks after every explanation
    assert completed(client)["kind"] == "message"

    client.send({"type": "next"})
    frames = client.until_type("turn.completed")
    explained = frames[-1]
    assert (explained["kind"], explained["status"]) == ("explanation", "complete")
    assert len(of_type(frames, "text.delta")) >= 2
    assert "".join(d["text"] for d in of_type(frames, "text.delta")) == EXPLANATION
    assert explained["citations"][0]["chunk_id"] == pigment_chunk
    assert explained["content"]["plan"]["title"] == "Photosynthesis"  # planned in this turn
    assert explained["content"]["focus"]["objective_id"] == "chlorophyll"

    before = ConceptMastery.objects.filter(concept="Chlorophyll").first()
    assert before is None  # nothing practised yet
    first = ask(client)
    client.send({"type": "quiz.answer", "question_id": first["id"], "option_index": 1})
    right = client.until_type("turn.completed")
    assert of_type(right, "board.updated")[0]["object_ids"]  # feedback marks drawn beside the question
    feedback = of_type(right, "feedback")[0]
    assert (feedback["correct"], feedback["correct_option_index"]) == (True, 1)
    up = of_type(right, "mastery.updated")[0]["changes"][0]
    assert up["concept"] == "Chlorophyll" and up["after"] > up["before"]

    client.send({"type": "next"})  # the plan's one concept is done: its ending, then a review
    summary = completed(client)
    assert summary["kind"] == "summary" and summary["content"]["summary"]["covered"] == ["Chlorophyll"]
    client.send({"type": "next"})
    review = completed(client)
    assert review["kind"] == "explanation" and review["content"]["lesson"]["review"] is True
    second = ask(client)
    client.send({"type": "quiz.answer", "question_id": second["id"], "option_index": 0})
    wrong = client.until_type("turn.completed")
    assert of_type(wrong, "feedback")[0]["correct"] is False
    down = of_type(wrong, "mastery.updated")[0]["changes"][0]
    assert down["before"] == up["after"] and down["after"] < down["before"]

    mastery = ConceptMastery.objects.get(concept="Chlorophyll")
    assert (mastery.attempts, mastery.correct, round(mastery.p_known, 4)) == (2, 1, down["after"])
    assert list(Answer.objects.filter(session=tutor_session).values_list("correct", flat=True)) == [True, False]

    client.send({"type": "session.end"})
    ended = client.until_type("session.ended")[-1]
    assert ended["analysis_status"] == "queued"
    analysis = wait_for_analysis(tutor_session)
    assert analysis.result["effectiveness"] == 72
    assert analysis.result["concept_changes"] == [{"concept": "Chlorophyll", "before": up["before"],
                                                   "after": down["after"]}]
    response = api.get(f"/api/v1/sessions/{tutor_session.pk}/analysis/")
    assert response.status_code == 200 and response.json()["status"] == "done"
    assert Message.objects.filter(session=tutor_session, role="tutor").count() == 8
    assert llm.remaining == 0


def ask(client) -> dict:
    client.send({"type": "next"})
    frames = client.until_type("turn.completed")
    asked = of_type(frames, "question")[0]
    question = asked["question"]
    # Drawn on the board: one clickable object per option (and the question text, frame).
    assert len([i for i in asked["board_object_ids"] if "-opt-" in i]) == 4
    assert frames[-1]["kind"] == "question"
    assert question["kind"] == "mcq" and len(question["options"]) == 4
    assert "correct_index" not in question
    return question


def wait_for_analysis(session, timeout: float = 10.0) -> SessionAnalysis:
    return wait_for(lambda: SessionAnalysis.objects.filter(session=session, status="done").first(), timeout,
                    "a finished session analysis")
