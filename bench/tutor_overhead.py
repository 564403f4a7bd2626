"""Tutor socket overhead: `user.message` → first `text.delta` and → `turn.completed`,
p50 / p99 over sequential turns on one connection, against a scripted model that answers
at once (the model's own time is a few milliseconds of local HTTP).

    .venv/bin/python bench/tutor_overhead.py                 # 500 measured turns
    .venv/bin/python bench/tutor_overhead.py --turns 200

Goal: p50 ≤ 10 ms, p99 ≤ 50 ms.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

import websockets

from tutor_common import make_sessions, prepare, scripted_llm, summary, tutor_servers, ws_url

WARMUP = 20


async def measure(url: str, turns: int) -> tuple[list[float], list[float], int]:
    first_delta, completed, errors = [], [], 0
    async with websockets.connect(url, max_size=None) as ws:
        await ws.send(json.dumps({"type": "hello", "resume_from": 0}))
        for n in range(WARMUP + turns):
            started = time.perf_counter()
            await ws.send(json.dumps({"type": "user.message", "client_id": f"b{n}", "text": "How do leaves use light?"}))
            got_first = None
            while True:
                event = json.loads(await asyncio.wait_for(ws.recv(), 30))
                if event["type"] == "text.delta" and got_first is None:
                    got_first = time.perf_counter()
                elif event["type"] == "error":
                    errors += 1
                elif event["type"] == "turn.completed":
                    done = time.perf_counter()
                    errors += event["status"] != "complete"
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
    [(session_id, token)] = make_sessions(1, chat_only=args.chat_only)
    with scripted_llm(tokens_per_second=100_000) as llm_url, tutor_servers(env, llm_url) as (urls, _):
        first_delta, completed, errors = asyncio.run(measure(ws_url(urls[0], session_id, token), args.turns))
    print(f"tutor_overhead: {args.turns} turns (+{WARMUP} warm-up) on one connection, instant scripted model, "
          f"{'chat only' if args.chat_only else 'chat and whiteboard'}, database {env['DATABASE_URL'].split('@')[-1]}")
    print(summary("user.message -> first text.delta", first_delta))
    print(summary("user.message -> turn.completed ", completed))
    print(f"errors: {errors}")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
