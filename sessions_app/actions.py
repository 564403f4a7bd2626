"""Every state change of the learning domain, one function each.

Views, consumers, tasks and commands call these; each runs in one short
transaction and assumes its input was validated at the edge.
"""
from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from celery import current_app
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from agents_app import mastery as bkt
from agents_app.chunking import ChunkDraft
from agents_app.models import Job
from agents_app.schemas import AnalysisResult
from agents_app.schemas import GradeResult, QuizQuestion
from agents_app.schemas import PlanResult
from agents_app.schemas import QuizResult
from agents_app.schemas import SessionAnalysisResult
from agents_app.text import terms
from sessions_app.context import TutorContext
from sessions_app.models import (
    Answer, Chunk, ConceptMastery, Document, Folder, FolderAnalysis, LessonPlan, Message, Question, Quiz, QuizAttempt,
    SessionAnalysis, SessionConnection, SessionInvite, SessionMember, SessionRole, TutorSession,
)
from sessions_app.quizzes import Submitted, question_row
from sessions_app import event_log
from sessions_app.uploads import CheckedUpload
from tutor_project.realtime.revocation import close_sockets_of
from tutor_project.web.errors import DomainError

User = get_user_model()
R = TypeVar("R")


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
    _enqueue_after_commit("agents_app.ingest_document", document.pk)


def _enqueue_after_commit(task: str, *args: object) -> None:
    """Run a Celery task once the transaction commits, named by its stable name: the tasks
    call these actions, so importing them here would be a cycle. (Their modules are imported
    at start-up by their apps, so the signature finds them, eagerly run where configured.)"""
    transaction.on_commit(lambda: current_app.signature(task, args=args).delay())


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



# --- shared sessions (SPEC 11) ---------------------------------------------------------

INVITE_CODE_BYTES = 16  # secrets.token_urlsafe: 22 characters, unguessable


def create_invite(session: TutorSession, *, role: str, expires_in: timedelta) -> SessionInvite:
    """A new invite link to the session with `role`; an ended session takes no new members."""
    if session.status != TutorSession.Status.ACTIVE:
        raise session_ended()
    return SessionInvite.objects.create(session=session, code=secrets.token_urlsafe(INVITE_CODE_BYTES), role=role,
                                        created_by=session.learner, expires_at=timezone.now() + expires_in)


def revoke_invite(invite: SessionInvite) -> None:
    """No one joins through the invite from now on, and whoever joined through it leaves: their
    sockets of the session close on every process (SPEC 11)."""
    with transaction.atomic():
        SessionInvite.objects.filter(pk=invite.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        for member in SessionMember.objects.filter(invite=invite):
            remove_member(member)


def accept_invite(invite: SessionInvite, user: AbstractBaseUser) -> SessionMember:
    """Join the invite's session with its role; a member already in it keeps the higher role."""
    with transaction.atomic():
        invite = SessionInvite.objects.select_for_update().select_related("session").get(pk=invite.pk)
        if invite.status == "revoked":
            raise DomainError("invite_revoked", "This invite link was revoked by the session's owner.", http_status=410)
        if invite.status == "expired":
            raise DomainError("invite_expired", "This invite link has expired; ask for a new one.", http_status=410)
        if invite.session.learner_id == user.pk:
            raise DomainError("own_session", "This is your own session: open it from your sessions.")
        if invite.session.status != TutorSession.Status.ACTIVE:
            raise DomainError("session_ended", "This session has ended; it takes no new members.", http_status=410)
        member, created = SessionMember.objects.get_or_create(
            session=invite.session, user=user, defaults={"role": invite.role, "invite": invite})
        if not created and member.role == SessionRole.VIEWER and invite.role == SessionRole.EDITOR:
            member.role, member.invite = invite.role, invite
            member.save(update_fields=["role", "invite"])
    return member


def remove_member(member: SessionMember) -> None:
    """The member leaves the session (removed by the owner, or leaving); their sockets of it
    close on every process once this commits."""
    with transaction.atomic():
        SessionMember.objects.filter(pk=member.pk).delete()
        close_sockets_of(member.user_id, session_id=member.session_id)


def open_connection(session_id: int, user_id: int, process: str) -> int:
    """A tutor socket of the session opened on `process`: the user is connected (presence)."""
    with transaction.atomic():
        row = SessionConnection.objects.create(session_id=session_id, user_id=user_id, process=process)
        _ring_presence(session_id, user_id)
    return row.pk


def close_connection(connection_id: int) -> None:
    with transaction.atomic():
        rows = SessionConnection.objects.filter(pk=connection_id)
        closed = rows.values_list("session_id", "user_id").first()
        if closed is not None:
            rows.delete()
            _ring_presence(*closed)


def renew_connections(process: str, *, stale_after: float) -> None:
    """The process is alive: its sockets' rows stay fresh (sessions_app.presence); rows a dead
    process left, stale for `stale_after` seconds, go."""
    now = timezone.now()
    SessionConnection.objects.filter(process=process).update(seen_at=now)
    SessionConnection.objects.filter(seen_at__lt=now - timedelta(seconds=stale_after)).delete()


def _ring_presence(session_id: int, user_id: int) -> None:
    """After commit, the session's sockets on every process hear who is connected now. Not when
    the owner of a session without members comes or goes: its only participant is its owner,
    whom every socket's session.state names already, and reading who is connected cost every
    socket's opening and closing another trip to the database. (A removed member's socket
    closing still rings: the others must see them go.)"""
    if TutorSession.objects.filter(Q(members__isnull=False) | ~Q(learner_id=user_id), pk=session_id).exists():
        transaction.on_commit(lambda: event_log.ring(event_log.group_name(session_id),
                                                     {"type": event_log.PRESENCE, "session_id": session_id}))


# --- the tutor socket ----------------------------------------------------------------
# Each records its socket events (sessions_app.event_log) in the same transaction as the
# rows they describe, so nothing is announced that was not stored.

MASTERY_HISTORY = 50
CONFUSION_NOTES = 20
# A running turn whose text has not been saved for this long died with its process (a live
# turn saves at least every second, and every few seconds while the model is silent).
TURN_ORPHAN_SECONDS = 30


def _add_message(session: TutorSession, **fields: object) -> Message:
    counters = event_log.bump_counters(session.pk, messages=1)
    return Message.objects.create(session=session, seq=counters.last_message_seq, **fields)


def session_ended() -> DomainError:
    return DomainError("session_ended", "This session has ended; start a new one to keep learning.", http_status=409)


class _Orphaned(Exception):
    """The session's running turn died with its process: end it, then start the new one."""

    def __init__(self, turn_id: str) -> None:
        self.turn_id = turn_id


def _begin_turn(session: TutorSession, turn_id: str, *, messages: int) -> event_log.Counters:
    """Number `messages` messages and a turn.started, and make `turn_id` the session's running
    turn, under the row lock the numbering takes. An ended session, or another turn still
    running, refuses it; a turn orphaned by a crash raises _Orphaned."""
    counters = event_log.bump_counters(session.pk, messages=messages, events=1, claim=turn_id)
    if counters.status != TutorSession.Status.ACTIVE:
        raise session_ended()
    if counters.running_turn_id != turn_id:
        cutoff = timezone.now() - timedelta(seconds=TURN_ORPHAN_SECONDS)
        if counters.running_saved_at is None or counters.running_saved_at < cutoff:
            raise _Orphaned(counters.running_turn_id)
        raise DomainError("turn_in_progress", "The tutor is still answering; wait for turn.completed or "
                          "cancel it.", retryable=True)
    return counters


def _end_orphaned_turn(session: TutorSession, turn_id: str) -> None:
    """End a turn whose process died: failed, with the text it had saved."""
    with transaction.atomic():
        orphan = TutorSession.objects.select_for_update().get(pk=session.pk)
        if orphan.running_turn_id != turn_id:
            return  # ended meanwhile
        interrupted = ("error", {"code": "turn_interrupted", "message": "The tutor stopped answering; ask again.",
                                 "retryable": True, "in_reply_to": None, "turn_id": turn_id})
        _finish_turn(session, orphan.context, turn_id=turn_id, kind="explanation", status="failed",
                     text=orphan.running_text, citations=[], content={}, before=[interrupted])


def _beginning(begin: Callable[[], R], session: TutorSession) -> R:
    """Run a transaction that begins a turn; an orphaned turn in the way is ended first, once."""
    try:
        return begin()
    except _Orphaned as orphaned:
        _end_orphaned_turn(session, orphaned.turn_id)
        return begin()


def receive_learner_message(session: TutorSession, *, client_id: str, text: str, turn_id: str,
                             asked_by: dict | None = None) -> Message | None:
    """Store a learner's message (by `asked_by`, the owner or a member) and start its turn; None if
    `client_id` was received before. An ended session, or a turn still running, refuses it with
    DomainError, storing nothing."""

    def begin() -> Message | None:
        try:
            with transaction.atomic():
                counters = _begin_turn(session, turn_id, messages=1)
                message = Message.objects.create(session=session, seq=counters.last_message_seq, kind="message",
                                                 role=Message.Role.LEARNER, client_id=client_id, turn_id=turn_id,
                                                 text=text, **_authored(asked_by))
                started = {"turn_id": turn_id, "in_reply_to": client_id, "asked_by": asked_by, "text": text}
                event_log.record(session.pk, [("turn.started", started)], bumped=counters)
        except IntegrityError:
            return None  # the unique (session, client_id) constraint: received before, maybe by another process
        return message

    return _beginning(begin, session)


def _authored(author: dict | None) -> dict:
    """A learner row's author fields."""
    return {"author_id": author["user_id"], "author_role": author["role"]} if author else {}


def start_turn(session: TutorSession, *, turn_id: str, in_reply_to: str, asked_by: dict | None = None) -> None:
    """Start and announce a turn asked for by `asked_by`; refused like a learner's message."""

    def begin() -> None:
        with transaction.atomic():
            counters = _begin_turn(session, turn_id, messages=0)
            started = {"turn_id": turn_id, "in_reply_to": in_reply_to, "asked_by": asked_by}
            event_log.record(session.pk, [("turn.started", started)], bumped=counters)

    _beginning(begin, session)


def save_turn_texts(texts: dict[int, tuple[str, str]]) -> None:
    """Running turns' text so far, by session id: (turn id, text); not events, the stored
    turn.completed supersedes them. A session whose running turn is another by now keeps what
    it has. A statement each, not in one transaction: each row is locked only for its own
    statement, and one CASE statement for them all cost half as much again in Python, all of it
    holding the interpreter that the sockets' event loop needs."""
    now = timezone.now()
    for pk, (turn_id, text) in texts.items():
        TutorSession.objects.filter(pk=pk, running_turn_id=turn_id).update(running_text=text, running_saved_at=now)


def record_event(session: TutorSession, type_: str, **fields: object) -> event_log.Frame:
    with transaction.atomic():
        return event_log.record(session.pk, [(type_, fields)])[0]


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
    # One statement numbers the tutor's message and the events, and ends the turn on the session.
    counters = event_log.bump_counters(session.pk, messages=1, events=len(announced),
                                       end=event_log.TurnEnd(turn_id, context))
    message = Message.objects.create(session=session, seq=counters.last_message_seq, role=Message.Role.TUTOR,
                                     kind=kind, status=status, turn_id=turn_id, text=text, citations=citations,
                                     payload=content)
    event_log.record(session.pk, announced, bumped=counters)
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
                 board_object_ids: list[str], citations: list[dict] = (), content: dict | None = None) -> None:
    """Make a stored question the session's pending one and show it (in chat and, drawn, on the
    board), with the passage it was made from."""
    with transaction.atomic():
        context.pending_question_id = question.pk
        shown = {"turn_id": turn_id, "question": question_out(question), "board_object_ids": board_object_ids}
        message = _finish_turn(session, context, turn_id=turn_id, kind="question", status="complete",
                               text=question.prompt, citations=list(citations),
                               content={"question_id": question.pk, **(content or {})},
                               before=[("question", shown)])
        Message.objects.filter(pk=message.pk).update(board_object_ids=board_object_ids)


def question_out(question: Question) -> dict:
    """A question as the learner sees it: never its answer."""
    return {"id": question.pk, "kind": question.kind, "prompt": question.prompt, "options": question.options,
            "concept": question.concept}


def grade_session_answer(session: TutorSession, context: TutorContext, question: Question, *, turn_id: str,
                         answer_text: str, option_index: int | None, grade: GradeResult,
                         board_object_ids: list[str] = (), content: dict | None = None,
                         author: dict | None = None) -> Answer:
    """Store a graded answer, close the question, give feedback; the owner's answer (`author`
    None or the owner) moves the concept's mastery (BKT), a member's is graded for all to see."""
    by_owner = author is None or author["user_id"] == session.learner_id
    with transaction.atomic():
        answer = Answer.objects.create(
            session=session, question=question, learner_id=author["user_id"] if author else session.learner_id,
            option_index=option_index, text=answer_text if option_index is None else "", correct=grade.correct,
            score=grade.score, feedback=grade.feedback,
        )
        _add_message(session, role=Message.Role.LEARNER, kind="answer", turn_id=turn_id, text=answer_text,
                     payload={"question_id": question.pk, "option_index": option_index}, **_authored(author))
        moved = []
        if by_owner:
            change = update_mastery(session.learner_id, session.folder_id, question.concept, grade.correct,
                                    wrong_answer=answer_text)
            moved = [("mastery.updated", {"turn_id": turn_id, "changes": [change]})]
        context.pending_question_id = None
        feedback = {"turn_id": turn_id, "question_id": question.pk, "correct": grade.correct,
                    "correct_option_index": question.correct_index if question.kind == "mcq" else None,
                    "explanation": grade.feedback, "author": author}
        drawn = [("board.updated", {"turn_id": turn_id, "object_ids": list(board_object_ids)})] if board_object_ids else []
        _finish_turn(session, context, turn_id=turn_id, kind="feedback", status="complete", text=grade.feedback,
                     citations=[], content={"question_id": question.pk, "correct": grade.correct, **(content or {})},
                     before=[("feedback", feedback), *moved, *drawn])
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
        event_log.record(session.pk, [("session.ended", {"analysis_status": analysis.status})])
        if created:
            _enqueue_after_commit("sessions_app.analyse_session", analysis.pk)
    return analysis


def claim_session_analysis(analysis_id: int) -> SessionAnalysis | None:
    """The queued analysis, now running; None when it is gone or another worker has it."""
    queued = SessionAnalysis.objects.filter(pk=analysis_id, status=SessionAnalysis.Status.QUEUED)
    if not queued.update(status=SessionAnalysis.Status.RUNNING):
        return None
    return SessionAnalysis.objects.select_related("session").get(pk=analysis_id)


def requeue_session_analysis(analysis: SessionAnalysis) -> None:
    """Back in the queue for the task's next try."""
    SessionAnalysis.objects.filter(pk=analysis.pk).update(status=SessionAnalysis.Status.QUEUED)


def store_session_analysis(analysis: SessionAnalysis, result: SessionAnalysisResult) -> None:
    with transaction.atomic():
        SessionAnalysis.objects.filter(pk=analysis.pk).update(
            status=SessionAnalysis.Status.DONE, result=result.model_dump(mode="json"), error="",
            finished_at=timezone.now(),
        )
        TutorSession.objects.filter(pk=analysis.session_id, status=TutorSession.Status.ENDED).update(
            status=TutorSession.Status.ANALYSED
        )


def fail_session_analysis(analysis: SessionAnalysis, error: str) -> None:
    SessionAnalysis.objects.filter(pk=analysis.pk).update(
        status=SessionAnalysis.Status.FAILED, error=error, finished_at=timezone.now()
    )


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


# --- document processing: the ingestion pipeline's writes ------------------------------

IN_PROGRESS = (Document.Status.QUEUED, Document.Status.EXTRACTING, Document.Status.CHUNKING,
               Document.Status.INDEXING, Document.Status.ANALYSING)


class DocumentBusy(Exception):
    """Another worker holds the document's lease; try again once it may have lapsed."""


def _lease_expiry() -> datetime:
    return timezone.now() + timedelta(seconds=settings.INGEST_LEASE_SECONDS)


def claim_document(document_id: int) -> Document | None:
    """The document with its processing lease taken, or None when it is gone or already
    processed. Raises DocumentBusy while another worker's lease runs."""
    pending = Document.objects.filter(pk=document_id, status__in=IN_PROGRESS)
    free = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=timezone.now())
    if pending.filter(free).update(lease_expires_at=_lease_expiry()):
        return Document.objects.select_related("folder").get(pk=document_id)
    if pending.exists():
        raise DocumentBusy(f"document {document_id} is being processed by another worker")
    return None


def advance_document(document: Document, stage: str, percent: int) -> None:
    """Move a document in processing to `stage` at `percent` (its job too, in one commit),
    renew its lease, and ring the folder's open tutor sockets."""
    now = timezone.now()
    with transaction.atomic():
        Document.objects.filter(pk=document.pk).update(
            status=stage, progress=percent, lease_expires_at=_lease_expiry(), updated_at=now
        )
        Job.objects.filter(pk=document.job_id).update(
            status=Job.Status.RUNNING, stage=stage, progress=percent, updated_at=now
        )
        _report_progress(document, stage=stage, percent=percent, status=stage)


def replace_chunks(document: Document, drafts: list[ChunkDraft], *, pages: int, warnings: list[str]) -> None:
    """Replace the document's chunks with these, with their lexical index, in one transaction:
    a document processed twice never has duplicated chunks."""
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
        Chunk.objects.bulk_create(rows, batch_size=500)
        Document.objects.filter(pk=document.pk).update(pages=pages, warnings=list(warnings))


def store_embeddings(chunks: list[Chunk], vectors: list[list[float]]) -> None:
    """The embedding vector of each chunk, in order."""
    for row, vector in zip(chunks, vectors, strict=True):
        row.embedding = vector
    Chunk.objects.bulk_update(chunks, ["embedding"], batch_size=200)


def add_document_warning(document: Document, warning: str) -> None:
    """A problem that did not stop processing, shown with the document."""
    with transaction.atomic():
        row = Document.objects.select_for_update().only("warnings").get(pk=document.pk)
        Document.objects.filter(pk=document.pk).update(warnings=[*row.warnings, warning])


def fail_document(document: Document, code: str, reason: str) -> None:
    """Processing stopped for good: the document and its job say why."""
    now = timezone.now()
    with transaction.atomic():
        Document.objects.filter(pk=document.pk).update(
            status=Document.Status.FAILED, error_code=code, error=reason, processed_at=now, updated_at=now,
            lease_expires_at=None,
        )
        Job.objects.filter(pk=document.job_id).update(
            status=Job.Status.FAILED, error=reason, finished_at=now, updated_at=now
        )
        _report_progress(document, stage=Document.Status.FAILED, percent=document.progress,
                         status=Document.Status.FAILED)


def finish_document(document: Document) -> None:
    """The document is ready for search, quizzes and the tutor."""
    now = timezone.now()
    with transaction.atomic():
        Document.objects.filter(pk=document.pk).update(
            status=Document.Status.READY, progress=100, error_code="", error="", processed_at=now, updated_at=now,
            lease_expires_at=None,
        )
        Job.objects.filter(pk=document.job_id).update(
            status=Job.Status.SUCCEEDED, stage=Document.Status.READY, progress=100, finished_at=now, updated_at=now
        )
        _report_progress(document, stage=Document.Status.READY, percent=100, status=Document.Status.READY)


def _report_progress(document: Document, *, stage: str, percent: int, status: str) -> None:
    """Log a document's progress once in each active tutor session of its folder, in the
    caller's transaction: their sockets, on any process, hear it after commit, and a socket
    that reconnects replays it."""
    fields = {"document_id": document.pk, "stage": stage, "percent": percent, "status": status}
    sessions = TutorSession.objects.filter(folder_id=document.folder_id, status=TutorSession.Status.ACTIVE)
    for session_id in sessions.values_list("pk", flat=True):
        event_log.record(session_id, [("document.progress", fields)])


# --- folder analysis, lesson plans and quizzes made by the agents ------------------------


def store_folder_analysis(folder: Folder, analysis: AnalysisResult, plan: PlanResult, *, fingerprint: str) -> None:
    """The folder's analysis and the lesson plan made from it, together, with the passages'
    fingerprint they were made from."""
    with transaction.atomic():
        FolderAnalysis.objects.update_or_create(folder=folder, defaults={
            "data": analysis.model_dump(mode="json"), "offline": analysis.offline, "source_fingerprint": fingerprint,
        })
        store_lesson_plan(folder, plan, fingerprint=fingerprint)


def store_lesson_plan(folder: Folder, plan: PlanResult, *, fingerprint: str) -> None:
    LessonPlan.objects.update_or_create(folder=folder, defaults={
        "data": plan.model_dump(mode="json"), "offline": plan.offline, "source_fingerprint": fingerprint,
    })


def store_quiz(folder: Folder, quiz: QuizResult, *, difficulty: str, requested: int) -> Quiz:
    """A generated quiz; `requested` questions were asked for (the documents may support fewer)."""
    with transaction.atomic():
        row = Quiz.objects.create(folder=folder, owner=folder.owner, title=quiz.title, difficulty=difficulty,
                                  offline=quiz.offline, requested=requested)
        Question.objects.bulk_create(question_row(q, quiz=row, order=i) for i, q in enumerate(quiz.questions))
    return row
