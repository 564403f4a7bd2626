"""Operators see the tutor socket's open connections and turns in flight on /metrics."""
from __future__ import annotations

from tests.support.scripted_llm import reply
from tests.support.servers import read_metric, wait_until_zero

CONNECTIONS = 'tutor_websocket_connections{socket="tutor"}'
WORDS = [f"part{i} " for i in range(20)]


def test_metrics_count_connections_and_running_turns(connect, tutor_server, tutor_session, llm):
    before = read_metric(tutor_server, "tutor_turns_total")
    llm.script(reply("".join(WORDS), chunks=WORDS, chunk_delay=0.05))
    client = connect(tutor_session.pk)
    client.send({"type": "user.message", "client_id": "m1", "text": "Tell me about light."})
    client.until_type("text.delta")
    assert read_metric(tutor_server, CONNECTIONS) == 1  # the fixtures leave no other socket open
    assert read_metric(tutor_server, "tutor_turns_running") == 1  # tests run one at a time
    client.until_type("turn.completed")
    assert read_metric(tutor_server, "tutor_turns_total") == before + 1
    client.close()
    wait_until_zero(tutor_server, CONNECTIONS, "tutor_turns_running")  # gone from both once it has closed
