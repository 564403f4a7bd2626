"""The document ingestion pipeline: extract → chunk → index → analyse → ready.

Called by the Celery tasks with primary keys. Each stage re-reads the row, moves the
status with a conditional update and does its slow work (extraction, model calls)
outside transactions. Every stage is idempotent: chunks are replaced in one
transaction, so a document processed twice (a redelivered task after a killed
worker) never has duplicated chunks.
"""
from __future__ import annotations

import hashlib
import logging
from collections import Counter
from datetime import datetime, timedelta
from collections.abc import Callable

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from agents_app import embeddings
from agents_app.agents.analyzer import analyze_folder
from agents_app.agents.planner import plan_lesson
from agents_app.chunking import ChunkDraft, chunk
from agents_app.errors import AgentError
from agents_app.extraction import ExtractedDocument, ExtractionError, ExtractionLimits, extract
from agents_app.models import Job
from agents_app.progress import publish_document_progress
from agents_app.runs import CallContext
from agents_app.schemas import ChunkRef
from agents_app.schemas import FolderAnalysis as AnalysisResult
from agents_app.schemas import LessonPlan as PlanResult
from agents_app.text import terms
from agents_app.wiring import get_gateway
from sessions_app.models import Chunk, ConceptMastery, Document, Folder, FolderAnalysis, LessonPlan

logger = logging.getLogger(__name__)

Status = Document.Status
IN_PROGRESS = (Status.QUEUED, Status.EXTRACTING, Status.CHUNKING, Status.INDEXING, Status.ANALYSING)
# Progress is written (and announced) in steps of this many percent: each is a
# transaction and a channel-layer message, worth it only when a learner sees a change.
PROGRESS_STEP = 10
# Percent of the whole run at which each stage starts; extraction reports within its band.
STAGE_START = {Status.EXTRACTING: 0, Status.CHUNKING: 60, Status.INDEXING: 75, Status.ANALYSING: 90}


class Progress:
    """Writes stage and percent to the document and its job, at most every few percent."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.stage = document.status
        self.percent = -100

    def set(self, stage: str, percent: int) -> None:
        if stage == self.stage and percent - self.percent < PROGRESS_STEP and percent != 100:
            return
        self.stage, self.percent = stage, percent
        with transaction.atomic():  # one commit per report, not two
            Document.objects.filter(pk=self.document.pk).update(
                status=stage, progress=percent, lease_expires_at=lease_expiry(), updated_at=timezone.now()
            )
            Job.objects.filter(pk=self.document.job_id).update(
                status=Job.Status.RUNNING, stage=stage, progress=percent, updated_at=timezone.now()
            )
        publish_document_progress(folder_id=self.document.folder_id, document_id=self.document.pk,
                                  stage=stage, percent=percent, status=stage)

    def extraction_callback(self) -> Callable[[int, int], None]:
        band = STAGE_START[Status.CHUNKING] - STAGE_START[Status.EXTRACTING]
        return lambda done, total: self.set(Status.EXTRACTING, band * done // max(total, 1))


class Busy(Exception):
    """Another worker holds the document's lease; try again once it may have lapsed."""


def lease_expiry() -> datetime:
    return timezone.now() + timedelta(seconds=settings.INGEST_LEASE_SECONDS)


def claim(document_id: int) -> Document | None:
    """The document with its lease taken, or None when it is gone or already processed.

    Raises Busy while another worker's lease runs."""
    now = timezone.now()
    pending = Document.objects.filter(pk=document_id, status__in=IN_PROGRESS)
    taken = pending.filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)).update(
        lease_expires_at=lease_expiry()
    )
    if taken:
        return Document.objects.get(pk=document_id)
    if pending.exists():
        raise Busy(f"document {document_id} is being processed by another worker")
    logger.info("document %s is gone or already processed; nothing to do", document_id)
    return None


def ingest_document(document_id: int) -> None:
    """Run the whole pipeline for one document. Raises only for transient errors worth a retry."""
    document = claim(document_id)
    if document is None:
        return
    progress = Progress(document)
    try:
        progress.set(Status.EXTRACTING, 0)
        extracted = _extract(document, progress)
        progress.set(Status.CHUNKING, STAGE_START[Status.CHUNKING])
        drafts = chunk(extracted)
        progress.set(Status.INDEXING, STAGE_START[Status.INDEXING])
        store_chunks(document, extracted, drafts)
    except ExtractionError as exc:
        fail(document, exc.code, exc.reason)
        return
    embed_chunks(document)
    progress.set(Status.ANALYSING, STAGE_START[Status.ANALYSING])
    refresh_folder(document.folder)
    finish(document)


def _extract(document: Document, progress: Progress) -> ExtractedDocument:
    with document.file.open("rb") as handle:
        data = handle.read()
    limits = ExtractionLimits(max_pages=settings.INGEST_MAX_PAGES)
    return extract(data, document.kind, limits=limits, on_progress=progress.extraction_callback())


def store_chunks(document: Document, extracted: ExtractedDocument, drafts: list[ChunkDraft]) -> None:
    """Replace the document's chunks with these, with their lexical index, in one transaction."""
    rows = []
    for draft in drafts:
        chunk_terms = terms(f"{draft.section or ''} {draft.text}")
        rows.append(Chunk(
            document_id=document.pk, order=draft.order, text=draft.text, page=draft.page, page_end=draft.page_end,
            section=(draft.section or "")[:500], token_count=draft.token_estimate, content_hash=draft.content_hash,
            terms=dict(Counter(chunk_terms)), length=len(chunk_terms),
        ))
    with transaction.atomic():
        Chunk.objects.filter(document=document).delete()
        _insert_chunks(rows)
        Document.objects.filter(pk=document.pk).update(pages=extracted.page_count, warnings=list(extracted.warnings))


def _insert_chunks(rows: list[Chunk]) -> None:
    """Insert new chunk rows. PostgreSQL gets them through COPY (a 200-page book: 0.11 s instead of
    0.18 s), since bulk_create's INSERT ... UNNEST escapes every quote of the JSON term counts in Python."""
    if connection.vendor != "postgresql":
        Chunk.objects.bulk_create(rows, batch_size=500)
        return
    fields = [field for field in Chunk._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    sql = f"COPY {quote(Chunk._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([field.get_db_prep_save(field.pre_save(row, True), connection) for field in fields])


def embed_chunks(document: Document) -> None:
    """Embedding vectors for the document's chunks when a model is configured. Failing
    here costs semantic search for this document, not the document: it gets a warning."""
    if not embeddings.configured():
        return
    rows = list(Chunk.objects.filter(document=document).order_by("order").only("pk", "text"))
    try:
        vectors = async_to_sync(embeddings.embed_texts)(get_gateway(), _context(document.folder), [r.text for r in rows])
    except AgentError as exc:
        note = f"Semantic search is unavailable for this document ({exc.message}); keyword search works."
        Document.objects.filter(pk=document.pk).update(warnings=[*document_warnings(document), note])
        return
    if vectors is None:
        return
    for row, vector in zip(rows, vectors):
        row.embedding = vector
    Chunk.objects.bulk_update(rows, ["embedding"], batch_size=200)


def document_warnings(document: Document) -> list[str]:
    return list(Document.objects.values_list("warnings", flat=True).get(pk=document.pk))


def fail(document: Document, code: str, reason: str) -> None:
    now = timezone.now()
    Document.objects.filter(pk=document.pk).update(
        status=Status.FAILED, error_code=code, error=reason, processed_at=now, updated_at=now, lease_expires_at=None
    )
    Job.objects.filter(pk=document.job_id).update(
        status=Job.Status.FAILED, error=reason, finished_at=now, updated_at=now
    )
    publish_document_progress(folder_id=document.folder_id, document_id=document.pk, stage=Status.FAILED,
                              percent=document.progress, status=Status.FAILED)


def finish(document: Document) -> None:
    now = timezone.now()
    with transaction.atomic():
        Document.objects.filter(pk=document.pk).update(
            status=Status.READY, progress=100, error_code="", error="", processed_at=now, updated_at=now,
            lease_expires_at=None,
        )
        Job.objects.filter(pk=document.job_id).update(
            status=Job.Status.SUCCEEDED, stage=Status.READY, progress=100, finished_at=now, updated_at=now
        )
    publish_document_progress(folder_id=document.folder_id, document_id=document.pk, stage=Status.READY,
                              percent=100, status=Status.READY)


# --- Folder analysis and lesson plan ------------------------------------------------------


def folder_status(folder: Folder, *, has_result: bool) -> str:
    """Where a folder's analysis stands: ready, processing, empty or failed."""
    statuses = set(folder.documents.values_list("status", flat=True))
    if statuses & set(IN_PROGRESS):
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
    with transaction.atomic():
        FolderAnalysis.objects.update_or_create(folder=folder, defaults={
            "data": analysis.model_dump(mode="json"), "offline": analysis.offline, "source_fingerprint": stamp,
        })
        _store_plan(folder, plan, stamp)
    return True


def replan_folder(folder: Folder) -> bool:
    """A new lesson plan from the current analysis and the learner's mastery; False without an analysis."""
    stored = FolderAnalysis.objects.filter(folder=folder).first()
    if stored is None:
        return False
    analysis = AnalysisResult.model_validate(stored.data)
    plan = async_to_sync(_plan)(_context(folder), analysis, folder_mastery(folder), folder_chunks(folder.pk))
    _store_plan(folder, plan, stored.source_fingerprint)
    return True


def _context(folder: Folder) -> CallContext:
    return CallContext(user_id=folder.owner_id)


def folder_mastery(folder: Folder) -> dict[str, float]:
    rows = ConceptMastery.objects.filter(folder=folder, learner_id=folder.owner_id)
    return dict(rows.values_list("concept", "p_known"))


def _store_plan(folder: Folder, plan: PlanResult, stamp: str) -> None:
    LessonPlan.objects.update_or_create(folder=folder, defaults={
        "data": plan.model_dump(mode="json"), "offline": plan.offline, "source_fingerprint": stamp,
    })


async def _analyse_and_plan(
    ctx: CallContext, chunks: list[ChunkRef], mastery: dict[str, float]
) -> tuple[AnalysisResult, PlanResult]:
    analysis = await analyze_folder(get_gateway(), ctx, chunks)
    return analysis, await _plan(ctx, analysis, mastery, chunks)


async def _plan(ctx: CallContext, analysis: AnalysisResult, mastery: dict[str, float],
                chunks: list[ChunkRef]) -> PlanResult:
    return await plan_lesson(get_gateway(), ctx, analysis, mastery, chunks=chunks)
