"""`manage.py export_session <id>`: one session as a JSON document."""
import json

import pytest
from django.core.management import CommandError
from django.db import transaction

from sessions_app import actions
from sessions_app.context import TutorContext
from whiteboard_app import actions as board_actions
from whiteboard_app.skills import draw_mcq
from tests.support.commands import command_output

# Committed for real: the analysis reads its agent's config on another thread's connection.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def session(learner, django_capture_on_commit_callbacks):
    """A session with a turn, a drawn question, a graded concept, ended and analysed."""
    session = actions.start_session(learner, actions.create_folder(learner, name="Biology"))
    actions.receive_learner_message(session, client_id="c-1", text="What is chlorophyll?", turn_id="t-1")
    actions.finish_turn(session, TutorContext(), turn_id="t-1", kind="explanation", status="complete",
                        text="A green pigment.")
    board_actions.draw_on_board(session.pk, lambda ctx, state: draw_mcq(ctx, "Which gas?", ["O2", "CO2"],
                                                                       question_id="q1"))
    with transaction.atomic():
        actions.update_mastery(learner.pk, session.folder_id, "chlorophyll", True)
    with django_capture_on_commit_callbacks(execute=True):
        actions.end_session(session)  # eager Celery: the offline engine analyses it
    return session


def export(*args: str) -> str:
    return command_output("export_session", *args)


def test_it_writes_the_session_transcript_events_board_analysis_and_mastery(session):
    document = json.loads(export(str(session.pk)))
    assert document["session"]["id"] == session.pk and document["session"]["status"] == "analysed"
    assert document["session"]["learner"]["username"] == "ada"
    assert document["session"]["folder"]["name"] == "Biology"
    assert [(m["seq"], m["role"], m["text"]) for m in document["messages"]] == [
        (1, "learner", "What is chlorophyll?"), (2, "tutor", "A green pigment.")]
    assert [e["seq"] for e in document["events"]] == list(range(1, len(document["events"]) + 1))
    assert [e["type"] for e in document["events"]] == ["turn.started", "turn.completed", "session.ended"]
    assert "mcq-q1-opt-1" in document["board"]["objects"] and document["board"]["seq"] >= 1
    assert document["analysis"]["status"] == "done" and document["analysis"]["result"]
    mastery = {m["concept"]: m for m in document["mastery"]}
    assert mastery["chlorophyll"]["attempts"] == 1 and mastery["chlorophyll"]["p_known"] > 0.2


def test_a_session_never_ended_or_drawn_on_exports_without_analysis_and_an_empty_board(learner):
    session = actions.start_session(learner, actions.create_folder(learner, name="Optics"))
    document = json.loads(export(str(session.pk)))
    assert document["analysis"] is None
    assert document["board"] == {"seq": 0, "objects": {}, "ephemeral": {}, "invalid": []}
    assert document["messages"] == [] and document["events"] == [] and document["mastery"] == []


def test_output_writes_the_same_document_to_a_file(session, tmp_path):
    target = tmp_path / "session.json"
    assert f"Wrote session {session.pk}" in export(str(session.pk), "--output", str(target))
    written = json.loads(target.read_text(encoding="utf-8"))
    assert written["session"]["id"] == session.pk and len(written["messages"]) == 2


def test_an_unknown_id_is_a_clear_error(db):
    with pytest.raises(CommandError, match="no tutor session with id 999"):
        export("999")


def test_an_unwritable_output_is_a_clear_error(session, tmp_path):
    with pytest.raises(CommandError, match="cannot write"):
        export(str(session.pk), "--output", str(tmp_path / "missing" / "session.json"))
