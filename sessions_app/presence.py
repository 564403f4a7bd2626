"""Who is in a shared session (SPEC 11): its members with roles, and who is connected now.

Connected means a tutor socket of the session is open on some process (a SessionConnection
row, written by sessions_app.actions when the socket opens and closes). Each process renews
its rows' `seen_at` every RENEW_SECONDS while it has sockets; a row not renewed for
STALE_SECONDS belongs to a process that died, and no longer counts.
"""
from __future__ import annotations

import uuid
from datetime import timedelta

from django.utils import timezone

from sessions_app.models import SessionConnection, SessionMember, SessionRole, TutorSession

PROCESS = uuid.uuid4().hex  # this process, in the rows of its sockets
RENEW_SECONDS = 5.0
STALE_SECONDS = 20.0


def _live_connections(session_id: int):  # type: ignore[no-untyped-def]
    cutoff = timezone.now() - timedelta(seconds=STALE_SECONDS)
    return SessionConnection.objects.filter(session_id=session_id, seen_at__gte=cutoff)


def participants(session_id: int) -> list[dict]:
    """Everyone connected now, once each: the owner first, then members as they joined; {user_id, username, role}."""
    return participants_of(TutorSession.objects.select_related("learner").get(pk=session_id))


def participants_of(session: TutorSession) -> list[dict]:
    """`participants` of a session read with its learner."""
    session_id = session.pk
    people = _people(session)
    if len(people) == 1:
        # Nobody was invited: whoever asks (a socket opening, or hearing presence) is the
        # owner's, so the owner is connected; every socket's opening read it otherwise.
        return people
    online = set(_live_connections(session_id).values_list("user_id", flat=True))
    return [person for person in people if person["user_id"] in online]


def members(session: TutorSession) -> list[dict]:
    """The owner and every member, with role, joined_at and whether they are connected now."""
    online = set(_live_connections(session.pk).values_list("user_id", flat=True))
    return [{**person, "online": person["user_id"] in online} for person in _people(session, joined=True)]


def _people(session: TutorSession, *, joined: bool = False) -> list[dict]:
    owner = {"user_id": session.learner_id, "username": session.learner.username, "role": SessionRole.OWNER.value}
    rows = SessionMember.objects.filter(session=session).select_related("user").order_by("joined_at", "id")
    others = [{"user_id": m.user_id, "username": m.user.username, "role": m.role,
               **({"joined_at": m.joined_at} if joined else {})} for m in rows]
    return [{**owner, **({"joined_at": session.started_at} if joined else {})}, *others]
