"""A scripted OpenAI-compatible server on 127.0.0.1, for tests and benchmarks (SPEC 5.4).

Tests queue `Step`s; each POST /v1/chat/completions plays the next one, as a JSON reply or
as server-sent events when the request asks for a stream. The server records every request
and notices when a client hangs up. With no step queued it either answers 500 (tests) or,
when given a token rate, streams a generated reply at that rate (benchmarks):

    python -m tests.support.scripted_llm --port 8765 --tokens-per-second 40

With --timing-log FILE, each streamed request whose last user message carries a marker
`[turn NAME]` adds a line `NAME received first_token` to FILE: when the request was read
and when its first content token was written (time.monotonic(), which every process of
the machine shares). A benchmark subtracts the model's own time per request from what
its clients saw.
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import math
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from agents_app.text import words

REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 408: "Request Timeout", 409: "Conflict",
           429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


# Shorter pauses between chunks are not kept: a timed wait costs more than that itself, so an
# "instant" model (say 100,000 tokens/s) would be measured as slow as a few thousand.
MIN_CHUNK_DELAY = 0.001
TURN_MARKER = re.compile(r"\[turn ([\w.-]+)\]")


@dataclass
class Step:
    """One scripted reply. `chunks` overrides how `text` is split when streamed."""

    text: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    chunks: list[str] | None = None
    chunk_delay: float = 0.0
    stall_after: int | None = None
    stall_seconds: float = 30.0
    drop_after: int | None = None  # streamed: hang up after this many content chunks
    error_after: int | None = None  # streamed: send an `error` object after this many content chunks

    def stream_chunks(self) -> list[str]:
        if self.chunks is not None:
            return self.chunks
        return re.findall(r"\s*\S+\s*?(?=\s|$)|\s+$", self.text)


def reply(text: str, **options: Any) -> Step:
    return Step(text=text, **options)


def json_reply(obj: Any, **options: Any) -> Step:
    return Step(text=json.dumps(obj), **options)


def tool_call(name: str, arguments: dict[str, Any] | str, *, call_id: str = "call_1", text: str = "",
              **options: Any) -> Step:
    """A reply calling one tool; `arguments` as a string is sent verbatim (even malformed)."""
    return Step(text=text, tool_calls=[{"id": call_id, "name": name, "arguments": arguments}], **options)


def error(status: int, *, retry_after: float | None = None, message: str = "scripted failure") -> Step:
    headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
    return Step(text=message, status=status, headers=headers)


def stall(chunks: list[str], *, after: int, seconds: float = 30.0, chunk_delay: float = 0.0) -> Step:
    return Step(text="".join(chunks), chunks=chunks, stall_after=after, stall_seconds=seconds, chunk_delay=chunk_delay)


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class ScriptedLLM:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, tokens_per_second: float | None = None,
                 json_schema_supported: bool = True, timing_log: str | None = None) -> None:
        self.host, self.port = host, port
        self.tokens_per_second = tokens_per_second
        self.timing_log = open(timing_log, "a", buffering=1) if timing_log else None
        self.json_schema_supported = json_schema_supported
        self.requests: list[RecordedRequest] = []
        self.disconnects = 0
        self._steps: deque[Step] = deque()
        self._lock = threading.Lock()
        self._generation = 0
        self._disconnected = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None

    # --- control, from any thread ---------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def script(self, *steps: Step) -> None:
        with self._lock:
            self._steps.extend(steps)

    def reset(self, *, json_schema_supported: bool = True) -> None:
        with self._lock:
            self._generation += 1
            self._steps.clear()
            self.requests = []
            self.disconnects = 0
            self._disconnected.clear()
            self.json_schema_supported = json_schema_supported

    @property
    def remaining(self) -> int:
        return len(self._steps)

    def chat_requests(self) -> list[dict[str, Any]]:
        return [r.body for r in self.requests if r.path.endswith("/chat/completions")]

    def wait_for_disconnect(self, timeout: float = 5.0) -> bool:
        return self._disconnected.wait(timeout)

    def start(self) -> ScriptedLLM:
        """Serve from a background thread (for pytest); returns once the port is bound."""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="scripted-llm", daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._bind(), self._loop).result(timeout=5)
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._unbind(), self._loop).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._loop.close()
        if self.timing_log is not None:
            self.timing_log.close()

    async def serve_forever(self) -> None:
        await self._bind()
        assert self._server is not None
        await self._server.serve_forever()

    async def _bind(self) -> None:
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _unbind(self) -> None:
        if self._server is not None:
            self._server.close()
        # Connections still open (stalled streams, keep-alive) end here, not at interpreter exit.
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    # --- HTTP --------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        generation = self._generation
        try:
            while (request := await _read_request(reader)) is not None:
                # Per request, not per connection: a connection kept alive from an earlier test
                # must count its new requests (and disconnects) for the test sending them.
                generation = self._generation
                if not await self._dispatch(request, reader, writer, generation):
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            self._note_disconnect(generation)
        finally:
            writer.close()

    async def _dispatch(self, request: RecordedRequest, reader: asyncio.StreamReader,
                        writer: asyncio.StreamWriter, generation: int) -> bool:
        with self._lock:
            if generation == self._generation:
                self.requests.append(request)
        if request.method == "POST" and request.path.endswith("/chat/completions"):
            return await self._chat(request.body, reader, writer, generation, received=time.monotonic())
        if request.method == "POST" and request.path.endswith("/embeddings"):
            await _send_json(writer, 200, _embeddings(request.body))
            return True
        await _send_json(writer, 404, _error_body("no such route", "not_found"))
        return True

    async def _chat(self, body: dict[str, Any], reader: asyncio.StreamReader,
                    writer: asyncio.StreamWriter, generation: int, *, received: float) -> bool:
        step = self._next_step(body)
        if step.status != 200:
            await _send_json(writer, step.status, _error_body(step.text, "scripted"), step.headers)
            return True
        if not body.get("stream"):
            if step.stall_after is not None and await self._pause(reader, step.stall_seconds, generation):
                return False
            await _send_json(writer, 200, _completion(body, step))
            return True
        return await self._stream(body, step, reader, writer, generation, received=received)

    def _next_step(self, body: dict[str, Any]) -> Step:
        schema_asked = (body.get("response_format") or {}).get("type") == "json_schema"
        if schema_asked and not self.json_schema_supported:
            return Step(status=400, text="response_format json_schema is not supported by this server")
        with self._lock:
            if self._steps:
                return self._steps.popleft()
        if self.tokens_per_second:
            return Step(text=_generated_reply(body), chunk_delay=1.0 / self.tokens_per_second)
        return Step(status=500, text="scripted server: no step left for this request")

    async def _stream(self, body: dict[str, Any], step: Step, reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter, generation: int, *, received: float) -> bool:
        # Chunked, so the connection stays open for the next request as with real model
        # servers (a new connection per turn would be measured as the tutor's own overhead).
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                     b"cache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n")
        events = _stream_events(body, step)
        marker = self._marker(body)
        for index, event in enumerate(events):
            if step.stall_after is not None and index == step.stall_after + 1:
                await self._pause(reader, step.stall_seconds, generation)
                return False
            if step.drop_after is not None and index == step.drop_after + 1:
                return False  # the connection closes with the body unfinished
            if step.error_after is not None and index == step.error_after + 1:
                failure = json.dumps(_error_body("the upstream model failed mid-reply", "server_error"))
                writer.write(_chunk(f"data: {failure}\n\n".encode()) + _chunk(b""))
                await writer.drain()
                return True
            writer.write(_chunk(f"data: {json.dumps(event)}\n\n".encode()))
            await writer.drain()
            if marker and _has_content(event):
                self.timing_log.write(f"{marker} {received:.6f} {time.monotonic():.6f}\n")
                marker = None
            if step.chunk_delay >= MIN_CHUNK_DELAY and await self._pause(reader, step.chunk_delay, generation):
                return False
        writer.write(_chunk(b"data: [DONE]\n\n") + _chunk(b""))  # the empty chunk ends the body
        await writer.drain()
        return True

    def _marker(self, body: dict[str, Any]) -> str | None:
        """The turn marker of the last user message, when timings are logged."""
        if self.timing_log is None:
            return None
        found = TURN_MARKER.search(_last_user_text(body))
        return found.group(1) if found else None

    async def _pause(self, reader: asyncio.StreamReader, seconds: float, generation: int) -> bool:
        """Wait, watching the socket; True if the client hung up meanwhile."""
        try:
            data = await asyncio.wait_for(reader.read(1), seconds)
        except asyncio.TimeoutError:
            return False
        if data:
            return False
        self._note_disconnect(generation)
        return True

    def _note_disconnect(self, generation: int) -> None:
        with self._lock:
            if generation == self._generation:
                self.disconnects += 1
                self._disconnected.set()


async def _read_request(reader: asyncio.StreamReader) -> RecordedRequest | None:
    line = await reader.readline()
    if not line.strip():
        return None
    method, path, _ = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = header.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    raw = await reader.readexactly(int(headers.get("content-length", "0")))
    body = json.loads(raw) if raw else {}
    return RecordedRequest(method=method, path=path, headers=headers, body=body)


async def _send_json(writer: asyncio.StreamWriter, status: int, payload: dict[str, Any],
                     headers: dict[str, str] | None = None) -> None:
    data = json.dumps(payload).encode()
    head = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}", "content-type: application/json",
            f"content-length: {len(data)}"]
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
    await writer.drain()


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def _error_body(message: str, code: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": code, "code": code, "param": None}}


def _usage(body: dict[str, Any], completion: str) -> dict[str, int]:
    prompt = sum(len(str(m.get("content") or "").split()) for m in body.get("messages", []))
    done = max(1, len(completion.split())) if completion else 0
    return {"prompt_tokens": prompt, "completion_tokens": done, "total_tokens": prompt + done}


def _tool_call_json(call: dict[str, Any]) -> dict[str, Any]:
    arguments = call["arguments"] if isinstance(call["arguments"], str) else json.dumps(call["arguments"])
    return {"id": call["id"], "type": "function", "function": {"name": call["name"], "arguments": arguments}}


def _completion(body: dict[str, Any], step: Step) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": step.text or None}
    if step.tool_calls:
        message["tool_calls"] = [_tool_call_json(c) for c in step.tool_calls]
    return {
        "id": f"chatcmpl-{time.monotonic_ns()}", "object": "chat.completion", "created": int(time.time()),
        "model": body.get("model", "scripted"),
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if step.tool_calls else "stop"}],
        "usage": _usage(body, step.text),
    }


def _stream_events(body: dict[str, Any], step: Step) -> list[dict[str, Any]]:
    base = {"id": f"chatcmpl-{time.monotonic_ns()}", "object": "chat.completion.chunk",
            "created": int(time.time()), "model": body.get("model", "scripted")}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    events = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": piece}) for piece in step.stream_chunks()]
    for index, call in enumerate(step.tool_calls):
        wire = _tool_call_json(call)
        arguments = wire["function"]["arguments"]
        half = len(arguments) // 2
        events.append(chunk({"tool_calls": [{"index": index, "id": wire["id"], "type": "function",
                                              "function": {"name": call["name"], "arguments": arguments[:half]}}]}))
        events.append(chunk({"tool_calls": [{"index": index, "function": {"arguments": arguments[half:]}}]}))
    events.append(chunk({}, "tool_calls" if step.tool_calls else "stop"))
    if (body.get("stream_options") or {}).get("include_usage"):
        events.append({**base, "choices": [], "usage": _usage(body, step.text)})
    return events


def _has_content(event: dict[str, Any]) -> bool:
    return any((choice.get("delta") or {}).get("content") for choice in event.get("choices") or ())


def _last_user_text(body: dict[str, Any]) -> str:
    last = next((m for m in reversed(body.get("messages", [])) if m.get("role") == "user"), {})
    return str(last.get("content") or "")


def _generated_reply(body: dict[str, Any]) -> str:
    """A deterministic teacher-like reply built from the last user message (benchmark mode)."""
    topic = " ".join(words(_last_user_text(body))[-12:]) or "the topic"
    return (f"Let us look at {topic} step by step. First, recall the key idea and where it comes from [1]. "
            "Then we connect it to an example you already know, and finally check your understanding with "
            "a short question.")


def _embeddings(body: dict[str, Any]) -> dict[str, Any]:
    """Hashed bag-of-words vectors: deterministic, and similar texts get similar vectors."""
    inputs = body.get("input", [])
    inputs = [inputs] if isinstance(inputs, str) else inputs
    dims = int(body.get("dimensions") or 64)
    data = []
    for index, text in enumerate(inputs):
        vector = [0.0] * dims
        for word in words(str(text)):
            digest = hashlib.sha256(word.encode()).digest()
            vector[int.from_bytes(digest[:4], "big") % dims] += 1.0 if digest[4] % 2 else -1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        data.append({"object": "embedding", "index": index, "embedding": [v / norm for v in vector]})
    tokens = sum(len(str(t).split()) for t in inputs)
    return {"object": "list", "data": data, "model": body.get("model", "scripted"),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}


def main() -> None:
    parser = argparse.ArgumentParser(description="Scripted OpenAI-compatible server (benchmark mode).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--tokens-per-second", type=float, default=40.0)
    parser.add_argument("--timing-log", help="append each marked turn's request and first-token times here")
    args = parser.parse_args()
    server = ScriptedLLM(args.host, args.port, tokens_per_second=args.tokens_per_second, timing_log=args.timing_log)
    print(f"scripted LLM on http://{args.host}:{args.port}/v1 at {args.tokens_per_second:g} tokens/s", flush=True)
    try:
        asyncio.run(server.serve_forever())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
