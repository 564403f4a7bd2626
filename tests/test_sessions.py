import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from sessions_app import actions
from sessions_app.context import HistoryEntry, TutorContext
from sessions_app.models import Folder, Message, TutorSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def folder(learner):
    return actions.create_folder(learner, name="Physics")


def test_it_creates_reads_lists_and_ends_a_session(api, folder):
    created = api.post("/api/v1/sessions/", {"folder_id": folder.pk}, format="json")
    assert created.status_code == 201
    session = created.json()
    assert session["status"] == "active" and session["folder_id"] == folder.pk and session["pace"] == 1.0

    assert api.get(f"/api/v1/sessions/{session['id']}/").json()["id"] == session["id"]
    assert [s["id"] for s in api.get("/api/v1/sessions/").json()["results"]] == [session["id"]]

    ended = api.post(f"/api/v1/sessions/{session['id']}/end/")
    assert ended.status_code == 200 and ended.json()["status"] == "ended" and ended.json()["ended_at"]
    again = api.post(f"/api/v1/sessions/{session['id']}/end/")
    assert again.json()["ended_at"] == ended.json()["ended_at"]


@pytest.mark.parametrize("body", [{}, {"folder_id": "abc"}, {"folder_id": 999_999}])
def test_it_rejects_a_session_without_a_usable_folder(api, body):
    response = api.post("/api/v1/sessions/", body, format="json")
    assert response.status_code == 400 and "folder_id" in response.json()["fields"]
    assert TutorSession.objects.count() == 0


def test_a_session_cannot_be_started_on_a_deleted_folder(api, folder):
    actions.delete_folder(folder)
    assert api.post("/api/v1/sessions/", {"folder_id": folder.pk}, format="json").status_code == 400


def add_messages(session: TutorSession, count: int) -> None:
    Message.objects.bulk_create(
        Message(session=session, seq=seq, role="learner" if seq % 2 else "tutor", kind="message", text=f"m{seq}")
        for seq in range(1, count + 1)
    )


def test_it_pages_message_history_backwards_oldest_first_within_a_page(api, learner, folder):
    session = actions.start_session(learner, folder)
    add_messages(session, 12)
    url = f"/api/v1/sessions/{session.pk}/messages/"

    latest = api.get(url, {"limit": 5}).json()
    assert [m["seq"] for m in latest["results"]] == [8, 9, 10, 11, 12]
    assert latest["has_more"] and latest["next_before"] == 8

    older = api.get(url, {"limit": 5, "before": 8}).json()
    assert [m["seq"] for m in older["results"]] == [3, 4, 5, 6, 7]
    oldest = api.get(url, {"limit": 5, "before": 3}).json()
    assert [m["seq"] for m in oldest["results"]] == [1, 2]
    assert oldest["has_more"] is False and oldest["next_before"] is None


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 500}, {"before": "x"}, {"before": -1}])
def test_it_rejects_bad_history_parameters(api, learner, folder, query):
    session = actions.start_session(learner, folder)
    response = api.get(f"/api/v1/sessions/{session.pk}/messages/", query)
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_an_invalid_tutor_context_is_never_stored(learner, folder):
    session = actions.start_session(learner, folder)
    session.context.history.append(HistoryEntry(role="user", content="hi"))
    session.save()
    session.refresh_from_db()
    assert isinstance(session.context, TutorContext) and session.context.history[0].content == "hi"

    TutorSession.objects.filter(pk=session.pk).update(context={**session.context.model_dump(mode="json")})
    for bad in ({"last_action": "next"}, {"pace": 3.0}, {"unknown_field": 1}, {"history": [{"role": "x"}]}):
        with pytest.raises(ValidationError), transaction.atomic():
            TutorSession.objects.filter(pk=session.pk).update(context=bad)
        with pytest.raises(ValidationError), transaction.atomic():
            session.context = bad  # type: ignore[assignment]
            session.save()
    session.refresh_from_db()
    assert session.context.pace == 1.0 and session.context.history[0].content == "hi"
    assert Folder.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_ending_over_rest_queues_the_analysis_once_and_tells_the_sockets(api, learner):
    from sessions_app.models import SessionAnalysis, SessionEvent

    folder = actions.create_folder(learner, name="Optics")
    session = actions.start_session(learner, folder)
    assert api.post(f"/api/v1/sessions/{session.pk}/end/").status_code == 200
    api.post(f"/api/v1/sessions/{session.pk}/end/")
    analysis = SessionAnalysis.objects.get(session=session)  # one, however often it is ended
    assert analysis.status == "done"  # Celery runs eagerly here; the offline engine analysed it
    assert SessionEvent.objects.filter(session=session, type="session.ended").exists()
    assert api.get(f"/api/v1/sessions/{session.pk}/analysis/").json()["status"] == "done"
