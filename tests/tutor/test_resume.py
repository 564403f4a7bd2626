"""Reconnecting: `hello {resume_from}` replays the stored events a client missed, then the
running turn's text so far; a turn outlives its socket; a fresh client gets `session.state`."""
from __future__ import annotations


import pytest

from sessions_app.models import Message, SessionEvent
from tests.support.scripted_llm import reply
from tests.support.waiting import wait_for
from tests.tutor.client import of_type, text_of

WORDS = [f"word{i} " for i in range(12)]


def stored_seqs(session) -> list[int]:
    return list(SessionEvent.objects.filter(session=session).order_by("seq").values_list("seq", flat=True))


def last_seq(frames: list[dict]) -> int:
    return max((f["seq"] for f in frames if "seq" in f), default=0)


@pytest.mark.parametrize("drop_after", [2, 3, 5, 8])
def test_a_drop_mid_stream_and_hello_give_the_whole_reply_exactly_once(connect, tutor_session, llm, drop_after):
    llm.script(reply("".join(WORDS), chunks=WORDS, chunk_delay=0.06))
    first = connect(tutor_session.pk)
    first.send({"type": "hello", "resume_from": 0})
    first.send({"type": "user.message", "client_id": "m1", "text": "What does photosynthesis do?"})
    seen = [first.recv() for _ in range(drop_after)]
    first.close()

    second = connect(tutor_session.pk)  # the turn keeps running meanwhile
    second.send({"type": "hello", "resume_from": last_seq(seen)})
    rest = second.until_type("turn.completed")
    stored = [f["seq"] for f in seen + rest if "seq" in f and f["type"] != "session.state"]
    assert stored == stored_seqs(tutor_session)  # every stored event once, in order
    completed = rest[-1]
    turn_id = completed["turn_id"]
    assert completed["status"] == "complete" and completed["content"]["text"] == "".join(WORDS)
    assert text_of(seen + rest, turn_id) == completed["content"]["text"]  # no gap, nothing lost
    resumed = of_type(rest, "text.delta")
    assert resumed and resumed[0]["offset"] == 0  # the text so far, whole, right after the replay


def test_a_reply_survives_its_sockets_disconnect(connect, tutor_session, llm):
    llm.script(reply("".join(WORDS), chunks=WORDS, chunk_delay=0.03))
    client = connect(tutor_session.pk)
    client.send({"type": "hello", "resume_from": 0})
    client.send({"type": "user.message", "client_id": "m1", "text": "What does photosynthesis do?"})
    started = client.until_type("turn.started")[-1]
    client.close()

    stored = wait_for(lambda: Message.objects.filter(session=tutor_session, role="tutor").first(), 10, "the reply")
    assert stored.text == "".join(WORDS)  # ran to its end, and stored
    again = connect(tutor_session.pk)
    again.send({"type": "hello", "resume_from": started["seq"]})
    completed = again.until_type("turn.completed")[-1]
    assert (completed["status"], completed["content"]["text"]) == ("complete", "".join(WORDS))
    # The message was answered: sending it again is recognised, not refused as unanswered.
    again.send({"type": "user.message", "client_id": "m1", "text": "What does photosynthesis do?"})
    assert again.until_type("error")[-1]["code"] == "duplicate_message"


def test_a_client_joining_mid_turn_gets_the_text_so_far_then_the_rest(connect, tutor_session, llm):
    llm.script(reply("".join(WORDS), chunks=WORDS, chunk_delay=0.06))
    talker = connect(tutor_session.pk)
    talker.send({"type": "hello", "resume_from": 0})
    talker.send({"type": "user.message", "client_id": "m1", "text": "What does photosynthesis do?"})
    talker.until(lambda f: f["type"] == "text.delta" and f["offset"] > 0)

    joiner = connect(tutor_session.pk)
    frames = joiner.until_type("turn.completed")
    assert frames[0]["type"] == "session.state"
    first_delta = of_type(frames, "text.delta")[0]
    assert first_delta["offset"] == 0 and first_delta["text"]  # what was said before it joined
    assert text_of(frames, first_delta["turn_id"]) == frames[-1]["content"]["text"]


def test_it_replays_a_finished_turn_to_a_client_that_missed_all_of_it(connect, tutor_session, llm):
    llm.script(reply("Plants make sugar from light [1].", chunk_delay=0.01))
    first = connect(tutor_session.pk)
    first.send({"type": "hello", "resume_from": 0})
    first.send("a stored error first, so the turn is not the start of the log")
    first.send({"type": "user.message", "client_id": "m1", "text": "What do plants make?"})
    live = [f for f in first.until_type("turn.completed") if f["type"] not in ("session.state", "text.delta", "error")]
    first.close()

    fresh = connect(tutor_session.pk)
    fresh.send({"type": "hello", "resume_from": 0})
    assert fresh.recv()["type"] == "session.state"  # resume_from 0: a fresh state, not the whole log
    again = connect(tutor_session.pk)
    again.send({"type": "hello", "resume_from": live[0]["seq"] - 1})
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
    got = [f["seq"] for f in second.until_type("turn.completed") if "seq" in f]
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
    assert state["last_seq"] == state["seq"] == turn["seq"]  # the last event it covers; not stored itself
    assert not SessionEvent.objects.filter(session=tutor_session, type="session.state").exists()


def test_a_state_goes_only_to_the_socket_that_asked(connect, tutor_session):
    watching = connect(tutor_session.pk)
    watching.send({"type": "hello", "resume_from": 0})
    assert watching.recv()["type"] == "session.state"
    for _ in range(3):
        other = connect(tutor_session.pk)
        other.send({"type": "hello", "resume_from": 0})
        assert other.recv()["type"] == "session.state"  # sent, and a broadcast would have gone out by now
    watching.send({"type": "ping"})
    assert [f["type"] for f in watching.until_type("pong")] == ["pong"]


@pytest.mark.parametrize("resume_from, reason", [(999, "ahead"), (1, "older")])
def test_a_resume_point_the_log_cannot_serve_gets_an_error_and_a_fresh_state(connect, tutor_session, resume_from,
                                                                           reason):
    client = connect(tutor_session.pk)
    client.send({"type": "ping"})
    client.until_type("pong")
    if reason == "older":  # events 1-3 are stored, then 1-2 pruned from the log
        for bad in ("not json", "nor this", "nor that"):
            client.send(bad)
        client.until(lambda f: f["type"] == "error" and f["seq"] == 3)
        SessionEvent.objects.filter(session=tutor_session, seq__lte=2).delete()
        client.send({"type": "ping"})
        client.until_type("pong")
    late = connect(tutor_session.pk)
    late.send({"type": "hello", "resume_from": resume_from})
    state, error = late.recv(), late.until_type("error")[-1]
    assert state["type"] == "session.state"
    assert error["code"] == "resume_unavailable" and reason in error["message"]
    assert error["seq"] == state["seq"] + 1
