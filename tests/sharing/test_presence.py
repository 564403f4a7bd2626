"""Who is connected (SPEC 11): a socket's row counts while its process renews it; a dead
process's rows stop counting once stale, and are swept."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sessions_app import actions
from sessions_app.models import SessionConnection
from sessions_app.presence import STALE_SECONDS, members, participants

pytestmark = pytest.mark.django_db


def test_a_dead_process_rows_stop_counting_and_are_swept(shared):
    session = shared["session"]
    actions.open_connection(session.pk, shared["owner"].pk, "alive")
    actions.open_connection(session.pk, shared["viewer"].pk, "dead")
    assert [p["username"] for p in participants(session.pk)] == ["ada", "victor"]
    long_ago = timezone.now() - timedelta(seconds=STALE_SECONDS + 1)
    SessionConnection.objects.update(seen_at=long_ago)
    assert participants(session.pk) == []
    actions.renew_connections("alive", stale_after=STALE_SECONDS)
    assert [p["username"] for p in participants(session.pk)] == ["ada"]
    assert list(SessionConnection.objects.values_list("process", flat=True)) == ["alive"]
    assert [(m["username"], m["online"]) for m in members(session)] == [
        ("ada", True), ("edith", False), ("victor", False)]
