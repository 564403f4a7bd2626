"""The ingestion pipeline through the API: stages, failures, idempotency, search."""
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from agents_app import pipeline
from agents_app.models import Job
from agents_app.tasks import sweep_stuck_documents
from sessions_app import actions
from sessions_app.models import Chunk, Document, FolderAnalysis, LessonPlan
from tests.fixtures.docxgen import build_docx, with_declared_size, with_member
from tests.fixtures.pdfgen import encrypted_pdf, image_only_pdf, study_pages, text_pdf, truncated
from tests.samples import upload

pytestmark = pytest.mark.django_db(transaction=True)

DOCS = Path(__file__).parent / "fixtures" / "docs"
LESSON = [("Cells", 1), ("The cell is the unit of life.", 0)]


@pytest.fixture
def folder(learner):
    return actions.create_folder(learner, name="Science")


def post(api, folder, name: str, data: bytes):
    response = api.post(f"/api/v1/folders/{folder.pk}/documents/", {"files": [upload(name, data)]}, format="multipart")
    assert response.status_code == 201, response.json()
    return Document.objects.get(pk=response.json()[0]["id"])


def test_a_document_goes_through_every_stage_to_ready_with_analysis_plan_and_search(api, folder):
    document = post(api, folder, "photosynthesis.md", (DOCS / "photosynthesis.md").read_bytes())
    document.refresh_from_db()
    assert (document.status, document.progress, document.error) == ("ready", 100, "")
    assert document.job.status == Job.Status.SUCCEEDED and document.job.progress == 100
    chunks = list(Chunk.objects.filter(document=document))
    assert chunks and all(c.terms and c.length > 0 and c.section for c in chunks)
    assert FolderAnalysis.objects.filter(folder=folder, offline=True).exists()
    assert LessonPlan.objects.filter(folder=folder).exists()

    detail = api.get(f"/api/v1/documents/{document.pk}/").json()
    assert detail["stage"] == "ready" and detail["progress"] == 100

    hits = api.get(f"/api/v1/folders/{folder.pk}/search/", {"q": "Which pigment absorbs light?", "k": 3}).json()
    best = hits["results"][0]
    assert "chlorophyll" in best["quote"].lower()
    assert best["document_id"] == document.pk and best["document_name"] == "photosynthesis.md"
    assert best["section"] and best["chunk_id"] in {c.pk for c in chunks}


def test_analysis_and_plan_endpoints_show_results_and_regenerate_as_jobs(api, folder):
    empty = api.get(f"/api/v1/folders/{folder.pk}/analysis/").json()
    assert empty["status"] == "empty" and empty["data"] is None
    refused = api.post(f"/api/v1/folders/{folder.pk}/analysis/")
    assert refused.status_code == 202 and refused.json()["status"] == "failed" and refused.json()["error"]

    post(api, folder, "newton.md", (DOCS / "newtons_laws.md").read_bytes())
    analysis = api.get(f"/api/v1/folders/{folder.pk}/analysis/").json()
    assert analysis["status"] == "ready" and analysis["offline"] is True
    names = " ".join(c["name"].lower() for c in analysis["data"]["concepts"])
    assert "inertia" in names or "force" in names
    plan = api.get(f"/api/v1/folders/{folder.pk}/lesson-plan/").json()
    assert plan["status"] == "ready" and plan["data"]["sections"]

    for kind in ("analysis", "lesson-plan"):
        job = api.post(f"/api/v1/folders/{folder.pk}/{kind}/")
        assert job.status_code == 202 and job.json()["status"] == "succeeded", job.json()
        assert api.get(f"/api/v1/jobs/{job.json()['id']}/").json()["status"] == "succeeded"


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("locked.pdf", encrypted_pdf(text_pdf(study_pages(2))), "pdf_encrypted"),
        ("cut.pdf", truncated(text_pdf(study_pages(3)), keep=0.4), "pdf_corrupt"),
        ("scan.pdf", image_only_pdf(2), "no_text"),
        ("bomb.docx", with_member(build_docx(LESSON), "word/media/image1.bin", bytes(20 * 1024 * 1024)),
         "docx_too_large"),
        ("liar.docx", with_declared_size(with_member(build_docx(LESSON), "word/media/blob.bin", b"payload " * 50_000),
                                         "word/media/blob.bin", 1_000), "docx_corrupt"),
    ],
)
def test_a_hostile_file_ends_failed_with_a_readable_reason_and_nothing_stays_in_progress(
    api, folder, name, data, code
):
    document = post(api, folder, name, data)
    document.refresh_from_db()
    assert document.status == "failed" and document.error_code == code and len(document.error) > 10
    assert document.job.status == Job.Status.FAILED and document.job.error == document.error
    assert not Chunk.objects.filter(document=document).exists()
    # The next document is served as usual.
    assert post(api, folder, "ok.md", b"# Ohm's law\n\nVoltage equals current times resistance.\n").status == "ready"


def test_a_500_page_pdf_is_processed_with_page_anchors(api, folder):
    document = post(api, folder, "big.pdf", text_pdf(study_pages(500, lines_per_page=12)))
    document.refresh_from_db()
    assert document.status == "ready" and document.pages == 500
    pages = set(Chunk.objects.filter(document=document).values_list("page", flat=True))
    assert min(pages) == 1 and max(pages) >= 499


def test_reprocessing_replaces_chunks_without_duplicates(api, folder):
    document = post(api, folder, "p.md", (DOCS / "photosynthesis.md").read_bytes())
    before = list(Chunk.objects.filter(document=document).order_by("order").values_list("order", "content_hash"))
    response = api.post(f"/api/v1/documents/{document.pk}/reprocess/")
    assert response.status_code == 202
    document.refresh_from_db()
    after = list(Chunk.objects.filter(document=document).order_by("order").values_list("order", "content_hash"))
    assert document.status == "ready" and after == before
    assert Job.objects.filter(kind="ingest_document", target__document_id=document.pk).count() == 2


def test_a_leased_document_is_not_processed_twice_but_a_lapsed_lease_is_taken_over(folder, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    document = Document.objects.create(folder=folder, original_name="x.md", sha256="0" * 64, kind="markdown",
                                       mime_type="text/markdown", size=1, status="chunking",
                                       lease_expires_at=timezone.now() + timedelta(minutes=5))
    with pytest.raises(actions.DocumentBusy):
        actions.claim_document(document.pk)
    Document.objects.filter(pk=document.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert actions.claim_document(document.pk).pk == document.pk
    Document.objects.filter(pk=document.pk).update(status="ready")
    assert actions.claim_document(document.pk) is None


def test_the_sweep_requeues_documents_stuck_in_a_stage(api, folder):
    document = post(api, folder, "p.md", b"# Cells\n\nThe cell is the unit of life.\n")
    Document.objects.filter(pk=document.pk).update(status="indexing", progress=80,
                                                   updated_at=timezone.now() - timedelta(hours=2))
    Chunk.objects.filter(document=document).delete()
    assert sweep_stuck_documents() == 1
    document.refresh_from_db()
    assert document.status == "ready" and Chunk.objects.filter(document=document).exists()


@pytest.mark.parametrize("query", [{}, {"q": ""}, {"q": "x", "k": 0}, {"q": "x", "k": 100}])
def test_search_rejects_bad_queries(api, folder, query):
    response = api.get(f"/api/v1/folders/{folder.pk}/search/", query)
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_pages_that_could_not_be_read_are_reported_as_warnings(api, folder):
    from tests.fixtures.pdfgen import concatenated

    document = post(api, folder, "mixed.pdf", concatenated(text_pdf(study_pages(2)), image_only_pdf(1)))
    detail = api.get(f"/api/v1/documents/{document.pk}/").json()
    assert detail["status"] == "ready" and detail["pages"] == 3
    assert detail["warnings"] == ["1 page(s) have no text layer (blank or scanned) and were skipped."]
