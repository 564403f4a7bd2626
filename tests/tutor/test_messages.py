"""`user.message`: stored before anything is said about it, idempotent by client_id, answered
by a streamed, cited turn."""
from __future__ import annotations

from tests.support.scripted_llm import reply
from sessions_app.models import Message
from tests.tutor.client import of_type, text_of

ANSWER = "Photosynthesis turns light energy into chemical energy [1]. It happens in the chloroplast [2]."


def test_it_streams_a_cited_answer_to_a_message(connect, tutor_session, llm):
    llm.script(reply(ANSWER, chunk_delay=0.02))
    client = connect(tutor_session.pk)
    client.send({"type": "user.message", "client_id": "m1", "text": "What is photosynthesis?"})
    frames = client.until_type("turn.completed")
    started = of_type(frames, "turn.started")[0]
    assert started["in_reply_to"] == "m1"
    turn_id = started["turn_id"]
    deltas = of_type(frames, "text.delta")
    assert len(deltas) >= 2
    assert text_of(frames, turn_id) == ANSWER
    done = frames[-1]
    assert (done["turn_id"], done["status"], done["kind"]) == (turn_id, "complete", "explanation")
    assert done["content"]["text"] == ANSWER
    assert len(done["citations"]) == 2
    assert all(c["quote"] and c["chunk_id"] and c["document_id"] for c in done["citations"])
    seqs = [f["seq"] for f in frames if "seq" in f]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    learner, tutor = Message.objects.filter(session=tutor_session).order_by("seq")
    assert (learner.role, learner.client_id, learner.text) == ("learner", "m1", "What is photosynthesis?")
    assert (tutor.role, tutor.status, tutor.text, tutor.turn_id) == ("tutor", "complete", ANSWER, turn_id)


def test_it_stores_a_message_once_however_often_it_is_sent(connect, tutor_session, llm):
    llm.script(reply("Once [1].", chunk_delay=0.01))
    client = connect(tutor_session.pk)
    client.send({"type": "user.message", "client_id": "m1", "text": "Hello?"})
    client.until_type("turn.completed")
    client.send({"type": "user.message", "client_id": "m1", "text": "Hello?"})
    error = client.until_type("error")[-1]
    assert (error["code"], error["in_reply_to"]) == ("duplicate_message", "m1")
    assert Message.objects.filter(session=tutor_session, role="learner").count() == 1
    assert len(llm.chat_requests()) == 1


def test_it_persists_the_conversation_in_the_context_after_each_turn(connect, tutor_session, llm):
    llm.script(reply("Glucose and oxygen [1].", chunk_delay=0.01))
    client = connect(tutor_session.pk)
    client.send({"type": "user.message", "client_id": "m1", "text": "What does it produce?"})
    client.until_type("turn.completed")
    tutor_session.refresh_from_db()
    assert [(e.role, e.content) for e in tutor_session.context.history] == [
        ("user", "What does it produce?"), ("assistant", "Glucose and oxygen [1].")]


def test_a_second_turn_while_one_runs_gets_a_retryable_error(connect, tutor_session, llm):
    words = [f"w{i} " for i in range(10)]
    llm.script(reply("".join(words), chunks=words, chunk_delay=0.05))
    client = connect(tutor_session.pk)
    client.send({"type": "user.message", "client_id": "m1", "text": "Tell me a lot."})
    client.until_type("text.delta")
    client.send({"type": "next"})
    client.send({"type": "ping", "during": "turn"})
    frames = client.until_type("turn.completed")
    error = of_type(frames, "error")[0]
    assert (error["code"], error["retryable"], error["in_reply_to"]) == ("turn_in_progress", True, "next")
    assert {"type": "pong", "during": "turn"} in frames


def test_a_socket_closing_leaves_the_other_sockets_of_its_session_hearing_the_stream(connect, tutor_session, llm):
    # The process hears a session's bells once for all its sockets there: the first socket
    # to leave must not take the others' bells with it.
    words = [f"w{i} " for i in range(8)]
    llm.script(reply("".join(words), chunks=words, chunk_delay=0.03))
    leaving, staying = connect(tutor_session.pk), connect(tutor_session.pk)
    for client in (leaving, staying):
        client.send({"type": "hello", "resume_from": 0})
        client.until_type("session.state")
    leaving.close()
    staying.send({"type": "user.message", "client_id": "m1", "text": "Go on."})
    frames = staying.until_type("turn.completed")
    turn_id = frames[-1]["turn_id"]
    deltas = of_type(frames, "text.delta")
    assert deltas and deltas[0]["offset"] == 0  # streamed as it came, not only replayed whole at the end
    assert text_of(frames, turn_id) == "".join(words)
