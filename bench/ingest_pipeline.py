"""Ingestion through the real pipeline and database against bare pypdf extraction of the same file.

Issue 4 bar: the pipeline's time on a generated 200-page text PDF is at most 1.5x the plain
pypdf extraction of the same file (PdfReader + extract_text on every page). "Pipeline" is
what the worker runs, agents_app.pipeline.ingest_document: claim, extraction from the stored
file with progress reports, chunking, replace_chunks (the chunks and their term counts written
to the database), finish. The folder analysis and lesson plan stage, which the bar does not
count, is timed on its own and subtracted. Runs alternate with the plain extraction and the
verdict is the median of paired ratios, as in bench/ingest_pdf.py; wall time is the verdict
here, since with PostgreSQL part of the work is the server's CPU, not this process's.

    .venv/bin/python bench/ingest_pipeline.py [--pages 200] [--runs 9]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/ingest_pipeline.py

Temporary SQLite by default; with DATABASE_URL, a fresh `bench_ingest` database on that server.
"""
from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.database import setup_django  # noqa: E402
from bench.ingest_pdf import BAR, plain_pypdf, report, timed  # noqa: E402

Times = tuple[float, float]  # (wall, CPU) seconds


class StageClock:
    """Wraps a pipeline stage function and adds up the (wall, CPU) time spent in it."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function, self.wall, self.cpu = function, 0.0, 0.0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return self.function(*args, **kwargs)
        finally:
            self.wall += time.perf_counter() - wall
            self.cpu += time.process_time() - cpu


def ingest_once(document_id: int) -> tuple[Times, Times]:
    """(pipeline without analysis, analysis) times of one ingest_document run."""
    from agents_app import pipeline

    reset(document_id)
    analysis = StageClock(pipeline.refresh_folder)
    with mock.patch.object(pipeline, "refresh_folder", analysis):
        wall, cpu = timed(lambda: pipeline.ingest_document(document_id))
    return (wall - analysis.wall, cpu - analysis.cpu), (analysis.wall, analysis.cpu)


def reset(document_id: int) -> None:
    """Back to a freshly uploaded document, as actions.reprocess_document would leave it (untimed)."""
    from sessions_app.models import Chunk, Document

    Chunk.objects.filter(document_id=document_id).delete()
    Document.objects.filter(pk=document_id).update(status=Document.Status.QUEUED, progress=0, lease_expires_at=None)


def stage_breakdown(document_id: int) -> dict[str, float]:
    """Wall seconds of each stage the bar counts, called one by one on the stored document."""
    from agents_app import pipeline
    from agents_app.chunking import chunk
    from sessions_app import actions
    from sessions_app.models import Document

    reset(document_id)
    document = Document.objects.get(pk=document_id)
    progress = pipeline.Progress(document)
    gc.collect()
    started = time.perf_counter()
    extracted = pipeline.extract_document(document, progress)
    extracted_at = time.perf_counter()
    drafts = chunk(extracted)
    chunked_at = time.perf_counter()
    actions.replace_chunks(document, drafts, pages=extracted.page_count, warnings=list(extracted.warnings))
    stored_at = time.perf_counter()
    return {"extract": extracted_at - started, "chunk": chunked_at - extracted_at, "replace_chunks": stored_at - chunked_at}


def upload(pages: int) -> tuple[bytes, int]:
    """The generated PDF, uploaded through the real action (Celery eager: the first ingestion runs now)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sessions_app import actions
    from sessions_app.models import Document
    from sessions_app.uploads import check_uploads
    from tests.fixtures.pdfgen import study_pages, text_pdf

    data = text_pdf(study_pages(pages))
    learner = actions.register_learner(username="bench", password="bench-password-long-1")
    folder = actions.create_folder(learner, name="Ingestion bench")
    (document,) = actions.add_documents(folder, check_uploads(folder, [SimpleUploadedFile("book.pdf", data)]))
    document = Document.objects.get(pk=document.pk)
    if document.status != Document.Status.READY:
        raise SystemExit(f"the first ingestion ended {document.status}: {document.error}")
    return data, document.pk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    where = setup_django("bench_ingest")
    data, document_id = upload(args.pages)

    from sessions_app.models import Chunk

    print(f"PDF: {args.pages} pages, {len(data) / 1e6:.2f} MB -> {Chunk.objects.filter(document_id=document_id).count()}"
          f" chunks; database: {where}")
    plain_runs, ours_runs, analysis_runs = [], [], []
    for _ in range(args.runs):
        plain_runs.append(timed(lambda: plain_pypdf(data)))
        ours, analysis = ingest_once(document_id)
        ours_runs.append(ours)
        analysis_runs.append(analysis)
    plain_wall, _ = report("plain pypdf", plain_runs, args.pages)
    ours_wall, _ = report("pipeline", ours_runs, args.pages)
    report("(analysis)", analysis_runs, args.pages)
    breakdown = [stage_breakdown(document_id) for _ in range(3)]
    print("  pipeline wall per stage (median of 3): " + ", ".join(
        f"{stage} {statistics.median(b[stage] for b in breakdown):.3f}s" for stage in breakdown[0]))
    wall_ratio = statistics.median(o[0] / p[0] for p, o in zip(plain_runs, ours_runs))
    cpu_ratio = statistics.median(o[1] / p[1] for p, o in zip(plain_runs, ours_runs))
    print(f"pages/s (wall medians): plain {args.pages / plain_wall:.0f}, pipeline {args.pages / ours_wall:.0f}")
    print(f"median paired ratio pipeline/plain: wall {wall_ratio:.2f}x, CPU {cpu_ratio:.2f}x  "
          f"(bar {BAR}x: wall {verdict(wall_ratio)}, CPU {verdict(cpu_ratio)})")


def verdict(ratio: float) -> str:
    return "PASS" if ratio <= BAR else "FAIL"


if __name__ == "__main__":
    main()
