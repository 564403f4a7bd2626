"""Daily analytics (SPEC 8): per UTC day, active learners, sessions started and ended, mastery
gained, and per agent its calls, tokens, cost and p50/p95 latency. Percentiles and the mastery
replay run in Python, so SQLite and PostgreSQL give the same figures."""
from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone as dt_timezone
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from agents_app import mastery as bkt
from agents_app.answer_history import ConceptKey, concept_answers, concept_key
from agents_app.models import AgentDailyStats, AgentRun, DailyStats
from sessions_app.models import Answer, ConceptMastery, Message, TutorSession


def yesterday() -> date:
    return timezone.now().astimezone(dt_timezone.utc).date() - timedelta(days=1)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=dt_timezone.utc)
    return start, start + timedelta(days=1)


def percentile(values: list[int], fraction: float) -> int | None:
    """Nearest-rank percentile (a value that occurred, as latency figures usually are); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def rollup_day(day: date) -> DailyStats:
    """Compute `day` and store it in place of any earlier figures for it."""
    start, end = day_bounds(day)
    figures = {**_learning_figures(start, end), **_mastery_figures(start, end)}
    agents = _agent_figures(start, end)
    with transaction.atomic():
        # update_or_create locks the day's row, so two runs for one day replace it in turn.
        stats, _ = DailyStats.objects.update_or_create(day=day, defaults=figures)
        stats.agents.all().delete()
        AgentDailyStats.objects.bulk_create(AgentDailyStats(stats=stats, **row) for row in agents)
    return stats


def _learning_figures(start: datetime, end: datetime) -> dict:
    started = TutorSession.objects.filter(started_at__gte=start, started_at__lt=end)
    answers = Answer.objects.filter(created_at__gte=start, created_at__lt=end)
    writers = Message.objects.filter(created_at__gte=start, created_at__lt=end, role=Message.Role.LEARNER)
    learners = {*_ids(started, "learner_id"), *_ids(answers, "learner_id"), *_ids(writers, "session__learner_id")}
    return {
        "active_learners": len(learners),
        "sessions_started": started.count(),
        "sessions_ended": TutorSession.objects.filter(ended_at__gte=start, ended_at__lt=end).count(),
        "answers": answers.count(),
    }


def _ids(rows: QuerySet, field: str) -> set[int]:
    return set(rows.values_list(field, flat=True).distinct())


def _mastery_figures(start: datetime, end: datetime) -> dict:
    """Each concept practised that day, replayed with BKT over its answers up to the day's
    end: P(known) at the day's end minus at its start."""
    practised = {concept_key(a) for a in concept_answers().filter(created_at__gte=start, created_at__lt=end)}
    learners = {learner_id for learner_id, _, _ in practised}
    concepts = {concept for _, _, concept in practised}
    history: dict[ConceptKey, list[Any]] = defaultdict(list)
    for answer in concept_answers().filter(learner_id__in=learners, question__concept__in=concepts,
                                           created_at__lt=end):
        if (key := concept_key(answer)) in practised:
            history[key].append(answer)
    all_params = _bkt_params(learners, concepts)
    gained, mastered = 0.0, 0
    for key, answers in history.items():
        params = all_params.get(key, bkt.DEFAULT_BKT)  # a new concept row starts from these too
        earlier = [a for a in answers if a.created_at < start]  # answers are in time order
        before = _replay(params.prior, earlier, params)
        after = _replay(before, answers[len(earlier):], params)
        gained += after - before
        mastered += int(not bkt.is_mastered(before) and bkt.is_mastered(after))
    return {"mastery_gained": round(gained, 4), "concepts_mastered": mastered}


def _bkt_params(learners: set[int], concepts: set[str]) -> dict[ConceptKey, bkt.BKTParams]:
    """The parameters the mastery rows of these learners' practised concepts use (the
    parameters only: a row's history and notes are not needed here)."""
    rows = ConceptMastery.objects.filter(learner_id__in=learners, concept__in=concepts).only(
        "learner_id", "folder_id", "concept", "p_init", "p_learn", "p_slip", "p_guess")
    return {(r.learner_id, r.folder_id, r.concept): r.bkt_params for r in rows}


def _replay(p_known: float, answers: list[Any], params: bkt.BKTParams) -> float:
    for answer in answers:
        p_known = bkt.update(p_known, answer.correct, params)
    return p_known


def _agent_figures(start: datetime, end: datetime) -> list[dict]:
    runs = AgentRun.objects.filter(created_at__gte=start, created_at__lt=end)
    latencies: dict[str, list[int]] = defaultdict(list)
    for agent, latency in runs.filter(offline=False).values_list("agent", "latency_ms"):
        latencies[agent].append(latency)
    totals = runs.values("agent").order_by("agent").annotate(
        calls=Count("id"), errors=Count("id", filter=~Q(status=AgentRun.Status.OK)),
        offline_calls=Count("id", filter=Q(offline=True)), prompt_tokens=Sum("prompt_tokens"),
        completion_tokens=Sum("completion_tokens"), cost_usd=Sum("cost_usd"),
    )
    return [
        {**row, "latency_p50_ms": percentile(latencies[row["agent"]], 0.5),
         "latency_p95_ms": percentile(latencies[row["agent"]], 0.95)}
        for row in totals
    ]
