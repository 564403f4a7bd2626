"""A real WebSocket client for the tutor socket that checks every frame against the contract."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from sessions_app import protocol

Frame = dict[str, Any]


def tutor_url(base_url: str, session_id: object, token: str | None) -> str:
    url = base_url.replace("http://", "ws://") + f"/ws/tutor/{session_id}/"
    return f"{url}?token={token}" if token else url


class TutorClient:
    def __init__(self, base_url: str, session_id: object, token: str | None, **options: Any) -> None:
        self.base_url = base_url
        self.ws: ClientConnection = connect(tutor_url(base_url, session_id, token), open_timeout=10, **options)
        self.frames: list[Frame] = []

    def send(self, frame: Frame | str | bytes) -> None:
        self.ws.send(frame if isinstance(frame, (str, bytes)) else json.dumps(frame))

    def recv(self, timeout: float = 10.0) -> Frame:
        frame = json.loads(self.ws.recv(timeout=timeout))
        assert next(iter(frame)) == "type", f"`type` must come first: {frame}"
        if frame["type"] in ("pong", "text.delta"):
            assert "seq" not in frame  # neither is stored
        if frame["type"] != "pong":
            protocol.server_event.validate_python(frame)  # the contract: every emitted frame fits its model
        self.frames.append(frame)
        return frame

    def until(self, done: Callable[[Frame], bool], timeout: float = 10.0) -> list[Frame]:
        """Frames up to and including the first for which `done` is true."""
        got = []
        while True:
            frame = self.recv(timeout)
            got.append(frame)
            if done(frame):
                return got

    def until_type(self, type_: str, timeout: float = 10.0) -> list[Frame]:
        return self.until(lambda f: f["type"] == type_, timeout)

    def close_code(self, timeout: float = 10.0) -> int | None:
        """Read until the server closes; the close code it sent."""
        try:
            while True:
                self.ws.recv(timeout=timeout)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None

    def close(self) -> None:
        self.ws.close()


def of_type(frames: list[Frame], type_: str) -> list[Frame]:
    return [f for f in frames if f["type"] == type_]


def text_of(frames: list[Frame], turn_id: str) -> str:
    """A turn's text as a client builds it from its deltas: each applied at its offset, which
    must not leave a hole (a piece may repeat text already there: applying it is idempotent)."""
    text = ""
    for frame in frames:
        if frame["type"] == "text.delta" and frame["turn_id"] == turn_id:
            assert frame["offset"] <= len(text), f"a gap before offset {frame['offset']} (have {len(text)})"
            text = text[:frame["offset"]] + frame["text"] + text[frame["offset"] + len(frame["text"]):]
    return text
