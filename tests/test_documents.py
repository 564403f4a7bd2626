"""Upload rules of SPEC 4: type by content, size limit, duplicates, nothing stored on rejection."""
import pytest

from sessions_app.models import Document, Folder
from tests.samples import docx_bytes, pdf_bytes, upload, windows_exe_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def folder(learner):
    return Folder.objects.create(owner=learner, name="Notes")


def stored_files(media_root) -> list:
    return [path for path in media_root.rglob("*") if path.is_file()] if media_root.exists() else []


def post_files(api, folder, *files):
    return api.post(f"/api/v1/folders/{folder.pk}/documents/", {"files": list(files)}, format="multipart")


def test_it_accepts_a_pdf_and_a_docx_and_lists_them_as_queued(api, folder, media_root):
    response = post_files(
        api, folder, upload("lecture.pdf", pdf_bytes()), upload("Chapter 1.docx", docx_bytes())
    )
    assert response.status_code == 201, response.json()
    kinds = {doc["name"]: (doc["kind"], doc["status"]) for doc in response.json()}
    assert kinds == {"lecture.pdf": ("pdf", "queued"), "Chapter 1.docx": ("docx", "queued")}

    listing = api.get(f"/api/v1/folders/{folder.pk}/documents/").json()
    assert listing["count"] == 2
    assert all(doc["status"] == "queued" and doc["progress"] == 0 for doc in listing["results"])
    assert len(stored_files(media_root)) == 2
    document = Document.objects.get(original_name="lecture.pdf")
    assert document.mime_type == "application/pdf" and len(document.sha256) == 64


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("notes.txt", "Photosynthèse et chlorophylle.\n".encode("cp1252"), "text"),
        ("notes.md", b"# Heading\n\nSome *markdown*.\n", "markdown"),
        ("page.txt", b"<!DOCTYPE html><html><body><h1>Hi</h1></body></html>", "html"),
        ("utf16.txt", "Hello, world\n".encode("utf-16"), "text"),
        ("report.bin", pdf_bytes(), "pdf"),
    ],
)
def test_it_decides_the_type_by_content_not_by_name(api, folder, name, data, kind):
    response = post_files(api, folder, upload(name, data))
    assert response.status_code == 201, response.json()
    assert response.json()[0]["kind"] == kind


def test_it_rejects_a_30mb_upload_with_413_and_stores_nothing(api, folder, media_root):
    big = upload("big.pdf", b"%PDF-1.7\n" + b"0" * (30 * 1024 * 1024))
    response = post_files(api, folder, big)
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert Document.objects.count() == 0 and stored_files(media_root) == []


def test_it_rejects_a_windows_executable_named_pdf_with_415_and_stores_nothing(api, folder, media_root):
    response = post_files(api, folder, upload("notes.pdf", windows_exe_bytes(), "application/pdf"))
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_type" and "notes.pdf" in response.json()["detail"]
    assert Document.objects.count() == 0 and stored_files(media_root) == []


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"", 400, "empty_file"),
        (b"\x00\x01\x02\x03binary\xff\xfe\x00" * 50, 415, "unsupported_type"),
        (b"PK\x03\x04" + b"\x00" * 100, 415, "unsupported_type"),
    ],
)
def test_it_rejects_empty_binary_and_broken_files_clearly(api, folder, media_root, data, status, code):
    response = post_files(api, folder, upload("notes.txt", data))
    assert response.status_code == status
    assert response.json()["code"] == code and response.json()["detail"]
    assert Document.objects.count() == 0 and stored_files(media_root) == []


def test_one_bad_file_rejects_the_whole_upload(api, folder, media_root):
    response = post_files(api, folder, upload("good.pdf", pdf_bytes()), upload("bad.pdf", windows_exe_bytes()))
    assert response.status_code == 415
    assert Document.objects.count() == 0 and stored_files(media_root) == []


def test_it_detects_duplicate_content_in_a_folder_by_hash(api, folder, media_root):
    assert post_files(api, folder, upload("a.pdf", pdf_bytes())).status_code == 201
    duplicate = post_files(api, folder, upload("renamed copy.pdf", pdf_bytes()))
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "duplicate_document" and "a.pdf" in duplicate.json()["detail"]
    assert Document.objects.count() == 1 and len(stored_files(media_root)) == 1

    same_request = post_files(api, folder, upload("x.md", b"# same\n"), upload("y.md", b"# same\n"))
    assert same_request.status_code == 409 and Document.objects.count() == 1


def test_the_same_content_may_live_in_two_folders(api, learner, folder):
    other = Folder.objects.create(owner=learner, name="Other")
    assert post_files(api, folder, upload("a.pdf", pdf_bytes())).status_code == 201
    assert post_files(api, other, upload("a.pdf", pdf_bytes())).status_code == 201


def test_it_requires_the_files_field(api, folder):
    response = api.post(f"/api/v1/folders/{folder.pk}/documents/", {}, format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "no_files"


def test_it_shows_and_deletes_a_document_with_its_file(
    api, folder, media_root, django_capture_on_commit_callbacks
):
    document_id = post_files(api, folder, upload("a.pdf", pdf_bytes())).json()[0]["id"]
    detail = api.get(f"/api/v1/documents/{document_id}/").json()
    assert detail["status"] == "queued" and detail["stage"] == "queued" and detail["error"] == ""
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/api/v1/documents/{document_id}/").status_code == 204
    assert api.get(f"/api/v1/documents/{document_id}/").status_code == 404
    assert stored_files(media_root) == []
