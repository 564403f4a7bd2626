"""Ownership gates: one per resource, the same "not found" for missing and foreign.

A session is also reachable by its members (SPEC 11), read-only over REST; what a member may
do on the sockets depends on the role these gates return."""
from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import CharField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from sessions_app.models import Document, Folder, Quiz, SessionInvite, SessionMember, SessionRole, TutorSession
from tutor_project.realtime.ws_auth import CLOSE_FORBIDDEN, CLOSE_NOT_FOUND
from tutor_project.web.errors import DomainError
from tutor_project.web.ownership import get_or_404


def folders_of(user: AbstractBaseUser) -> QuerySet[Folder]:
    # Explicit order: Meta.ordering is dropped once a view annotates with an aggregate.
    return Folder.live.filter(owner=user).order_by("-created_at", "-id")


def documents_of(user: AbstractBaseUser) -> QuerySet[Document]:
    return Document.objects.filter(folder__owner=user, folder__deleted_at__isnull=True)


def sessions_of(user: AbstractBaseUser) -> QuerySet[TutorSession]:
    """The user's own sessions and those shared with them (SPEC 11), each annotated with the
    user's `role` in it."""
    memberships = SessionMember.objects.filter(user=user)
    member_role = Subquery(memberships.filter(session=OuterRef("pk")).values("role")[:1])
    return TutorSession.objects.filter(
        Q(learner=user) | Q(pk__in=memberships.values("session_id")), folder__deleted_at__isnull=True,
    ).annotate(role=Coalesce(member_role, Value(SessionRole.OWNER.value), output_field=CharField())
               ).select_related("folder", "learner")


def get_folder_for_user(user: AbstractBaseUser, pk: object) -> Folder:
    return get_or_404(folders_of(user), pk)


def get_document_for_user(user: AbstractBaseUser, pk: object) -> Document:
    return get_or_404(documents_of(user).select_related("folder"), pk)


def get_session_for_user(user: AbstractBaseUser, pk: object) -> TutorSession:
    """A session the user owns or is a member of (its `role` says which); 404 otherwise."""
    return get_or_404(sessions_of(user), pk)


def owner_only() -> DomainError:
    return DomainError("owner_only", "Only the session's owner may do that.", http_status=403)


def get_owned_session(user: AbstractBaseUser, pk: object) -> TutorSession:
    """A session the user owns; a member gets 403 owner_only, anyone else the same 404."""
    session = get_session_for_user(user, pk)
    if session.role != SessionRole.OWNER:
        raise owner_only()
    return session


def get_member_to_remove(user: AbstractBaseUser, pk: object, user_id: int) -> SessionMember:
    """The member `user_id` of session `pk` whom `user` may remove: the owner removes anyone but
    themself, a member only themself (403 owner_only for another); 404 for a non-member."""
    session = get_session_for_user(user, pk)
    if session.role != SessionRole.OWNER and user_id != user.pk:
        raise owner_only()
    member = SessionMember.objects.filter(session=session, user_id=user_id).first()
    if member is None and user_id == session.learner_id:
        raise DomainError("owner_cannot_leave", "The owner cannot leave their own session.")
    if member is None:
        raise Http404
    return member


def get_invite_for_owner(user: AbstractBaseUser, code: str) -> SessionInvite:
    """An invite of a session the user owns, by code; 404 for anyone else's."""
    invite = SessionInvite.objects.filter(code=code, session__learner=user,
                                          session__folder__deleted_at__isnull=True).first()
    if invite is None:
        raise Http404
    return invite


def get_invite(code: str) -> SessionInvite:
    """Any invite by its code (the code is the secret): for whoever holds the link."""
    invite = SessionInvite.objects.select_related("session__folder", "session__learner") \
        .filter(code=code, session__folder__deleted_at__isnull=True).first()
    if invite is None:
        raise Http404
    return invite


# Client frames of the tutor socket that change the session: a viewer sends none of them, and
# only the owner ends the session (SPEC 11).
WRITE_FRAMES = frozenset({"user.message", "quiz.answer", "next", "help", "pace", "board.click", "cancel",
                          "session.end"})


def refusal(role: str, frame_type: str) -> DomainError | None:
    """Why a user with `role` may not send a frame of `frame_type`, or None if they may."""
    if role == SessionRole.VIEWER and frame_type in WRITE_FRAMES:
        return DomainError("read_only", "You are viewing this session: only its owner and editors can write.")
    if role != SessionRole.OWNER and frame_type == "session.end":
        return owner_only()
    return None


def role_in(session: TutorSession, user: AbstractBaseUser) -> str | None:
    """The user's role in the session, or None for an outsider."""
    if session.learner_id == user.pk:
        return SessionRole.OWNER
    return SessionMember.objects.filter(session=session, user=user).values_list("role", flat=True).first()


MAX_ID_DIGITS = 18  # longer ids cannot be a row's primary key (a 64-bit integer)


def session_for_socket(user: AbstractBaseUser, raw_id: str) -> tuple[int, TutorSession | None, str]:
    """The session a socket's URL names and the user's role in it, or why not as its close code:
    4404 for a malformed or missing id, 4403 for a session the user neither owns nor is a member
    of (sockets tell those apart, SPEC 6)."""
    pk = int(raw_id) if raw_id.isascii() and raw_id.isdigit() and len(raw_id) <= MAX_ID_DIGITS else None
    session = TutorSession.objects.filter(pk=pk, folder__deleted_at__isnull=True).first() if pk else None
    if session is None:
        return CLOSE_NOT_FOUND, None, ""
    role = role_in(session, user)
    if role is None:
        return CLOSE_FORBIDDEN, None, ""
    return 0, session, role


def quizzes_of(user: AbstractBaseUser) -> QuerySet[Quiz]:
    return Quiz.objects.filter(owner=user, folder__deleted_at__isnull=True)


def get_quiz_for_user(user: AbstractBaseUser, pk: object) -> Quiz:
    return get_or_404(quizzes_of(user).select_related("folder"), pk)
