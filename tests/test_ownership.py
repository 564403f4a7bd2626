"""Every endpoint walked as another learner (404, nothing changes) and anonymously (401)."""
from datetime import timedelta

import pytest

from agents_app.models import Job
from sessions_app import actions
from sessions_app.models import (
    Document, Folder, Message, Question, Quiz, QuizAttempt, SessionInvite, SessionMember, TutorSession,
)
from sessions_app.uploads import check_uploads
from tests.samples import pdf_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned(learner):
    folder = actions.create_folder(learner, name="Private")
    [document] = actions.add_documents(folder, check_uploads(folder, [upload("secret.pdf", pdf_bytes())]))
    session = actions.start_session(learner, folder)
    Message.objects.create(session=session, seq=1, role="learner", kind="message", text="secret question")
    job = Job.objects.create(owner=learner, kind="ingest", target={"document_id": document.pk})
    quiz = Quiz.objects.create(folder=folder, owner=learner, title="Secret quiz")
    question = Question.objects.create(quiz=quiz, kind="mcq", prompt="Secret?", options=["a", "b", "c"],
                                       correct_index=0, concept="secrets")
    invite = actions.create_invite(session, role="viewer", expires_in=timedelta(days=1))
    return {"folder": folder, "document": document, "session": session, "job": job, "quiz": quiz,
            "question": question, "invite": invite, "owner": learner}


def owner_endpoints(owned) -> list[tuple[str, str, dict | None]]:
    f, d, s, j, q = (owned[k].pk for k in ("folder", "document", "session", "job", "quiz"))
    answer = {"answers": [{"question_id": owned["question"].pk, "option_index": 0}]}
    return [
        ("get", f"/api/v1/folders/{f}/", None),
        ("patch", f"/api/v1/folders/{f}/", {"name": "pwned"}),
        ("delete", f"/api/v1/folders/{f}/", None),
        ("get", f"/api/v1/folders/{f}/documents/", None),
        ("post", f"/api/v1/folders/{f}/documents/", {"files": [upload("x.md", b"# x\n")]}),
        ("get", f"/api/v1/documents/{d}/", None),
        ("post", f"/api/v1/documents/{d}/reprocess/", None),
        ("delete", f"/api/v1/documents/{d}/", None),
        ("get", f"/api/v1/folders/{f}/analysis/", None),
        ("post", f"/api/v1/folders/{f}/analysis/", None),
        ("get", f"/api/v1/folders/{f}/lesson-plan/", None),
        ("post", f"/api/v1/folders/{f}/lesson-plan/", None),
        ("get", f"/api/v1/folders/{f}/search/?q=secret", None),
        ("get", f"/api/v1/sessions/{s}/", None),
        ("post", f"/api/v1/sessions/{s}/end/", None),
        ("get", f"/api/v1/sessions/{s}/messages/", None),
        ("get", f"/api/v1/sessions/{s}/analysis/", None),
        ("get", f"/api/v1/sessions/{s}/board/", None),
        ("get", f"/api/v1/sessions/{s}/board/snapshots/", None),
        ("get", f"/api/v1/sessions/{s}/board/at/?seq=0", None),
        ("get", f"/api/v1/sessions/{s}/board/export.svg", None),
        ("get", f"/api/v1/sessions/{s}/board/analytics/", None),
        ("get", f"/api/v1/jobs/{j}/", None),
        ("get", f"/api/v1/folders/{f}/quizzes/", None),
        ("post", f"/api/v1/folders/{f}/quizzes/", {"count": 1}),
        ("get", f"/api/v1/folders/{f}/mastery/", None),
        ("get", f"/api/v1/quizzes/{q}/", None),
        ("get", f"/api/v1/quizzes/{q}/attempts/", None),
        ("post", f"/api/v1/quizzes/{q}/attempts/", answer),
        ("get", f"/api/v1/sessions/{s}/invites/", None),
        ("post", f"/api/v1/sessions/{s}/invites/", {"role": "editor"}),
        ("get", f"/api/v1/sessions/{s}/members/", None),
        ("delete", f"/api/v1/sessions/{s}/members/{owned['owner'].pk}/", None),
        # The code is the invite's secret: GET and accept are for whoever holds it (tests/sharing).
        ("delete", f"/api/v1/invites/{owned['invite'].code}/", None),
    ]


def call(client, method, url, body):
    if method in ("post", "patch") and body and "files" in body:
        return getattr(client, method)(url, body, format="multipart")
    return getattr(client, method)(url, body, format="json") if body else getattr(client, method)(url)


def assert_nothing_changed(owned):
    folder = Folder.objects.get(pk=owned["folder"].pk)
    assert folder.name == "Private" and folder.deleted_at is None
    assert Document.objects.filter(folder=folder).count() == 1
    assert TutorSession.objects.get(pk=owned["session"].pk).status == "active"
    assert Quiz.objects.filter(folder=folder).count() == 1 and not QuizAttempt.objects.exists()
    assert [i.status for i in SessionInvite.objects.all()] == ["active"] and not SessionMember.objects.exists()


def test_another_learner_gets_404_everywhere_and_changes_nothing(owned, other_learner, client_for):
    intruder = client_for(other_learner)
    for method, url, body in owner_endpoints(owned):
        response = call(intruder, method, url, body)
        assert response.status_code == 404, (method, url, response.status_code)
        assert response.json()["code"] == "not_found"
    assert_nothing_changed(owned)


def test_another_learner_sees_none_of_it_in_lists_or_by_reference(owned, other_learner, client_for):
    intruder = client_for(other_learner)
    assert intruder.get("/api/v1/folders/").json()["count"] == 0
    assert intruder.get("/api/v1/sessions/").json()["count"] == 0
    response = intruder.post("/api/v1/sessions/", {"folder_id": owned["folder"].pk}, format="json")
    assert response.status_code == 400
    assert TutorSession.objects.count() == 1


def test_an_anonymous_client_gets_401_everywhere(owned, client_for):
    anonymous = client_for()
    endpoints = owner_endpoints(owned) + [
        ("get", "/api/v1/folders/", None), ("post", "/api/v1/folders/", {"name": "x"}),
        ("get", "/api/v1/sessions/", None), ("post", "/api/v1/sessions/", {"folder_id": 1}),
        ("get", "/api/v1/auth/me/", None),
    ]
    for method, url, body in endpoints:
        response = call(anonymous, method, url, body)
        assert response.status_code == 401, (method, url, response.status_code)
        assert response.json()["code"] == "not_authenticated"
    assert_nothing_changed(owned)


def test_the_owner_still_reaches_everything(owned, api):
    for method, url, _ in owner_endpoints(owned):
        if method != "get":
            continue
        response = api.get(url)
        if url.endswith("/analysis/") and "/sessions/" in url:  # an active session has none yet
            assert response.status_code == 404 and response.json()["code"] == "not_analysed"
        else:
            assert response.status_code == 200, url
