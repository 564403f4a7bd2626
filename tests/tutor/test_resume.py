"""`hello {resume_from}`: after a reconnect every event arrives exactly once, in order."""
from __future__ import annotations

import pytest

from tests.support.scripted_llm import reply
from sessions_app.models import SessionEvent
from tests.tutor.client import of_type

WORDS = [f"word{i} " for i in range(12)]


def stored_seqs(session) -> list[int]:
    return list(SessionEvent.objects.filter(session=session).order_by("seq").values_list("seq", flat=True))


@pytest.mark.parametrize("drop_after", [1, 2, 4])
def test_it_replays_missed_events_after_a_drop_mid_stream(connect, tutor_session, llm, drop_after):
    llm.script(reply("".join(WORDS), chunks=WORDS, chunk_delay=0.06))
    first = connect(tutor_session.pk)
    first.send({"type": "hello", "resume_from": 0})
    first.send({"type": "user.message", "client_id": "m1", "text": "What does photosynthesis do?"})
    seen = [first.recv() for _ in range(drop_after)]
    first.close()

    second = connect(tutor_session.pk)
    second.send({"type": "hello", "resume_from": seen[-1]["seq"]})
    rest = second.until(lambda f: f["type"] == "turn.completed")
    got = [f["seq"] for f in seen + rest]
    assert got == list(range(1, len(got) + 1))  # nothing missing, nothing twice, in order
    assert got == stored_seqs(tutor_session)
    completed = rest[-1]
    said = "".join(f["text"] for f in of_type(seen + rest, "text.delta"))
    assert completed["content"]["text"] == said  # the partial text is kept with the turn


def test_it_replays_a_finished_turn_to_a_client_that_missed_all_of_it(connect, tutor_session, llm):
    llm.script(reply("Plants make sugar from light [1].", chunk_delay=0.01))
    first = connect(tutor_session.pk)
    first.send({"type": "hello", "resume_from": 0})
    first.send({"type": "user.message", "client_id": "m1", "text": "What do plants make?"})
    live = first.until_type("turn.completed")
    first.close()

    again = connect(tutor_session.pk)
    again.send({"type": "hello", "resume_from": 0})
    replayed = again.until_type("turn.completed")
    assert replayed == live


def test_a_client_resuming_from_the_last_event_gets_only_what_comes_next(connect, tutor_session, llm):
    llm.script(reply("Light drives it [1].", chunk_delay=0.01), reply("Water is split [1].", chunk_delay=0.01))
    first = connect(tutor_session.pk)
    first.send({"type": "hello", "resume_from": 0})
    first.send({"type": "user.message", "client_id": "m1", "text": "What drives photosynthesis?"})
    last = first.until_type("turn.completed")[-1]["seq"]
    first.close()

    second = connect(tutor_session.pk)
    second.send({"type": "hello", "resume_from": last})  # up to date: nothing to replay
    second.send({"type": "user.message", "client_id": "m2", "text": "What happens to water?"})
    got = [f["seq"] for f in second.until_type("turn.completed")]
    assert got == list(range(last + 1, last + 1 + len(got)))


def test_without_hello_it_sends_a_fresh_state_holding_the_history(connect, tutor_session, llm):
    llm.script(reply("Chlorophyll absorbs light [1].", chunk_delay=0.01))
    first = connect(tutor_session.pk)
    first.send({"type": "user.message", "client_id": "m1", "text": "What is chlorophyll?"})
    turn = first.until_type("turn.completed")[-1]
    first.close()

    state = connect(tutor_session.pk).recv()
    assert state["type"] == "session.state"
    assert [(h["role"], h["text"]) for h in state["history"]] == [
        ("learner", "What is chlorophyll?"), ("tutor", turn["content"]["text"])]
    assert state["last_seq"] == state["seq"] > turn["seq"]


def test_a_resume_point_ahead_of_the_log_gets_an_error_and_a_fresh_state(connect, tutor_session):
    client = connect(tutor_session.pk)
    client.send({"type": "hello", "resume_from": 999})
    state, error = client.recv(), client.recv()
    assert state["type"] == "session.state"
    assert error["type"] == "error" and error["code"] == "resume_unavailable"
    assert error["seq"] == state["seq"] + 1
