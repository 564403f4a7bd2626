"""Limits: frames per second per connection and model turns per minute per learner, each
answered by a clear, retryable `error` (oversized frames: see test_frames, close 4413)."""
from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator

import pytest

from tests.support.scripted_llm import reply
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


def test_it_drops_frames_beyond_the_rate_with_an_error_and_recovers(connect, strict_server, tutor_session):
    client = connect(tutor_session.pk, url=strict_server)
    client.send({"type": "hello", "resume_from": 0})
    for n in range(12):
        client.send({"type": "ping", "n": n})
    client.send({"type": "ping", "n": "last"})
    frames = client.until(lambda f: f["type"] == "error")
    time.sleep(1.0)
    client.send({"type": "ping", "n": "later"})
    frames += client.until(lambda f: f.get("n") == "later")
    pongs = [f["n"] for f in of_type(frames, "pong")]
    assert pongs[:4] == [0, 1, 2, 3] and "last" not in pongs  # a burst of 5 frames, the hello included
    errors = of_type(frames, "error")
    assert len(errors) == 1  # one notice for the whole flood, not one stored error per frame
    assert (errors[0]["code"], errors[0]["retryable"], errors[0]["in_reply_to"]) == ("rate_limited", True, "ping")


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
