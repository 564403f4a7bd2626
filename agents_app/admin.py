"""Staff views of agent configuration, LLM call telemetry, background jobs and daily analytics."""
from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import admin

from agents_app.models import AgentConfig, AgentDailyStats, AgentRun, DailyStats, Job
from agents_app.prompts import versions
from agents_app.registry import agent_names
from tutor_project.web.admin import ReadOnlyAdmin


class AgentConfigForm(forms.ModelForm):
    """Only agents the registry knows, and only prompt versions that exist for them."""

    class Meta:
        model = AgentConfig
        fields = "__all__"

    def clean_agent(self) -> str:
        agent = self.cleaned_data["agent"]
        if agent not in agent_names():
            raise forms.ValidationError(f"Unknown agent; choose one of: {', '.join(agent_names())}.")
        return agent

    def clean(self) -> dict:
        cleaned = super().clean()
        agent, version = cleaned.get("agent") or (self.instance and self.instance.agent), cleaned.get("prompt_version")
        if agent and version and version not in versions(agent):
            self.add_error("prompt_version", f"{agent} has prompt versions: {', '.join(sorted(versions(agent)))}.")
        return cleaned


@admin.register(AgentConfig)
class AgentConfigAdmin(admin.ModelAdmin):
    form = AgentConfigForm
    list_display = ["agent", "model", "temperature", "max_tokens", "prompt_version", "enabled", "updated_at"]
    list_editable = ["model", "temperature", "max_tokens", "prompt_version", "enabled"]
    list_filter = ["enabled"]
    search_fields = ["agent", "model"]


@admin.register(AgentRun)
class AgentRunAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "agent", "model", "status", "offline", "attempts", "latency_ms",
                    "prompt_tokens", "completion_tokens", "cost_usd", "session"]
    list_filter = ["agent", "status", "offline", "model", "created_at"]
    search_fields = ["agent", "model", "error", "user__username"]
    date_hierarchy = "created_at"


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "owner", "status", "stage", "progress", "created_at", "finished_at"]
    list_filter = ["kind", "status", "created_at"]
    search_fields = ["kind", "owner__username", "error"]


class AgentDailyStatsInline(admin.TabularInline):
    model = AgentDailyStats
    fields = ["agent", "calls", "errors", "offline_calls", "prompt_tokens", "completion_tokens", "cost_usd",
              "latency_p50_ms", "latency_p95_ms"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(DailyStats)
class DailyStatsAdmin(ReadOnlyAdmin):
    list_display = ["day", "active_learners", "sessions_started", "sessions_ended", "answers", "mastery_gained",
                    "concepts_mastered", "computed_at"]
    list_filter = ["day"]
    date_hierarchy = "day"
    inlines = [AgentDailyStatsInline]


@admin.register(AgentDailyStats)
class AgentDailyStatsAdmin(ReadOnlyAdmin):
    list_display = ["day", "agent", "calls", "errors", "offline_calls", "prompt_tokens", "completion_tokens",
                    "cost_usd", "latency_p50_ms", "latency_p95_ms"]
    list_filter = ["agent", "stats__day"]
    search_fields = ["agent"]
    date_hierarchy = "stats__day"
    list_select_related = ["stats"]

    @admin.display(ordering="stats__day")
    def day(self, row: AgentDailyStats) -> date:
        return row.stats.day
