"""Redis carries only fan-out: with it down (nothing listens) or frozen (it accepts connections
and never answers), a learner's message is still stored and answered, live and in order (what
a process rings reaches its own sockets without the channel layer), never lost behind a 1011
or a hang (SPEC 12)."""
from __future__ import annotations

from sessions_app.models import Message
from tests.conftest import access_token
from tests.support.scripted_llm import reply
from tests.support.servers import daphne
from tests.tutor.client import TutorClient, text_of
from tests.tutor.conftest import server_env


def test_with_redis_down_or_frozen_a_message_is_stored_and_answered(scripted_llm, llm, tutor_session, learner,
                                                                     broken_redis):
    words = ["Leaves ", "hold ", "chlorophyll ", "[1]."]
    llm.script(reply("".join(words), chunks=words, chunk_delay=0.05))
    with daphne(**server_env(scripted_llm, REDIS_URL=broken_redis)) as url:
        client = TutorClient(url, tutor_session.pk, access_token(learner))
        try:
            client.send({"type": "hello", "resume_from": 0})
            assert client.recv()["type"] == "session.state"
            client.send({"type": "user.message", "client_id": "m1", "text": "What is in leaves?"})
            frames = client.until_type("turn.completed", timeout=60)  # frozen: each bell waits out its timeout
            completed = frames[-1]
        finally:
            client.close()
    assert (completed["status"], completed["content"]["text"]) == ("complete", "Leaves hold chlorophyll [1].")
    assert Message.objects.filter(session=tutor_session, client_id="m1").exists()
    types = [f["type"] for f in frames]
    assert types[0] == "turn.started" and types[1] == "text.delta", types  # streamed live, in order
    assert text_of(frames, completed["turn_id"]) == completed["content"]["text"]
