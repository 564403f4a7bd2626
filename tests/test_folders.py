import pytest

from sessions_app.models import Folder

pytestmark = pytest.mark.django_db


def test_it_creates_lists_renames_and_soft_deletes_folders(api, learner):
    created = api.post("/api/v1/folders/", {"name": "  Biology  ", "description": "cells"}, format="json")
    assert created.status_code == 201
    folder_id = created.json()["id"]
    assert created.json()["name"] == "Biology"

    listing = api.get("/api/v1/folders/").json()
    assert listing["count"] == 1 and listing["results"][0]["id"] == folder_id

    renamed = api.patch(f"/api/v1/folders/{folder_id}/", {"name": "Cell biology"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "Cell biology"

    assert api.delete(f"/api/v1/folders/{folder_id}/").status_code == 204
    assert api.get(f"/api/v1/folders/{folder_id}/").status_code == 404
    assert api.get("/api/v1/folders/").json()["count"] == 0
    # Soft delete: the row stays for staff to restore.
    assert Folder.objects.get(pk=folder_id).deleted_at is not None


@pytest.mark.parametrize("body", [{"name": ""}, {"name": "x" * 101}, {}, {"name": "   "}])
def test_it_rejects_bad_folder_names_with_a_field_error(api, body):
    response = api.post("/api/v1/folders/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "name" in response.json()["fields"]
    assert Folder.objects.count() == 0


def test_it_paginates_folder_lists(api):
    for index in range(7):
        api.post("/api/v1/folders/", {"name": f"Subject {index}"}, format="json")
    page = api.get("/api/v1/folders/?limit=5").json()
    assert page["count"] == 7 and len(page["results"]) == 5 and page["next"]
    rest = api.get("/api/v1/folders/?limit=5&offset=5").json()
    assert len(rest["results"]) == 2 and rest["next"] is None
    # Newest first.
    assert page["results"][0]["name"] == "Subject 6"
