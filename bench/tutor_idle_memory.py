"""Memory per idle tutor socket: resident memory of one Daphne process before and after
opening N connections (default 1,000) that each completed their greeting and then idle.

    .venv/bin/python bench/tutor_idle_memory.py
    .venv/bin/python bench/tutor_idle_memory.py --connections 500

Needs a file-descriptor limit above N on both sides; the script raises its own soft
limit (inherited by the server) up to the hard limit.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time

import websockets

from tutor_common import make_sessions, prepare, tutor_servers, ws_url


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


async def hold(url: str, sessions: list[tuple[int, str]], pid: int, idle_seconds: float) -> tuple[int, int, int]:
    before = rss_kib(pid)
    sockets = []
    for session_id, token in sessions:
        ws = await websockets.connect(ws_url(url, session_id, token), open_timeout=30, max_size=None)
        await ws.send(json.dumps({"type": "hello", "resume_from": 0}))
        await ws.send(json.dumps({"type": "ping"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 30))["type"] == "pong"
        sockets.append(ws)
    await asyncio.sleep(idle_seconds)
    after = rss_kib(pid)
    for ws in sockets:
        await ws.close()
    return before, after, len(sockets)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--idle-seconds", type=float, default=5.0)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = args.connections * 2 + 256
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))
    env = prepare()
    sessions = make_sessions(args.connections)
    with tutor_servers(env, None) as (urls, pids):
        time.sleep(1.0)  # let start-up allocations settle
        before, after, opened = asyncio.run(hold(urls[0], sessions, pids[0], args.idle_seconds))
    per = (after - before) / opened
    print(f"tutor_idle_memory: {opened} idle connections (each greeted, one ping), one Daphne process, "
          f"database {env['DATABASE_URL'].split('@')[-1]}")
    print(f"RSS before {before / 1024:.1f} MiB, after {after / 1024:.1f} MiB: {per:.1f} KiB per idle connection")
    sys.exit(0 if opened == args.connections else 1)


if __name__ == "__main__":
    main()
