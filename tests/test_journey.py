"""The README's journey against a real Daphne process: register, token, folder,
upload a PDF and a DOCX, see them queued; a second learner sees none of it."""
import httpx
import pytest

from tests.samples import docx_bytes, pdf_bytes


def register_and_login(client: httpx.Client, username: str) -> dict[str, str]:
    password = f"{username}-long-password-42"
    assert client.post("/api/v1/auth/register/", json={"username": username, "password": password}).status_code == 201
    tokens = client.post("/api/v1/auth/token/", json={"username": username, "password": password}).json()
    return {"Authorization": f"Bearer {tokens['access']}"}


@pytest.mark.django_db(transaction=True)
def test_a_learner_uploads_documents_and_a_stranger_sees_nothing(live_server_url):
    with httpx.Client(base_url=live_server_url, timeout=10) as client:
        alice = register_and_login(client, "alice")
        folder = client.post("/api/v1/folders/", json={"name": "Biology"}, headers=alice).json()
        files = [("files", ("lecture.pdf", pdf_bytes(), "application/pdf")),
                 ("files", ("cells.docx", docx_bytes(), "application/octet-stream"))]
        uploaded = client.post(f"/api/v1/folders/{folder['id']}/documents/", files=files, headers=alice)
        assert uploaded.status_code == 201, uploaded.text
        listing = client.get(f"/api/v1/folders/{folder['id']}/documents/", headers=alice).json()
        assert sorted((d["name"], d["status"]) for d in listing["results"]) == [
            ("cells.docx", "queued"), ("lecture.pdf", "queued")]
        session = client.post("/api/v1/sessions/", json={"folder_id": folder["id"]}, headers=alice).json()

        bob = register_and_login(client, "bob")
        for url in (f"/api/v1/folders/{folder['id']}/", f"/api/v1/folders/{folder['id']}/documents/",
                    f"/api/v1/documents/{listing['results'][0]['id']}/", f"/api/v1/sessions/{session['id']}/"):
            assert client.get(url, headers=bob).status_code == 404, url
        assert client.get("/api/v1/folders/", headers=bob).json()["count"] == 0
        assert client.get("/readyz").status_code == 200
