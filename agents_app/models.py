"""Agent configuration, LLM call telemetry, background jobs and daily analytics."""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class AgentConfig(models.Model):
    """Per-agent model settings, editable in admin and read on every call."""

    agent = models.CharField(max_length=64, unique=True, help_text="Registry name, e.g. 'teacher'.")
    model = models.CharField(max_length=128, blank=True, help_text="Empty: LLM_DEFAULT_MODEL.")
    temperature = models.FloatField(default=0.3, validators=[MinValueValidator(0.0), MaxValueValidator(2.0)])
    max_tokens = models.PositiveIntegerField(default=1024, validators=[MinValueValidator(1)])
    prompt_version = models.CharField(max_length=32, default="v1")
    enabled = models.BooleanField(default=True, help_text="Disabled agents use the offline engine.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["agent"]

    def __str__(self) -> str:
        return f"{self.agent} ({self.model or 'default model'})"


class AgentRun(models.Model):
    """One model call (or one offline-engine run): who, what, how long, how much."""

    class Status(models.TextChoices):
        OK = "ok", "ok"
        ERROR = "error", "error"
        CANCELLED = "cancelled", "cancelled"
        TIMEOUT = "timeout", "timeout"

    agent = models.CharField(max_length=64, db_index=True)
    model = models.CharField(max_length=128)
    prompt_version = models.CharField(max_length=32, blank=True)
    offline = models.BooleanField(default=False)
    session = models.ForeignKey(
        "sessions_app.TutorSession", null=True, blank=True, on_delete=models.SET_NULL, related_name="agent_runs"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=16, choices=Status.choices, db_index=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=1)
    latency_ms = models.PositiveIntegerField(default=0)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=12, decimal_places=6, default=Decimal("0"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["agent", "created_at"])]

    def __str__(self) -> str:
        return f"{self.agent} {self.status} {self.latency_ms}ms"


class Job(models.Model):
    """Status and progress of one piece of background work, visible at /api/v1/jobs/{id}/."""

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        SUCCEEDED = "succeeded", "succeeded"
        FAILED = "failed", "failed"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    stage = models.CharField(max_length=64, blank=True)
    progress = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    error = models.TextField(blank=True)
    # What the job works on, e.g. {"document_id": 3}; and what it produced.
    target = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} {self.status}"


class DailyStats(models.Model):
    """The figures of one UTC day, computed nightly by agents_app.analytics; computing a day
    again replaces them."""

    day = models.DateField(unique=True)
    active_learners = models.PositiveIntegerField(default=0, help_text="Started a session, wrote or answered.")
    sessions_started = models.PositiveIntegerField(default=0)
    sessions_ended = models.PositiveIntegerField(default=0)
    answers = models.PositiveIntegerField(default=0)
    mastery_gained = models.FloatField(default=0.0, help_text=(
        "Sum over the concepts practised that day of the change in P(known), replayed (BKT) from the answers."))
    concepts_mastered = models.PositiveIntegerField(default=0, help_text="Concepts that crossed the mastery bar.")
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day"]
        verbose_name_plural = "daily stats"

    def __str__(self) -> str:
        return f"stats of {self.day}"


class AgentDailyStats(models.Model):
    """One agent's model use on one day, from its AgentRun rows."""

    stats = models.ForeignKey(DailyStats, on_delete=models.CASCADE, related_name="agents")
    agent = models.CharField(max_length=64)
    calls = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0, help_text="Calls that did not end ok.")
    offline_calls = models.PositiveIntegerField(default=0)
    prompt_tokens = models.PositiveBigIntegerField(default=0)
    completion_tokens = models.PositiveBigIntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=14, decimal_places=6, default=Decimal("0"))
    # Over model calls only (offline runs take no time); empty on a day without any.
    latency_p50_ms = models.PositiveIntegerField(null=True, blank=True)
    latency_p95_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-stats__day", "agent"]
        verbose_name_plural = "agent daily stats"
        constraints = [models.UniqueConstraint(fields=["stats", "agent"], name="agent_stats_once_per_day")]

    def __str__(self) -> str:
        return f"{self.agent}: {self.calls} call(s)"
