"""CPU per write of a live whiteboard room's update log: through a Django database thread
(whiteboard_app.actions.append_update, as on SQLite) and on the event loop's own
PostgreSQL connection (append_update_on_loop, what rooms use on PostgreSQL), in the same
run. A room writes every WHITEBOARD_FLUSH_SECONDS (25 ms) while it is being drawn on, so
a server with R busy rooms makes 40 R of these writes a second.

CPU is this process's (time.process_time: the loop's and the threads'); the write is a
300-byte update, one room, nothing else running. Needs DATABASE_URL (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/socket_writes.py
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.database import setup_django  # noqa: E402


async def per_call(write: Callable[[], Awaitable[int]], calls: int) -> tuple[float, float]:
    """(CPU µs, wall µs) per call."""
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(calls):
        await write()
    return (time.process_time() - cpu) / calls * 1e6, (time.perf_counter() - wall) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per path; medians printed")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("socket_writes needs DATABASE_URL pointing at PostgreSQL")
    where = setup_django("bench_socket_writes")

    from asgiref.sync import sync_to_async

    from sessions_app import actions as sessions
    from whiteboard_app import actions

    learner = sessions.register_learner(username="bench", password="bench-password-long-1")
    board = actions.board_for_session(sessions.start_session(learner, sessions.create_folder(learner, name="F")))
    data = bytes(range(256)) + bytes(44)
    paths = {
        "database thread (append_update)": lambda: sync_to_async(actions.append_update)(board.pk, data, origin="b"),
        "loop connection (append_update_on_loop)": lambda: actions.append_update_on_loop(board.pk, data, origin="b"),
    }

    async def run() -> dict[str, list[tuple[float, float]]]:
        figures: dict[str, list[tuple[float, float]]] = {name: [] for name in paths}
        for _ in range(args.rounds):
            for name, write in paths.items():
                figures[name].append(await per_call(write, args.calls))
        return figures

    figures = asyncio.run(run())
    print(f"socket_writes: {args.rounds} x {args.calls} board log writes per path, {where}")
    for name, runs in figures.items():
        cpu = statistics.median(c for c, _ in runs)
        wall = statistics.median(w for _, w in runs)
        print(f"  {name:<42} CPU {cpu:6.0f} µs per write   wall {wall:6.0f} µs per write")


if __name__ == "__main__":
    main()
