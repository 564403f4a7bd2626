"""Documents are untrusted (SPEC 12): extraction runs within a CPU and memory bound in a child
process; a document past it fails with a clear reason and the next one is processed at once."""
from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from agents_app.extraction import ExtractionTooCostly, ProcessBounds, extract
from sessions_app import actions
from sessions_app.models import Document
from tests.fixtures.pdfgen import study_pages, text_pdf
from tests.hardening.costly_pdf import costly_pdf
from tests.support.servers import celery_worker, daphne
from tests.test_ingestion_worker import upload, wait_for

COSTLY = costly_pdf(300_000, pages=10)  # about 35 s of CPU unbounded, in 5 KB


def test_a_costly_pdf_stops_at_its_cpu_bound_with_a_clear_reason():
    started = time.monotonic()
    with pytest.raises(ExtractionTooCostly) as failure:
        extract(COSTLY, "pdf", bounds=ProcessBounds(cpu_seconds=1, memory_mb=512))
    assert time.monotonic() - started < 10
    assert failure.value.code == "too_costly" and "time or memory" in failure.value.reason


def test_extraction_runs_at_a_lower_cpu_priority_than_the_worker():
    lowered = os.nice(0) + ProcessBounds().niceness
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(extract, COSTLY, "pdf", bounds=ProcessBounds(cpu_seconds=2, memory_mb=512))
        wait_for(lambda: any(_niceness(pid) == lowered for pid in _children_of(os.getpid())), 10,
                 "an extraction child at the lower priority")
        with pytest.raises(ExtractionTooCostly):
            running.result()


def _children_of(parent: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == parent:
                pids.append(int(entry.name))
    return pids


def _niceness(pid: int) -> int | None:
    try:
        return int((Path("/proc") / str(pid) / "stat").read_text().rpartition(")")[2].split()[16])
    except OSError:  # it ended meanwhile
        return None


def test_a_document_past_its_memory_bound_fails_the_same_way():
    with pytest.raises(ExtractionTooCostly):
        extract(costly_pdf(1_400_000, pages=1), "pdf", bounds=ProcessBounds(cpu_seconds=60, memory_mb=64))


def test_a_bounded_extraction_still_reports_progress_and_returns_the_text():
    seen = []
    document = extract(text_pdf(study_pages(3)), "pdf", bounds=ProcessBounds(5, 512),
                       on_progress=lambda done, total: seen.append((done, total)))
    assert [block.page for block in document.blocks] == [1, 2, 3] and seen[-1] == (3, 3)


@pytest.mark.django_db(transaction=True)
def test_a_worker_fails_the_costly_pdf_at_its_bound_and_processes_the_next_document_at_once(
    learner, tmp_path, media_root
):
    env = {"MEDIA_ROOT": str(media_root), "TUTOR_DATA_DIR": str(tmp_path / "data"), "INGEST_EXTRACT_CPU_SECONDS": "2"}
    folder = actions.create_folder(learner, name="Untrusted")
    with daphne(**env) as url, celery_worker(**env):
        [costly] = upload(url, learner, folder.pk, [("costly.pdf", COSTLY)])
        [honest] = upload(url, learner, folder.pk, [("notes.pdf", text_pdf(study_pages(2)))])
        started = time.monotonic()
        failed = wait_for(lambda: Document.objects.filter(pk=costly["id"], status="failed").first(), 60, "failure")
        wait_for(lambda: Document.objects.filter(pk=honest["id"], status="ready").exists(), 60, "the next document")
        elapsed = time.monotonic() - started
    assert failed.error_code == "too_costly" and "time or memory" in failed.error
    assert elapsed < 25, f"the next document waited {elapsed:.0f} s"
