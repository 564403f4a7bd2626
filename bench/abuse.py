"""The attacks of issue 18 against a live server while a well-behaved learner keeps using it.

    .venv/bin/python bench/abuse.py            # embedded default: SQLite, filesystem broker
    .venv/bin/python bench/abuse.py --redis    # PostgreSQL + Redis (DATABASE_URL / REDIS_URL,
                                               # default a `bench_abuse` database on the local server)
    .venv/bin/python bench/abuse.py --only forged_token,metrics_methods

Starts one Daphne process and one Celery worker on a fresh data folder. A learner, on an
event loop of its own (in its own thread, so an attack building its frames cannot delay the
learner's probes and pass for the server's latency), keeps a tutor socket (an app-level `ping` every 50 ms) and a whiteboard socket (a WebSocket ping
every 50 ms, and a drawing every 250 ms) open and polls /healthz every 50 ms. For each
attack, run from another account, the table shows the learner's worst /healthz and ping
latencies during it, the Daphne process's memory growth (peak resident memory during the
attack over before it), what the attacker got, and whether anything the learner wrote was
lost (every drawing is on the board read back by a fresh client, and a tutor message sent
during the attack is in the session's history).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import jwt  # noqa: E402
import websockets  # noqa: E402
from pycrdt import Doc, Map  # noqa: E402

from tests.fixtures.pdfgen import study_pages, text_pdf  # noqa: E402
from tests.hardening.costly_pdf import costly_pdf  # noqa: E402
from tests.support.servers import free_port, stop, wait_for_port  # noqa: E402
from tests.support.whiteboard_client import BoardClient  # noqa: E402
from whiteboard_app import protocol  # noqa: E402

OLD_KEY = "dev-insecure-embedded-default-key-change-me-in-production-0123456789"
MB = 1024 * 1024
T = TypeVar("T")
TICK = 0.05
DRAW_EVERY = 0.25
PASSWORD = "bench-abuse-password-1"
# The crafted PDF costs about 35 s of extraction; a bound below that shows it hold without
# waiting the default 120 s.
EXTRACT_CPU_SECONDS = 15


# --- the server ----------------------------------------------------------------------------


def server_env(use_redis: bool, data_dir: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in ("DATABASE_URL", "REDIS_URL")}
    env.update(TUTOR_DATA_DIR=data_dir, DJANGO_SECRET_KEY=secrets.token_urlsafe(64), PYTHONUNBUFFERED="1",
               MEDIA_ROOT=f"{data_dir}/media", REDIS_PREFIX=f"bench-abuse-{os.getpid()}",
               INGEST_EXTRACT_CPU_SECONDS=str(EXTRACT_CPU_SECONDS))
    if use_redis:
        from api_load import ensure_database

        database_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_abuse")
        ensure_database(database_url)
        env.update(DATABASE_URL=database_url, REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    return env


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen, subprocess.Popen, str]:
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    log = open(Path(env["TUTOR_DATA_DIR"]) / "server.log", "ab")  # noqa: SIM115 (the children keep it)
    port = free_port()
    daphne = subprocess.Popen([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                               "tutor_project.asgi:application"], cwd=ROOT, env=env, stdout=log, stderr=log)
    worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "tutor_project", "worker", "--pool=solo",
                               "--loglevel=WARNING", "--without-gossip", "--without-mingle"],
                              cwd=ROOT, env=env, stdout=log, stderr=log)
    wait_for_port(port, daphne)
    return daphne, worker, f"http://127.0.0.1:{port}"


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Account:
    token: str
    user_id: int
    folder_id: int
    session_id: int


async def account(http: httpx.AsyncClient, name: str) -> Account:
    await http.post("/api/v1/auth/register/", json={"username": name, "password": PASSWORD})
    token = (await http.post("/api/v1/auth/token/", json={"username": name, "password": PASSWORD})).json()["access"]
    auth = {"Authorization": f"Bearer {token}"}
    me = (await http.get("/api/v1/auth/me/", headers=auth)).json()
    folder = (await http.post("/api/v1/folders/", json={"name": f"{name}'s notes"}, headers=auth)).json()
    session = (await http.post("/api/v1/sessions/", json={"folder_id": folder["id"]}, headers=auth)).json()
    return Account(token, me["id"], folder["id"], session["id"])


def socket_url(base: str, kind: str, who: Account) -> str:
    return f"{base.replace('http://', 'ws://')}/ws/{kind}/{who.session_id}/?token={who.token}"


# --- the well-behaved learner ----------------------------------------------------------------


@dataclass
class Window:
    healthz: list[float] = field(default_factory=list)
    tutor_ping: list[float] = field(default_factory=list)
    board_ping: list[float] = field(default_factory=list)
    server_errors: int = 0
    baseline_mb: float = 0.0
    peak_mb: float = 0.0


class Learner:
    def __init__(self, base: str, who: Account, daphne_pid: int) -> None:
        self.base, self.who, self.pid = base, who, daphne_pid
        self.window = Window()
        self.drawn: list[str] = []
        self.doc = Doc()
        self.marks = self.doc.get("bench", type=Map)
        self.tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        self.tutor = await websockets.connect(socket_url(self.base, "tutor", self.who), max_size=None)
        self.board = await websockets.connect(socket_url(self.base, "whiteboard", self.who), max_size=None)
        self.pongs: dict[int, asyncio.Future] = {}
        self.tasks = [asyncio.create_task(job()) for job in
                      (self._read_tutor, self._ping_tutor, self._ping_board, self._draw, self._poll, self._watch_memory,
                       self._drain_board)]

    async def reset(self) -> Window:
        now = resident_mb(self.pid)
        finished, self.window = self.window, Window(baseline_mb=now, peak_mb=now)
        return finished

    async def _timed(self, name: str, probe: Callable[[], Awaitable[object]]) -> None:
        """Runs `probe` every tick; its latency goes to the window current when it ends."""
        while True:
            started = time.perf_counter()
            try:
                await asyncio.wait_for(probe(), 60)
            except Exception:
                latency = 60.0
            else:
                latency = time.perf_counter() - started
            getattr(self.window, name).append(latency)
            await asyncio.sleep(TICK)

    async def _poll(self) -> None:
        async with httpx.AsyncClient(base_url=self.base, timeout=60) as http:
            async def healthz() -> None:
                if (await http.get("/healthz")).status_code >= 500:
                    self.window.server_errors += 1
            await self._timed("healthz", healthz)

    async def _read_tutor(self) -> None:
        async for raw in self.tutor:
            frame = json.loads(raw)
            if frame.get("type") == "pong" and frame.get("n") in self.pongs:
                self.pongs.pop(frame["n"]).set_result(None)

    async def _ping_tutor(self) -> None:
        counter = iter(range(10**9))

        async def ping() -> None:
            n = next(counter)
            self.pongs[n] = asyncio.get_running_loop().create_future()
            await self.tutor.send(json.dumps({"type": "ping", "n": n}))
            await self.pongs[n]
        await self._timed("tutor_ping", ping)

    async def _ping_board(self) -> None:
        async def ping() -> None:
            await (await self.board.ping())
        await self._timed("board_ping", ping)

    async def _drain_board(self) -> None:
        async for _ in self.board:
            pass

    async def _draw(self) -> None:
        while True:
            before = self.doc.get_state()
            key = f"mark-{len(self.drawn)}"
            self.marks[key] = len(self.drawn)
            await self.board.send(protocol.update_message(self.doc.get_update(before)))
            self.drawn.append(key)
            await asyncio.sleep(DRAW_EVERY)

    async def _watch_memory(self) -> None:
        while True:
            self.window.peak_mb = max(self.window.peak_mb, resident_mb(self.pid))
            await asyncio.sleep(TICK)

    async def say(self, text: str) -> None:
        await self.tutor.send(json.dumps({"type": "user.message", "client_id": secrets.token_hex(8), "text": text}))

    async def lost(self, said: str) -> str:
        """What the learner wrote and the server does not have ("" when nothing)."""
        reader = BoardClient(socket_url(self.base, "whiteboard", self.who))
        await reader.connect()
        await asyncio.wait_for(reader.synced.wait(), 60)
        drawn = set(self.drawn[:-1])  # the last one may still be on its way
        kept = set(reader.doc.get("bench", type=Map).keys())
        await reader.close()
        async with httpx.AsyncClient(base_url=self.base, timeout=60) as http:
            page = await http.get(f"/api/v1/sessions/{self.who.session_id}/messages/?limit=200",
                                  headers={"Authorization": f"Bearer {self.who.token}"})
        stored = said in page.text
        missing = [f"{len(drawn - kept)} drawings"] if drawn - kept else []
        return ", ".join(missing + ([] if stored else ["the tutor message"]))


class OwnLoop:
    """An event loop in a thread of its own, for the learner."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    async def run(self, work: Coroutine[Any, Any, T]) -> T:
        """`work`, run on this loop, awaited from another."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, self.loop))


# --- the attacks -------------------------------------------------------------------------------


@dataclass
class Target:
    base: str
    attacker: Account


def forged(user_id: int) -> str:
    now = datetime.now(timezone.utc)
    return jwt.encode({"token_type": "access", "user_id": str(user_id), "jti": "x", "iat": now,
                       "exp": now + timedelta(minutes=5)}, OLD_KEY, algorithm="HS256")


async def close_code(url: str, send: Callable | None = None, timeout: float = 30) -> str:
    try:
        async with websockets.connect(url, max_size=None) as socket:
            if send is not None:
                await send(socket)
            async for raw in socket:
                if isinstance(raw, str) and '"error"' in raw:
                    return f"error frame {json.loads(raw).get('code')}"
        return f"closed {socket.close_code}"
    except websockets.ConnectionClosed as exc:
        return f"closed {exc.rcvd.code if exc.rcvd else 'without a close frame'}"
    except (OSError, asyncio.TimeoutError) as exc:
        return f"connection failed: {type(exc).__name__}"


async def forged_token(t: Target) -> str:
    async with httpx.AsyncClient(base_url=t.base, timeout=60) as http:
        rest = (await http.get("/api/v1/auth/me/", headers={"Authorization": f"Bearer {forged(t.attacker.user_id)}"}))
    socket = await close_code(f"{t.base.replace('http://', 'ws://')}/ws/tutor/{t.attacker.session_id}/"
                              f"?token={forged(t.attacker.user_id)}")
    return f"REST {rest.status_code}, tutor socket {socket}"


async def room_answers_after(url: str, frames: list[bytes]) -> str:
    """Sends `frames`, then how long until the room answers a new client's sync."""
    started = time.perf_counter()
    try:
        async with websockets.connect(url, max_size=None) as socket:
            for frame in frames:
                await socket.send(frame)
        reader = BoardClient(url)
        await reader.connect()
        await asyncio.wait_for(reader.synced.wait(), 300)
        await reader.close()
    except websockets.ConnectionClosed as exc:
        return f"closed {exc.rcvd.code if exc.rcvd else '?'} after {time.perf_counter() - started:.1f} s"
    return f"room answered after {time.perf_counter() - started:.1f} s"


async def awareness_flood(t: Target) -> str:
    frames = [protocol.awareness_message([(1_000_000 + batch * 1000 + i, 1, '{"user":"x"}') for i in range(1000)])
              for batch in range(64)]
    return "64,000 presences: " + await room_answers_after(socket_url(t.base, "whiteboard", t.attacker), frames)


async def waiting_updates(t: Target) -> str:
    doc = Doc()
    items = doc.get("flood", type=Map)
    updates = []
    for i in range(3501):
        before = doc.get_state()
        items[str(i)] = i
        updates.append(protocol.update_message(doc.get_update(before)))
    return "3,500 waiting: " + await room_answers_after(socket_url(t.base, "whiteboard", t.attacker), updates[1:])


def upload_body(size: int) -> tuple[dict[str, str], AsyncIterator[bytes]]:
    head = (b'--b\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\n'
            b"Content-Type: text/plain\r\n\r\n")
    tail = b"\r\n--b--\r\n"

    async def body() -> AsyncIterator[bytes]:
        yield head
        for _ in range(size // MB):
            yield b"a" * MB
        yield tail
    return {"Content-Type": "multipart/form-data; boundary=b", "Content-Length": str(len(head) + size + len(tail))}, body()


def unauthenticated_upload(size_mb: int) -> Callable[[Target], Awaitable[str]]:
    async def attack(t: Target) -> str:
        headers, body = upload_body(size_mb * MB)
        started = time.perf_counter()
        async with httpx.AsyncClient(base_url=t.base, timeout=300) as http:
            response = await http.post(f"/api/v1/folders/{t.attacker.folder_id}/documents/", content=body,
                                       headers=headers)
        return f"{response.status_code} {response.json().get('code')} after {time.perf_counter() - started:.1f} s"
    return attack


async def crafted_pdf(t: Target) -> str:
    auth = {"Authorization": f"Bearer {t.attacker.token}"}
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=t.base, timeout=300, headers=auth) as http:
        path = f"/api/v1/folders/{t.attacker.folder_id}/documents/"
        costly = (await http.post(path, files=[("files", ("costly.pdf", costly_pdf(300_000, pages=10), "application/pdf"))])).json()[0]
        honest = (await http.post(path, files=[("files", ("notes.pdf", text_pdf(study_pages(2)), "application/pdf"))])).json()[0]
        outcome = {}
        while len(outcome) < 2 and time.perf_counter() - started < 180:
            for name, document in (("crafted", costly), ("next", honest)):
                state = (await http.get(f"/api/v1/documents/{document['id']}/")).json()
                if name not in outcome and state["status"] in ("failed", "ready"):
                    outcome[name] = f"{state['status']} {state['error_code']} at {time.perf_counter() - started:.0f} s".replace("  ", " ")
            await asyncio.sleep(0.5)
    return f"crafted: {outcome.get('crafted', 'still running')}; next document: {outcome.get('next', 'still waiting')}"


async def deep_json_frame(t: Target) -> str:
    frame = '{"type": "user.message", "client_id": "deep", "text": ' + "[" * 3000 + "]" * 3000 + "}"

    async def send(socket: websockets.ClientConnection) -> None:
        await socket.send(frame)
    return f"{len(frame) // 1024} KB frame: " + await close_code(socket_url(t.base, "tutor", t.attacker), send)


async def metrics_methods(t: Target) -> str:
    async with httpx.AsyncClient(base_url=t.base, timeout=60) as http:
        for _ in range(2000):
            method = "".join(random.choices(string.ascii_uppercase, k=8))
            await http.request(method, "/api/v1/folders/")
        text = (await http.get("/metrics")).text
    series = sum(1 for line in text.splitlines() if line.startswith("tutor_http_requests_total{"))
    return f"2,000 random methods: /metrics has {series} request series"


async def invalid_utf8_frame(t: Target) -> str:
    async def send(socket: websockets.ClientConnection) -> None:
        await socket.send(b'{"type": "ping", "x": "\xff\xfe"}', text=True)
    return await close_code(socket_url(t.base, "tutor", t.attacker), send)


async def frame_flood(t: Target) -> str:
    pongs = errors = 0
    try:
        async with websockets.connect(socket_url(t.base, "tutor", t.attacker), max_size=None) as socket:
            for n in range(2000):
                await socket.send(json.dumps({"type": "ping", "n": n}))
            deadline = time.perf_counter() + 10
            while time.perf_counter() < deadline and pongs + errors < 2000:
                try:
                    frame = json.loads(await asyncio.wait_for(socket.recv(), 2))
                except asyncio.TimeoutError:
                    break
                pongs += frame.get("type") == "pong"
                errors += frame.get("type") == "error"
    except websockets.ConnectionClosed as exc:
        return f"2,000 frames: {pongs} pongs, {errors} errors, closed {exc.rcvd.code if exc.rcvd else '?'}"
    return f"2,000 frames: {pongs} pongs, {errors} error frames, {2000 - pongs - errors} without a word"


ATTACKS: dict[str, Callable[[Target], Awaitable[str]]] = {
    "forged_token": forged_token,
    "awareness_flood": awareness_flood,
    "waiting_updates": waiting_updates,
    "upload_100mb_unauthenticated": unauthenticated_upload(100),
    "upload_200mb_unauthenticated": unauthenticated_upload(200),
    "crafted_pdf": crafted_pdf,
    "deep_json_frame": deep_json_frame,
    "metrics_methods": metrics_methods,
    "invalid_utf8_frame": invalid_utf8_frame,
    "frame_flood": frame_flood,
}


# --- the run -------------------------------------------------------------------------------------


def worst_ms(samples: list[float]) -> str:
    return f"{max(samples) * 1000:.0f}" if samples else "-"


async def run(base: str, daphne_pid: int, names: list[str]) -> list[tuple[str, ...]]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        learner_account = await account(http, "learner")
        attacker_account = await account(http, "attacker")
    learner, own = Learner(base, learner_account, daphne_pid), OwnLoop()
    await own.run(learner.start())
    await asyncio.sleep(2)  # warm: the sockets joined, the first drawings stored
    await own.run(learner.reset())
    rows = []
    for name in names:
        said = f"still here during {name}"
        await own.run(learner.say(said))
        try:
            got = await ATTACKS[name](Target(base, attacker_account))
        except Exception as exc:  # an attack that breaks is reported, not fatal to the run
            got = f"attack failed: {type(exc).__name__}: {exc}"[:120]
        await asyncio.sleep(1)  # what the attack left behind settles while the learner keeps measuring
        window = await own.run(learner.reset())
        lost = await own.run(learner.lost(said))
        rows.append((name, worst_ms(window.healthz), worst_ms(window.tutor_ping), worst_ms(window.board_ping),
                     f"{window.peak_mb - window.baseline_mb:.0f}", str(window.server_errors), got, lost or "nothing"))
        print(" | ".join(rows[-1]), flush=True)
    own.loop.call_soon_threadsafe(own.loop.stop)  # the learner's tasks end with the process
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--redis", action="store_true", help="PostgreSQL + Redis instead of the embedded default")
    parser.add_argument("--only", default="", help="comma-separated attack names: " + ", ".join(ATTACKS))
    args = parser.parse_args()
    names = [name for name in args.only.split(",") if name] or list(ATTACKS)
    data_dir = tempfile.mkdtemp(prefix="bench-abuse-")
    env = server_env(args.redis, data_dir)
    daphne, worker, base = start_server(env)
    try:
        rows = asyncio.run(run(base, daphne.pid, names))
    finally:
        stop(worker, grace=15)
        stop(daphne)
    header = ("attack", "healthz ms", "tutor ping ms", "board ping ms", "memory +MB", "learner 5xx",
              "what the attacker got", "learner data lost")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    config = "PostgreSQL + Redis" if args.redis else "embedded default (SQLite, filesystem broker)"
    print(f"\nabuse: one Daphne process and one worker, {config}; worst learner latency during each attack")
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)))
    print(f"server log: {data_dir}/server.log")


if __name__ == "__main__":
    main()
