"""Tutor sessions a learner left open: found by their last activity and ended through the
same action as the REST endpoint and the socket, so the analysis is queued and any open
socket hears `session.ended`."""
from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from sessions_app import actions
from sessions_app import event_log
from sessions_app.models import TutorSession


def stale_sessions(idle: timedelta) -> QuerySet[TutorSession]:
    """Active sessions with no activity for longer than `idle`, longest idle first."""
    return _stale_before(timezone.now() - idle).order_by("last_activity_at", "pk")


def close_stale_sessions(idle: timedelta) -> list[int]:
    """End every session idle for longer than `idle`; the ids this call ended. Running it
    twice (or in two workers at once) ends each session once."""
    cutoff = timezone.now() - idle
    candidates = list(_stale_before(cutoff).order_by("pk").values_list("pk", flat=True))
    return [pk for pk in candidates if _end_if_still_stale(pk, cutoff)]


def _stale_before(cutoff: datetime) -> QuerySet[TutorSession]:
    return TutorSession.objects.filter(status=TutorSession.Status.ACTIVE, last_activity_at__lt=cutoff)


def _end_if_still_stale(session_id: int, cutoff: datetime) -> bool:
    # Checked again under the session's row lock: since the list was read the learner
    # may have come back, or another run ended it.
    with transaction.atomic():
        try:
            event_log.bump_counters(session_id)  # the row lock
        except TutorSession.DoesNotExist:
            return False  # deleted meanwhile (with its folder)
        session = _stale_before(cutoff).filter(pk=session_id).first()
        if session is None:
            return False
        actions.end_session(session)
    return True
