"""Nightly analytics: one row of figures per UTC day, recomputed in place, on both databases."""
from datetime import date, datetime, timedelta, timezone as dt_timezone
from decimal import Decimal

import pytest
from django_celery_beat.models import PeriodicTask

from agents_app import analytics
from agents_app.models import AgentDailyStats, AgentRun, DailyStats
from agents_app.tasks import rollup_day
from sessions_app import actions
from sessions_app.models import Answer, ConceptMastery, Message, TutorSession
from tests.support.answers import answer_in_session

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 10)


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=dt_timezone.utc)


def session_started(user, when: datetime) -> TutorSession:
    session = actions.start_session(user, actions.create_folder(user, name="Optics"))
    TutorSession.objects.filter(pk=session.pk).update(started_at=when)
    return session


def answer(session: TutorSession, concept: str, correct: bool, when: datetime) -> None:
    given = answer_in_session(session, concept, correct)
    Answer.objects.filter(pk=given.pk).update(created_at=when)


def run(agent: str, when: datetime, *, latency_ms: int, offline: bool = False, status: str = "ok",
        tokens: tuple[int, int] = (0, 0), cost: str = "0") -> None:
    row = AgentRun.objects.create(agent=agent, model="offline" if offline else "m", offline=offline, status=status,
                                  latency_ms=latency_ms, prompt_tokens=tokens[0], completion_tokens=tokens[1],
                                  cost_usd=Decimal(cost))
    AgentRun.objects.filter(pk=row.pk).update(created_at=when)


def test_it_counts_the_days_learners_sessions_and_answers(learner, other_learner):
    mine = session_started(learner, at(DAY, 9))
    actions.receive_learner_message(mine, client_id="c-1", text="Hello", turn_id="t-1")
    Message.objects.filter(session=mine).update(created_at=at(DAY, 9))
    theirs = session_started(other_learner, at(DAY - timedelta(days=1), 22))
    actions.end_session(theirs)
    TutorSession.objects.filter(pk=theirs.pk).update(ended_at=at(DAY, 1))
    session_started(other_learner, at(DAY + timedelta(days=1), 0))  # the next day
    answer(theirs, "refraction", True, at(DAY, 0))
    stats = analytics.rollup_day(DAY)
    assert (stats.active_learners, stats.sessions_started, stats.sessions_ended, stats.answers) == (2, 1, 1, 1)


def test_mastery_gained_replays_the_answers_as_the_learner_saw_them(learner):
    session = session_started(learner, at(DAY - timedelta(days=1), 8))
    answer(session, "lenses", True, at(DAY - timedelta(days=1), 9))
    answer(session, "lenses", True, at(DAY, 9))
    answer(session, "lenses", True, at(DAY, 10))
    answer(session, "mirrors", False, at(DAY, 11))
    lenses = ConceptMastery.objects.get(concept="lenses").history  # P(known) after each answer
    mirrors = ConceptMastery.objects.get(concept="mirrors")
    stats = analytics.rollup_day(DAY)
    expected = (lenses[2] - lenses[0]) + (mirrors.history[0] - mirrors.p_init)
    assert stats.mastery_gained == pytest.approx(expected, abs=1e-3)
    assert analytics.rollup_day(DAY - timedelta(days=1)).mastery_gained == pytest.approx(lenses[0] - 0.2, abs=1e-3)


def test_the_replay_uses_each_concepts_own_refitted_parameters(learner):
    session = session_started(learner, at(DAY, 8))
    ConceptMastery.objects.create(learner=learner, folder=session.folder, concept="lenses", p_known=0.3, p_init=0.3,
                                  p_learn=0.4, p_slip=0.05, p_guess=0.1)  # as a refit left them
    answer(session, "lenses", True, at(DAY, 9))
    answer(session, "lenses", False, at(DAY, 10))
    seen = ConceptMastery.objects.get(concept="lenses").history[-1]  # what the learner's updates gave
    assert analytics.rollup_day(DAY).mastery_gained == pytest.approx(seen - 0.3, abs=1e-3)


def test_a_concept_counts_as_mastered_on_the_day_it_crosses_the_threshold(learner):
    session = session_started(learner, at(DAY - timedelta(days=1), 8))
    answer(session, "lenses", True, at(DAY - timedelta(days=1), 9))  # practised, far from mastered
    answer(session, "lenses", True, at(DAY, 9))
    hour = 10
    while ConceptMastery.objects.get(concept="lenses").p_known < 0.95:
        answer(session, "lenses", True, at(DAY, hour))
        hour += 1
    answer(session, "mirrors", True, at(DAY, 20))  # practised that day, not mastered
    assert analytics.rollup_day(DAY).concepts_mastered == 1
    assert analytics.rollup_day(DAY - timedelta(days=1)).concepts_mastered == 0
    answer(session, "lenses", True, at(DAY + timedelta(days=1), 9))  # already mastered: not again
    assert analytics.rollup_day(DAY + timedelta(days=1)).concepts_mastered == 0


def test_per_agent_calls_tokens_cost_and_latency_percentiles(db):
    for latency in range(10, 201, 10):  # 20 model calls: 10 … 200 ms
        run("teacher", at(DAY, 12), latency_ms=latency, tokens=(100, 20), cost="0.001")
    run("teacher", at(DAY, 13), latency_ms=0, offline=True)
    run("teacher", at(DAY, 14), latency_ms=5000, status="timeout")
    run("planner", at(DAY, 15), latency_ms=0, offline=True)
    run("teacher", at(DAY + timedelta(days=1), 0), latency_ms=9999)  # another day
    analytics.rollup_day(DAY)
    teacher = AgentDailyStats.objects.get(stats__day=DAY, agent="teacher")
    assert (teacher.calls, teacher.errors, teacher.offline_calls) == (22, 1, 1)
    assert (teacher.prompt_tokens, teacher.completion_tokens, teacher.cost_usd) == (2000, 400, Decimal("0.02"))
    assert (teacher.latency_p50_ms, teacher.latency_p95_ms) == (110, 200)  # 21 model calls, offline excluded
    planner = AgentDailyStats.objects.get(stats__day=DAY, agent="planner")
    assert (planner.calls, planner.latency_p50_ms, planner.latency_p95_ms) == (1, None, None)


def test_computing_a_day_again_replaces_its_figures(db):
    run("teacher", at(DAY, 12), latency_ms=100)
    run("planner", at(DAY, 12), latency_ms=300)
    analytics.rollup_day(DAY)
    AgentRun.objects.filter(agent="planner").delete()
    run("teacher", at(DAY, 13), latency_ms=300)
    analytics.rollup_day(DAY)
    assert DailyStats.objects.filter(day=DAY).count() == 1
    assert list(AgentDailyStats.objects.values_list("agent", "calls")) == [("teacher", 2)]


def test_the_task_computes_yesterday_by_default_and_a_given_day_on_request(db):
    run("teacher", at(DAY, 12), latency_ms=100)
    rollup_day.delay()
    rollup_day.delay(DAY.isoformat())
    rollup_day.delay(DAY.isoformat())
    assert set(DailyStats.objects.values_list("day", flat=True)) == {analytics.yesterday(), DAY}
    assert AgentDailyStats.objects.get(stats__day=DAY).calls == 1


def test_percentiles_are_nearest_rank():
    assert analytics.percentile([], 0.5) is None
    assert analytics.percentile([7], 0.95) == 7
    assert analytics.percentile([4, 1, 3, 2], 0.5) == 2
    assert analytics.percentile(list(range(1, 101)), 0.95) == 95


def test_beat_runs_the_rollup_nightly():
    task = PeriodicTask.objects.get(task="agents_app.rollup_day")
    assert task.enabled and task.interval is None
    assert (task.crontab.hour, task.crontab.minute, str(task.crontab.timezone)) == ("0", "30", "UTC")


def test_staff_read_the_figures_in_admin_but_cannot_write_them(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("staff", "s@example.org", "staff-pass-123456"))
    run("teacher", at(DAY, 12), latency_ms=100)
    stats = analytics.rollup_day(DAY)
    listing = client.get("/admin/agents_app/agentdailystats/", {"agent": "teacher"})
    assert listing.status_code == 200 and b"teacher" in listing.content
    assert client.get(f"/admin/agents_app/dailystats/{stats.pk}/change/").status_code == 200
    assert client.get("/admin/agents_app/dailystats/add/").status_code == 403
