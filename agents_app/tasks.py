"""Celery tasks of the AI pipeline: thin, named, idempotent by primary key.

They acknowledge late, so a task whose worker was killed runs again; the pipeline
functions they call are safe to run twice.
"""
from __future__ import annotations

import logging
from datetime import date, timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from agents_app import analytics, jobs, pipeline
from agents_app.errors import AgentError
from agents_app.models import Job
from sessions_app import actions
from sessions_app.models import Document, Folder

logger = logging.getLogger(__name__)

RETRY = dict(max_retries=5, retry_backoff=2, retry_backoff_max=120, retry_jitter=True)


@shared_task(name="agents_app.ingest_document", bind=True, acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(DatabaseError,), soft_time_limit=settings.INGEST_TIME_LIMIT_SECONDS,
             time_limit=settings.INGEST_TIME_LIMIT_SECONDS + 30, **RETRY)
def ingest_document(self, document_id: int) -> None:  # type: ignore[no-untyped-def]
    try:
        pipeline.ingest_document(document_id)
    except SoftTimeLimitExceeded:
        document = Document.objects.filter(pk=document_id).first()
        if document is not None:
            actions.fail_document(document, "too_slow",
                                  "Processing this document took too long; it may be too complex.")
    except actions.DocumentBusy as exc:
        raise self.retry(exc=exc, countdown=settings.INGEST_LEASE_SECONDS) from exc
    except AgentError as exc:
        if exc.retryable and self.request.retries < self.max_retries:
            raise self.retry(exc=exc, countdown=min(120, 2 ** (self.request.retries + 1))) from exc
        document = Document.objects.filter(pk=document_id).first()
        if document is not None:
            actions.fail_document(document, "analysis_failed", f"The analysis of this folder failed: {exc}")


@shared_task(name="agents_app.sweep_stuck_documents", acks_late=True)
def sweep_stuck_documents() -> int:
    """Scheduled: re-enqueue documents left in a stage, so nothing stays in progress forever:
    at once when their worker's lease lapsed (a killed worker), else after the idle time."""
    return requeue_stuck_documents(settings.INGEST_STUCK_MINUTES)


def requeue_stuck_documents(idle_minutes: int) -> int:
    """Documents in progress whose worker's lease lapsed or that sat idle for `idle_minutes`."""
    now = timezone.now()
    stuck = list(Document.objects.filter(Q(lease_expires_at__lt=now) | Q(updated_at__lt=now - timedelta(minutes=idle_minutes)),
                                         status__in=actions.IN_PROGRESS).values_list("pk", flat=True))
    for document_id in stuck:
        ingest_document.delay(document_id)
    if stuck:
        logger.warning("re-enqueued %d stuck document(s): %s", len(stuck), stuck)
    return len(stuck)


@shared_task(name="agents_app.run_job", bind=True, acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(DatabaseError,), **RETRY)
def run_job(self, job_id: int) -> None:  # type: ignore[no-untyped-def]
    try:
        jobs.run_job(job_id, final_attempt=self.request.retries >= self.max_retries)
    except AgentError as exc:  # retryable, and attempts remain
        raise self.retry(exc=exc, countdown=min(120, 2 ** (self.request.retries + 1))) from exc


def start_job(folder: Folder, kind: str, *, agent: str, **params: object) -> Job:
    """Create a job and run it: inline in offline mode (milliseconds), else on a worker after commit."""
    job = jobs.create_job(folder, kind, **params)
    if jobs.runs_offline(agent):
        return jobs.run_job(job.pk) or job
    transaction.on_commit(lambda: run_job.delay(job.pk))
    return job


@shared_task(name="agents_app.rollup_day", acks_late=True, autoretry_for=(DatabaseError,), **RETRY)
def rollup_day(day: str | None = None) -> None:
    """Nightly: the analytics of `day` (ISO date; default yesterday, UTC). Computing a day
    again replaces its figures, so a rerun or a redelivered task is harmless."""
    analytics.rollup_day(date.fromisoformat(day) if day else analytics.yesterday())
