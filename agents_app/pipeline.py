"""The document ingestion pipeline: extract → chunk → index → analyse → ready.

Called by the Celery tasks with primary keys. This module orchestrates; every write
(the lease, stage and percent, chunks, analysis, plan) is an action of sessions_app,
and the slow work (extraction, model calls) happens between them, outside transactions.
Every stage is idempotent: chunks are replaced in one transaction, so a document
processed twice (a redelivered task after a killed worker) never has duplicated chunks.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable

from asgiref.sync import async_to_sync
from django.conf import settings

from agents_app import embeddings
from agents_app.agents.analyzer import analyze_folder
from agents_app.agents.planner import plan_lesson
from agents_app.chunking import chunk
from agents_app.errors import AgentError
from agents_app.extraction import ExtractedDocument, ExtractionError, ExtractionLimits, ProcessBounds, extract
from agents_app.runs import CallContext
from agents_app.schemas import ChunkRef
from agents_app.schemas import FolderAnalysis as AnalysisResult
from agents_app.schemas import LessonPlan as PlanResult
from agents_app.wiring import get_gateway
from sessions_app import actions
from sessions_app.models import Chunk, ConceptMastery, Document, Folder, FolderAnalysis

Status = Document.Status
# Progress is written (and announced) in steps of this many percent: each is a
# transaction and a channel-layer message, worth it only when a learner sees a change.
PROGRESS_STEP = 10
# Percent of the whole run at which each stage starts; extraction reports within its band.
STAGE_START = {Status.EXTRACTING: 0, Status.CHUNKING: 60, Status.INDEXING: 75, Status.ANALYSING: 90}


class Progress:
    """Reports stage and percent (sessions_app.actions.advance_document), at most every few percent."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.stage = document.status
        self.percent = -100

    def set(self, stage: str, percent: int) -> None:
        if stage == self.stage and percent - self.percent < PROGRESS_STEP and percent != 100:
            return
        self.stage, self.percent = stage, percent
        actions.advance_document(self.document, stage, percent)

    def extraction_callback(self) -> Callable[[int, int], None]:
        band = STAGE_START[Status.CHUNKING] - STAGE_START[Status.EXTRACTING]
        return lambda done, total: self.set(Status.EXTRACTING, band * done // max(total, 1))


def ingest_document(document_id: int) -> None:
    """Run the whole pipeline for one document. Raises only for transient errors worth a retry
    (and DocumentBusy while another worker holds it)."""
    document = actions.claim_document(document_id)
    if document is None:
        return
    progress = Progress(document)
    try:
        progress.set(Status.EXTRACTING, 0)
        extracted = extract_document(document, progress)
        progress.set(Status.CHUNKING, STAGE_START[Status.CHUNKING])
        drafts = chunk(extracted)
        progress.set(Status.INDEXING, STAGE_START[Status.INDEXING])
        actions.replace_chunks(document, drafts, pages=extracted.page_count, warnings=list(extracted.warnings))
    except ExtractionError as exc:
        actions.fail_document(document, exc.code, exc.reason)
        return
    embed_chunks(document)
    progress.set(Status.ANALYSING, STAGE_START[Status.ANALYSING])
    refresh_folder(document.folder)
    actions.finish_document(document)


def extract_document(document: Document, progress: Progress) -> ExtractedDocument:
    with document.file.open("rb") as handle:
        data = handle.read()
    limits = ExtractionLimits(max_pages=settings.INGEST_MAX_PAGES)
    bounds = ProcessBounds(settings.INGEST_EXTRACT_CPU_SECONDS, settings.INGEST_EXTRACT_MEMORY_MB)
    return extract(data, document.kind, limits=limits, on_progress=progress.extraction_callback(), bounds=bounds)


def embed_chunks(document: Document) -> None:
    """Embedding vectors for the document's chunks when a model is configured. Failing
    here costs semantic search for this document, not the document: it gets a warning."""
    if not embeddings.configured():
        return
    rows = list(document.chunks.order_by("order").only("pk", "text"))
    try:
        vectors = async_to_sync(embeddings.embed_texts)(get_gateway(), _context(document.folder), [r.text for r in rows])
    except AgentError as exc:
        actions.add_document_warning(
            document, f"Semantic search is unavailable for this document ({exc.message}); keyword search works.")
        return
    if vectors is not None:
        actions.store_embeddings(rows, vectors)


# --- Folder analysis and lesson plan ------------------------------------------------------


def folder_status(folder: Folder, *, has_result: bool) -> str:
    """Where a folder's analysis stands: ready, processing, empty or failed."""
    statuses = set(folder.documents.values_list("status", flat=True))
    if statuses & set(actions.IN_PROGRESS):
        return "processing"
    if not statuses:
        return "empty"
    if statuses == {Status.FAILED} and not has_result:
        return "failed"
    return "ready" if has_result else "processing"


def chunk_ref(row: Chunk) -> ChunkRef:
    """A stored passage as the AI core sees it."""
    return ChunkRef(chunk_id=row.pk, document_id=row.document_id, order=row.order, text=row.text, page=row.page,
                    section=row.section)


def folder_chunks(folder_id: int, limit: int | None = None) -> list[ChunkRef]:
    """The folder's indexed passages in document and reading order (the first `limit`)."""
    rows = Chunk.objects.passages().filter(document__folder_id=folder_id).exclude(document__status=Status.FAILED)
    return [chunk_ref(c) for c in rows.order_by("document__created_at", "document_id", "order")[:limit]]


def fingerprint(chunks: list[ChunkRef]) -> str:
    digest = hashlib.sha256()
    for ref in chunks:
        digest.update(f"{ref.chunk_id}:{ref.document_id}:{ref.order};".encode())
    return digest.hexdigest()


def refresh_folder(folder: Folder, *, force: bool = False) -> bool:
    """Recompute the folder's analysis and lesson plan when its passages changed (or when forced).

    False when the folder has no passages to work from."""
    chunks = folder_chunks(folder.pk)
    if not chunks:
        return False
    stamp = fingerprint(chunks)
    current = FolderAnalysis.objects.filter(folder=folder).first()
    if current is not None and current.source_fingerprint == stamp and not force:
        return True
    # async_to_sync, not asyncio.run: the recorder's async ORM calls hop back to this thread.
    analysis, plan = async_to_sync(_analyse_and_plan)(_context(folder), chunks, folder_mastery(folder))
    actions.store_folder_analysis(folder, analysis, plan, fingerprint=stamp)
    return True


def replan_folder(folder: Folder) -> bool:
    """A new lesson plan from the current analysis and the learner's mastery; False without an analysis."""
    stored = FolderAnalysis.objects.filter(folder=folder).first()
    if stored is None:
        return False
    analysis = AnalysisResult.model_validate(stored.data)
    plan = async_to_sync(_plan)(_context(folder), analysis, folder_mastery(folder), folder_chunks(folder.pk))
    actions.store_lesson_plan(folder, plan, fingerprint=stored.source_fingerprint)
    return True


def _context(folder: Folder) -> CallContext:
    return CallContext(user_id=folder.owner_id)


def folder_mastery(folder: Folder) -> dict[str, float]:
    rows = ConceptMastery.objects.filter(folder=folder, learner_id=folder.owner_id)
    return dict(rows.values_list("concept", "p_known"))


async def _analyse_and_plan(
    ctx: CallContext, chunks: list[ChunkRef], mastery: dict[str, float]
) -> tuple[AnalysisResult, PlanResult]:
    analysis = await analyze_folder(get_gateway(), ctx, chunks)
    return analysis, await _plan(ctx, analysis, mastery, chunks)


async def _plan(ctx: CallContext, analysis: AnalysisResult, mastery: dict[str, float],
                chunks: list[ChunkRef]) -> PlanResult:
    return await plan_lesson(get_gateway(), ctx, analysis, mastery, chunks=chunks)
