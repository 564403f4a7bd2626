"""Simulated learners run whole offline lessons over the real socket, on documents ingested
through the real upload path, and every lesson keeps the invariants of SPEC 6 ("the lesson
always moves"): no repeated turn, regular questions, forward only, one ending with its summary.
A sample of personas x documents; bench/simulated_learners.py runs them all."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agents_app.text import sentences
from sessions_app import actions
from sessions_app.models import Document, Question
from tests.samples import upload
from tests.support.learners import PERSONAS, Key, run_lesson, transcript, violations
from tests.conftest import access_token
from tests.support.servers import daphne, wait_until_zero
from tests.tutor.client import TutorClient, of_type

DOCS = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "docs").glob("*.md"))
NAMES = list(PERSONAS)
# Every persona on two documents, every document at least twice: 16 lessons.
SAMPLE = [(NAMES[i], DOCS[(i + shift) % len(DOCS)].name) for i in range(len(NAMES)) for shift in (0, 3)]


@pytest.fixture(scope="module")
def offline_server(django_db_setup, django_db_blocker) -> Iterator[str]:
    # A simulated learner answers within milliseconds, faster than the frame limit meant for
    # people (a frame dropped within a second of the last notice gets no second notice).
    with daphne(OPENAI_API_KEY="", CELERY_TASK_ALWAYS_EAGER="1", TUTOR_WS_FRAMES_PER_SECOND="500",
                TUTOR_WS_FRAME_BURST="500") as url:
        yield url


def answer_key(question_id: int) -> Key:
    question = Question.objects.get(pk=question_id)
    return Key(question.correct_index, question.reference_answer or question.quote)


def ingest(api, learner, path: Path):
    folder = actions.create_folder(learner, name=path.stem)
    response = api.post(f"/api/v1/folders/{folder.pk}/documents/", {"files": [upload(path.name, path.read_bytes())]},
                        format="multipart")
    assert response.status_code == 201, response.json()
    assert Document.objects.get(folder=folder).status == "ready"
    return folder


@pytest.mark.parametrize(("persona", "document"), SAMPLE)
def test_a_simulated_learner_keeps_every_invariant(persona, document, api, learner, connect, offline_server,
                                                  media_root, transactional_db):
    path = next(p for p in DOCS if p.name == document)
    session = actions.start_session(learner, ingest(api, learner, path))
    lesson = run_lesson(connect(session.pk, url=offline_server), PERSONAS[persona], answer_key,
                        sentences(path.read_text()), seed=len(document))
    found = violations(lesson, PERSONAS[persona])
    assert not found, f"{found}\n{transcript(lesson)}"
    assert lesson.questions > 0


def test_a_pace_changed_between_turns_still_brings_a_question_every_four_lesson_turns(
        api, learner, connect, offline_server, media_root, transactional_db):
    """Regression: on this document and rhythm the pace went to 1.5 before a feedback, a concept
    was moved past with nothing to ask, and the pace went to 0.75 before the next `next`: the
    slower pace explained once more, the fourth lesson turn without a question."""
    path = next(p for p in DOCS if p.name == "newtons_laws.md")
    session = actions.start_session(learner, ingest(api, learner, path))
    lesson = run_lesson(connect(session.pk, url=offline_server), PERSONAS["changes_pace"], answer_key, [], seed=0)
    assert lesson.ended and not violations(lesson, PERSONAS["changes_pace"]), transcript(lesson)


def test_a_missed_question_brings_a_simpler_explanation_an_example_a_new_question_then_the_next_concept(
        api, learner, connect, offline_server, media_root, transactional_db):
    session = actions.start_session(learner, ingest(api, learner, DOCS[0]))
    lesson = run_lesson(connect(session.pk, url=offline_server), PERSONAS["always_wrong"], answer_key, [],
                        max_turns=8)
    moves = [(t.kind, t.content.get("action")) for t in lesson.turns]
    assert moves == [("explanation", "explain"), ("question", None), ("feedback", None),
                     ("explanation", "help_simpler"), ("explanation", "example"), ("question", None),
                     ("feedback", None), ("explanation", "explain")]
    first, second = lesson.turns[1].content["_question"], lesson.turns[5].content["_question"]
    assert first["concept"] == second["concept"] and first["prompt"] != second["prompt"]
    assert lesson.turns[7].content["lesson"]["concept"] != first["concept"]  # left for review: the lesson moves on


def test_next_after_the_summary_starts_a_review_of_the_weakest(api, learner, connect, offline_server, media_root, transactional_db):
    path = DOCS[0]
    session = actions.start_session(learner, ingest(api, learner, path))
    client = connect(session.pk, url=offline_server)
    lesson = run_lesson(client, PERSONAS["always_wrong"], answer_key, [])
    summary = lesson.turns[-1]
    assert summary.kind == "summary" and summary.content["summary"]["weakest"]
    assert "To review first" in summary.text and "Send next to review" in summary.text
    client.send({"type": "next"})
    review = client.until_type("turn.completed")[-1]
    assert review["content"]["lesson"]["review"] is True
    assert review["content"]["lesson"]["concept"] == summary.content["summary"]["weakest"][0]


def test_the_first_session_state_carries_the_folders_plan_and_focus(api, learner, connect, offline_server,
                                                                    media_root, transactional_db):
    folder = ingest(api, learner, DOCS[0])
    session = actions.start_session(learner, folder)
    state = connect(session.pk, url=offline_server).until_type("session.state")[-1]
    assert state["plan"] == folder.lesson_plan.data
    first = state["plan"]["sections"][0]["objectives"][0]
    assert state["focus"]["objective_id"] == first["id"] and state["focus"]["position"] == 0


def test_offline_turns_are_limited_by_the_frame_rate_alone(api, learner, media_root, transactional_db):
    """With no model, next / help / pace are no model turns: a budget of 2 a minute is not touched."""
    session = actions.start_session(learner, ingest(api, learner, DOCS[0]))
    with daphne(OPENAI_API_KEY="", TUTOR_LLM_TURNS_PER_MINUTE="2") as url:
        client = TutorClient(url, session.pk, access_token(learner))
        try:
            for frame in [{"type": "next"}, {"type": "help", "mode": "stuck"}, {"type": "next"},
                          {"type": "pace", "value": 0.5}, {"type": "next"}]:
                client.send(frame)
                client.until_type("turn.completed")
            assert not of_type(client.frames, "error")
        finally:
            client.close()
        wait_until_zero(url, 'tutor_websocket_connections{socket="tutor"}', "tutor_turns_running")
