"""Ingestion with real processes: Daphne takes the upload, a Celery worker (Redis broker
under CI, the filesystem broker on the embedded default) processes it."""
import os
import signal
import subprocess
import sys

import httpx
import pytest
from django.utils import timezone

from agents_app.chunking import chunk
from agents_app.extraction import extract
from sessions_app.models import Chunk, Document
from tests.conftest import access_token
from tests.fixtures.pdfgen import study_pages, text_pdf
from tests.support.servers import ROOT, celery_worker, child_env, daphne
from tests.support.waiting import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

DOCS = os.path.join(os.path.dirname(__file__), "fixtures", "docs")


@pytest.fixture
def shared_env(tmp_path, media_root):
    """What Daphne and the workers share: files, and the broker folder when there is no Redis."""
    return {"MEDIA_ROOT": str(media_root), "TUTOR_DATA_DIR": str(tmp_path / "data"),
            "INGEST_LEASE_SECONDS": "3", "CELERY_VISIBILITY_TIMEOUT": "4"}


def upload(url: str, user, folder_id: int, files: list[tuple[str, bytes]]) -> list[dict]:
    headers = {"Authorization": f"Bearer {access_token(user)}"}
    response = httpx.post(f"{url}/api/v1/folders/{folder_id}/documents/", headers=headers, timeout=30,
                          files=[("files", (name, data, "application/octet-stream")) for name, data in files])
    assert response.status_code == 201, response.text
    return response.json()


def test_an_upload_is_processed_by_a_worker_until_the_folder_is_analysed_and_searchable(learner, shared_env):
    from sessions_app import actions

    folder = actions.create_folder(learner, name="Science")
    with daphne(**shared_env) as url, celery_worker(**shared_env):
        names = ["photosynthesis.md", "newtons_laws.md", "french_revolution.md"]
        upload(url, learner, folder.pk, [(n, open(os.path.join(DOCS, n), "rb").read()) for n in names])
        wait_for(lambda: Document.objects.filter(folder=folder, status="ready").count() == 3, 60, "3 ready documents")
        headers = {"Authorization": f"Bearer {access_token(learner)}"}
        analysis = httpx.get(f"{url}/api/v1/folders/{folder.pk}/analysis/", headers=headers).json()
        plan = httpx.get(f"{url}/api/v1/folders/{folder.pk}/lesson-plan/", headers=headers).json()
        hits = httpx.get(f"{url}/api/v1/folders/{folder.pk}/search/", headers=headers,
                         params={"q": "storming of the Bastille"}).json()["results"]
    assert analysis["status"] == "ready" and analysis["data"]["concepts"]
    assert plan["status"] == "ready" and plan["data"]["sections"]
    assert hits and "bastille" in hits[0]["quote"].lower()


def test_a_worker_killed_mid_document_is_replaced_and_the_document_finishes_without_duplicates(
    learner, shared_env
):
    from sessions_app import actions

    pdf = text_pdf(study_pages(700, lines_per_page=30))
    expected = len(chunk(extract(pdf, "pdf")))
    folder = actions.create_folder(learner, name="Long read")
    with daphne(**shared_env) as url:
        with celery_worker(**shared_env) as first:
            [sent] = upload(url, learner, folder.pk, [("long.pdf", pdf)])
            wait_for(lambda: Document.objects.filter(pk=sent["id"], status="extracting", progress__gte=6).exists(),
                     60, "extraction under way")
            os.kill(first.pid, signal.SIGKILL)
            first.wait()
        stranded = Document.objects.get(pk=sent["id"])
        assert stranded.status in ("extracting", "chunking", "indexing")

        with celery_worker(**shared_env):
            # The sweep (beat runs it every few minutes) re-enqueues documents idle in a stage
            # once the dead worker's lease lapsed. Redis may also redeliver the unacknowledged
            # task after its visibility timeout; the lease keeps the two from colliding.
            wait_for(lambda: Document.objects.filter(pk=sent["id"], lease_expires_at__lt=timezone.now()).exists(),
                     10, "the dead worker's lease to lapse")
            sweep = subprocess.run(
                [sys.executable, "manage.py", "reprocess_documents", "--stuck", "--older-than-minutes", "0"],
                cwd=ROOT, env=child_env(**shared_env), capture_output=True, text=True, check=True,
            )
            assert "stuck document(s)" in sweep.stdout
            wait_for(lambda: Document.objects.filter(pk=sent["id"], status="ready").exists(), 120, "ready again")

    orders = list(Chunk.objects.filter(document_id=sent["id"]).values_list("order", flat=True))
    assert len(orders) == expected and sorted(orders) == list(range(expected))
