"""What `manage.py check_llm` reports: the model configuration as the gateway reads it, and
one tiny real request through the gateway (recorded as an AgentRun like every call)."""
from __future__ import annotations

import time
from dataclasses import dataclass, replace

from asgiref.sync import async_to_sync
from django.conf import settings

from agents_app.gateway import LLMGateway
from agents_app.models import AgentConfig
from agents_app.registry import agent_names
from agents_app.runs import AgentSettings, CallContext
from agents_app.wiring import build_gateway, config_provider

PROBE_AGENT = "check_llm"
PROBE_MESSAGES = [{"role": "user", "content": "Reply with the single word OK."}]
PROBE_MAX_TOKENS = 8


@dataclass(frozen=True)
class AgentLine:
    agent: str
    model: str
    enabled: bool
    configured: bool  # False: no AgentConfig row yet, so the defaults apply


@dataclass(frozen=True)
class ProbeResult:
    model: str
    text: str
    latency_ms: int
    prompt_tokens: int
    completion_tokens: int


def has_key() -> bool:
    return bool(settings.OPENAI_API_KEY)


def agent_lines() -> list[AgentLine]:
    """Every registered agent (and any other AgentConfig row), with the model it calls; missing
    rows are not created (the gateway creates them with the defaults on a first call)."""
    rows = {row.agent: row for row in AgentConfig.objects.all()}
    provider = config_provider()  # the gateway's own rule for which model an agent calls
    lines = []
    for name in sorted({*agent_names(), *rows}):
        row = rows.get(name)
        model = provider.model_for(name, row.model if row else "")
        lines.append(AgentLine(name, model, row.enabled if row else True, row is not None))
    return lines


def probe(agent: str | None = None) -> ProbeResult:
    """One tiny completion with the default model (or `agent`'s settings). Retries are off so a
    broken configuration is reported at once; raises AgentError when the server does not answer."""
    return async_to_sync(_probe)(build_gateway(max_retries=0), agent)


async def _probe(gateway: LLMGateway, agent: str | None) -> ProbeResult:
    chosen = (await gateway.settings_for(agent) if agent
              else AgentSettings(agent=PROBE_AGENT, model=gateway.config.default_model))
    chosen = replace(chosen, temperature=0.0, max_tokens=PROBE_MAX_TOKENS)
    started = time.monotonic()
    completion = await gateway.complete(CallContext(agent=PROBE_AGENT), chosen, PROBE_MESSAGES)
    return ProbeResult(model=chosen.model, text=completion.text.strip(),
                       latency_ms=int((time.monotonic() - started) * 1000),
                       prompt_tokens=completion.prompt_tokens, completion_tokens=completion.completion_tokens)
