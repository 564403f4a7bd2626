"""Limits: frames per second per connection and model turns per minute per learner, each
answered by a clear, retryable `error` (oversized frames: see test_frames, close 4413)."""
from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator

import pytest
import redis

from tests.support.scripted_llm import reply
from django.conf import settings
from django.test import override_settings

from sessions_app.tutor import budget
from sessions_app.models import Message
from tests.support.servers import daphne
from tests.tutor.client import of_type
from tests.tutor.conftest import server_env


@pytest.fixture(scope="module")
def strict_server(django_db_setup, django_db_blocker, scripted_llm: str) -> Iterator[str]:
    env = server_env(scripted_llm, TUTOR_WS_FRAMES_PER_SECOND="5", TUTOR_WS_FRAME_BURST="5",
                     TUTOR_LLM_TURNS_PER_MINUTE="2")
    with daphne(**env) as url:
        yield url


def test_a_frame_over_the_rate_gets_an_error_and_the_socket_recovers(connect, strict_server, tutor_session):
    client = connect(tutor_session.pk, url=strict_server)
    client.send({"type": "hello", "resume_from": 0})
    for n in range(5):  # a burst of 5 frames, the hello included, then one too many
        client.send({"type": "ping", "n": n})
    frames = client.until(lambda f: f["type"] == "error")
    assert [f["n"] for f in of_type(frames, "pong")] == [0, 1, 2, 3]
    error = frames[-1]
    assert (error["code"], error["retryable"], error["in_reply_to"]) == ("rate_limited", True, "ping")
    time.sleep(0.3)  # a well-behaved client backs off: at 5 frames a second the bucket refills
    client.send({"type": "ping", "n": "later"})
    assert client.recv() == {"type": "pong", "n": "later"}


def test_a_flood_past_the_rate_closes_the_socket_with_4429(connect, strict_server, tutor_session):
    client = connect(tutor_session.pk, url=strict_server)
    client.send({"type": "hello", "resume_from": 0})
    for n in range(30):
        client.send({"type": "ping", "n": n})
    assert client.close_code() == 4429


def test_it_refuses_model_turns_beyond_the_learners_budget(connect, strict_server, tutor_session, llm):
    llm.script(reply("One [1].", chunk_delay=0.01), reply("Two [1].", chunk_delay=0.01))
    client = connect(tutor_session.pk, url=strict_server)
    for n in (1, 2):
        client.send({"type": "user.message", "client_id": f"m{n}", "text": f"Question {n}?"})
        assert client.until_type("turn.completed")[-1]["status"] == "complete"
    client.send({"type": "user.message", "client_id": "m3", "text": "Question 3?"})
    refused = client.until_type("error")[-1]
    assert (refused["code"], refused["retryable"], refused["in_reply_to"]) == ("turn_rate_limited", True, "m3")
    assert not Message.objects.filter(session=tutor_session, client_id="m3").exists()  # so it can be resent


def test_the_budget_is_per_learner_across_connections(connect, strict_server, tutor_session, llm):
    llm.script(reply("One [1].", chunk_delay=0.01), reply("Two [1].", chunk_delay=0.01))
    for n in (1, 2):
        client = connect(tutor_session.pk, url=strict_server)
        client.send({"type": "user.message", "client_id": f"m{n}", "text": f"Question {n}?"})
        client.until_type("turn.completed")
        client.close()
    last = connect(tutor_session.pk, url=strict_server)
    last.send({"type": "next"})
    assert last.until_type("error")[-1]["code"] == "turn_rate_limited"


def test_a_duplicate_message_does_not_use_up_the_budget(connect, strict_server, tutor_session, llm):
    llm.script(reply("One [1].", chunk_delay=0.01), reply("Two [1].", chunk_delay=0.01))
    client = connect(tutor_session.pk, url=strict_server)
    client.send({"type": "user.message", "client_id": "m1", "text": "Question 1?"})
    client.until_type("turn.completed")
    for _ in range(3):
        client.send({"type": "user.message", "client_id": "m1", "text": "Question 1?"})
        assert client.until_type("error")[-1]["code"] == "duplicate_message"
    client.send({"type": "user.message", "client_id": "m2", "text": "Question 2?"})
    assert client.until_type("turn.completed")[-1]["status"] == "complete"


def take(learner: int, at: float) -> bool:
    return asyncio.run(budget.take_llm_turn(learner, now=at))


@override_settings(TUTOR_LLM_TURNS_PER_MINUTE=3)
def test_the_budget_is_a_sliding_minute_that_a_new_minute_does_not_refill():
    learner = 10**12 + uuid.uuid4().int % 10**9  # a learner no earlier run has counted
    start = 600.0 * 60 + 50  # ten seconds before a minute rolls over
    assert [take(learner, start + n) for n in range(4)] == [True, True, True, False]
    assert not take(learner, start + 15)  # a new minute, but the last 60 seconds still hold 3 turns
    assert take(learner, start + 45)  # most of those 60 seconds have passed
    assert take(learner, start + 125) and take(learner, start + 125.5)


def test_the_budget_is_shared_by_event_loops_and_counts_each_turn_once():
    """Each Daphne process has its own loop; the count lives in the shared cache."""
    learner = 10**12 + uuid.uuid4().int % 10**9
    at = 900.0 * 60
    with override_settings(TUTOR_LLM_TURNS_PER_MINUTE=3):
        assert [take(learner, at + n / 10) for n in range(5)] == [True, True, True, False, False]


@pytest.mark.skipif(not settings.REDIS_URL, reason="counts connections to Redis")
def test_the_sockets_of_a_process_share_its_redis_connections_for_the_budget():
    """Each socket's task is an async context of its own, and Django's `cache` a handle per
    context: every socket opened a Redis connection of its own with its first turn."""
    learner = 10**12 + uuid.uuid4().int % 10**9
    server = redis.Redis.from_url(settings.REDIS_URL)

    async def sockets() -> list[bool]:  # a task each, as each socket's consumer runs in its own
        return await asyncio.gather(*(asyncio.create_task(budget.take_llm_turn(learner, now=1200.0 * 60))
                                      for _ in range(30)))

    asyncio.run(sockets())  # the process's first takes open what it keeps
    before = server.info("stats")["total_connections_received"]
    with override_settings(TUTOR_LLM_TURNS_PER_MINUTE=1000):
        assert all(asyncio.run(sockets()))
    assert server.info("stats")["total_connections_received"] - before <= 8  # the executor's threads at most
