"""Shared set-up of the tutor socket benchmarks: database, fixtures, scripted model server,
Daphne processes, and a timing WebSocket client.

DATABASE_URL defaults to a `bench_tutor` database on the local PostgreSQL (created and
migrated if missing); REDIS_URL is passed through when set.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import statistics
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from api_load import cpu_seconds, ensure_database, machine_busy_seconds, machine_speed, percentile, start_servers, stop_servers  # noqa: E402
from tests.support.servers import free_port, wait_for_port  # noqa: E402
from agents_app.text import terms  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/bench_tutor"
DOC = ROOT / "tests" / "fixtures" / "docs" / "photosynthesis.md"

__all__ = ["cpu_seconds", "machine_busy_seconds", "machine_speed", "model_latency", "percentile", "prepare", "scripted_llm", "tutor_servers", "make_sessions", "ws_url", "summary"]


def prepare() -> dict[str, str]:
    """Create and migrate the benchmark database; set Django up in this process; the env for servers."""
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DB)
    if database_url.startswith("postgres"):
        ensure_database(database_url)
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(64))  # a configured database needs one
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "tutor_project.settings"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    os.environ.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="tutor_project.settings")
    import django

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per model request of the bench's own
    return env


@contextmanager
def scripted_llm(tokens_per_second: float, timing_log: Path | None = None) -> Iterator[str]:
    """The scripted OpenAI-compatible server in its own process, generating replies at a token
    rate; with `timing_log`, it logs each marked turn's own times there (tests.support.scripted_llm)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.scripted_llm", "--port", str(port),
         "--tokens-per-second", str(tokens_per_second), *(["--timing-log", str(timing_log)] if timing_log else [])],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        stop_servers([process])


@contextmanager
def tutor_servers(env: dict[str, str], llm_url: str | None, count: int = 1) -> Iterator[tuple[list[str], list[int]]]:
    """Daphne processes serving the product; yields (base URLs, pids)."""
    server_env = {**env, "TUTOR_LLM_TURNS_PER_MINUTE": "1000000", "TUTOR_WS_FRAMES_PER_SECOND": "1000",
                  "TUTOR_WS_FRAME_BURST": "1000", "LLM_MAX_RETRIES": "0", "LOG_LEVEL": "WARNING"}
    if llm_url:
        server_env.update(OPENAI_API_KEY="bench-key", OPENAI_BASE_URL=llm_url)
    processes, urls = start_servers(count, server_env)
    try:
        yield urls, [p.pid for p in processes]
    finally:
        stop_servers(processes)


def make_sessions(count: int, *, learners: int = 1, chat_only: bool = False) -> list[tuple[int, str]]:
    """`count` tutor sessions over one folder of the photosynthesis notes per learner: (session id, token).
    `chat_only` sessions teach without the whiteboard (no drawing tools offered to the model)."""
    from django.contrib.auth import get_user_model
    from rest_framework_simplejwt.tokens import RefreshToken

    from sessions_app import actions
    from sessions_app.context import TutorContext
    from sessions_app.models import Chunk, Document, TutorSession

    run = int(time.time() * 1000)
    sections = DOC.read_text().split("\n## ")[1:]
    owners = []
    for n in range(learners):
        user = get_user_model().objects.create(username=f"bench{run}-{n}")  # no password: tokens only
        folder = actions.create_folder(user, name="Photosynthesis")
        document = Document.objects.create(
            folder=folder, file="documents/bench.md", original_name="bench.md", sha256=f"{run}{n}".ljust(64, "0"),
            kind="markdown", mime_type="text/markdown", size=1, status="ready",
        )
        Chunk.objects.bulk_create([_chunk(document, i, section) for i, section in enumerate(sections)])
        owners.append((user, folder, str(RefreshToken.for_user(user).access_token)))
    sessions = TutorSession.objects.bulk_create([
        TutorSession(learner=owners[i % learners][0], folder=owners[i % learners][1],
                     context=TutorContext(interaction_mode="chat" if chat_only else "chat_and_whiteboard"))
        for i in range(count)
    ])
    return [(s.pk, owners[i % learners][2]) for i, s in enumerate(sessions)]


def _chunk(document: Any, order: int, section: str) -> Any:
    """A chunk with its stored index (term counts), as the ingestion pipeline writes it."""
    from sessions_app.models import Chunk

    title, _, body = section.partition("\n")
    counts = terms(f"{title} {body.strip()}")
    return Chunk(document=document, order=order, text=body.strip(), section=title, content_hash=f"{order:064d}",
                 terms=dict(Counter(counts)), length=len(counts))


async def model_latency(llm_url: str, question: str, samples: int = 50) -> tuple[float, float]:
    """The scripted model's own time, in seconds, to its first content token and to the end of
    its reply: medians of `samples` streamed requests sent one at a time over one kept-alive
    connection by a bare HTTP/1.1 client (asyncio streams, no HTTP library), so the figure holds
    the model server's work and the loopback, and as little client work as can be.

    Subtracted from the tutor's latencies, it leaves the tutor server's own part of them."""
    host_port, _, path = llm_url.removeprefix("http://").partition("/")
    host, _, port = host_port.partition(":")
    body = json.dumps({"model": "m", "stream": True, "messages": [{"role": "user", "content": question}]}).encode()
    request = (f"POST /{path}/chat/completions HTTP/1.1\r\nHost: {host_port}\r\n"
               f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
    reader, writer = await asyncio.open_connection(host, int(port))
    first: list[float] = []
    whole: list[float] = []
    try:
        for _ in range(samples):
            started = time.perf_counter()
            writer.write(request)
            got_first = None
            while True:
                line = await reader.readline()
                if got_first is None and b'"content": "' in line and b'"content": ""' not in line:
                    got_first = time.perf_counter()
                if line.startswith(b"data: [DONE]"):
                    whole.append(time.perf_counter() - started)
                    await reader.readuntil(b"0\r\n\r\n")  # the chunked body's end: the connection is reusable
                    break
                if not line:
                    raise ConnectionError("the scripted model closed the connection mid-reply")
            first.append((got_first or time.perf_counter()) - started)
    finally:
        writer.close()
    return statistics.median(first), statistics.median(whole)


def ws_url(base_url: str, session_id: int, token: str) -> str:
    return base_url.replace("http://", "ws://") + f"/ws/tutor/{session_id}/?token={token}"


def frame(data: str | bytes) -> dict[str, Any]:
    return json.loads(data)


def summary(name: str, values_ms: list[float]) -> str:
    if not values_ms:
        return f"{name}: no samples"
    return (f"{name}: p50 {percentile(values_ms, 0.5):.1f} ms  p99 {percentile(values_ms, 0.99):.1f} ms  "
            f"max {max(values_ms):.1f} ms  (n={len(values_ms)})")
