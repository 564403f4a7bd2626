"""What the AI core needs from its edges: per-agent settings in, run records out.

The Django adapters (agents_app.telemetry) implement these protocols over AgentConfig and
AgentRun; tests use the in-memory versions below.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Literal, Protocol

RunStatus = Literal["ok", "error", "cancelled", "timeout"]


@dataclass(frozen=True)
class CallContext:
    """Who a call is for: recorded with the run, never sent to the model. Agents set `agent`."""

    agent: str = ""
    session_id: int | None = None
    user_id: int | None = None

    def with_agent(self, agent: str) -> CallContext:
        return replace(self, agent=agent)


@dataclass
class RunRecord:
    agent: str
    model: str
    prompt_version: str
    status: RunStatus
    offline: bool = False
    error: str = ""
    attempts: int = 1
    latency_ms: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: Decimal = Decimal("0")
    session_id: int | None = None
    user_id: int | None = None


class RunRecorder(Protocol):
    async def record(self, run: RunRecord) -> None: ...


@dataclass
class MemoryRecorder:
    runs: list[RunRecord] = field(default_factory=list)

    async def record(self, run: RunRecord) -> None:
        self.runs.append(run)


@dataclass(frozen=True)
class AgentSettings:
    agent: str
    model: str
    temperature: float = 0.3
    max_tokens: int = 1024
    prompt_version: str = "v1"
    enabled: bool = True


class ConfigProvider(Protocol):
    async def get(self, agent: str) -> AgentSettings: ...


@dataclass
class StaticConfigProvider:
    """Same settings for every agent, with per-agent overrides; for tests and scripts."""

    default_model: str
    overrides: dict[str, AgentSettings] = field(default_factory=dict)

    async def get(self, agent: str) -> AgentSettings:
        found = self.overrides.get(agent)
        return found if found is not None else AgentSettings(agent=agent, model=self.default_model)

    def set(self, agent: str, **changes: object) -> None:
        current = self.overrides.get(agent) or AgentSettings(agent=agent, model=self.default_model)
        self.overrides[agent] = replace(current, **changes)


class TurnGuard(Protocol):
    """The per-session LLM budget (SPEC 5.1): False once the session's model spend reaches it,
    and the turn runs on the offline engine. (Turns per learner are limited at the socket.)"""

    async def admit(self, ctx: CallContext) -> bool: ...
