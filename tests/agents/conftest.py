"""The scripted OpenAI-compatible server (one per test run, reset per test) and gateways on it."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from agents_app.gateway import GatewayConfig, LLMGateway
from agents_app.runs import MemoryRecorder, StaticConfigProvider
from tests.support.scripted_llm import ScriptedLLM

FAST = dict(connect_timeout=1.0, read_timeout=2.0, max_retries=3)


@pytest.fixture
def recorder() -> MemoryRecorder:
    return MemoryRecorder()


@pytest.fixture
def configs() -> StaticConfigProvider:
    return StaticConfigProvider(default_model="test-model")


def make_gateway(server: ScriptedLLM | None, configs: Any, recorder: Any, guard: Any = None,
                 **options: Any) -> LLMGateway:
    """A gateway on the scripted server (or, with no server, without an API key: offline)."""
    settings = {**FAST, **options}
    if server is None:
        return LLMGateway(GatewayConfig(api_key=None, **settings), configs, recorder, guard)
    return LLMGateway(GatewayConfig(api_key="test-key", base_url=server.base_url, default_model="test-model",
                                    **settings), configs, recorder, guard)


@pytest.fixture
def gateway(llm: ScriptedLLM, configs: StaticConfigProvider, recorder: MemoryRecorder) -> LLMGateway:
    return make_gateway(llm, configs, recorder)


@pytest.fixture
def offline_gateway(configs: StaticConfigProvider, recorder: MemoryRecorder) -> LLMGateway:
    return make_gateway(None, configs, recorder)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def collect(events: AsyncIterator[Any]) -> list[Any]:
    return [event async for event in events]
