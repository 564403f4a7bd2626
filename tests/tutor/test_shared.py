"""A shared session on the tutor socket (SPEC 11): members connect with their role, a viewer
sees everything live and writes nothing, an editor's turns are attributed to them, only the
owner ends the session and moves mastery, and a removed member's socket closes at once."""
from __future__ import annotations

import time

import httpx
import pytest

from sessions_app.models import ConceptMastery, Message, SessionEvent, TutorSession
from tests.conftest import access_token
from tests.support.scripted_llm import reply
from tests.support.sharing import share
from tests.tutor.client import of_type

WRITES = [
    {"type": "user.message", "client_id": "v-1", "text": "Can I write?"},
    {"type": "quiz.answer", "question_id": 1, "option_index": 0},
    {"type": "next"}, {"type": "help", "mode": "stuck"}, {"type": "pace", "value": 1.2},
    {"type": "board.click", "object_id": "anything"}, {"type": "cancel", "turn_id": "t-x"},
    {"type": "session.end"},
]


@pytest.fixture
def people(tutor_session):
    return share(tutor_session)


def started(client) -> dict:
    client.send({"type": "hello", "resume_from": 0})
    return client.until_type("session.state")[-1]


def events(frames: list[dict]) -> list[dict]:
    """The stored events among frames (what every socket of the session must see alike)."""
    return [f for f in frames if f.get("seq") is not None and f["type"] != "session.state"]


def person(user, role: str) -> dict:
    return {"user_id": user.pk, "username": user.username, "role": role}


def test_members_connect_with_their_role_and_outsiders_are_refused_as_before(connect, tutor_session, people,
                                                                               learner, other_learner):
    for user, role in ((learner, "owner"), (people["editor"], "editor"), (people["viewer"], "viewer")):
        assert started(connect(tutor_session.pk, user=user))["role"] == role
    assert connect(tutor_session.pk, user=other_learner).close_code() == 4403
    assert connect(999_999_999, user=people["viewer"]).close_code() == 4404


def test_every_write_of_a_viewer_is_refused_to_it_alone_and_nothing_is_stored(connect, tutor_session, people):
    viewer = connect(tutor_session.pk, user=people["viewer"])
    started(viewer)
    for frame in WRITES:
        viewer.send(frame)
        error = viewer.until_type("error")[-1]
        assert (error["code"], error["seq"], error["retryable"]) == ("read_only", None, False), frame
        assert error["in_reply_to"] == frame.get("client_id", frame["type"])
    assert not SessionEvent.objects.filter(session=tutor_session).exists()
    assert not Message.objects.filter(session=tutor_session).exists()
    assert TutorSession.objects.get(pk=tutor_session.pk).status == "active"


def test_a_viewer_sees_the_owners_turn_live_exactly_as_the_owner_does(connect, tutor_session, people, learner, llm):
    words = [f"light{i} " for i in range(8)]
    llm.script(reply("".join(words), chunks=words, chunk_delay=0.02))
    owner, viewer = connect(tutor_session.pk), connect(tutor_session.pk, user=people["viewer"])
    started(owner)
    state = started(viewer)
    assert state["participants"] == [person(learner, "owner"), person(people["viewer"], "viewer")]
    owner.send({"type": "user.message", "client_id": "m1", "text": "Why are leaves green?"})
    seen_by_owner, seen_by_viewer = owner.until_type("turn.completed"), viewer.until_type("turn.completed")
    assert events(seen_by_owner) == events(seen_by_viewer)
    turn = of_type(seen_by_viewer, "turn.started")[0]
    assert turn["asked_by"] == person(learner, "owner") and turn["text"] == "Why are leaves green?"
    assert "".join(f["text"] for f in of_type(seen_by_viewer, "text.delta")) == "".join(words)


def test_an_editors_message_is_attributed_and_seen_by_all_but_it_cannot_end(connect, client_for, tutor_session,
                                                                              people, llm):
    llm.script(reply("Because of chlorophyll [1].", chunk_delay=0.01))
    editor_user = people["editor"]
    owner, editor = connect(tutor_session.pk), connect(tutor_session.pk, user=editor_user)
    viewer = connect(tutor_session.pk, user=people["viewer"])
    for client in (owner, editor, viewer):
        started(client)
    editor.send({"type": "user.message", "client_id": "e1", "text": "What makes leaves green?"})
    frames = {name: c.until_type("turn.completed") for name, c in (("o", owner), ("e", editor), ("v", viewer))}
    assert events(frames["o"]) == events(frames["e"]) == events(frames["v"])
    assert of_type(frames["v"], "turn.started")[0]["asked_by"] == person(editor_user, "editor")
    said = Message.objects.get(session=tutor_session, client_id="e1")
    assert (said.author_id, said.author_role) == (editor_user.pk, "editor")
    history = started(connect(tutor_session.pk))["history"]
    assert history[0]["author"] == person(editor_user, "editor") and history[1]["author"] is None
    listed = client_for(people["viewer"]).get(f"/api/v1/sessions/{tutor_session.pk}/messages/").json()
    assert listed["results"][0]["author"] == person(editor_user, "editor")
    editor.send({"type": "session.end"})
    error = editor.until_type("error")[-1]
    assert (error["code"], error["seq"]) == ("owner_only", None)
    assert TutorSession.objects.get(pk=tutor_session.pk).status == "active"


def test_presence_tells_everyone_who_comes_and_goes(connect, tutor_session, people, learner):
    owner = connect(tutor_session.pk)
    started(owner)
    editor = connect(tutor_session.pk, user=people["editor"])
    started(editor)
    both = [person(learner, "owner"), person(people["editor"], "editor")]
    assert owner.until_type("presence")[-1]["participants"] == both
    editor.close()
    assert owner.until_type("presence")[-1]["participants"] == [person(learner, "owner")]


@pytest.mark.parametrize("how", ["removed", "invite_revoked"])
def test_a_members_socket_closes_within_a_second_when_removed_or_their_invite_is_revoked(
        connect, tutor_server, tutor_session, people, learner, how):
    from sessions_app.models import SessionMember

    viewer = connect(tutor_session.pk, user=people["viewer"])
    started(viewer)
    code = SessionMember.objects.get(session=tutor_session, user=people["viewer"]).invite.code
    path = (f"sessions/{tutor_session.pk}/members/{people['viewer'].pk}/" if how == "removed"
            else f"invites/{code}/")
    asked_at = time.monotonic()
    response = httpx.delete(f"{tutor_server}/api/v1/{path}", headers={"Authorization": f"Bearer {access_token(learner)}"})
    assert response.status_code == 204
    assert viewer.close_code(timeout=5) == 4403
    assert time.monotonic() - asked_at < 1.0
    assert connect(tutor_session.pk, user=people["viewer"]).close_code() == 4403


def test_an_editors_answer_is_graded_for_all_and_moves_no_mastery(connect, offline_server, tutor_session, people):
    owner = connect(tutor_session.pk, url=offline_server)
    editor = connect(tutor_session.pk, user=people["editor"], url=offline_server)
    for client in (owner, editor):
        started(client)
    owner.send({"type": "pace", "value": 1.5})
    owner.until_type("turn.completed")
    question = None
    while question is None:  # the offline lesson explains, then asks
        owner.send({"type": "next"})
        asked = of_type(owner.until_type("turn.completed"), "question")
        question = asked[0]["question"] if asked else None
    editor.send({"type": "quiz.answer", "question_id": question["id"], "option_index": 0})
    graded = owner.until_type("turn.completed")
    [feedback] = of_type(graded, "feedback")
    assert feedback["author"] == person(people["editor"], "editor")
    assert not of_type(graded, "mastery.updated")
    assert not ConceptMastery.objects.filter(folder=tutor_session.folder, attempts__gt=0).exists()
