"""Django adapters of the AI core: AgentRun rows out, AgentConfig rows in, session budgets.

These are the only AI modules that touch the ORM. They reach it through
tutor_project.realtime.database.db, in the loop's executor: the async ORM methods would make
each call a trip to Django's one sync thread, which every socket and request shares. Runs
are written on every call; configs are read at most every couple of seconds, so an admin
edit applies within that in every process without a restart.
"""
from __future__ import annotations

import logging
import time
from decimal import Decimal
from weakref import WeakSet

from django.db import DatabaseError
from django.db.models import Sum
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from agents_app.models import AgentConfig, AgentRun
from agents_app.runs import AgentSettings, CallContext, RunRecord
from tutor_project.realtime.database import db

logger = logging.getLogger(__name__)


class DjangoRunRecorder:
    async def record(self, run: RunRecord) -> None:
        try:
            await db(_store_run)(run)
        except DatabaseError:
            # Telemetry must never fail a learner's turn; the log keeps the evidence.
            logger.exception("could not record the %s run (%s)", run.agent, run.status)


def _store_run(run: RunRecord) -> None:
    AgentRun.objects.create(
        agent=run.agent, model=run.model, prompt_version=run.prompt_version, offline=run.offline,
        status=run.status, error=run.error[:4000], attempts=min(run.attempts, 32767),
        latency_ms=run.latency_ms, prompt_tokens=run.prompt_tokens, completion_tokens=run.completion_tokens,
        cost_usd=run.cost_usd, session_id=run.session_id, user_id=run.user_id,
    )


# AgentConfig rows change rarely, and reading one per model call is a database trip on every
# tutor turn: each provider keeps rows this long. Saves and deletes in this process clear
# the caches at once (signal below); other processes see an admin edit within this time.
CONFIG_TTL_SECONDS = 2.0
_providers: WeakSet[DjangoConfigProvider] = WeakSet()


@receiver([post_save, post_delete], sender=AgentConfig)
def _forget_configs(**_: object) -> None:
    for provider in list(_providers):
        provider.rows.clear()


class DjangoConfigProvider:
    """Reads the agent's AgentConfig row (cached for CONFIG_TTL_SECONDS); a missing row is
    created with the defaults."""

    def __init__(self, default_model: str, agent_models: dict[str, str] | None = None) -> None:
        self.default_model = default_model
        # Agents whose default is another kind of model (the embedder's is an embedding model).
        self.agent_models = agent_models or {}
        self.rows: dict[str, tuple[float, AgentConfig]] = {}  # agent -> (expiry, row)
        _providers.add(self)

    def model_for(self, agent: str, configured: str = "") -> str:
        """The model an agent calls: its AgentConfig row's, else its kind's default."""
        return configured or self.agent_models.get(agent, self.default_model)

    async def get(self, agent: str) -> AgentSettings:
        row = await self._row(agent)
        return AgentSettings(agent=agent, model=self.model_for(agent, row.model), temperature=row.temperature,
                             max_tokens=row.max_tokens, prompt_version=row.prompt_version, enabled=row.enabled)

    async def _row(self, agent: str) -> AgentConfig:
        cached = self.rows.get(agent)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        row = await db(_config_row)(agent)
        self.rows[agent] = (time.monotonic() + CONFIG_TTL_SECONDS, row)
        return row


class DjangoSessionBudget:
    """A session's model spend, summed from its AgentRun rows, against a fixed budget in USD."""

    def __init__(self, limit_usd: Decimal) -> None:
        self.limit_usd = limit_usd

    async def admit(self, ctx: CallContext) -> bool:
        if ctx.session_id is None:
            return True
        return await db(_spent)(ctx.session_id) < self.limit_usd


def _spent(session_id: int) -> Decimal:
    return AgentRun.objects.filter(session_id=session_id).aggregate(total=Sum("cost_usd"))["total"] or Decimal("0")


def _config_row(agent: str) -> AgentConfig:
    return AgentConfig.objects.get_or_create(agent=agent)[0]
