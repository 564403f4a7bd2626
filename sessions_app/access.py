"""Ownership gates: one per resource, the same "not found" for missing and foreign."""
from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from sessions_app.models import Document, Folder, Quiz, TutorSession
from tutor_project.realtime.ws_auth import CLOSE_FORBIDDEN, CLOSE_NOT_FOUND
from tutor_project.web.ownership import get_or_404


def folders_of(user: AbstractBaseUser) -> QuerySet[Folder]:
    # Explicit order: Meta.ordering is dropped once a view annotates with an aggregate.
    return Folder.live.filter(owner=user).order_by("-created_at", "-id")


def documents_of(user: AbstractBaseUser) -> QuerySet[Document]:
    return Document.objects.filter(folder__owner=user, folder__deleted_at__isnull=True)


def sessions_of(user: AbstractBaseUser) -> QuerySet[TutorSession]:
    return TutorSession.objects.filter(learner=user, folder__deleted_at__isnull=True)


def get_folder_for_user(user: AbstractBaseUser, pk: object) -> Folder:
    return get_or_404(folders_of(user), pk)


def get_document_for_user(user: AbstractBaseUser, pk: object) -> Document:
    return get_or_404(documents_of(user).select_related("folder"), pk)


def get_session_for_user(user: AbstractBaseUser, pk: object) -> TutorSession:
    return get_or_404(sessions_of(user).select_related("folder"), pk)


MAX_ID_DIGITS = 18  # longer ids cannot be a row's primary key (a 64-bit integer)


def session_for_socket(user: AbstractBaseUser, raw_id: str) -> tuple[int, TutorSession | None]:
    """The session a socket's URL names, or why not as its close code: 4404 for a malformed or
    missing id, 4403 for someone else's (sockets tell those apart, SPEC 6)."""
    pk = int(raw_id) if raw_id.isascii() and raw_id.isdigit() and len(raw_id) <= MAX_ID_DIGITS else None
    session = TutorSession.objects.filter(pk=pk, folder__deleted_at__isnull=True).first() if pk else None
    if session is None:
        return CLOSE_NOT_FOUND, None
    if session.learner_id != user.pk:
        return CLOSE_FORBIDDEN, None
    return 0, session


def quizzes_of(user: AbstractBaseUser) -> QuerySet[Quiz]:
    return Quiz.objects.filter(owner=user, folder__deleted_at__isnull=True)


def get_quiz_for_user(user: AbstractBaseUser, pk: object) -> Quiz:
    return get_or_404(quizzes_of(user).select_related("folder"), pk)
