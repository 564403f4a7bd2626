"""Staff can work with every model in admin."""
import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model

from sessions_app import actions
from sessions_app.models import Message

pytestmark = pytest.mark.django_db

PROJECT_APPS = ("sessions_app", "agents_app", "whiteboard_app", "boards_app")


@pytest.fixture
def staff_client(client):
    staff = get_user_model().objects.create_superuser("staff", "staff@example.org", "staff-pass-123456")
    client.force_login(staff)
    return client


def test_every_project_model_is_registered_and_its_list_loads_with_search(staff_client):
    models = [m for app in PROJECT_APPS for m in apps.get_app_config(app).get_models()]
    assert models
    for model in models:
        assert admin.site.is_registered(model), model
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert staff_client.get(url).status_code == 200, url
        if admin.site._registry[model].search_fields:
            assert staff_client.get(url, {"q": "x"}).status_code == 200, url


def test_a_session_page_shows_its_transcript_in_order(staff_client, learner):
    folder = actions.create_folder(learner, name="History")
    session = actions.start_session(learner, folder)
    Message.objects.create(session=session, seq=2, role="tutor", kind="explanation", text="Second: the answer")
    Message.objects.create(session=session, seq=1, role="learner", kind="message", text="First: a question")
    page = staff_client.get(f"/admin/sessions_app/tutorsession/{session.pk}/change/").content.decode()
    assert page.index("First: a question") < page.index("Second: the answer")


def test_staff_can_restore_a_soft_deleted_folder(staff_client, learner):
    folder = actions.create_folder(learner, name="Gone")
    actions.delete_folder(folder)
    staff_client.post("/admin/sessions_app/folder/", {"action": "restore", "_selected_action": [folder.pk]})
    folder.refresh_from_db()
    assert folder.deleted_at is None


@pytest.mark.django_db(transaction=True)
def test_staff_can_reprocess_documents_from_the_list(staff_client, learner):
    from sessions_app.uploads import check_uploads
    from tests.samples import upload

    folder = actions.create_folder(learner, name="Chem")
    [document] = actions.add_documents(folder, check_uploads(folder, [upload("a.md", b"# Acids\n\nAcids donate protons.\n")]))
    document.refresh_from_db()
    assert document.status == "ready"
    first_job = document.job_id
    staff_client.post("/admin/sessions_app/document/", {"action": "reprocess", "_selected_action": [document.pk]})
    document.refresh_from_db()
    assert document.status == "ready" and document.job_id != first_job
