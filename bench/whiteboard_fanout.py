"""Whiteboard fan-out benchmark: N y-websocket clients in one room, against this
server (Daphne) and against the Node server bundled with y-websocket 1.x, with the same
Python client, in the same run.

Two phases per server:
- latency: every client writes `--rate` updates/s for `--seconds`; every other client
  records the delay from write to arrival (p50 / p99, milliseconds);
- throughput: every client writes `--burst` updates paced at `--burst-rate`/s; the
  figure is updates/s until every client holds every update (convergence checked).

    .venv/bin/python bench/whiteboard_fanout.py                  # 20 clients, in-memory layer, 1 process
    .venv/bin/python bench/whiteboard_fanout.py --redis --servers 2   # Redis channel layer, 2 processes

The machine's other work makes single figures swing, so the servers take turns for
`--rounds` rounds (each round in fresh rooms, the order alternating) and the medians
and per-round ratios are printed. "server CPU" is the CPU time of the server side
(Daphne processes and Redis, or Node) per thousand deliveries.

Needs `npm ci --prefix bench/node` and Node.js. Clients run in `--workers` processes
so the client side is not the bottleneck. With --redis a private redis-server is
started on a free port. DATABASE_URL is used when set, else a temporary SQLite file.
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api_load import cpu_seconds, machine_speed  # noqa: E402
from tests.support.servers import free_port, wait_for_port  # noqa: E402

NODE_SERVER = ROOT / "bench" / "node" / "node_modules" / "y-websocket" / "bin" / "server.js"


@dataclass
class Target:
    name: str
    room_urls: list[list[str]]  # per round: clients are spread over these, round robin
    pids: list[int]  # the server processes, whose CPU time is reported


# --- clients (run in worker processes) -----------------------------------------------


def latency_recorder(me: int, latencies: list[float]):  # noqa: ANN201
    """A map observer recording how long others' latency-phase updates took to arrive.
    (One parameter only: pycrdt passes the transaction too to two-parameter callbacks.)"""

    def observe(event) -> None:  # noqa: ANN001
        now = time.time()
        for key, change in event.keys.items():
            value = change.get("newValue")
            phase, by, _ = key.split("-")
            if isinstance(value, dict) and int(by) != me and phase == "latency":
                latencies.append((now - float(value["metadata"]["turn_id"])) * 1000)

    return observe


async def run_clients(urls: list[str], first: int, count: int, total: int, args: dict, start_at: float) -> dict:
    from tests.support.whiteboard_client import BoardClient

    latencies: list[float] = []
    clients = []
    for i in range(first, first + count):
        client = BoardClient(urls[i % len(urls)])

        client.objects.observe(latency_recorder(i, latencies))
        await client.connect()
        clients.append((i, client))
    await asyncio.wait_for(asyncio.gather(*(c.synced.wait() for _, c in clients)), 30)
    await asyncio.sleep(max(0.0, start_at - time.time()))

    async def write(i: int, client, phase: str, n_updates: int, rate: float) -> None:  # noqa: ANN001
        interval = 1 / rate
        began = time.monotonic()
        for n in range(n_updates):
            # A learner's rectangle (the room removes objects that break the contract);
            # the write time rides in turn_id.
            client.objects[f"{phase}-{i}-{n}"] = {
                "id": f"{phase}-{i}-{n}", "kind": "rect", "x": 10 + n % 1500, "y": 10 + i % 900, "width": 20,
                "height": 20, "metadata": {"source": "user", "turn_id": repr(time.time())}}
            delay = began + (n + 1) * interval - time.monotonic()
            await asyncio.sleep(max(0.0, delay))

    latency_updates = int(args["rate"] * args["seconds"])
    await asyncio.gather(*(write(i, c, "latency", latency_updates, args["rate"]) for i, c in clients))
    await asyncio.sleep(1.0)  # let the last latency updates arrive
    expected_latency = total * latency_updates
    # Throughput phase starts together in every worker.
    phase_start = time.time() + 1.0
    await asyncio.sleep(phase_start - time.time())
    await asyncio.gather(*(write(i, c, "burst", args["burst"], args["burst_rate"]) for i, c in clients))
    expected = expected_latency + total * args["burst"]
    deadline = time.time() + args["timeout"]
    while time.time() < deadline and not all(len(c.objects) >= expected for _, c in clients):
        await asyncio.sleep(0.005)
    converged_at = time.time()
    converged = all(len(c.objects) == expected for _, c in clients)
    key_sets = {frozenset(c.objects.keys()) for _, c in clients}
    for _, client in clients:
        await client.close()
    return {"latencies": latencies, "phase_start": phase_start, "converged_at": converged_at,
            "converged": converged and len(key_sets) == 1, "expected": expected,
            "min_seen": min(len(k) for k in key_sets)}


def worker(urls, first, count, total, args, start_at, results) -> None:  # noqa: ANN001
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutor_project.settings")
    results.put(asyncio.run(run_clients(urls, first, count, total, args, start_at)))


def measure(urls: list[str], pids: list[int], args: argparse.Namespace) -> dict:
    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    workers = min(args.workers, args.clients)
    share = [args.clients // workers + (1 if w < args.clients % workers else 0) for w in range(workers)]
    start_at = time.time() + 3 + args.clients * 0.05
    options = {"rate": args.rate, "seconds": args.seconds, "burst": args.burst, "burst_rate": args.burst_rate,
               "timeout": args.timeout}
    processes, first = [], 0
    cpu_before = cpu_seconds(pids)
    for count in share:
        p = ctx.Process(target=worker, args=(urls, first, count, args.clients, options, start_at, results))
        p.start()
        processes.append(p)
        first += count
    outs = [results.get(timeout=args.timeout + args.seconds + 120) for _ in processes]
    for p in processes:
        p.join()
    server_cpu = cpu_seconds(pids) - cpu_before
    latencies = sorted(x for o in outs for x in o["latencies"])
    elapsed = max(o["converged_at"] for o in outs) - outs[0]["phase_start"]
    burst_total = args.clients * args.burst
    return {
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p99": latencies[int(len(latencies) * 0.99) - 1] if latencies else float("nan"),
        "samples": len(latencies),
        "expected_samples": args.clients * (args.clients - 1) * int(args.rate * args.seconds),
        "updates_per_s": burst_total / elapsed,
        "deliveries_per_s": burst_total * (args.clients - 1) / elapsed,
        "converged": all(o["converged"] for o in outs),
        "elapsed": elapsed,
        # Server CPU (ms) per thousand deliveries over both phases, connects included.
        "cpu_ms_per_k": 1e6 * server_cpu / (len(latencies) + burst_total * (args.clients - 1)),
    }


# --- servers --------------------------------------------------------------------------


def prepare_django(env: dict[str, str], sessions: int) -> tuple[list[int], str]:
    """Migrate the database and create a learner with ``sessions`` sessions (one room
    per round); returns (session ids, token)."""
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    code = (
        "import django; django.setup();"
        "from sessions_app import actions;"
        "from rest_framework_simplejwt.tokens import RefreshToken;"
        "u = actions.register_learner(username='bench-%d' % __import__('time').time_ns(), password='bench-pass-123456');"
        "f = actions.create_folder(u, name='bench');"
        f"print(*[actions.start_session(u, f).pk for _ in range({sessions})], RefreshToken.for_user(u).access_token)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    *session_ids, token = out.stdout.split()
    return [int(s) for s in session_ids], token


def start(cmd: list[str], env: dict[str, str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port, process)
    return process


def report(name: str, result: dict) -> None:
    print(f"  {name:52} p50 {result['p50']:6.1f} ms  p99 {result['p99']:6.1f} ms  "
          f"({result['samples']}/{result['expected_samples']})  "
          f"sustained {result['updates_per_s']:5.0f} upd/s = {result['deliveries_per_s']:6.0f} deliveries/s  "
          f"converged {result['converged']}  server CPU {result['cpu_ms_per_k']:4.1f} ms/1000 deliveries")


def ratios(mine: dict, node: dict) -> str:
    return (f"p50 x{mine['p50'] / node['p50']:.2f}, p99 x{mine['p99'] / node['p99']:.2f}, "
            f"throughput x{mine['updates_per_s'] / node['updates_per_s']:.2f}, "
            f"CPU x{mine['cpu_ms_per_k'] / node['cpu_ms_per_k']:.2f}")


def print_ratios(targets: list[Target], results: dict[str, dict]) -> None:
    """Each of this server's variants against Node (the last target)."""
    node = results[targets[-1].name]
    for target in targets[:-1]:
        print(f"  {target.name} to node: " + ratios(results[target.name], node))


def median_of(results: list[dict]) -> dict:
    keys = ("p50", "p99", "updates_per_s", "deliveries_per_s", "cpu_ms_per_k", "samples", "expected_samples")
    return {**{k: statistics.median(r[k] for r in results) for k in keys},
            "converged": all(r["converged"] for r in results)}


def compare(targets: list[Target], args: argparse.Namespace) -> bool:
    """Run the rounds (the order alternating) and print each result, the ratios of each
    round and of the medians; True when every run converged."""
    print(f"{args.clients} clients, latency phase {args.rate:g} upd/s each for {args.seconds:g}s, "
          f"burst {args.burst} upd each at {args.burst_rate:g}/s, {args.rounds} round(s)")
    print(machine_speed())
    results: dict[str, list[dict]] = {t.name: [] for t in targets}
    for round_no in range(args.rounds):
        print(f"round {round_no + 1}")
        for target in targets if round_no % 2 == 0 else targets[::-1]:
            results[target.name].append(measure(target.room_urls[round_no], target.pids, args))
            report(target.name, results[target.name][-1])
        print_ratios(targets, {t.name: results[t.name][-1] for t in targets})
    medians = {name: median_of(rs) for name, rs in results.items()}
    print(f"medians of {args.rounds} round(s); after the rounds, {machine_speed()}")
    for target in targets:
        report(target.name, medians[target.name])
    print_ratios(targets, medians)
    return all(r["converged"] for rs in results.values() for r in rs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rate", type=float, default=10.0, help="updates/s per client in the latency phase")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of the latency phase")
    parser.add_argument("--burst", type=int, default=100, help="updates per client in the throughput phase")
    parser.add_argument("--burst-rate", type=float, default=100.0, help="updates/s per client when bursting")
    parser.add_argument("--rounds", type=int, default=3, help="turns each server takes, in fresh rooms")
    parser.add_argument("--servers", type=int, default=1, help="Daphne processes (more than 1 needs --redis)")
    parser.add_argument("--redis", action="store_true", help="use a Redis channel layer (private redis-server)")
    parser.add_argument("--workers", type=int, default=4, help="client processes")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds to wait for convergence")
    parser.add_argument("--app", default="tutor_project.asgi:application")
    args = parser.parse_args()
    if args.servers > 1 and not args.redis:
        parser.error("--servers > 1 needs --redis: processes only meet through Redis")
    if not NODE_SERVER.exists():
        parser.error("run: npm ci --prefix bench/node")

    processes: list[subprocess.Popen] = []
    servers: list[int] = []  # pids of this server's side
    data_dir = tempfile.mkdtemp(prefix="wb-bench-")
    env = {"DJANGO_SECRET_KEY": secrets.token_urlsafe(64), **os.environ, "TUTOR_DATA_DIR": data_dir, "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "WARNING",
           "DJANGO_SETTINGS_MODULE": "tutor_project.settings"}
    try:
        if args.redis:
            redis_port = free_port()
            processes.append(start(["redis-server", "--port", str(redis_port), "--save", "", "--appendonly", "no"],
                                   env, redis_port))
            servers.append(processes[-1].pid)  # Redis works for our side only
            env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        session_ids, token = prepare_django(env, args.rounds)
        ports = []
        for _ in range(args.servers):
            ports.append(free_port())
            processes.append(start([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(ports[-1]), args.app],
                                   env, ports[-1]))
            servers.append(processes[-1].pid)
        layer = f"Redis channel layer, {args.servers} process(es)" if args.redis else "in-memory layer, 1 process"
        urls = [[f"ws://127.0.0.1:{port}/ws/whiteboard/{sid}/?token={token}" for port in ports] for sid in session_ids]
        ours = [Target(f"this server ({layer})", urls, servers)]
        node_port = free_port()
        processes.append(start(["node", str(NODE_SERVER)], {**env, "HOST": "127.0.0.1", "PORT": str(node_port)},
                               node_port))
        node = [[f"ws://127.0.0.1:{node_port}/bench-room-{n}"] for n in range(args.rounds)]
        targets = [*ours, Target("node y-websocket 1.5.4", node, [processes[-1].pid])]
        return 0 if compare(targets, args) else 1
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
