"""Tutor socket overhead: `user.message` → first `text.delta` and → `turn.completed`,
p50 / p99 over sequential turns on one connection, against a scripted model that answers
at once.

"At once" still takes the scripted model (a Python process) a few milliseconds of request
parsing and local HTTP. That time is measured before the run, by a bare HTTP client
sending the same question one request at a time (bench/tutor_common.model_latency), and
printed; the server's overhead is each latency minus the model's own time to its first
token (for the first delta) or to the end of its reply (for turn.completed). The raw
latencies are printed too.

    .venv/bin/python bench/tutor_overhead.py                 # 500 measured turns
    .venv/bin/python bench/tutor_overhead.py --turns 200

Goal: overhead p50 ≤ 10 ms, p99 ≤ 50 ms.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

import websockets

from tutor_common import cpu_seconds, machine_speed, make_sessions, model_latency, prepare, scripted_llm, summary, tutor_servers, ws_url

WARMUP = 20
QUESTION = "How do leaves use light?"


async def measure(url: str, turns: int) -> tuple[list[float], list[float], list[dict]]:
    first_delta, completed, errors = [], [], []
    async with websockets.connect(url, max_size=None) as ws:
        await ws.send(json.dumps({"type": "hello", "resume_from": 0}))
        for n in range(WARMUP + turns):
            started = time.perf_counter()
            await ws.send(json.dumps({"type": "user.message", "client_id": f"b{n}", "text": QUESTION}))
            got_first = None
            while True:
                event = json.loads(await asyncio.wait_for(ws.recv(), 30))
                if event["type"] == "text.delta" and got_first is None:
                    got_first = time.perf_counter()
                elif event["type"] == "error":
                    errors.append(event)
                elif event["type"] == "turn.completed":
                    done = time.perf_counter()
                    if event["status"] != "complete":
                        errors.append(event)
                    break
            if n >= WARMUP and got_first is not None:
                first_delta.append((got_first - started) * 1000)
                completed.append((done - started) * 1000)
    return first_delta, completed, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=500)
    parser.add_argument("--chat-only", action="store_true",
                        help="sessions without the whiteboard: no drawing tools in the model requests")
    args = parser.parse_args()
    env = prepare()
    speed = machine_speed()  # before the servers start, on a quiet machine
    [(session_id, token)] = make_sessions(1, chat_only=args.chat_only)
    with scripted_llm(tokens_per_second=100_000) as llm_url, tutor_servers(env, llm_url) as (urls, pids):
        own_first, own_whole = asyncio.run(model_latency(llm_url, QUESTION))
        cpu_before = cpu_seconds(pids)
        first_delta, completed, errors = asyncio.run(measure(ws_url(urls[0], session_id, token), args.turns))
        server_cpu = cpu_seconds(pids) - cpu_before
    print(f"tutor_overhead: {args.turns} turns (+{WARMUP} warm-up) on one connection, instant scripted model, "
          f"{'chat only' if args.chat_only else 'chat and whiteboard'}, database {env['DATABASE_URL'].split('@')[-1]}")
    print(speed)
    print(f"the model's own time (bare HTTP client, median of 50): first token {own_first * 1000:.1f} ms, "
          f"whole reply {own_whole * 1000:.1f} ms")
    print("server overhead (latency minus the model's own time):")
    print(summary("  user.message -> first text.delta", [v - own_first * 1000 for v in first_delta]))
    print(summary("  user.message -> turn.completed ", [v - own_whole * 1000 for v in completed]))
    print("raw latency:")
    print(summary("  user.message -> first text.delta", first_delta))
    print(summary("  user.message -> turn.completed ", completed))
    print(f"errors: {len(errors)}  server CPU {1000 * server_cpu / (WARMUP + args.turns):.1f} ms per turn "
          f"(Daphne's user + system time over the run, warm-up turns included)")
    for error in errors[:3]:
        print("  error:", json.dumps(error)[:300])
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
