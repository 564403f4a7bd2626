"""API load benchmark: concurrent learners against a real Daphne + PostgreSQL.

Each client registers, then repeats create-folder / create-session / read-session /
list-messages. Prints p50/p99 latency per request, requests per second and errors.

    .venv/bin/python bench/api_load.py                     # 100 clients, 5 rounds
    .venv/bin/python bench/api_load.py --clients 200 --rounds 10 --servers 2

DATABASE_URL defaults to a `bench_api` database on the local PostgreSQL (created and
migrated if missing); REDIS_URL is passed through when set.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.servers import free_port, wait_for_port  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/bench_api"


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def start_servers(count: int, env: dict[str, str]) -> tuple[list[subprocess.Popen], list[str]]:
    """Daphne processes; with BENCH_SERVER_LOG_DIR set, each one's output goes to a file there."""
    processes, urls = [], []
    log_dir = os.environ.get("BENCH_SERVER_LOG_DIR")
    for _ in range(count):
        port = free_port()
        log = open(Path(log_dir) / f"daphne-{port}.log", "w") if log_dir else subprocess.DEVNULL  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "tutor_project.asgi:application"],
            cwd=ROOT, env=env, stdout=log, stderr=log,
        )
        wait_for_port(port, process)
        processes.append(process)
        urls.append(f"http://127.0.0.1:{port}")
    return processes, urls


def stop_servers(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


class Recorder:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors: list[str] = []

    async def call(self, client: httpx.AsyncClient, method: str, url: str, expected: int, **kwargs) -> dict:
        started = time.perf_counter()
        try:
            response = await client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.errors.append(f"{method} {url}: {type(exc).__name__}")
            return {}
        self.latencies.append(time.perf_counter() - started)
        if response.status_code != expected:
            self.errors.append(f"{method} {url}: {response.status_code}")
            return {}
        return response.json()


async def sign_in(client: httpx.AsyncClient, username: str) -> None:
    password = "bench-password-long-1"
    await client.post("/api/v1/auth/register/", json={"username": username, "password": password})
    tokens = (await client.post("/api/v1/auth/token/", json={"username": username, "password": password})).json()
    client.headers["Authorization"] = f"Bearer {tokens['access']}"


async def learner_rounds(client: httpx.AsyncClient, rounds: int, recorder: Recorder) -> None:
    for round_no in range(rounds):
        folder = await recorder.call(client, "POST", "/api/v1/folders/", 201, json={"name": f"F{round_no}"})
        if not folder:
            continue
        session = await recorder.call(client, "POST", "/api/v1/sessions/", 201, json={"folder_id": folder["id"]})
        if not session:
            continue
        await recorder.call(client, "GET", f"/api/v1/sessions/{session['id']}/", 200)
        await recorder.call(client, "GET", f"/api/v1/sessions/{session['id']}/messages/", 200)


async def run(urls: list[str], clients: int, rounds: int) -> tuple[Recorder, float]:
    run_id = str(int(time.time()))
    pool = [httpx.AsyncClient(base_url=urls[i % len(urls)], timeout=60) for i in range(clients)]
    try:
        # Registration (deliberately slow password hashing) is set-up, not measured.
        await asyncio.gather(*(sign_in(client, f"bench{run_id}u{i}") for i, client in enumerate(pool)))
        recorder = Recorder()
        started = time.perf_counter()
        await asyncio.gather(*(learner_rounds(client, rounds, recorder) for client in pool))
        return recorder, time.perf_counter() - started
    finally:
        await asyncio.gather(*(client.aclose() for client in pool))


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def machine_busy_seconds() -> float:
    """CPU time the whole machine has spent busy so far, all cores together (Linux /proc/stat):
    everything but idle and I/O wait, so the database, the model and the clients count too."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")  # user .. steal; guest time is inside user


def machine_speed() -> str:
    """How fast this machine runs plain Python right now, as a line to print beside a
    bench's figures: the same code's figures move with it (this machine's speed has
    changed more than fourfold from one hour to the next), so only figures taken at a
    similar speed compare. Best of 5 runs of a fixed 1,000,000-step loop."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        total = 0
        for step in range(1_000_000):
            total += step
        best = min(best, time.perf_counter() - started)
    return f"machine speed: a fixed 1M-step Python loop took {best * 1000:.0f} ms (best of 5; lower is faster)"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--servers", type=int, default=1, help="Daphne processes; clients are spread over them")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", DEFAULT_DB)
    if database_url.startswith("postgres"):
        ensure_database(database_url)
    env = {"DJANGO_SECRET_KEY": secrets.token_urlsafe(64), **os.environ, "DATABASE_URL": database_url}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    processes, urls = start_servers(args.servers, env)
    try:
        recorder, elapsed = asyncio.run(run(urls, args.clients, args.rounds))
    finally:
        stop_servers(processes)

    ms = [value * 1000 for value in recorder.latencies]
    print(f"api_load: {args.clients} clients x {args.rounds} rounds x 4 requests, "
          f"{args.servers} Daphne process(es), database {database_url.split('@')[-1]}")
    print(f"requests: {len(ms)}  errors: {len(recorder.errors)}  wall: {elapsed:.2f} s")
    if ms:
        print(f"latency ms: p50 {percentile(ms, 0.5):.1f}  p99 {percentile(ms, 0.99):.1f}  "
              f"mean {statistics.fmean(ms):.1f}  max {max(ms):.1f}")
        print(f"throughput: {len(ms) / elapsed:.0f} requests/s")
    for error in recorder.errors[:10]:
        print("  error:", error)
    sys.exit(1 if recorder.errors else 0)


if __name__ == "__main__":
    main()
