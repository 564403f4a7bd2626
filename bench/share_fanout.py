"""Shared-session fan-out (issue 16, SPEC 11): one session, its owner and 30 members, over two
Daphne processes on the Redis channel layer (PostgreSQL as the database).

Every participant opens the tutor socket and the board socket, alternating between the two
processes. The owner and the editors ask the tutor (the scripted model server streams the
replies at `--tokens-per-second`) while they draw strokes on the board. Printed, per event
type, the delivery lag p50 / p99 over every member's socket:
- stored tutor events (turn.completed, and every other stored type together): arrival minus
  the event's `created_at` in the log (same machine clock), so it includes the commit and the
  hop between processes;
- text.delta (not stored, no server time): arrival minus the first arrival of that piece on
  any socket of the session, i.e. how much later than the fastest socket each one gets it;
- board update: arrival of a stroke at every other participant minus the time its writer
  sent it.
Then, per member, the stored events missing or received twice (against the log), whether
every turn's streamed text is whole, and strokes missing or applied twice. All must be zero.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/share_api REDIS_URL=redis://127.0.0.1:6379/5 \\
        nice -n 10 .venv/bin/python bench/share_fanout.py
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tutor_common import make_sessions, prepare, scripted_llm, summary, tutor_servers, ws_url  # noqa: E402

import websockets  # noqa: E402

QUESTION = "Explain how light reactions and the Calvin cycle work together"


@dataclass
class Member:
    name: str
    role: str
    token: str
    url: str  # the process this member's sockets go to
    frames: list[tuple[float, dict]] = field(default_factory=list)  # (arrival time.time(), frame)
    strokes: Counter = field(default_factory=Counter)  # stroke id -> times applied
    stroke_arrivals: dict[str, float] = field(default_factory=dict)
    tutor: websockets.ClientConnection | None = None
    board: object | None = None
    observer: object | None = None  # kept: pycrdt ends a subscription whose object is collected


def people(session_id: int, count: int, editors: int) -> list[tuple[str, str, str]]:
    """(name, role, token) of `count` members joined through invites (the real actions)."""
    from django.contrib.auth import get_user_model
    from rest_framework_simplejwt.tokens import RefreshToken

    from sessions_app import actions
    from sessions_app.models import TutorSession

    session = TutorSession.objects.get(pk=session_id)
    invites = {role: actions.create_invite(session, role=role, expires_in=timedelta(hours=1))
               for role in ("editor", "viewer")}
    stamp = int(time.time() * 1000)
    joined = []
    for n in range(count):
        role = "editor" if n < editors else "viewer"
        user = get_user_model().objects.create(username=f"share{stamp}-{n}")
        actions.accept_invite(invites[role], user)
        joined.append((user.username, role, str(RefreshToken.for_user(user).access_token)))
    return joined


async def listen(member: Member) -> None:
    async for data in member.tutor:
        member.frames.append((time.time(), json.loads(data)))


def stroke_observer(member: Member):  # noqa: ANN201
    """Records when each bench stroke reaches this member's document, and how often."""

    def observe(event) -> None:  # noqa: ANN001 (pycrdt's MapEvent; one parameter, see whiteboard_fanout)
        now = time.time()
        for key, change in event.keys.items():
            if key.startswith("stroke-") and isinstance(change.get("newValue"), dict):
                member.strokes[key] += 1
                member.stroke_arrivals.setdefault(key, now)

    return observe


async def connect(member: Member, session_id: int) -> None:
    from tests.support.whiteboard_client import BoardClient

    member.tutor = await websockets.connect(ws_url(member.url, session_id, member.token), max_size=None)
    await member.tutor.send(json.dumps({"type": "hello", "resume_from": 0}))
    board_url = member.url.replace("http://", "ws://") + f"/ws/whiteboard/{session_id}/?token={member.token}"
    member.board = BoardClient(board_url)
    member.observer = member.board.objects.observe(stroke_observer(member))
    await member.board.connect()
    await asyncio.wait_for(member.board.synced.wait(), 30)


async def ask(member: Member, marker: str) -> None:
    """One turn asked by `member`; returns once its socket has the turn.completed."""
    seen = len(member.frames)
    await member.tutor.send(json.dumps({"type": "user.message", "client_id": marker,
                                        "text": f"{QUESTION} [turn {marker}]"}))
    while True:
        for _, frame in member.frames[seen:]:
            if frame["type"] == "turn.completed":
                return
            if frame["type"] == "error" and frame.get("in_reply_to") == marker:
                if frame["code"] == "turn_in_progress":  # another writer's turn runs: ask again after it
                    await asyncio.sleep(0.2)
                    return await ask(member, marker)
                raise RuntimeError(f"turn {marker} refused: {frame}")
        seen = len(member.frames)
        await asyncio.sleep(0.01)


async def draw(writers: list[Member], strokes: int, rate: float) -> dict[str, tuple[float, str]]:
    """`strokes` strokes from the writers in turn, `rate` a second; id -> (send time, writer)."""
    from tests.whiteboard.helpers import spec

    sent = {}
    for n in range(strokes):
        writer = writers[n % len(writers)]
        key = f"stroke-{n}"
        sent[key] = (await writer.board.write_now(key, spec(key, n, points=8)), writer.name)
        await asyncio.sleep(1 / rate)
    return sent


async def run(urls: list[str], session_id: int, owner_token: str, args: argparse.Namespace
              ) -> tuple[list[Member], dict]:
    joined = await asyncio.to_thread(people, session_id, args.members, args.editors)
    everyone = [Member("owner", "owner", owner_token, urls[0])] + [
        Member(name, role, token, urls[(n + 1) % len(urls)]) for n, (name, role, token) in enumerate(joined)]
    for member in everyone:
        await connect(member, session_id)
    listeners = [asyncio.create_task(listen(m)) for m in everyone]
    await asyncio.sleep(1.0)  # every socket greeted (session.state) before the first turn
    writers = [m for m in everyone if m.role in ("owner", "editor")]
    drawing = asyncio.create_task(draw(writers, args.strokes, args.stroke_rate))
    for n in range(args.turns):
        await ask(writers[n % len(writers)], f"s{n}")
    sent = await drawing
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not all(len(m.strokes) >= args.strokes for m in everyone):
        await asyncio.sleep(0.05)
    await asyncio.sleep(2.0)  # late or repeated frames would arrive meanwhile
    for member in everyone:
        await member.tutor.close()
        await member.board.close()
    for task in listeners:
        task.cancel()
    return everyone, sent


def stored_events(session_id: int) -> dict[int, tuple[str, float]]:
    from sessions_app.models import SessionEvent

    return {e.seq: (e.type, e.created_at.timestamp())
            for e in SessionEvent.objects.filter(session_id=session_id).only("seq", "type", "created_at")}


def analyse(everyone: list[Member], sent: dict[str, tuple[float, str]], log: dict[int, tuple[str, float]]) -> tuple[dict, list]:
    lags: dict[str, list[float]] = defaultdict(list)
    first_piece: dict[tuple[str, int], float] = {}
    for member in everyone:
        for at, frame in member.frames:
            if frame["type"] == "text.delta":
                key = (frame["turn_id"], frame["offset"])
                first_piece[key] = min(first_piece.get(key, at), at)
    problems = []
    for member in everyone:
        start = next((f["seq"] for _, f in member.frames if f["type"] == "session.state"), None)
        seqs = Counter(f["seq"] for _, f in member.frames if f.get("seq") and f["type"] != "session.state")
        expected = {seq for seq in log if start is not None and seq > start}
        missing, doubled = expected - set(seqs), [s for s, n in seqs.items() if n > 1]
        texts: dict[str, str] = {}
        for at, frame in member.frames:
            if frame.get("seq") and frame["type"] != "session.state":
                name = "turn.completed" if frame["type"] == "turn.completed" else "other events"
                lags[name].append((at - log[frame["seq"]][1]) * 1000)
            elif frame["type"] == "text.delta":
                lags["text.delta"].append((at - first_piece[(frame["turn_id"], frame["offset"])]) * 1000)
                text = texts.get(frame["turn_id"], "")
                texts[frame["turn_id"]] = text[:frame["offset"]] + frame["text"]
        broken = [f["turn_id"] for _, f in member.frames
                  if f["type"] == "turn.completed" and texts.get(f["turn_id"]) != f["content"]["text"]]
        stroke_missing = set(sent) - set(member.strokes)
        stroke_twice = [k for k, n in member.strokes.items() if n > 1]
        for key, at in member.stroke_arrivals.items():
            if key in sent and sent[key][1] != member.name:  # the writer's own stroke is not a delivery
                lags["board update"].append((at - sent[key][0]) * 1000)
        problems.append((member.name, member.role, len(missing), len(doubled), len(broken), len(stroke_missing),
                         len(stroke_twice)))
    return lags, problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=30)
    parser.add_argument("--editors", type=int, default=5, help="of the members; the rest are viewers")
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--strokes", type=int, default=60)
    parser.add_argument("--stroke-rate", type=float, default=10.0, help="strokes a second, all writers together")
    parser.add_argument("--tokens-per-second", type=float, default=60.0)
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        sys.exit("REDIS_URL is needed: the two processes meet on the Redis channel layer")
    env = prepare()
    [(session_id, owner_token)] = make_sessions(1)
    with scripted_llm(args.tokens_per_second) as llm_url, tutor_servers(env, llm_url, count=2) as (urls, _):
        everyone, sent = asyncio.run(run(urls, session_id, owner_token, args))
    log = stored_events(session_id)
    lags, problems = analyse(everyone, sent, log)
    print(f"session {session_id}: 1 owner + {args.members} members ({args.editors} editors) over 2 Daphne processes "
          f"on Redis; {args.turns} turns, {len(sent)} strokes, {len(log)} stored events")
    for name in ("text.delta", "turn.completed", "other events", "board update"):
        print("  " + summary(name, lags.get(name, [])))
    bad = [p for p in problems if any(p[2:])]
    print(f"per member (missing events, duplicated events, turns with broken text, strokes missing, strokes twice): "
          f"{'all zero for ' + str(len(problems)) + ' participants' if not bad else ''}")
    for name, role, *counts in bad:
        print(f"  {name} ({role}): {counts}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
