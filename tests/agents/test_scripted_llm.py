"""The scripted server itself: what tests and benchmarks rely on."""
from __future__ import annotations

import asyncio
import time

import openai
import pytest

from tests.support.scripted_llm import ScriptedLLM, Step


def test_it_streams_chunks_with_the_chosen_timing(llm):
    llm.script(Step(chunks=["a", "b", "c"], chunk_delay=0.1))

    async def stream() -> tuple[list[str], float]:
        client = openai.AsyncOpenAI(api_key="k", base_url=llm.base_url, max_retries=0)
        started = time.monotonic()
        upstream = await client.chat.completions.create(model="m", messages=[], stream=True)
        pieces = [c.choices[0].delta.content async for c in upstream if c.choices and c.choices[0].delta.content]
        return pieces, time.monotonic() - started

    pieces, elapsed = asyncio.run(stream())
    assert pieces == ["a", "b", "c"] and elapsed >= 0.3


def test_it_answers_500_when_the_script_is_exhausted(llm):
    client = openai.OpenAI(api_key="k", base_url=llm.base_url, max_retries=0)
    with pytest.raises(openai.InternalServerError, match="no step left"):
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])


def test_it_returns_deterministic_embeddings(llm):
    client = openai.OpenAI(api_key="k", base_url=llm.base_url, max_retries=0)
    first = client.embeddings.create(model="e", input=["force and mass", "bread prices"]).data
    again = client.embeddings.create(model="e", input="force and mass").data
    assert first[0].embedding == again[0].embedding and len(first[0].embedding) == 64
    assert first[0].embedding != first[1].embedding


def test_benchmark_mode_generates_replies_at_the_token_rate():
    server = ScriptedLLM(tokens_per_second=200).start()
    try:
        client = openai.OpenAI(api_key="k", base_url=server.base_url, max_retries=0)
        started = time.monotonic()
        chunks = list(client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "explain inertia"}], stream=True))
        elapsed = time.monotonic() - started
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert "inertia" in text and elapsed >= len(chunks) / 200 * 0.8
    finally:
        server.stop()


def test_benchmark_mode_logs_each_marked_turns_own_times(tmp_path):
    log = tmp_path / "times.log"
    server = ScriptedLLM(tokens_per_second=50, timing_log=str(log)).start()
    try:
        client = openai.OpenAI(api_key="k", base_url=server.base_url, max_retries=0)
        before = time.monotonic()
        stream = client.chat.completions.create(model="m", stream=True, messages=[
            {"role": "user", "content": "an earlier question [turn s1-0]"},
            {"role": "assistant", "content": "an answer"},
            {"role": "user", "content": "How do leaves use light? [turn s1-1]"},
        ])
        assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        unmarked = client.chat.completions.create(model="m", stream=True, messages=[{"role": "user", "content": "x"}])
        assert list(unmarked)
    finally:
        server.stop()
    [line] = log.read_text().splitlines()  # the marked request only, once
    marker, received, first = line.split()
    assert marker == "s1-1"
    # The first token follows the request by one token interval (20 ms at 50 tokens/s).
    assert before <= float(received) and float(first) - float(received) >= 0.019
