"""Closing tutor sessions left active: the scheduled task and `manage.py close_stale_sessions`."""
from datetime import timedelta

import pytest
from django.core.management import CommandError
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from sessions_app import actions
from sessions_app.models import SessionAnalysis, SessionEvent, TutorSession
from sessions_app.tasks import close_stale_sessions
from tests.support.commands import command_output

pytestmark = pytest.mark.django_db


def session_idle_for(user, hours: float) -> TutorSession:
    folder = actions.create_folder(user, name="Optics")
    session = actions.start_session(user, folder)
    TutorSession.objects.filter(pk=session.pk).update(last_activity_at=timezone.now() - timedelta(hours=hours))
    return session


def status(session: TutorSession) -> str:
    return TutorSession.objects.get(pk=session.pk).status


def run(*args: str) -> str:
    return command_output("close_stale_sessions", *args)


@pytest.mark.django_db(transaction=True)
def test_it_ends_stale_sessions_of_every_learner_through_the_end_action_and_analyses_them(learner, other_learner):
    mine, theirs = session_idle_for(learner, 13), session_idle_for(other_learner, 30)
    output = run()
    assert "Ended 2 session(s)" in output
    for session in (mine, theirs):
        ended = TutorSession.objects.get(pk=session.pk)
        assert ended.status == "analysed" and ended.ended_at is not None  # eager Celery ran the analysis
        assert SessionAnalysis.objects.get(session=session).status == "done"
        assert SessionEvent.objects.filter(session=session, type="session.ended").count() == 1


def test_it_leaves_recent_and_already_ended_sessions_alone(learner):
    recent = session_idle_for(learner, 11)
    ended = session_idle_for(learner, 20)
    actions.end_session(ended)
    ended_at = TutorSession.objects.get(pk=ended.pk).ended_at
    run()
    assert status(recent) == "active"
    assert TutorSession.objects.get(pk=ended.pk).ended_at == ended_at
    assert SessionEvent.objects.filter(session=ended, type="session.ended").count() == 1


def test_hours_overrides_the_setting(learner):
    session = session_idle_for(learner, 3)
    run("--hours", "4")
    assert status(session) == "active"
    run("--hours", "2.5")
    assert status(session) == "ended"


def test_dry_run_lists_stale_sessions_and_ends_none(learner):
    stale, recent = session_idle_for(learner, 13), session_idle_for(learner, 1)
    output = run("--dry-run")
    assert f"Would end session {stale.pk} of ada" in output
    assert f"session {recent.pk} " not in output
    assert "1 session(s) idle" in output
    assert status(stale) == "active"
    assert not SessionEvent.objects.filter(session=stale).exists()


def test_it_refuses_hours_that_are_not_positive(learner):
    with pytest.raises(CommandError, match="more than 0"):
        run("--hours", "0")


def test_the_scheduled_task_uses_the_setting_and_is_idempotent(learner, settings):
    settings.TUTOR_STALE_SESSION_HOURS = 2
    stale, recent = session_idle_for(learner, 3), session_idle_for(learner, 1)
    assert close_stale_sessions.delay().get() == 1
    assert close_stale_sessions.delay().get() == 0
    assert status(stale) == "ended" and status(recent) == "active"
    assert SessionEvent.objects.filter(session=stale, type="session.ended").count() == 1


def test_a_session_the_learner_came_back_to_after_the_list_was_read_is_not_ended(learner, monkeypatch):
    from sessions_app import event_log, stale

    session = session_idle_for(learner, 13)
    lock = event_log.bump_counters

    def learner_comes_back_first(session_id: int) -> int:
        TutorSession.objects.filter(pk=session_id).update(last_activity_at=timezone.now())
        return lock(session_id)

    monkeypatch.setattr(event_log, "bump_counters", learner_comes_back_first)
    assert stale.close_stale_sessions(timedelta(hours=12)) == []
    assert status(session) == "active"


def test_beat_runs_the_sweep_every_quarter_hour():
    task = PeriodicTask.objects.get(task="sessions_app.close_stale_sessions")
    assert task.enabled and (task.interval.every, task.interval.period) == (15, "minutes")
