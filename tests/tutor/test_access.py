"""Who may open the tutor socket: close codes after accept (SPEC 6)."""
from __future__ import annotations

from tests.conftest import access_token


def test_it_greets_the_owner_with_the_session_state(connect, tutor_session):
    client = connect(tutor_session.pk)
    state = client.recv()
    assert state["type"] == "session.state"
    assert state["session"] == {"id": tutor_session.pk, "status": "active", "folder_id": tutor_session.folder_id}
    assert state["last_seq"] == state["seq"]


def test_it_closes_4403_for_another_learners_session(connect, tutor_session, other_learner):
    assert connect(tutor_session.pk, user=other_learner).close_code() == 4403


def test_it_closes_4401_for_a_bad_token(connect, tutor_session):
    assert connect(tutor_session.pk, token="not-a-jwt").close_code() == 4401


def test_it_closes_4401_without_a_token(connect, tutor_session):
    assert connect(tutor_session.pk, user=None).close_code() == 4401


def test_it_closes_4404_for_an_unknown_or_malformed_session(connect, tutor_session):
    assert connect(tutor_session.pk + 1000).close_code() == 4404
    assert connect("abc").close_code() == 4404


def test_it_accepts_the_token_in_an_authorization_header(connect, tutor_session, learner):
    client = connect(tutor_session.pk, user=None, additional_headers={"Authorization": f"Bearer {access_token(learner)}"})
    assert client.recv()["type"] == "session.state"
