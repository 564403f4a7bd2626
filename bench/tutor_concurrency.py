"""Tutor socket under load: N concurrent sessions taking turns against a scripted model
that streams its replies at a fixed token rate (default 200 sessions, 50 tokens/s).

Every session opens its socket first (spread over CONNECT_SPREAD seconds; the time to
open, say hello and get a pong is printed), then the sessions take their turns, starting
at random moments over the first second plus one think time; a learner waits a think
time (random, around --think) between a reply and the next message.

Figures, each turn's message marked `[turn NAME]` so the scripted model logs its own
times for it (when it read the request, when it wrote the first token; the machine's
monotonic clock, shared by every process):
- first-delta latency beyond the model's own: (user.message → first text.delta) minus
  the model's own time for that request (request read → first token written). Under
  load the scripted model (one Python process) queues too; that time is the model's,
  as a real model's varies, and is printed on its own line;
- delivery lag of deltas: arrival of each delta minus when the model wrote the last token
  it contains (its first token's time + one token interval per later token); it
  includes the deliberate coalescing window (40 ms);
- errors: error frames, failed turns, timeouts and dropped connections;
- the Daphne processes' CPU time over the turns, per turn, and how busy the whole machine
  was: where it is saturated, the figures measure the machine's capacity, not a tail.

    .venv/bin/python bench/tutor_concurrency.py                        # 200 sessions, 3 turns each
    .venv/bin/python bench/tutor_concurrency.py --think 5 --servers 2

Goal: p99 first-delta latency beyond the model's ≤ 100 ms, zero errors.
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import websockets

from tutor_common import cpu_seconds, machine_busy_seconds, machine_speed, make_sessions, prepare, scripted_llm, summary, tutor_servers, ws_url

QUESTION = "How does light reach the chloroplast?"
CONNECT_SPREAD = 2.0  # seconds over which the sessions open their sockets


@dataclass
class Turn:
    sent: float  # time.monotonic() when the message went out
    deltas: list[tuple[float, int]] = field(default_factory=list)  # (arrival, words received so far)


@dataclass
class Figures:
    connect: list[float] = field(default_factory=list)
    turns: dict[str, Turn] = field(default_factory=dict)  # by marker
    errors: list[str] = field(default_factory=list)
    completed: int = 0


async def join(url: str, figures: Figures) -> websockets.ClientConnection | None:
    """Open a session's socket and greet it (hello, then a ping answered): ready for turns."""
    await asyncio.sleep(random.uniform(0, CONNECT_SPREAD))  # arrivals spread out, not all in one millisecond
    started = time.perf_counter()
    try:
        ws = await websockets.connect(url, max_size=None, open_timeout=30)
        await ws.send(json.dumps({"type": "hello", "resume_from": 0}))
        await ws.send(json.dumps({"type": "ping"}))
        while json.loads(await asyncio.wait_for(ws.recv(), 30))["type"] != "pong":
            pass
    except (OSError, websockets.WebSocketException, asyncio.TimeoutError) as exc:
        figures.errors.append(f"connection: {type(exc).__name__}: {exc}")
        return None
    figures.connect.append((time.perf_counter() - started) * 1000)
    return ws


async def learner(ws: websockets.ClientConnection, name: str, turns: int, think: float, figures: Figures) -> None:
    await asyncio.sleep(random.uniform(0, 1.0 + think))  # sessions start their first turns at different times
    try:
        for n in range(turns):
            if n:
                await asyncio.sleep(random.uniform(0.5, 1.5) * think)  # reading the reply, typing the next
            await one_turn(ws, f"{name}-{n}", figures)
    except (OSError, websockets.WebSocketException, asyncio.TimeoutError) as exc:
        figures.errors.append(f"connection: {type(exc).__name__}: {exc}")
    finally:
        await ws.close()


async def one_turn(ws: websockets.ClientConnection, marker: str, figures: Figures) -> None:
    turn = figures.turns[marker] = Turn(sent=time.monotonic())
    await ws.send(json.dumps({"type": "user.message", "client_id": marker, "text": f"{QUESTION} [turn {marker}]"}))
    words = 0
    while True:
        event = json.loads(await asyncio.wait_for(ws.recv(), 60))
        if event["type"] == "text.delta":
            words += len(re.findall(r"\S+", event["text"]))
            turn.deltas.append((time.monotonic(), words))
        elif event["type"] == "error":
            figures.errors.append(f"error frame: {event['code']}")
        elif event["type"] == "turn.completed":
            figures.completed += 1
            if event["status"] != "complete":
                figures.errors.append(f"turn {event['status']}")
            return


def model_times(log: Path) -> dict[str, tuple[float, float]]:
    """marker -> (request read, first token written), as the scripted model logged them."""
    times = {}
    for line in log.read_text().splitlines():
        marker, received, first = line.split()
        times[marker] = (float(received), float(first))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--turns", type=int, default=3, help="turns per session, one after the other")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds a learner takes between a reply and the next message (default 0: at once)")
    parser.add_argument("--tokens-per-second", type=float, default=50.0)
    parser.add_argument("--servers", type=int, default=1, help="Daphne processes; sessions are spread over them")
    parser.add_argument("--chat-only", action="store_true",
                        help="sessions without the whiteboard: no drawing tools in the model requests")
    args = parser.parse_args()
    env = prepare()
    speed = machine_speed()  # before the servers start, on a quiet machine
    sessions = make_sessions(args.sessions, learners=args.sessions, chat_only=args.chat_only)
    # The client process holds Django and the whole app too: without this, its full garbage
    # collections (100-200 ms) would stall reading the sockets and show as server latency.
    gc.freeze()
    interval = 1.0 / args.tokens_per_second
    figures = Figures()
    with tempfile.TemporaryDirectory(prefix="tutor-bench-") as scratch:
        timing_log = Path(scratch) / "model-times.log"
        with scripted_llm(args.tokens_per_second, timing_log) as llm_url, \
                tutor_servers(env, llm_url, args.servers) as (urls, pids):

            async def run_all() -> tuple[float, float, float]:
                """Every session connects first, then they all take their turns: turn latencies
                are measured among open sessions, not against the cost of opening them."""
                sockets = await asyncio.gather(*(join(ws_url(urls[i % len(urls)], sid, token), figures)
                                                 for i, (sid, token) in enumerate(sessions)))
                cpu_before, busy_before = cpu_seconds(pids), machine_busy_seconds()
                started = time.perf_counter()
                await asyncio.gather(*(learner(ws, f"s{i}", args.turns, args.think, figures)
                                       for i, ws in enumerate(sockets) if ws is not None))
                return (time.perf_counter() - started, cpu_seconds(pids) - cpu_before,
                        machine_busy_seconds() - busy_before)

            elapsed, server_cpu, machine_busy = asyncio.run(run_all())
        model = model_times(timing_log)
    own, beyond, lag = [], [], []
    for marker, turn in figures.turns.items():
        if marker not in model or not turn.deltas:
            figures.errors.append(f"turn {marker}: no first token logged by the model or no delta received")
            continue
        received, first_token = model[marker]
        own.append((first_token - received) * 1000)
        beyond.append((turn.deltas[0][0] - turn.sent - (first_token - received)) * 1000)
        lag.extend((arrival - first_token - (words - 1) * interval) * 1000 for arrival, words in turn.deltas)
    print(f"tutor_concurrency: {args.sessions} sessions x {args.turns} turns, think {args.think:g} s, "
          f"model at {args.tokens_per_second:g} tokens/s, {args.servers} Daphne process(es), "
          f"{'chat only' if args.chat_only else 'chat and whiteboard'}, "
          f"database {env['DATABASE_URL'].split('@')[-1]}, wall {elapsed:.1f} s")
    print(speed)
    print(summary("connect (open, hello, ping answered)    ", figures.connect))
    print(summary("the model's own time to its first token ", own))
    print(summary("first text.delta beyond the model's own", beyond))
    print(summary("delivery lag of deltas                 ", lag))
    print(f"turns completed: {figures.completed}  errors: {len(figures.errors)}  server CPU over the turns "
          f"{server_cpu:.1f} s ({1000 * server_cpu / max(figures.completed, 1):.1f} ms per turn, "
          f"{server_cpu / elapsed:.2f} cores)")
    print(f"machine: {machine_busy / elapsed:.2f} of {os.cpu_count()} cores busy over the turns "
          f"(Daphne {server_cpu / elapsed:.2f}; the rest is PostgreSQL, the scripted model and this client)")
    for error in sorted(set(figures.errors))[:10]:
        print("  error:", error)
    sys.exit(1 if figures.errors else 0)


if __name__ == "__main__":
    main()
