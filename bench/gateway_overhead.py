"""The gateway's own cost per model call: the scripted model server (in its own process)
answers at once, so what this process spends is the gateway plus the openai client.

    .venv/bin/python bench/gateway_overhead.py --calls 300

Prints, for a plain completion and for a streamed ~45-word reply: this process's CPU
milliseconds per call (the overhead that competes with a busy tutor process) and the
wall-clock p50/p99 per call, after a warm-up. Prints the machine speed line of the other
benches: compare figures only between runs whose speed lines are close.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from api_load import machine_speed, percentile  # noqa: E402
from tutor_common import scripted_llm  # noqa: E402
from agents_app.gateway import GatewayConfig, LLMGateway, StreamText  # noqa: E402
from agents_app.runs import CallContext, MemoryRecorder, StaticConfigProvider  # noqa: E402

CTX = CallContext(agent="teacher", session_id=1, user_id=1)
MESSAGES = [{"role": "user", "content": "Explain inertia in a few sentences."}]


async def measure(calls: int, call: Callable[[], Awaitable[object]]) -> tuple[float, list[float]]:
    """CPU milliseconds per call in this process, and each call's wall milliseconds."""
    for _ in range(20):
        await call()
    walls = []
    cpu = time.process_time()
    for _ in range(calls):
        started = time.perf_counter()
        await call()
        walls.append((time.perf_counter() - started) * 1000)
    return (time.process_time() - cpu) * 1000 / calls, walls


async def run(base_url: str, calls: int) -> None:
    gateway = LLMGateway(GatewayConfig(api_key="bench", base_url=base_url, default_model="bench"),
                         StaticConfigProvider(default_model="bench"), MemoryRecorder())
    settings = await gateway.settings_for(CTX.agent)

    async def complete() -> object:
        return await gateway.complete(CTX, settings, MESSAGES)

    async def stream() -> object:
        pieces = 0
        async for event in gateway.stream(CTX, settings, MESSAGES):
            pieces += isinstance(event, StreamText)
        assert pieces > 30, pieces
        return pieces

    for name, call in (("complete", complete), ("stream", stream)):
        cpu_ms, walls = await measure(calls, call)
        print(f"{name:9s} cpu {cpu_ms:6.2f} ms/call   wall p50 {statistics.median(walls):6.2f} ms"
              f"   p99 {percentile(walls, 0.99):6.2f} ms   ({calls} calls)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    print(machine_speed())
    with scripted_llm(tokens_per_second=1_000_000) as base_url:
        asyncio.run(run(base_url, args.calls))


if __name__ == "__main__":
    main()
