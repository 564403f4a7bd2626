"""Several Daphne processes on the Redis channel layer serve one session: a learner moves
from one process to another and continues with nothing lost, and a second device on the
other process sees the same events live."""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from tests.conftest import access_token
from tests.support.scripted_llm import reply
from tests.support.sharing import share
from sessions_app.models import SessionEvent, TutorSession
from tests.support.servers import daphne, free_port, read_metric, wait_for_port, wait_until_zero
from tests.tutor.client import TutorClient, of_type, text_of
from tests.tutor.conftest import server_env


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """REDIS_URL when set (CI); otherwise a private redis-server on a free port."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("needs REDIS_URL or a redis-server binary")
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        wait_for_port(port, process)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def two_servers(django_db_setup, django_db_blocker, scripted_llm: str, redis_url: str):
    env = server_env(scripted_llm, REDIS_URL=redis_url)
    with daphne(**env) as first, daphne(**env) as second:
        yield first, second


def test_a_session_moves_to_another_process_and_continues(connect, two_servers, tutor_session, llm):
    first_url, second_url = two_servers
    words = [f"part{i} " for i in range(10)]
    llm.script(reply("".join(words), chunks=words, chunk_delay=0.03), reply("Yes, as I said [1].", chunk_delay=0.01))
    first = connect(tutor_session.pk, url=first_url)
    first.send({"type": "hello", "resume_from": 0})
    first.send({"type": "user.message", "client_id": "m1", "text": "What is a chloroplast?"})
    seen = first.until(lambda f: f["type"] == "text.delta")
    first.close()

    second = connect(tutor_session.pk, url=second_url)
    second.send({"type": "hello", "resume_from": max(f["seq"] for f in seen if "seq" in f)})
    rest = second.until_type("turn.completed")
    assert text_of(seen + rest, rest[-1]["turn_id"]) == "".join(words)
    second.send({"type": "user.message", "client_id": "m2", "text": "And where is it?"})
    rest += second.until_type("turn.completed")
    seqs = [f["seq"] for f in seen + rest if "seq" in f and f["type"] != "session.state"]
    assert seqs == list(range(1, len(seqs) + 1))
    assert seqs == list(SessionEvent.objects.filter(session=tutor_session).values_list("seq", flat=True))
    # The second process teaches with the conversation the first one stored.
    remembered = [m["content"] for m in llm.chat_requests()[1]["messages"]]
    assert "What is a chloroplast?" in remembered
    history = TutorSession.objects.get(pk=tutor_session.pk).context.history
    assert [e.content for e in history if e.role == "user"] == ["What is a chloroplast?", "And where is it?"]


def test_a_second_device_on_another_process_sees_the_same_events(connect, two_servers, tutor_session, llm):
    first_url, second_url = two_servers
    llm.script(reply("Leaves are green because of chlorophyll [1].", chunk_delay=0.01))
    phone = connect(tutor_session.pk, url=first_url)
    laptop = connect(tutor_session.pk, url=second_url)
    for client in (phone, laptop):
        client.send({"type": "hello", "resume_from": 0})
        # Both live before the message: a laptop greeted after it got the message in its state instead.
        client.until_type("session.state")
    phone.send({"type": "user.message", "client_id": "m1", "text": "Why are leaves green?"})
    on_phone = phone.until_type("turn.completed")
    on_laptop = laptop.until_type("turn.completed")
    stored = [f for f in on_phone if f["type"] != "text.delta"]
    assert [f for f in on_laptop if f["type"] != "text.delta"] == stored
    turn_id = stored[-1]["turn_id"]
    assert text_of(on_laptop, turn_id) == text_of(on_phone, turn_id) == stored[-1]["content"]["text"]
    assert of_type(on_laptop, "turn.started")[0]["in_reply_to"] == "m1"


def test_pieces_go_over_the_channel_layer_only_for_turns_followed_from_another_process(connect, two_servers,
                                                                                       tutor_session, llm):
    first_url, second_url = two_servers
    published = 'tutor_text_pieces_total{route="published"}'
    words = [f"word{i} " for i in range(12)]
    llm.script(reply("".join(words), chunks=words, chunk_delay=0.05), reply("".join(words), chunks=words,
                                                                            chunk_delay=0.05))
    talker = connect(tutor_session.pk, url=first_url)
    talker.send({"type": "hello", "resume_from": 0})
    before = read_metric(first_url, published)
    talker.send({"type": "user.message", "client_id": "m1", "text": "Tell me about light."})
    alone = talker.until_type("turn.completed")
    assert text_of(alone, alone[-1]["turn_id"]) == "".join(words)
    assert read_metric(first_url, published) == before  # nobody elsewhere: every piece stayed in its process

    watcher = connect(tutor_session.pk, url=second_url)
    watcher.send({"type": "hello", "resume_from": alone[-1]["seq"]})
    watcher.send({"type": "ping"})
    watcher.until_type("pong")
    talker.send({"type": "user.message", "client_id": "m2", "text": "And then?"})
    watched = watcher.until_type("turn.completed")
    assert text_of(watched, watched[-1]["turn_id"]) == "".join(words)  # live, from the turn's start
    assert of_type(watched, "text.delta")[0]["offset"] == 0
    assert read_metric(first_url, published) > before


def test_document_progress_is_logged_once_per_session_and_reaches_both_processes(connect, two_servers,
                                                                                 tutor_session):
    from sessions_app.actions import advance_document, finish_document

    document = tutor_session.folder.documents.get()
    sockets = [connect(tutor_session.pk, url=url) for url in two_servers]
    for client in sockets:
        client.send({"type": "hello", "resume_from": 0})
        client.send({"type": "ping"})
        client.until_type("pong")  # greeted and listening
    advance_document(document, "chunking", 40)  # as the pipeline reports, from its own process
    finish_document(document)
    for client in sockets:
        frames = client.until(lambda f: f["type"] == "document.progress" and f["status"] == "ready")
        progress = of_type(frames, "document.progress")
        assert [(f["stage"], f["percent"]) for f in progress] == [("chunking", 40), ("ready", 100)]
    assert SessionEvent.objects.filter(session=tutor_session, type="document.progress").count() == 2


def test_pieces_lost_between_processes_are_repaired_before_the_turn_ends(connect, two_servers, tutor_session, llm,
                                                                         redis_url):
    """Redis drops every subscriber connection mid-stream (pub/sub delivers at most once): the
    socket on the other process sees an offset gap, asks the turn's process for the whole
    text, and shows the whole reply live, without a gap, before turn.completed."""
    import redis

    first_url, second_url = two_servers
    words = [f"piece{i} " for i in range(30)]
    llm.script(reply("".join(words), chunks=words, chunk_delay=0.1))
    talker = connect(tutor_session.pk, url=first_url)
    watcher = connect(tutor_session.pk, url=second_url)
    for client in (talker, watcher):
        client.send({"type": "hello", "resume_from": 0})
        client.recv()
    talker.send({"type": "user.message", "client_id": "m1", "text": "Tell me everything."})
    seen = watcher.until(lambda f: f["type"] == "text.delta" and f["offset"] > 0)
    server, killed, until = redis.Redis.from_url(redis_url), 0, time.monotonic() + 0.4
    while time.monotonic() < until:  # several pieces go out meanwhile, to nobody
        killed += server.client_kill_filter(_type="pubsub")
        time.sleep(0.02)
    assert killed
    rest = watcher.until_type("turn.completed")
    completed = rest[-1]
    deltas = of_type(seen + rest, "text.delta")
    assert completed["content"]["text"] == "".join(words)
    assert text_of(deltas, completed["turn_id"]) == completed["content"]["text"]  # whole, live, no gap


def test_presence_and_a_members_removal_reach_every_process(connect, two_servers, tutor_session, learner):
    """The viewer has a tutor and a board socket on each process; the owner removes it over REST
    on one process: all four close with 4403 within a second. Before that, the owner on one
    process hears the viewer on the other arrive."""
    first_url, second_url = two_servers
    viewer = share(tutor_session)["viewer"]
    owner = connect(tutor_session.pk, url=first_url)
    owner.send({"type": "hello", "resume_from": 0})
    owner.until_type("session.state")
    token = access_token(viewer)
    tutors = [connect(tutor_session.pk, user=viewer, url=url) for url in two_servers]
    for client in tutors:
        client.send({"type": "hello", "resume_from": 0})
        client.until_type("session.state")
    boards = [ws_connect(f"{url.replace('http://', 'ws://')}/ws/whiteboard/{tutor_session.pk}/?token={token}",
                         open_timeout=10) for url in two_servers]
    for board in boards:
        board.recv(timeout=10)  # joined: the room's sync step 1
    assert owner.until_type("presence")[-1]["participants"][-1]["user_id"] == viewer.pk
    removed_at = time.monotonic()
    response = httpx.delete(f"{second_url}/api/v1/sessions/{tutor_session.pk}/members/{viewer.pk}/",
                            headers={"Authorization": f"Bearer {access_token(learner)}"})
    assert response.status_code == 204
    assert [client.close_code(timeout=5) for client in tutors] == [4403, 4403]
    for board in boards:
        with pytest.raises(ConnectionClosed):
            while True:
                board.recv(timeout=5)
    assert [board.close_code for board in boards] == [4403, 4403]
    assert time.monotonic() - removed_at < 1.0


def test_the_first_turn_of_fresh_processes_streams_to_the_other_process(tutor_session, learner, llm, scripted_llm,
                                                                         redis_url):
    """A socket on the other process asks for a turn's text as the turn starts: the process
    running it must hear that even for its very first turn (it used to subscribe to those
    requests only then, and the ask arrived first; the other process saw no piece at all)."""
    words = [f"first{i} " for i in range(12)]
    llm.script(reply("".join(words), chunks=words, chunk_delay=0.03))
    env = server_env(scripted_llm, REDIS_URL=redis_url)
    with daphne(**env) as first_url, daphne(**env) as second_url:
        talker, watcher = (TutorClient(url, tutor_session.pk, access_token(learner)) for url in (first_url, second_url))
        for client in (talker, watcher):
            client.send({"type": "hello", "resume_from": 0})
            client.until_type("session.state")
        talker.send({"type": "user.message", "client_id": "m1", "text": "Tell me."})
        seen = watcher.until_type("turn.completed")
        talker.until_type("turn.completed")
        talker.close()
        watcher.close()
        for url in (first_url, second_url):  # nothing may write once the test is over
            wait_until_zero(url, 'tutor_websocket_connections{socket="tutor"}', "tutor_turns_running")
    assert text_of(seen, seen[-1]["turn_id"]) == "".join(words)  # streamed live, whole, before the end
