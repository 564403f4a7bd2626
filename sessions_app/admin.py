"""Staff views of the learning domain."""
from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from sessions_app import actions
from sessions_app.models import (
    Answer, Chunk, ConceptMastery, Document, Folder, FolderAnalysis, LessonPlan, Message, Question, Quiz,
    QuizAttempt, SessionAnalysis, SessionConnection, SessionEvent, SessionInvite, SessionMember, TutorSession,
)


class DocumentInline(admin.TabularInline):
    model = Document
    fields = ["original_name", "kind", "size", "status", "progress", "error"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False


@admin.register(Folder)
class FolderAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "created_at", "deleted_at"]
    list_filter = [("deleted_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["name", "owner__username", "owner__email"]
    raw_id_fields = ["owner"]
    inlines = [DocumentInline]
    actions = ["restore"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Folder]:
        return Folder.objects.select_related("owner")  # staff see soft-deleted folders too

    @admin.action(description="Restore selected deleted folders")
    def restore(self, request: HttpRequest, queryset: QuerySet[Folder]) -> None:
        restored = queryset.filter(deleted_at__isnull=False).update(deleted_at=None)
        self.message_user(request, f"Restored {restored} folder(s).")


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "folder", "kind", "size", "status", "progress", "created_at"]
    list_filter = ["status", "kind", "created_at"]
    search_fields = ["original_name", "sha256", "folder__name", "folder__owner__username"]
    readonly_fields = ["sha256", "size", "mime_type", "kind", "created_at", "updated_at", "processed_at"]
    raw_id_fields = ["folder", "job"]
    list_select_related = ["folder"]
    actions = ["reprocess"]

    @admin.action(description="Reprocess selected documents")
    def reprocess(self, request: HttpRequest, queryset: QuerySet[Document]) -> None:
        for document in queryset.select_related("folder"):
            actions.reprocess_document(document)
        self.message_user(request, f"Queued {queryset.count()} document(s) for processing.")


@admin.register(FolderAnalysis, LessonPlan)
class FolderArtifactAdmin(admin.ModelAdmin):
    list_display = ["folder", "offline", "updated_at"]
    list_filter = ["offline", "updated_at"]
    search_fields = ["folder__name", "folder__owner__username"]
    raw_id_fields = ["folder"]
    readonly_fields = ["source_fingerprint", "updated_at"]


@admin.register(Chunk)
class ChunkAdmin(admin.ModelAdmin):
    list_display = ["document", "order", "page", "section", "token_count"]
    search_fields = ["text", "section", "document__original_name"]
    raw_id_fields = ["document"]
    list_select_related = ["document"]


class MessageInline(admin.TabularInline):
    """The session's transcript, in order."""

    model = Message
    fields = ["seq", "role", "kind", "status", "text", "created_at"]
    readonly_fields = fields
    ordering = ["seq"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(TutorSession)
class TutorSessionAdmin(admin.ModelAdmin):
    list_display = ["id", "learner", "folder", "status", "turn_count", "started_at", "last_activity_at", "ended_at"]
    list_filter = ["status", "started_at"]
    search_fields = ["learner__username", "folder__name"]
    raw_id_fields = ["learner", "folder"]
    readonly_fields = ["last_message_seq", "last_event_seq", "started_at", "last_activity_at"]
    list_select_related = ["learner", "folder"]
    inlines = [MessageInline]


@admin.register(SessionInvite)
class SessionInviteAdmin(admin.ModelAdmin):
    list_display = ["code", "session", "role", "created_at", "expires_at", "revoked_at"]
    list_filter = ["role", "created_at"]
    search_fields = ["code", "session__learner__username"]
    raw_id_fields = ["session", "created_by"]
    readonly_fields = ["code", "created_at"]
    actions = ["revoke"]

    @admin.action(description="Revoke selected invites")
    def revoke(self, request: HttpRequest, queryset: QuerySet[SessionInvite]) -> None:
        for invite in queryset.filter(revoked_at__isnull=True):
            actions.revoke_invite(invite)
        self.message_user(request, "Revoked the selected invites.")


@admin.register(SessionConnection)
class SessionConnectionAdmin(admin.ModelAdmin):
    """Open tutor sockets, for presence: written by the sockets only."""

    list_display = ["user", "session", "process", "opened_at", "seen_at"]
    search_fields = ["user__username", "process"]
    readonly_fields = ["session", "user", "process", "opened_at", "seen_at"]


@admin.register(SessionMember)
class SessionMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "session", "role", "joined_at"]
    list_filter = ["role", "joined_at"]
    search_fields = ["user__username", "session__learner__username"]
    raw_id_fields = ["session", "user", "invite"]
    readonly_fields = ["joined_at"]
    actions = ["remove"]

    @admin.action(description="Remove selected members (closes their sockets)")
    def remove(self, request: HttpRequest, queryset: QuerySet[SessionMember]) -> None:
        for member in queryset:
            actions.remove_member(member)
        self.message_user(request, "Removed the selected members.")


@admin.register(SessionAnalysis)
class SessionAnalysisAdmin(admin.ModelAdmin):
    list_display = ["session", "status", "created_at", "finished_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["session__learner__username", "session__folder__name", "error"]
    raw_id_fields = ["session"]
    readonly_fields = ["created_at", "updated_at", "finished_at"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["session", "seq", "role", "kind", "status", "short_text", "created_at"]
    list_filter = ["role", "kind", "status"]
    search_fields = ["text", "client_id", "turn_id"]
    raw_id_fields = ["session"]

    @admin.display(description="text")
    def short_text(self, obj: Message) -> str:
        return obj.text[:80]


@admin.register(SessionEvent)
class SessionEventAdmin(admin.ModelAdmin):
    list_display = ["session", "seq", "type", "turn_id", "created_at"]
    list_filter = ["type"]
    search_fields = ["turn_id"]
    raw_id_fields = ["session"]


class QuestionInline(admin.StackedInline):
    model = Question
    fk_name = "quiz"
    fields = ["order", "kind", "prompt", "options", "correct_index", "concept", "quote"]
    extra = 0


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = ["title", "folder", "owner", "difficulty", "offline", "created_at"]
    list_filter = ["difficulty", "offline", "created_at"]
    search_fields = ["title", "folder__name", "owner__username"]
    raw_id_fields = ["folder", "owner"]
    inlines = [QuestionInline]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["short_prompt", "kind", "concept", "rating", "quiz", "session"]
    list_filter = ["kind"]
    search_fields = ["prompt", "concept"]
    raw_id_fields = ["quiz", "session", "chunk"]

    @admin.display(description="prompt")
    def short_prompt(self, obj: Question) -> str:
        return obj.prompt[:80]


class AnswerInline(admin.TabularInline):
    model = Answer
    fields = ["question", "option_index", "text", "correct", "score", "feedback"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(QuizAttempt)
class QuizAttemptAdmin(admin.ModelAdmin):
    list_display = ["quiz", "learner", "correct_count", "total", "score", "submitted_at"]
    list_filter = ["submitted_at"]
    search_fields = ["quiz__title", "learner__username"]
    raw_id_fields = ["quiz", "learner"]
    inlines = [AnswerInline]


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ["question", "learner", "correct", "score", "created_at"]
    list_filter = ["correct", "created_at"]
    search_fields = ["learner__username", "question__prompt", "text"]
    raw_id_fields = ["attempt", "session", "question", "learner"]


@admin.register(ConceptMastery)
class ConceptMasteryAdmin(admin.ModelAdmin):
    list_display = ["concept", "learner", "folder", "p_known", "attempts", "correct", "last_seen_at"]
    list_filter = ["last_seen_at"]
    search_fields = ["concept", "learner__username", "folder__name"]
    raw_id_fields = ["learner", "folder"]
