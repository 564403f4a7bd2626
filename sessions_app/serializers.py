"""Request and response shapes of the learning-domain API."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sessions_app.models import (
    INVITE_STATUSES, MEMBER_ROLES, Answer, Document, Folder, Message, Question, Quiz, QuizAttempt, SessionAnalysis, SessionInvite,
    SessionRole, TutorSession,
)

User = get_user_model()


class RegisterSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]+\Z", max_length=150)
    password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)
    email = serializers.EmailField(required=False, allow_blank=True, default="")

    def validate_username(self, value: str) -> str:
        if User.objects.filter(username__iexact=value).exists():
            raise serializers.ValidationError("That username is taken.")
        return value

    def validate(self, attrs: dict) -> dict:
        try:
            validate_password(attrs["password"], User(username=attrs["username"], email=attrs.get("email", "")))
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from None
        return attrs


class UserSerializer(serializers.ModelSerializer):
    email = serializers.CharField(read_only=True, help_text="May be empty.")  # "" is no email format

    class Meta:
        model = User
        fields = ["id", "username", "email", "date_joined"]
        read_only_fields = fields


class FolderSerializer(serializers.ModelSerializer):
    name = serializers.CharField(max_length=100, allow_blank=False, trim_whitespace=True)
    document_count = serializers.SerializerMethodField()

    class Meta:
        model = Folder
        fields = ["id", "name", "description", "document_count", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_document_count(self, folder: Folder) -> int:
        """Counted by the list's query; one folder on its own counts here."""
        counted = getattr(folder, "document_count", None)
        return folder.documents.count() if counted is None else counted


class DocumentSerializer(serializers.ModelSerializer):
    folder_id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="original_name", read_only=True)
    stage = serializers.CharField(source="status", read_only=True)

    class Meta:
        model = Document
        fields = [
            "id", "folder_id", "name", "kind", "mime_type", "size", "sha256", "pages", "status", "stage",
            "progress", "error_code", "error", "warnings", "created_at", "updated_at", "processed_at",
        ]
        read_only_fields = fields


class DocumentUploadSerializer(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(allow_empty_file=True), allow_empty=False)


class SessionCreateSerializer(serializers.Serializer):
    folder_id = serializers.IntegerField(min_value=1)


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class SessionSerializer(serializers.ModelSerializer):
    """A session as sessions_app.access.sessions_of reads it, with the reader's `role` in it."""

    folder_id = serializers.IntegerField(read_only=True)
    focus = serializers.CharField(source="context.focus_objective", read_only=True)
    pace = serializers.FloatField(source="context.pace", read_only=True)
    role = serializers.ChoiceField(choices=SessionRole.choices, read_only=True,
                                   help_text="Yours: owner, or the role a shared session gave you.")
    folder_name = serializers.CharField(source="folder.name", read_only=True)
    owner = UserRefSerializer(source="learner", read_only=True)

    class Meta:
        model = TutorSession
        fields = [
            "id", "folder_id", "folder_name", "owner", "status", "role", "focus", "pace", "turn_count", "last_event_seq",
            "started_at", "last_activity_at", "ended_at",
        ]
        read_only_fields = fields


class InviteCreateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=MEMBER_ROLES)
    expires_in = serializers.IntegerField(min_value=60, max_value=30 * 24 * 3600, default=7 * 24 * 3600,
                                          help_text="Seconds until the link expires (default 7 days).")


class InviteSerializer(serializers.ModelSerializer):
    """An invite as its session's owner sees it."""

    session_id = serializers.IntegerField(read_only=True)
    status = serializers.ChoiceField(choices=INVITE_STATUSES, read_only=True)
    accepted_count = serializers.IntegerField(read_only=True, help_text="Members who joined through it.")
    url = serializers.SerializerMethodField(help_text="The web app's page for the link.")

    class Meta:
        model = SessionInvite
        fields = ["code", "role", "session_id", "created_at", "expires_at", "revoked_at", "status",
                  "accepted_count", "url"]
        read_only_fields = fields

    def get_url(self, invite: SessionInvite) -> str:
        return f"/invite/{invite.code}"


class InvitedSessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    folder_name = serializers.CharField(source="folder.name")
    owner = UserRefSerializer(source="learner")
    status = serializers.ChoiceField(choices=TutorSession.Status.choices)


class InvitePreviewSerializer(serializers.ModelSerializer):
    """What an invite grants, for anyone signed in who holds its link."""

    status = serializers.ChoiceField(choices=INVITE_STATUSES, read_only=True)
    session = InvitedSessionSerializer(read_only=True)

    class Meta:
        model = SessionInvite
        fields = ["code", "role", "status", "expires_at", "session"]
        read_only_fields = fields


class AcceptedSerializer(serializers.Serializer):
    session_id = serializers.IntegerField()
    role = serializers.ChoiceField(choices=MEMBER_ROLES)


class MemberSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    username = serializers.CharField()
    role = serializers.ChoiceField(choices=SessionRole.choices)
    joined_at = serializers.DateTimeField()
    online = serializers.BooleanField(help_text="Has a tutor socket of the session open now.")


class AuthorSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    username = serializers.CharField()
    role = serializers.ChoiceField(choices=SessionRole.choices)


class MessageSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField(help_text="Who wrote a learner message or answer; null for the tutor.")

    class Meta:
        model = Message
        fields = [
            "id", "seq", "role", "kind", "status", "client_id", "turn_id", "text", "payload", "citations",
            "board_object_ids", "author", "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(AuthorSerializer(allow_null=True))
    def get_author(self, message: Message) -> dict | None:
        return message.author_ref


class MessagePageQuery(serializers.Serializer):
    before = serializers.IntegerField(required=False, min_value=1)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=200, default=50)


class MessagePageSerializer(serializers.Serializer):
    results = MessageSerializer(many=True)
    has_more = serializers.BooleanField()
    next_before = serializers.IntegerField(allow_null=True, help_text="Pass as ?before= for older messages.")


class SessionAnalysisSerializer(serializers.ModelSerializer):
    session_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = SessionAnalysis
        fields = ["session_id", "status", "result", "error", "created_at", "updated_at", "finished_at"]
        read_only_fields = fields


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(min_length=1, max_length=500, trim_whitespace=True)
    k = serializers.IntegerField(required=False, min_value=1, max_value=20, default=5)


class SearchHitSerializer(serializers.Serializer):
    document_id = serializers.IntegerField(source="chunk.document_id")
    document_name = serializers.CharField()
    chunk_id = serializers.IntegerField(source="chunk.chunk_id")
    page = serializers.IntegerField(source="chunk.page", allow_null=True)
    section = serializers.CharField(source="chunk.section")
    quote = serializers.CharField()
    score = serializers.FloatField()


class FolderArtifactSerializer(serializers.Serializer):
    """A folder's analysis or lesson plan, with where it stands."""

    status = serializers.ChoiceField(choices=["ready", "processing", "empty", "failed"], help_text=(
        "ready: up to date; processing: documents are still being processed (an older result may be shown); "
        "empty: no documents; failed: every document failed."))
    offline = serializers.BooleanField(allow_null=True, help_text="Produced by the offline engine.")
    updated_at = serializers.DateTimeField(allow_null=True)
    data = serializers.JSONField(allow_null=True)


class QuizCreateSerializer(serializers.Serializer):
    count = serializers.IntegerField(min_value=1, max_value=20, default=5)
    difficulty = serializers.ChoiceField(choices=["easy", "medium", "hard"], required=False)
    concepts = serializers.ListField(
        child=serializers.CharField(min_length=1, max_length=200), required=False, max_length=10, allow_empty=False
    )


class QuestionPublicSerializer(serializers.ModelSerializer):
    """A question as the learner sees it before answering: no answer, no quote that gives it away."""

    citation = serializers.SerializerMethodField()

    class Meta:
        model = Question
        fields = ["id", "kind", "prompt", "options", "concept", "citation"]
        read_only_fields = fields

    def get_citation(self, question: Question) -> dict | None:
        chunk = question.chunk
        if chunk is None:
            return None
        return {"document_id": chunk.document_id, "chunk_id": chunk.pk, "page": chunk.page, "section": chunk.section}


class QuizSerializer(serializers.ModelSerializer):
    folder_id = serializers.IntegerField(read_only=True)
    questions = QuestionPublicSerializer(many=True, read_only=True)
    available = serializers.SerializerMethodField(help_text="How many questions the documents gave.")
    warning = serializers.SerializerMethodField(help_text="Why there are fewer questions than requested, if so.")

    class Meta:
        model = Quiz
        fields = ["id", "folder_id", "title", "difficulty", "offline", "created_at", "requested", "available",
                  "warning", "questions"]
        read_only_fields = fields

    def get_available(self, quiz: Quiz) -> int:
        return len(quiz.questions.all())  # the prefetched list: no extra query

    def get_warning(self, quiz: Quiz) -> str | None:
        available = self.get_available(quiz)
        if available >= quiz.requested:
            return None
        return (f"{quiz.requested} questions were requested but the documents support only {available} "
                f"on these concepts; add material or choose more concepts for a longer quiz.")


class AnswerInSerializer(serializers.Serializer):
    question_id = serializers.IntegerField(min_value=1)
    option_index = serializers.IntegerField(min_value=0, required=False)
    text = serializers.CharField(max_length=5000, required=False, allow_blank=False)

    def validate(self, attrs: dict) -> dict:
        if ("option_index" in attrs) == ("text" in attrs):
            raise serializers.ValidationError("give either option_index (multiple choice) or text (free response)")
        return attrs


class AttemptCreateSerializer(serializers.Serializer):
    answers = AnswerInSerializer(many=True, allow_empty=False, max_length=100)


class AnswerResultSerializer(serializers.ModelSerializer):
    question_id = serializers.IntegerField()
    prompt = serializers.CharField(source="question.prompt")
    correct_option_index = serializers.IntegerField(source="question.correct_index", allow_null=True)
    quote = serializers.CharField(source="question.quote", help_text="The sentence of the document that answers it.")

    class Meta:
        model = Answer
        fields = ["question_id", "prompt", "option_index", "text", "correct", "score", "feedback",
                  "correct_option_index", "quote"]
        read_only_fields = fields


class AttemptSerializer(serializers.ModelSerializer):
    quiz_id = serializers.IntegerField()
    results = AnswerResultSerializer(source="answers", many=True)

    class Meta:
        model = QuizAttempt
        fields = ["id", "quiz_id", "correct_count", "total", "score", "submitted_at", "results"]
        read_only_fields = fields


class ConceptMasterySerializer(serializers.Serializer):
    concept = serializers.CharField()
    importance = serializers.IntegerField(allow_null=True)
    p_known = serializers.FloatField(help_text="Bayesian Knowledge Tracing estimate that the concept is known.")
    mastered = serializers.BooleanField()
    attempts = serializers.IntegerField()
    correct = serializers.IntegerField()
    trend = serializers.ChoiceField(choices=["new", "up", "down", "flat"])
    history = serializers.ListField(child=serializers.FloatField())
    confusion_notes = serializers.ListField(child=serializers.CharField())
    last_seen_at = serializers.DateTimeField(allow_null=True)
