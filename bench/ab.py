"""A/B: one bench script run against a base commit and against this tree, alternating.

    .venv/bin/python bench/ab.py --base 59480dc [--rounds 2] tutor_overhead.py --turns 500

This machine's speed drifts by the hour, so a figure means something only beside the
baseline's, measured in the same run. The base commit is checked out once as a git worktree
(beside the repository's own, under a temporary folder) sharing this tree's virtualenv; each
run gets a fresh PostgreSQL database of its own (the two trees' schemas may differ). After
each run the driver reads PostgreSQL's own counters for that database and prints the rows
inserted and updated per stored tutor reply (`turn.completed` events), table by table.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
SERVER = "postgres://postgres@127.0.0.1:5432"


def base_tree(commit: str) -> Path:
    sha = subprocess.run(["git", "rev-parse", commit], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    tree = Path(tempfile.gettempdir()) / f"ab-base-{sha[:12]}"
    if not tree.exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), sha], cwd=ROOT, check=True,
                       capture_output=True)
        (tree / ".venv").symlink_to(ROOT / ".venv")
        node_modules = ROOT / "bench" / "node" / "node_modules"
        if node_modules.exists():
            (tree / "bench" / "node" / "node_modules").symlink_to(node_modules)
    return tree


def fresh_database(name: str) -> str:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{SERVER}/{name}"


def rows_written(url: str) -> tuple[dict[str, tuple[int, int]], int]:
    """({table: (inserted, updated)}, stored tutor replies) for the database at `url`."""
    time.sleep(1.5)  # the statistics of the servers' last transactions reach the shared counters
    with psycopg.connect(url) as conn:
        conn.execute("SELECT pg_stat_force_next_flush()")
        tables = {name: (ins, upd) for name, ins, upd in conn.execute(
            "SELECT relname, n_tup_ins, n_tup_upd FROM pg_stat_user_tables WHERE n_tup_ins + n_tup_upd > 0")}
        if conn.execute("SELECT to_regclass('sessions_app_sessionevent')").fetchone()[0] is None:
            return tables, 0  # the bench kept a database of its own (ingest_pipeline's bench_ingest)
        replies = conn.execute(
            "SELECT count(*) FROM sessions_app_sessionevent WHERE type = 'turn.completed'").fetchone()[0]
    return tables, replies


def run(label: str, tree: Path, script: list[str]) -> None:
    url = fresh_database(f"bench_ab_{label}")
    env = {**os.environ, "DATABASE_URL": url}
    started = time.monotonic()
    result = subprocess.run([sys.executable, f"bench/{script[0]}", *script[1:]], cwd=tree, env=env,
                            capture_output=True, text=True)
    print(f"===== {label} ({tree}) exit {result.returncode}, {time.monotonic() - started:.0f} s")
    print(result.stdout.rstrip())
    if result.returncode:
        print(result.stderr[-3000:].rstrip())
    tables, replies = rows_written(url)
    if replies:
        hot = {t: v for t, v in tables.items() if t.startswith(("sessions_app_tutor", "sessions_app_message",
                                                                 "sessions_app_session", "agents_app_agentrun"))}
        print(f"rows written per stored tutor reply ({replies} replies):")
        for table, (inserted, updated) in sorted(hot.items()):
            print(f"  {table:<34} inserted {inserted / replies:6.2f}   updated {updated / replies:6.2f}")
        total = sum(i + u for i, u in hot.values())
        print(f"  {'all of the above':<34} {total / replies:6.2f} rows")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="the commit to compare against")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("script", nargs=argparse.REMAINDER, help="a script in bench/ and its arguments")
    args = parser.parse_args()
    base = base_tree(args.base)
    for round_ in range(args.rounds):
        order = [("base", base), ("head", ROOT)]
        for label, tree in order if round_ % 2 == 0 else order[::-1]:
            run(label, tree, args.script)


if __name__ == "__main__":
    main()
