"""Background jobs started from the API: regenerate a folder's analysis or plan, create a quiz.

A job runs inline in offline mode (the offline engine answers in milliseconds) and on
Celery with a model; either way the Job row tells its status, and `result` says what
it produced. Running a job twice is harmless: only a queued job is claimed.
"""
from __future__ import annotations

from collections.abc import Callable

from asgiref.sync import async_to_sync
from django.utils import timezone

from agents_app import pipeline
from agents_app.agents.quiz import create_quiz
from agents_app.errors import AgentError
from agents_app.mastery import choose_difficulty
from agents_app.models import Job
from agents_app.runs import CallContext
from agents_app.wiring import get_gateway
from sessions_app import actions
from sessions_app.models import Folder, FolderAnalysis, Question

ANALYSE_FOLDER = "analyse_folder"
PLAN_LESSON = "plan_lesson"
CREATE_QUIZ = "create_quiz"
QUIZ_CONCEPTS = 5


def runs_offline(agent: str) -> bool:
    """Whether `agent` answers with the offline engine: the gateway's own choice."""
    gateway = get_gateway()
    return not gateway.uses_llm(async_to_sync(gateway.settings_for)(agent))


def create_job(folder: Folder, kind: str, **params: object) -> Job:
    return Job.objects.create(owner=folder.owner, kind=kind, target={"folder_id": folder.pk, **params})


def run_job(job_id: int, *, final_attempt: bool = True) -> Job | None:
    """Claim a queued job and run it; it ends succeeded or failed with a readable error.

    A retryable failure before the final attempt puts the job back in the queue and
    re-raises, so the Celery task can retry it."""
    if not Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, updated_at=timezone.now()
    ):
        return None
    job = Job.objects.get(pk=job_id)
    folder = Folder.live.filter(pk=job.target.get("folder_id")).first()
    try:
        if folder is None:
            raise AgentError("the folder no longer exists", code="folder_gone")
        result = RUNNERS[job.kind](folder, job)
    except AgentError as exc:
        if exc.retryable and not final_attempt:
            Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, error=exc.message)
            raise
        _finish(job, Job.Status.FAILED, error=exc.message, result={"code": exc.code})
        return job
    _finish(job, Job.Status.SUCCEEDED, result=result)
    return job


def _finish(job: Job, status: str, *, result: dict | None = None, error: str = "") -> None:
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(status=status, result=result or {}, error=error, progress=100,
                                         finished_at=now, updated_at=now)
    job.refresh_from_db()


def _analyse(folder: Folder, job: Job) -> dict:
    if not pipeline.refresh_folder(folder, force=True):
        raise AgentError("the folder has no processed documents yet", code="empty_folder")
    return {"folder_id": folder.pk}


def _plan(folder: Folder, job: Job) -> dict:
    if not pipeline.replan_folder(folder):
        raise AgentError("the folder has no analysis yet: upload documents first", code="no_analysis")
    return {"folder_id": folder.pk}


def _create_quiz(folder: Folder, job: Job) -> dict:
    """Questions on the requested concepts, or on the learner's weakest important ones."""
    chunks = pipeline.folder_chunks(folder.pk)
    if not chunks:
        raise AgentError("the folder has no processed documents yet", code="empty_folder")
    mastery = pipeline.folder_mastery(folder)
    concepts = job.target.get("concepts") or _weakest_concepts(folder, mastery)
    if not concepts:
        raise AgentError("the folder has no analysis yet: upload documents first", code="no_analysis")
    level = sum(mastery.get(c, 0.0) for c in concepts) / len(concepts)
    difficulty = job.target.get("difficulty") or choose_difficulty(level)
    existing = list(Question.objects.filter(quiz__folder=folder).values_list("prompt", flat=True))
    count = job.target.get("count", 5)
    quiz = async_to_sync(create_quiz)(
        get_gateway(), CallContext(user_id=folder.owner_id), chunks, concepts,
        count=count, difficulty=difficulty, existing=existing,
    )
    row = actions.store_quiz(folder, quiz, difficulty=difficulty, requested=count)
    return {"quiz_id": row.pk, "requested": count, "available": len(quiz.questions)}


def _weakest_concepts(folder: Folder, mastery: dict[str, float]) -> list[str]:
    analysis = FolderAnalysis.objects.filter(folder=folder).first()
    if analysis is None:
        return []
    concepts = sorted(analysis.data["concepts"], key=lambda c: (mastery.get(c["name"], 0.0), -c["importance"]))
    return [c["name"] for c in concepts[:QUIZ_CONCEPTS]]


RUNNERS: dict[str, Callable[[Folder, Job], dict]] = {
    ANALYSE_FOLDER: _analyse,
    PLAN_LESSON: _plan,
    CREATE_QUIZ: _create_quiz,
}
