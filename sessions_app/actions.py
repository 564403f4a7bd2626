"""Every state change of the learning domain, one function each.

Views, consumers, tasks and commands call these; each runs in one short
transaction and assumes its input was validated at the edge.
"""
from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from agents_app import mastery as bkt
from agents_app.models import Job
from agents_app.schemas import GradeResult, QuizQuestion
from sessions_app.context import TutorContext
from sessions_app.models import (
    Answer, ConceptMastery, Document, Folder, Message, Question, Quiz, QuizAttempt, SessionAnalysis, TutorSession,
)
from sessions_app.quizzes import Submitted, question_row
from sessions_app.tutor import log
from sessions_app.uploads import CheckedUpload
from tutor_project import celery_app
from tutor_project.web.errors import DomainError

User = get_user_model()


def register_learner(*, username: str, password: str, email: str = "") -> AbstractBaseUser:
    return User.objects.create_user(username=username, password=password, email=email)


def create_folder(owner: AbstractBaseUser, *, name: str, description: str = "") -> Folder:
    return Folder.objects.create(owner=owner, name=name, description=description)


def update_folder(folder: Folder, **changes: str) -> Folder:
    for field, value in changes.items():
        setattr(folder, field, value)
    folder.save(update_fields=[*changes, "updated_at"])
    return folder


def delete_folder(folder: Folder) -> None:
    """Soft delete: the folder and everything in it disappear from the API; staff can restore it."""
    Folder.objects.filter(pk=folder.pk).update(deleted_at=timezone.now())


def add_documents(folder: Folder, uploads: list[CheckedUpload]) -> list[Document]:
    """Store checked uploads as queued documents; on any failure nothing stays behind."""
    documents: list[Document] = []
    try:
        with transaction.atomic():
            for upload in uploads:
                document = Document(
                    folder=folder, original_name=upload.name, sha256=upload.sha256, kind=upload.kind,
                    mime_type=upload.mime_type, size=upload.size,
                )
                document.file.save(upload.name, upload.file, save=False)
                documents.append(document)
                document.save()
                _queue_processing(document)
    except IntegrityError:
        _delete_files(documents)
        # A concurrent upload of the same content won the unique constraint.
        raise DomainError("duplicate_document", "This folder already has that content.", http_status=409) from None
    except BaseException:
        _delete_files(documents)
        raise
    return documents


def reprocess_document(document: Document) -> Document:
    """Run the ingestion pipeline again from the start, as a new job."""
    with transaction.atomic():
        document.status, document.progress, document.error_code, document.error = Document.Status.QUEUED, 0, "", ""
        document.save(update_fields=["status", "progress", "error_code", "error", "updated_at"])
        _queue_processing(document)
    return document


def _queue_processing(document: Document) -> None:
    """A job to show progress, and the pipeline task once the rows are committed."""
    document.job = Job.objects.create(
        owner=document.folder.owner, kind="ingest_document", stage=Document.Status.QUEUED,
        target={"document_id": document.pk, "folder_id": document.folder_id},
    )
    document.save(update_fields=["job"])
    document_id = document.pk
    transaction.on_commit(lambda: _enqueue("agents_app.ingest_document", document_id))


def _delete_files(documents: list[Document]) -> None:
    for document in documents:
        if document.file.name:
            document.file.storage.delete(document.file.name)


def delete_document(document: Document) -> None:
    name, storage = document.file.name, document.file.storage
    document.delete()
    # The file goes only once the row is gone for good.
    transaction.on_commit(lambda: storage.delete(name))


def start_session(learner: AbstractBaseUser, folder: Folder) -> TutorSession:
    return TutorSession.objects.create(learner=learner, folder=folder)




# --- the tutor socket ----------------------------------------------------------------
# Each records its socket events (sessions_app.tutor.log) in the same transaction as the
# rows they describe, so nothing is announced that was not stored.

MASTERY_HISTORY = 50
CONFUSION_NOTES = 20
# A running turn whose text has not been saved for this long died with its process (a live
# turn saves at least every second, and every few seconds while the model is silent).
TURN_ORPHAN_SECONDS = 30


def _add_message(session: TutorSession, **fields: object) -> Message:
    counters = log.bump_counters(session.pk, messages=1)
    return Message.objects.create(session=session, seq=counters.last_message_seq, **fields)


def session_ended() -> DomainError:
    return DomainError("session_ended", "This session has ended; start a new one to keep learning.", http_status=409)


def _begin_turn(session: TutorSession, turn_id: str, *, messages: int) -> log.Counters:
    """Under the session's row lock, make `turn_id` its running turn and number `messages`
    messages and its turn.started. An ended session, or another turn still running, refuses
    it; a turn orphaned by a crash is first ended (failed, with the text it had saved)."""
    locked = log.bump_counters(session.pk)
    if locked.status != TutorSession.Status.ACTIVE:
        raise session_ended()
    if locked.running_turn_id:
        running = TutorSession.objects.only("context", "running_text", "running_saved_at").get(pk=session.pk)
        cutoff = timezone.now() - timedelta(seconds=TURN_ORPHAN_SECONDS)
        if running.running_saved_at is not None and running.running_saved_at > cutoff:
            raise DomainError("turn_in_progress", "The tutor is still answering; wait for turn.completed or "
                              "cancel it.", retryable=True)
        interrupted = ("error", {"code": "turn_interrupted", "message": "The tutor stopped answering; ask again.",
                                 "retryable": True, "in_reply_to": None, "turn_id": locked.running_turn_id})
        _finish_turn(session, running.context, turn_id=locked.running_turn_id, kind="explanation",
                     status="failed", text=running.running_text, citations=[], content={}, before=[interrupted])
    TutorSession.objects.filter(pk=session.pk).update(running_turn_id=turn_id, running_text="",
                                                     running_saved_at=timezone.now())
    return log.bump_counters(session.pk, messages=messages, events=1)


def receive_learner_message(session: TutorSession, *, client_id: str, text: str, turn_id: str) -> Message | None:
    """Store a learner's message and start its turn; None if `client_id` was received before.
    An ended session, or a turn still running, refuses it with DomainError, storing nothing."""
    try:
        with transaction.atomic():
            counters = _begin_turn(session, turn_id, messages=1)
            message = Message.objects.create(session=session, seq=counters.last_message_seq, role=Message.Role.LEARNER,
                                             kind="message", client_id=client_id, turn_id=turn_id, text=text)
            log.record(session.pk, [("turn.started", {"turn_id": turn_id, "in_reply_to": client_id})],
                       bumped=counters)
    except IntegrityError:
        return None  # the unique (session, client_id) constraint: received before, maybe by another process
    return message


def start_turn(session: TutorSession, *, turn_id: str, in_reply_to: str) -> None:
    """Start and announce a turn; refused like a learner's message."""
    with transaction.atomic():
        counters = _begin_turn(session, turn_id, messages=0)
        log.record(session.pk, [("turn.started", {"turn_id": turn_id, "in_reply_to": in_reply_to})],
                   bumped=counters)


def save_turn_text(session_id: int, turn_id: str, text: str) -> None:
    """The running turn's text so far (not an event: the stored turn.completed supersedes it)."""
    TutorSession.objects.filter(pk=session_id, running_turn_id=turn_id).update(
        running_text=text, running_saved_at=timezone.now())


def record_document_progress(folder_id: int, **fields: object) -> None:
    """A document's progress, logged once in each active session of its folder (so every socket
    of those sessions, on any process, hears it, and a reconnecting one replays it)."""
    with transaction.atomic():
        sessions = TutorSession.objects.filter(folder_id=folder_id, status=TutorSession.Status.ACTIVE)
        for session_id in sessions.values_list("pk", flat=True):
            log.record(session_id, [("document.progress", fields)])


def record_event(session: TutorSession, type_: str, **fields: object) -> log.Frame:
    with transaction.atomic():
        return log.record(session.pk, [(type_, fields)])[0]


def finish_turn(session: TutorSession, context: TutorContext, *, turn_id: str, kind: str, status: str, text: str,
                citations: list[dict] | None = None, content: dict | None = None,
                before: list[tuple[str, dict]] = ()) -> Message:
    """Store the tutor's message and the context (history included), then announce the end of the turn
    after the `before` events."""
    with transaction.atomic():
        return _finish_turn(session, context, turn_id=turn_id, kind=kind, status=status, text=text,
                            citations=citations or [], content=content or {}, before=list(before))


def _finish_turn(session: TutorSession, context: TutorContext, *, turn_id: str, kind: str, status: str, text: str,
                 citations: list[dict], content: dict, before: list[tuple[str, dict]]) -> Message:
    announced = turn_end_events(turn_id=turn_id, kind=kind, status=status, text=text, citations=citations,
                                content=content, before=before)
    # One counter update numbers the tutor's message and the events together.
    counters = log.bump_counters(session.pk, messages=1, events=len(announced))
    message = Message.objects.create(session=session, seq=counters.last_message_seq, role=Message.Role.TUTOR,
                                     kind=kind, status=status, turn_id=turn_id, text=text, citations=citations,
                                     payload=content)
    TutorSession.objects.filter(pk=session.pk).update(
        context=context, turn_count=F("turn_count") + 1, last_activity_at=timezone.now()
    )
    TutorSession.objects.filter(pk=session.pk, running_turn_id=turn_id).update(
        running_turn_id="", running_text="", running_saved_at=None)
    log.record(session.pk, announced, bumped=counters)
    return message


def turn_end_events(*, turn_id: str, kind: str, status: str, text: str, citations: list[dict], content: dict,
                    before: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """The events that end a turn: `before`, then turn.completed with the whole text."""
    return [*before, ("turn.completed", {
        "turn_id": turn_id, "status": status, "kind": kind, "content": {**content, "text": text},
        "citations": citations,
    })]


def add_session_question(session: TutorSession, question: QuizQuestion, *, chunk_id: int | None) -> Question:
    row = question_row(question, session=session)
    row.chunk_id = chunk_id
    row.save()
    return row


def ask_question(session: TutorSession, context: TutorContext, question: Question, *, turn_id: str,
                 board_object_ids: list[str], content: dict | None = None) -> None:
    """Make a stored question the session's pending one and show it (in chat and, drawn, on the board)."""
    with transaction.atomic():
        context.pending_question_id = question.pk
        shown = {"turn_id": turn_id, "question": question_out(question), "board_object_ids": board_object_ids}
        message = _finish_turn(session, context, turn_id=turn_id, kind="question", status="complete",
                               text=question.prompt, citations=[],
                               content={"question_id": question.pk, **(content or {})},
                               before=[("question", shown)])
        Message.objects.filter(pk=message.pk).update(board_object_ids=board_object_ids)


def question_out(question: Question) -> dict:
    """A question as the learner sees it: never its answer."""
    return {"id": question.pk, "kind": question.kind, "prompt": question.prompt, "options": question.options,
            "concept": question.concept}


def grade_session_answer(session: TutorSession, context: TutorContext, question: Question, *, turn_id: str,
                         answer_text: str, option_index: int | None, grade: GradeResult,
                         board_object_ids: list[str] = (), content: dict | None = None) -> Answer:
    """Store a graded answer, move the concept's mastery (BKT), close the question, give feedback."""
    with transaction.atomic():
        answer = Answer.objects.create(
            session=session, question=question, learner=session.learner, option_index=option_index,
            text=answer_text if option_index is None else "", correct=grade.correct, score=grade.score,
            feedback=grade.feedback,
        )
        _add_message(session, role=Message.Role.LEARNER, kind="answer", turn_id=turn_id, text=answer_text,
                     payload={"question_id": question.pk, "option_index": option_index})
        change = update_mastery(session.learner_id, session.folder_id, question.concept, grade.correct,
                                wrong_answer=answer_text)
        context.pending_question_id = None
        feedback = {"turn_id": turn_id, "question_id": question.pk, "correct": grade.correct,
                    "correct_option_index": question.correct_index if question.kind == "mcq" else None,
                    "explanation": grade.feedback}
        drawn = [("board.updated", {"turn_id": turn_id, "object_ids": list(board_object_ids)})] if board_object_ids else []
        _finish_turn(session, context, turn_id=turn_id, kind="feedback", status="complete", text=grade.feedback,
                     citations=[], content={"question_id": question.pk, "correct": grade.correct, **(content or {})},
                     before=[("feedback", feedback), ("mastery.updated", {"turn_id": turn_id, "changes": [change]}),
                             *drawn])
    return answer


def update_mastery(learner_id: int, folder_id: int, concept: str, correct: bool, *, wrong_answer: str = "") -> dict:
    """Move a concept's P(known) by one answer (BKT); the change as `mastery.updated` shows it."""
    row, _ = ConceptMastery.objects.select_for_update().get_or_create(
        learner_id=learner_id, folder_id=folder_id, concept=concept
    )
    before = row.p_known
    row.p_known = bkt.update(before, correct, row.bkt_params)
    row.attempts += 1
    row.correct += int(correct)
    row.history = [*row.history, round(row.p_known, 4)][-MASTERY_HISTORY:]
    if not correct and wrong_answer and wrong_answer not in row.confusion_notes:
        row.confusion_notes = [*row.confusion_notes, wrong_answer][-CONFUSION_NOTES:]
    row.last_seen_at = timezone.now()
    row.save()
    return {"concept": concept, "before": round(before, 4), "after": round(row.p_known, 4)}


def set_bkt_params(concept: str, params: bkt.BKTParams) -> int:
    """Refitted BKT parameters of a concept, for every learner's next answers on it; P(known)
    so far stays as it is. The number of mastery rows changed."""
    return ConceptMastery.objects.filter(concept=concept).update(
        p_init=params.prior, p_learn=params.learn, p_slip=params.slip, p_guess=params.guess
    )


def end_session(session: TutorSession) -> SessionAnalysis:
    """End the session (over REST or the socket), queue its analysis once, and tell the
    session's sockets; ending twice is harmless."""
    with transaction.atomic():
        now = timezone.now()
        TutorSession.objects.filter(pk=session.pk, status=TutorSession.Status.ACTIVE).update(
            status=TutorSession.Status.ENDED, ended_at=now, last_activity_at=now
        )
        analysis, created = SessionAnalysis.objects.get_or_create(session=session)
        log.record(session.pk, [("session.ended", {"analysis_status": analysis.status})])
        if created:
            transaction.on_commit(lambda: _queue_analysis(analysis.pk))
    return analysis


def _queue_analysis(analysis_id: int) -> None:
    _enqueue("sessions_app.analyse_session", analysis_id)


def _enqueue(task_name: str, *args: object) -> None:
    """Queue a task by its stable name: the tasks call these actions, so the actions do not
    import the tasks (eager mode is honoured, unlike send_task)."""
    celery_app.tasks[task_name].delay(*args)


# --- quizzes -------------------------------------------------------------------------


def record_attempt(quiz: Quiz, learner: AbstractBaseUser, answers: list[Submitted],
                   grades: list[GradeResult]) -> tuple[QuizAttempt, list[dict]]:
    """Store a graded attempt and move mastery once per answered question."""
    correct = sum(grade.correct for grade in grades)
    total = quiz.questions.count()
    with transaction.atomic():
        attempt = QuizAttempt.objects.create(quiz=quiz, learner=learner, correct_count=correct, total=total,
                                             score=round(sum(g.score for g in grades) / total, 4) if total else 0.0)
        Answer.objects.bulk_create(
            Answer(attempt=attempt, question=item.question, learner=learner, option_index=item.option_index,
                   text=item.text, correct=grade.correct, score=grade.score, feedback=grade.feedback)
            for item, grade in zip(answers, grades)
        )
        changes = [
            update_mastery(learner.pk, quiz.folder_id, item.question.concept, grade.correct,
                           wrong_answer="" if grade.correct else item.said)
            for item, grade in zip(answers, grades) if item.question.concept
        ]
    return attempt, changes
