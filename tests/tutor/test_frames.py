"""Every client frame is answered; a bad one gets an `error` and the socket stays usable."""
from __future__ import annotations

import json

import pytest


@pytest.fixture
def client(connect, tutor_session):
    client = connect(tutor_session.pk)
    client.send({"type": "hello", "resume_from": 0})
    return client


@pytest.mark.parametrize("raw, code", [
    ("this is not json", "invalid_json"),
    ("[1, 2]", "invalid_frame"),
    (json.dumps({"no": "type"}), "invalid_frame"),
    (json.dumps({"type": "dance"}), "unknown_type"),
    (json.dumps({"type": "hello", "resume_from": "5"}), "invalid_frame"),
    (json.dumps({"type": "user.message", "client_id": "c1"}), "invalid_frame"),
    (json.dumps({"type": "user.message", "client_id": 7, "text": "hi"}), "invalid_frame"),
    (json.dumps({"type": "pace", "value": 3}), "invalid_frame"),
    (json.dumps({"type": "help", "mode": "louder"}), "invalid_frame"),
    (json.dumps({"type": "quiz.answer", "question_id": 1}), "invalid_frame"),
    (json.dumps({"type": "cancel", "turn_id": "t-1", "extra": True}), "invalid_frame"),
    ("[" * 3000 + "]" * 3000, "invalid_json"),  # 6 KB, deeper than the parser goes
    ('{"type": "ping", "x": ' + "[" * 3000 + "]" * 3000 + "}", "invalid_json"),
])
def test_it_answers_a_malformed_frame_with_an_error_and_stays_open(client, raw, code):
    client.send(raw)
    error = client.until_type("error")[-1]
    assert error["code"] == code
    assert error["retryable"] is False
    client.send({"type": "ping", "n": 1})
    assert client.until_type("pong")[-1] == {"type": "pong", "n": 1}


def test_it_names_the_bad_field(client):
    client.send({"type": "pace", "value": "fast"})
    error = client.until_type("error")[-1]
    assert "value" in error["message"]
    assert error["in_reply_to"] == "pace"


def test_it_refuses_binary_frames_with_an_error(client):
    client.send(b"\x00\x01")
    assert client.until_type("error")[-1]["code"] == "invalid_frame"


def test_pong_echoes_extra_fields_and_carries_no_seq(client):
    client.send({"type": "ping", "at": 12.5, "tag": "x"})
    assert client.until_type("pong")[-1] == {"type": "pong", "at": 12.5, "tag": "x"}


def test_it_closes_4413_on_an_oversized_frame(client):
    client.send({"type": "user.message", "client_id": "big", "text": "x" * 70_000})
    assert client.close_code() == 4413


def test_every_error_is_numbered_in_the_session_log(client):
    client.send("nope")
    client.send("nope again")
    errors = [f for f in client.until(lambda f: len([g for g in client.frames if g["type"] == "error"]) == 2)
              if f["type"] == "error"]
    assert errors[1]["seq"] == errors[0]["seq"] + 1
