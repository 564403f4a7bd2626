"""The gateway through the real openai client against the scripted server."""
from __future__ import annotations

import time
from decimal import Decimal

import pytest

from agents_app.errors import InvalidOutput, LLMRejected, LLMTimeout, LLMUnavailable
from agents_app.gateway import StreamText
from agents_app.pricing import price_table
from agents_app.runs import CallContext
from agents_app.schemas import KeyTerm
from tests.support.scripted_llm import Step, error, json_reply, reply, stall, tool_call
from tests.agents.conftest import make_gateway, run

CTX = CallContext(agent="analyzer", session_id=7, user_id=3)
TERM = {"term": "inertia", "definition": "Resistance to changes in motion."}


async def structured(gateway, output=KeyTerm, messages=None):
    settings = await gateway.settings_for(CTX.agent)
    return await gateway.structured(CTX, settings, messages or [{"role": "user", "content": "a term"}], output)


async def streamed_text(gateway) -> str:
    settings = await gateway.settings_for(CTX.agent)
    return "".join([e.text async for e in gateway.stream(CTX, settings, [{"role": "user", "content": "hi"}])
                    if isinstance(e, StreamText)])


async def complete(gateway):
    settings = await gateway.settings_for(CTX.agent)
    return await gateway.complete(CTX, settings, [{"role": "user", "content": "hello"}])


def test_it_returns_a_validated_object_from_a_strict_json_schema_request(gateway, llm, recorder):
    llm.script(json_reply(TERM))
    assert run(structured(gateway)) == KeyTerm(**TERM)
    body = llm.chat_requests()[0]
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert body["response_format"]["json_schema"]["schema"]["additionalProperties"] is False
    [record] = recorder.runs
    assert (record.agent, record.status, record.attempts) == ("analyzer", "ok", 1)
    assert (record.session_id, record.user_id) == (7, 3)
    assert record.prompt_tokens > 0 and record.completion_tokens > 0


def test_it_repairs_fenced_output_without_asking_again(gateway, llm):
    llm.script(reply("<think>ok</think>```json\n" + '{"term": "inertia", "definition": "Resistance."}' + "\n```"))
    assert run(structured(gateway)).term == "inertia"
    assert len(llm.chat_requests()) == 1


def test_it_reasks_once_quoting_the_validation_error(gateway, llm, recorder):
    llm.script(json_reply({"term": "inertia"}), json_reply(TERM))
    assert run(structured(gateway)) == KeyTerm(**TERM)
    first, second = llm.chat_requests()
    assert second["messages"][: len(first["messages"])] == first["messages"]
    assert "definition" in second["messages"][-1]["content"] and "Field required" in second["messages"][-1]["content"]
    assert [r.status for r in recorder.runs] == ["error", "ok"]
    assert recorder.runs[0].error.startswith("schema_mismatch")


def test_it_fails_with_a_clear_retryable_error_when_the_repair_also_fails(gateway, llm):
    llm.script(reply("no json here"), reply("still none"))
    with pytest.raises(InvalidOutput) as caught:
        run(structured(gateway))
    assert caught.value.retryable and "after one repair attempt" in caught.value.message
    assert llm.remaining == 0


def test_it_falls_back_to_json_mode_when_the_server_refuses_json_schema(gateway, llm):
    llm.reset(json_schema_supported=False)
    llm.script(json_reply(TERM), json_reply(TERM))
    assert run(structured(gateway)) == KeyTerm(**TERM)
    refused, accepted = llm.chat_requests()
    assert refused["response_format"]["type"] == "json_schema"
    assert accepted["response_format"] == {"type": "json_object"}
    assert "JSON schema" in accepted["messages"][-1]["content"]
    assert run(structured(gateway)) == KeyTerm(**TERM)
    assert llm.chat_requests()[-1]["response_format"] == {"type": "json_object"}


def test_it_retries_429_honouring_retry_after_then_succeeds(gateway, llm, recorder):
    llm.script(error(429, retry_after=0.3), error(429, retry_after=0.3), reply("hello"))
    started = time.monotonic()
    assert run(complete(gateway)).text == "hello"
    assert time.monotonic() - started >= 0.6
    assert recorder.runs[-1].attempts == 3 and recorder.runs[-1].status == "ok"


def test_it_gives_up_on_repeated_500s_with_a_retryable_error_in_bounded_time(gateway, llm, recorder):
    """The SDK's own backoff: 0.5, 1 and 2 s, each shortened by up to a quarter at random."""
    llm.script(*[error(500)] * 4)
    started = time.monotonic()
    with pytest.raises(LLMUnavailable) as caught:
        run(complete(gateway))
    assert 2.5 <= time.monotonic() - started < 4.5
    assert caught.value.retryable and "500" in caught.value.message
    assert len(llm.chat_requests()) == 4
    assert (recorder.runs[-1].status, recorder.runs[-1].attempts) == ("error", 4)


def test_it_does_not_retry_a_request_the_server_rejects(gateway, llm, recorder):
    llm.script(error(400, message="bad request"), reply("never sent"))
    with pytest.raises(LLMRejected):
        run(complete(gateway))
    assert len(llm.chat_requests()) == 1
    assert (recorder.runs[-1].status, recorder.runs[-1].attempts) == ("error", 1)


def test_it_fails_a_call_whose_server_asks_for_a_longer_wait_than_a_learner_may_wait(llm, configs, recorder):
    gateway = make_gateway(llm, configs, recorder, max_wait=1.0)
    llm.script(error(429, retry_after=60), reply("too late"))
    started = time.monotonic()
    with pytest.raises(LLMUnavailable) as caught:
        run(complete(gateway))
    assert time.monotonic() - started < 2.0 and "within 1 s" in caught.value.message
    assert len(llm.chat_requests()) == 1
    assert (recorder.runs[-1].status, recorder.runs[-1].attempts) == ("error", 1)


def test_it_stops_retrying_when_the_total_wait_reaches_its_cap(llm, configs, recorder):
    gateway = make_gateway(llm, configs, recorder, max_wait=0.5)
    llm.script(*[error(503, retry_after=0.3)] * 3, reply("too late"))
    started = time.monotonic()
    with pytest.raises(LLMUnavailable):
        run(complete(gateway))
    assert len(llm.chat_requests()) == 2 and time.monotonic() - started < 1.0


def test_background_work_waits_as_long_as_the_server_asks(llm, configs, recorder):
    gateway = make_gateway(llm, configs, recorder, max_wait=0.2)
    llm.script(error(429, retry_after=0.5), json_reply(TERM))

    async def analyse() -> KeyTerm:
        settings = await gateway.settings_for(CTX.agent)
        return await gateway.structured(CTX, settings, [{"role": "user", "content": "a term"}], KeyTerm, batch=True)

    assert run(analyse()) == KeyTerm(**TERM)
    assert recorder.runs[-1].attempts == 2


def test_it_times_out_a_stalled_reply_and_records_the_timeout(llm, configs, recorder):
    gateway = make_gateway(llm, configs, recorder, max_retries=0, read_timeout=0.3)
    llm.script(Step(text="late", stall_after=0, stall_seconds=5))
    with pytest.raises(LLMTimeout):
        run(complete(gateway))
    assert recorder.runs[-1].status == "timeout"


def test_a_stream_that_stalls_before_any_text_is_opened_again(llm, configs, recorder):
    gateway = make_gateway(llm, configs, recorder, read_timeout=0.3)
    llm.script(stall(["never"], after=0, seconds=5), Step(text="Inertia resists change."))
    assert run(streamed_text(gateway)) == "Inertia resists change."
    assert len(llm.chat_requests()) == 2
    assert (recorder.runs[-1].status, recorder.runs[-1].attempts) == ("ok", 2)


def test_a_stream_whose_first_text_comes_later_than_a_learner_may_wait_fails(llm, configs, recorder):
    gateway = make_gateway(llm, configs, recorder, read_timeout=3.0, max_wait=0.5)
    llm.script(stall(["late"], after=0, seconds=5))
    started = time.monotonic()
    with pytest.raises(LLMUnavailable) as caught:
        run(streamed_text(gateway))
    assert time.monotonic() - started < 1.5 and caught.value.retryable
    assert llm.wait_for_disconnect(timeout=3)


def test_a_reply_that_starts_with_a_tool_call_is_not_cut_by_the_cap(llm, configs, recorder):
    gateway = make_gateway(llm, configs, recorder, max_wait=0.5)
    llm.script(tool_call("draw_text", {"text": "inertia"}, chunk_delay=0.3))

    async def last_event():
        settings = await gateway.settings_for(CTX.agent)
        return [e async for e in gateway.stream(CTX, settings, [{"role": "user", "content": "draw"}])][-1]

    completion = run(last_event())
    assert [(c.name, c.parsed_arguments()) for c in completion.tool_calls] == [("draw_text", {"text": "inertia"})]
    assert recorder.runs[-1].status == "ok"


def test_background_work_may_wait_longer_for_a_whole_reply(llm, configs, recorder):
    gateway = make_gateway(llm, configs, recorder, max_retries=0, read_timeout=0.3, batch_read_timeout=3.0)
    slow = json_reply(TERM, stall_after=0, stall_seconds=0.6)
    llm.script(slow, slow)

    async def both() -> tuple:
        settings = await gateway.settings_for(CTX.agent)
        messages = [{"role": "user", "content": "a term"}]
        batch = await gateway.structured(CTX, settings, messages, KeyTerm, batch=True)
        with pytest.raises(LLMTimeout):
            await gateway.structured(CTX, settings, messages, KeyTerm)
        return batch

    assert run(both()) == KeyTerm(**TERM)


def test_it_sends_the_agents_current_settings_on_each_call(gateway, llm, configs):
    configs.set("analyzer", model="model-a", temperature=0.1, max_tokens=50)
    llm.script(reply("one"), reply("two"))
    run(complete(gateway))
    configs.set("analyzer", model="model-b", temperature=0.9)
    run(complete(gateway))
    first, second = llm.chat_requests()
    assert (first["model"], first["temperature"], first["max_tokens"]) == ("model-a", 0.1, 50)
    assert (second["model"], second["temperature"]) == ("model-b", 0.9)


def test_it_estimates_cost_from_the_price_table(llm, configs, recorder):
    gateway = make_gateway(llm, configs, recorder, prices=price_table({"test-model": {"input": 1000, "output": 2000}}))
    llm.script(reply("one two three"))
    run(complete(gateway))
    record = recorder.runs[-1]
    expected = (Decimal(1000) * record.prompt_tokens + Decimal(2000) * record.completion_tokens) / 1_000_000
    assert record.cost_usd == expected.quantize(Decimal("0.000001")) > 0
