"""The process's gateway, built from Django settings and the Django adapters."""
from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

from django.conf import settings

from agents_app.embeddings import EMBEDDER
from agents_app.gateway import GatewayConfig, LLMGateway
from agents_app.pricing import price_table
from agents_app.telemetry import DjangoConfigProvider, DjangoRunRecorder, DjangoSessionBudget


def gateway_config(**overrides: Any) -> GatewayConfig:
    """OPENAI_API_KEY / OPENAI_BASE_URL / LLM_* settings; no key means the offline engine."""
    values: dict[str, Any] = dict(
        api_key=settings.OPENAI_API_KEY or None,
        base_url=settings.OPENAI_BASE_URL or None,
        default_model=settings.LLM_DEFAULT_MODEL,
        connect_timeout=settings.LLM_CONNECT_TIMEOUT,
        read_timeout=settings.LLM_READ_TIMEOUT,
        max_retries=settings.LLM_MAX_RETRIES,
        max_wait=settings.LLM_MAX_WAIT,
        batch_read_timeout=settings.LLM_BATCH_READ_TIMEOUT,
        prices=price_table(settings.LLM_PRICES),
    )
    values.update(overrides)
    return GatewayConfig(**values)


def session_budget() -> DjangoSessionBudget | None:
    """LLM_SESSION_BUDGET_USD: model spend allowed per tutor session; unset means no budget."""
    budget = settings.LLM_SESSION_BUDGET_USD
    return DjangoSessionBudget(Decimal(str(budget))) if budget is not None else None


def agent_models() -> dict[str, str]:
    """Agents whose default is another kind of model than LLM_DEFAULT_MODEL."""
    return {EMBEDDER: settings.EMBEDDING_MODEL} if settings.EMBEDDING_MODEL else {}


def config_provider(default_model: str | None = None) -> DjangoConfigProvider:
    """AgentConfig rows in, with LLM_DEFAULT_MODEL (or `default_model`) for agents without a model."""
    return DjangoConfigProvider(default_model or settings.LLM_DEFAULT_MODEL, agent_models())


def build_gateway(**overrides: Any) -> LLMGateway:
    config = gateway_config(**overrides)
    return LLMGateway(config, config_provider(config.default_model), DjangoRunRecorder(), session_budget())


@cache
def get_gateway() -> LLMGateway:
    """One gateway per process; it holds no per-request state and reads AgentConfig on each call."""
    return build_gateway()
