"""GET sessions/{id}/analysis/: the owner's session analysis or its status; 404 for anyone else."""
from __future__ import annotations

import pytest

from sessions_app import actions
from sessions_app.models import SessionAnalysis


@pytest.fixture
def session(db, learner):
    return actions.start_session(learner, actions.create_folder(learner, name="Biology"))


def test_it_serves_the_analysis_status_and_result_to_the_owner(api, session):
    assert api.get(f"/api/v1/sessions/{session.pk}/analysis/").json()["code"] == "not_analysed"
    SessionAnalysis.objects.create(session=session, status="done", result={"effectiveness": 80})
    body = api.get(f"/api/v1/sessions/{session.pk}/analysis/").json()
    assert (body["session_id"], body["status"], body["result"]) == (session.pk, "done", {"effectiveness": 80})


def test_it_is_not_found_for_another_learner(client_for, other_learner, session):
    SessionAnalysis.objects.create(session=session, status="done", result={"effectiveness": 80})
    response = client_for(other_learner).get(f"/api/v1/sessions/{session.pk}/analysis/")
    assert response.status_code == 404 and "effectiveness" not in response.content.decode()


@pytest.mark.django_db(transaction=True)  # the task reads its agent's config on another thread's connection
def test_the_analysis_task_runs_once_and_marks_the_session_analysed(session):
    from sessions_app.tasks import analyse_session

    analysis = actions.end_session(session)  # queued after commit: never, in this test's transaction
    analyse_session(analysis.pk)  # offline engine: no model configured in tests
    analysis.refresh_from_db()
    session.refresh_from_db()
    assert (analysis.status, session.status) == ("done", "analysed")
    assert analysis.result["recommendations"]
    finished = analysis.finished_at
    analyse_session(analysis.pk)  # a redelivered task finds the row claimed and does nothing
    analysis.refresh_from_db()
    assert analysis.finished_at == finished
