"""The learning domain: folders, documents, tutor sessions, quizzes, mastery.

Models hold fields, constraints and small derived properties; state changes go
through sessions_app.actions.
"""
from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinLengthValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from agents_app.mastery import DEFAULT_BKT, BKTParams
from sessions_app.context import TutorContext
from sessions_app.fields import TypedJSONField

User = settings.AUTH_USER_MODEL


class LiveFolderManager(models.Manager["Folder"]):
    def get_queryset(self) -> models.QuerySet["Folder"]:
        return super().get_queryset().filter(deleted_at__isnull=True)


class Folder(models.Model):
    """A learner's subject: owns documents, analysis, plan, quizzes and mastery."""

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="folders")
    name = models.CharField(max_length=100, validators=[MinLengthValidator(1)])
    description = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = models.Manager()
    live = LiveFolderManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "deleted_at"])]

    def __str__(self) -> str:
        return self.name


def document_upload_path(document: "Document", filename: str) -> str:
    # Content-addressed under the folder; the learner's file name is kept in a field.
    return f"documents/{document.folder_id}/{document.sha256}"


class Document(models.Model):
    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "Word (DOCX)"
        MARKDOWN = "markdown", "Markdown"
        TEXT = "text", "Plain text"
        HTML = "html", "HTML"

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        EXTRACTING = "extracting", "extracting"
        CHUNKING = "chunking", "chunking"
        INDEXING = "indexing", "indexing"
        ANALYSING = "analysing", "analysing"
        READY = "ready", "ready"
        FAILED = "failed", "failed"

    folder = models.ForeignKey(Folder, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to=document_upload_path, max_length=255)
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    mime_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    pages = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    error_code = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    # Problems that did not stop processing, e.g. "3 page(s) could not be read and were skipped".
    warnings = models.JSONField(default=list, blank=True)
    job = models.ForeignKey(
        "agents_app.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The latest processing run.",
    )
    # Held by the worker processing the document and renewed as it progresses; a killed
    # worker's lease lapses, so a redelivered or swept task can take the document over.
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["folder", "sha256"], name="document_unique_content_per_folder"),
        ]

    def __str__(self) -> str:
        return self.original_name


class ChunkQuerySet(models.QuerySet):
    def passages(self) -> ChunkQuerySet:
        """Without the search index (term counts, embedding): all that showing or quoting
        a passage needs, and much less to decode."""
        return self.defer("terms", "embedding")


class Chunk(models.Model):
    """A passage of a document, with the anchor a citation points at."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="chunks")
    order = models.PositiveIntegerField()
    text = models.TextField()
    page = models.PositiveIntegerField(null=True, blank=True)
    page_end = models.PositiveIntegerField(null=True, blank=True)
    section = models.CharField(max_length=500, blank=True)
    token_count = models.PositiveIntegerField(default=0)
    content_hash = models.CharField(max_length=64)
    # Lexical index: term -> frequency and the term count, written by the indexing stage
    # and ranked with BM25 at query time (portable across SQLite and PostgreSQL).
    terms = models.JSONField(default=dict, blank=True)
    length = models.PositiveIntegerField(default=0)
    embedding = models.JSONField(null=True, blank=True)

    objects = ChunkQuerySet.as_manager()

    class Meta:
        ordering = ["document_id", "order"]
        constraints = [models.UniqueConstraint(fields=["document", "order"], name="chunk_unique_order")]

    def __str__(self) -> str:
        return f"{self.document_id}#{self.order}"


class FolderArtifact(models.Model):
    """An agent's output for a whole folder, as JSON, with what it was computed from."""

    data = models.JSONField()
    offline = models.BooleanField(default=False)
    # Hash of the chunk ids it was computed from: unchanged input, no recomputation.
    source_fingerprint = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class FolderAnalysis(FolderArtifact):
    """agents_app.schemas.AnalysisResult of the folder."""

    folder = models.OneToOneField(Folder, on_delete=models.CASCADE, related_name="analysis")

    class Meta:
        verbose_name_plural = "folder analyses"

    def __str__(self) -> str:
        return f"analysis of {self.folder}"


class LessonPlan(FolderArtifact):
    """agents_app.schemas.PlanResult of the folder."""

    folder = models.OneToOneField(Folder, on_delete=models.CASCADE, related_name="lesson_plan")

    def __str__(self) -> str:
        return f"lesson plan of {self.folder}"


class TutorSession(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "active"
        ENDED = "ended", "ended"
        ANALYSED = "analysed", "analysed"

    folder = models.ForeignKey(Folder, on_delete=models.CASCADE, related_name="sessions")
    learner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tutor_sessions")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    context = TypedJSONField(schema=TutorContext)
    # Sequence counters: the last number handed out for messages and for events.
    last_message_seq = models.PositiveIntegerField(default=0)
    last_event_seq = models.PositiveIntegerField(default=0)
    turn_count = models.PositiveIntegerField(default=0)
    # The turn running now (one at a time per session, whichever socket or process runs it)
    # and its text so far, saved at least every second: a client reconnecting to any
    # process is sent it, and a crash loses at most that second. Empty between turns.
    running_turn_id = models.CharField(max_length=64, blank=True, default="")
    running_text = models.TextField(blank=True, default="")
    running_saved_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    last_activity_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["learner", "status"])]

    def __str__(self) -> str:
        return f"session {self.pk} ({self.status})"


class SessionRole(models.TextChoices):
    """What a user may do in a session (SPEC 11): the owner is the session's learner."""

    OWNER = "owner", "owner"
    EDITOR = "editor", "editor"
    VIEWER = "viewer", "viewer"


MEMBER_ROLES = [(SessionRole.EDITOR.value, "editor"), (SessionRole.VIEWER.value, "viewer")]
INVITE_STATUSES = ["active", "expired", "revoked"]


class SessionInvite(models.Model):
    """A link that lets a signed-in user join a session with a role, until it expires or is revoked."""

    session = models.ForeignKey(TutorSession, on_delete=models.CASCADE, related_name="invites")
    code = models.CharField(max_length=64, unique=True)
    role = models.CharField(max_length=8, choices=MEMBER_ROLES)
    created_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.role} invite to session {self.session_id}"

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= timezone.now() else "active"


class SessionMember(models.Model):
    """A user who joined someone else's session through an invite, with the role it gave."""

    session = models.ForeignKey(TutorSession, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="session_memberships")
    role = models.CharField(max_length=8, choices=MEMBER_ROLES)
    invite = models.ForeignKey(SessionInvite, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="members")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="member_once_per_session")]

    def __str__(self) -> str:
        return f"{self.user_id} as {self.role} in session {self.session_id}"


class SessionConnection(models.Model):
    """An open tutor socket of a session, on some process: who is connected now (SPEC 11
    presence). Its process renews `seen_at` while it runs; a row a crashed process left
    behind stops counting once it is stale, and is swept."""

    session = models.ForeignKey(TutorSession, on_delete=models.CASCADE, related_name="connections")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    process = models.CharField(max_length=32, db_index=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user_id} on session {self.session_id}"


class Message(models.Model):
    """One learner or tutor event of a session's transcript, in order."""

    class Role(models.TextChoices):
        LEARNER = "learner", "learner"
        TUTOR = "tutor", "tutor"
        SYSTEM = "system", "system"

    class Status(models.TextChoices):
        COMPLETE = "complete", "complete"
        STREAMING = "streaming", "streaming"
        CANCELLED = "cancelled", "cancelled"
        FAILED = "failed", "failed"

    session = models.ForeignKey(TutorSession, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveIntegerField()
    role = models.CharField(max_length=16, choices=Role.choices)
    kind = models.CharField(max_length=32, help_text="message, explanation, question, feedback, answer, help …")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.COMPLETE)
    client_id = models.CharField(max_length=64, null=True, blank=True)
    # Who said a learner message or answer: the owner or a member (SPEC 11); with the role they had.
    author = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    author_role = models.CharField(max_length=8, blank=True, choices=SessionRole.choices)
    turn_id = models.CharField(max_length=64, blank=True, db_index=True)
    text = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    citations = models.JSONField(default=list, blank=True)
    board_object_ids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["session", "seq"], name="message_unique_seq"),
            models.UniqueConstraint(
                fields=["session", "client_id"], condition=Q(client_id__isnull=False), name="message_unique_client_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.seq} {self.role} {self.kind}"

    @property
    def author_ref(self) -> dict | None:
        """Who wrote it, as frames and the API show it (select_related("author") to read many)."""
        if self.author_id is None:
            return None
        return {"user_id": self.author_id, "username": self.author.username, "role": self.author_role}


class SessionEvent(models.Model):
    """Every event sent on the tutor socket, numbered, so a client can resume."""

    session = models.ForeignKey(TutorSession, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    type = models.CharField(max_length=32)
    turn_id = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["session", "seq"], name="event_unique_seq")]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.seq} {self.type}"


class Quiz(models.Model):
    folder = models.ForeignKey(Folder, on_delete=models.CASCADE, related_name="quizzes")
    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="quizzes")
    title = models.CharField(max_length=200)
    difficulty = models.CharField(max_length=16, default="medium")
    offline = models.BooleanField(default=False, help_text="Generated by the offline engine.")
    requested = models.PositiveSmallIntegerField(
        default=0, help_text="How many questions were asked for; the documents may support fewer.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "quizzes"

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    class Kind(models.TextChoices):
        MCQ = "mcq", "multiple choice"
        FREE = "free", "free response"

    quiz = models.ForeignKey(Quiz, null=True, blank=True, on_delete=models.CASCADE, related_name="questions")
    session = models.ForeignKey(
        TutorSession, null=True, blank=True, on_delete=models.CASCADE, related_name="questions",
        help_text="Set for questions asked during a tutor session.",
    )
    order = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    prompt = models.TextField()
    options = models.JSONField(default=list, blank=True)
    correct_index = models.PositiveSmallIntegerField(null=True, blank=True)
    reference_answer = models.TextField(blank=True)
    rubric = models.TextField(blank=True)
    explanation = models.TextField(blank=True)
    concept = models.CharField(max_length=200, blank=True, db_index=True)
    chunk = models.ForeignKey(Chunk, null=True, blank=True, on_delete=models.SET_NULL, related_name="questions")
    quote = models.TextField(blank=True, help_text="The cited sentence the question tests.")
    # Elo-style item difficulty, moved by learners' answers.
    rating = models.FloatField(default=1500.0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["quiz_id", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="free") | Q(correct_index__isnull=False), name="mcq_has_correct_index"
            ),
            models.CheckConstraint(
                condition=Q(quiz__isnull=False) | Q(session__isnull=False), name="question_has_quiz_or_session"
            ),
        ]

    def __str__(self) -> str:
        return self.prompt[:60]


class QuizAttempt(models.Model):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    learner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="quiz_attempts")
    correct_count = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    score = models.FloatField(default=0.0, help_text="0–1")
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"attempt {self.pk} on quiz {self.quiz_id}"


class Answer(models.Model):
    attempt = models.ForeignKey(QuizAttempt, null=True, blank=True, on_delete=models.CASCADE, related_name="answers")
    session = models.ForeignKey(
        TutorSession, null=True, blank=True, on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    learner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="answers")
    option_index = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)
    correct = models.BooleanField()
    score = models.FloatField(default=0.0, help_text="0–1; partial credit for free response")
    feedback = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "question"], condition=Q(attempt__isnull=False), name="answer_once_per_attempt"
            ),
        ]

    def __str__(self) -> str:
        return f"answer to {self.question_id} ({'correct' if self.correct else 'wrong'})"


class ConceptMastery(models.Model):
    """Bayesian Knowledge Tracing state of one learner for one concept of a folder; a new
    concept starts from the same defaults the rest of the product assumes (DEFAULT_BKT)."""

    learner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="mastery")
    folder = models.ForeignKey(Folder, on_delete=models.CASCADE, related_name="mastery")
    concept = models.CharField(max_length=200)
    p_known = models.FloatField(default=DEFAULT_BKT.prior, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)])
    p_init = models.FloatField(default=DEFAULT_BKT.prior, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)])
    p_learn = models.FloatField(default=DEFAULT_BKT.learn, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)])
    p_slip = models.FloatField(default=DEFAULT_BKT.slip, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)])
    p_guess = models.FloatField(default=DEFAULT_BKT.guess, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)])
    attempts = models.PositiveIntegerField(default=0)
    correct = models.PositiveIntegerField(default=0)
    # Recent P(known) values, oldest first (bounded), for the trend on the concept map.
    history = models.JSONField(default=list, blank=True)
    confusion_notes = models.JSONField(default=list, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["folder_id", "concept"]
        verbose_name_plural = "concept mastery"
        constraints = [
            models.UniqueConstraint(fields=["learner", "folder", "concept"], name="mastery_unique_concept"),
        ]

    def __str__(self) -> str:
        return f"{self.concept}: {self.p_known:.2f}"

    @property
    def bkt_params(self) -> BKTParams:
        """The parameters this concept's answers move P(known) with (refitted nightly)."""
        return BKTParams(prior=self.p_init, learn=self.p_learn, slip=self.p_slip, guess=self.p_guess)


class SessionAnalysis(models.Model):
    """The session analyzer's verdict on one ended session, produced by a Celery task."""

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    session = models.OneToOneField(TutorSession, on_delete=models.CASCADE, related_name="analysis")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    # agents_app.schemas.SessionAnalysisResult as JSON once done.
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "session analyses"

    def __str__(self) -> str:
        return f"analysis of session {self.session_id} ({self.status})"
