"""Live whiteboard rooms: one authoritative pycrdt document per room per process.

A room is opened by its first connection and loads the stored state exactly once
(latest snapshot + log). Every update a client sends is checked, applied to the
room's document, sent to the room's other connections, relayed to other processes
over the channel layer and queued for the log, which is written in batches every few
tens of milliseconds. The channel layer may drop messages, so each room also reads
the log rows other processes wrote (``seq`` > what it has read) about once a second;
applying an update twice is harmless in Yjs. After a crash, clients reconnect and
send what the server lacks in sync step 2, so nothing any client holds is lost.
"""
from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from asgiref.sync import sync_to_async
from tutor_project.realtime.database import db
from channels.layers import InMemoryChannelLayer, get_channel_layer
from pycrdt import Doc, MapEvent, create_sync_message, get_update, merge_updates

from whiteboard_app import metrics, protocol
from whiteboard_app.actions import append_update, group_name
from whiteboard_app.board import delete_objects, invalid_objects, objects_map, remove_stale_ephemeral
from whiteboard_app.history import state_at, updates_after
from whiteboard_app.limits import CLOSE_INVALID, CLOSE_TOO_BIG, CLOSE_TOO_MANY, Limits, current
from whiteboard_app.models import Board
from whiteboard_app.tasks import COMPACT_AFTER_ROWS, compact_board
from tutor_project.realtime.ratelimit import TokenBucket

log = logging.getLogger(__name__)
EMPTY_UPDATE = b"\x00\x00"
# Presence (cursors, names) goes out to the room at most this often, each client's latest
# state in one message: cursors move many times a second, and a message per move to every
# connection is n² frames (20 people drawing: about 8,000 a second, measured, which held
# their strokes back by over a second). The first change after a quiet spell goes at once.
AWARENESS_COALESCE_SECONDS = 0.05


class Connection(Protocol):
    async def send_frame(self, data: bytes) -> None: ...

    async def close_with(self, code: int, reason: str | None = None) -> None: ...


class LimitBroken(Exception):
    """A client broke a limit: its connection closes with ``code``."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code


@dataclass(frozen=True)
class Identity:
    """Who a connection is and their role in the session (SPEC 11)."""

    user_id: int
    name: str
    role: str

    @property
    def read_only(self) -> bool:
        return self.role == "viewer"

    def awareness_user(self) -> dict[str, object]:
        return {"id": self.user_id, "name": self.name, "role": self.role}


@dataclass
class Peer:
    bucket: TokenBucket
    identity: Identity
    # Awareness client ids this connection announced, cleared for others when it leaves.
    client_ids: set[int] = field(default_factory=set)


class Room:
    def __init__(self, session_id: int, board_id: int, limits: Limits) -> None:
        self.session_id = session_id
        self.board_id = board_id
        self.limits = limits
        self.origin = f"room-{uuid.uuid4().hex[:12]}"
        self.doc = Doc()
        self.peers: dict[Connection, Peer] = {}
        # Awareness client id -> (clock, JSON state, when last heard, monotonic).
        self.awareness: dict[int, tuple[int, str, float]] = {}
        self.pending: list[bytes] = []
        # Applied updates part of which waits for a change the document lacks, and
        # their total size (both bounded by the limits).
        self._waiting: list[bytes] = []
        self._waiting_bytes = 0
        # Keys of the objects map changed by the update being applied, to validate.
        self._touched: set[str] = set()
        # Kept: pycrdt ends a subscription when its object is collected.
        self._touched_subscription = objects_map(self.doc).observe(self._note_touched)
        self.seq = 0
        self.size = 0
        self.ready: asyncio.Task[None] | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._flush_lock = asyncio.Lock()
        self._idle: asyncio.Task[None] | None = None
        self._presence_out: dict[int, tuple[int, str]] = {}  # awareness to announce: client -> (clock, state)
        self._announcer: asyncio.Task[None] | None = None
        self._last_announced = 0.0
        self._channel: str | None = None
        self._compact_at = COMPACT_AFTER_ROWS
        self._layer = get_channel_layer()
        # One process cannot reach another through the in-memory layer; still listen
        # (a doorbell from this process's own writers), but do not relay to it.
        self._relay = self._layer is not None and not isinstance(self._layer, InMemoryChannelLayer)

    # --- life cycle -------------------------------------------------------------

    async def load(self) -> None:
        if self._layer is not None:
            self._channel = await self._layer.new_channel()
            await self._layer.group_add(group_name(self.session_id), self._channel)
        stored = await db(state_at)(self.board_id)
        metrics.ROOM_LOADS.inc()
        metrics.ROOMS_OPEN.inc()
        if stored.update:
            self.doc.apply_update(stored.update)
        self.seq, self.size = stored.seq, len(stored.update)
        self._touched.clear()
        await self._remove_invalid(invalid_objects(self.doc))
        self._compact_at = stored.seq + COMPACT_AFTER_ROWS
        loops: list[Callable[[], Any]] = [self._flush_loop, self._catch_up_loop, self._sweep_loop]
        if self._channel is not None:
            loops.append(self._listen)
        if self._relay:
            loops.append(self._send_outbox)
        self._tasks = [asyncio.create_task(loop()) for loop in loops]

    async def close(self) -> None:
        if _rooms.get(self.session_id) is self:
            del _rooms[self.session_id]
        tasks = [*self._tasks, *([self._announcer] if self._announcer else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.flush()
        if self._layer is not None and self._channel is not None:
            await self._layer.group_discard(group_name(self.session_id), self._channel)
        # Counted until its last batch is stored: zero rooms means nothing left to write.
        metrics.ROOMS_OPEN.dec()

    async def join(self, conn: Connection, identity: Identity) -> None:
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        self.peers[conn] = Peer(TokenBucket(self.limits.messages_per_second, self.limits.burst), identity)
        # Our state vector, so the client answers with everything we lack (sync step 2).
        await conn.send_frame(create_sync_message(self.doc))
        if self.awareness:
            await conn.send_frame(protocol.awareness_message(self._awareness_entries()))

    async def leave(self, conn: Connection) -> None:
        peer = self.peers.pop(conn, None)
        if peer and peer.client_ids:
            gone = [(c, self.awareness.pop(c)[0] + 1, "null") for c in peer.client_ids if c in self.awareness]
            for client in peer.client_ids:
                self._presence_out.pop(client, None)  # not announced after its goodbye
            if gone:
                await self._fan_out(protocol.awareness_message(gone))
                self._queue_relay({"type": "board.awareness", "entries": gone})
        if not self.peers and self._idle is None:
            self._idle = asyncio.create_task(self._close_when_idle())

    async def _close_when_idle(self) -> None:
        await asyncio.sleep(self.limits.idle_seconds)
        if not self.peers:
            self._idle = None  # from here on nothing may cancel the close half-way
            await self.close()

    # --- frames from clients ----------------------------------------------------

    async def receive(self, conn: Connection, data: bytes) -> None:
        peer = self.peers.get(conn)
        if peer is None:
            return
        try:
            if not peer.bucket.take():
                raise LimitBroken(CLOSE_TOO_MANY, "message rate over the limit")
            if len(data) > self.limits.max_message_bytes:
                raise LimitBroken(CLOSE_TOO_BIG, "message over the size limit")
            await self._handle(conn, peer, protocol.parse_frame(data))
        except protocol.ProtocolError as exc:
            await self._drop(conn, CLOSE_INVALID, str(exc))
        except LimitBroken as exc:
            await self._drop(conn, exc.code, str(exc))

    async def _handle(self, conn: Connection, peer: Peer, frame: protocol.Frame) -> None:
        if frame.kind == "step1":
            try:
                missing = self.doc.get_update(frame.payload)
            except ValueError:
                raise protocol.ProtocolError("invalid state vector") from None
            await conn.send_frame(protocol.step2_message(missing))
        elif frame.kind in ("step2", "update"):
            if peer.identity.read_only:  # a viewer's edits are never applied nor relayed (SPEC 11)
                metrics.READ_ONLY_UPDATES.inc()
                return
            await self._apply_client_update(conn, frame.payload)
        elif frame.kind == "awareness":
            # The stock provider sends on every presence it hears, other people's included:
            # those echoes are not this connection's to speak for, and are dropped.
            others = set().union(*(other.client_ids for other in self.peers.values() if other is not peer))
            entries = [e for e in protocol.parse_awareness(frame.payload) if e[0] not in others]
            if not entries:
                return
            self._check_awareness(peer, entries)
            user = peer.identity.awareness_user()
            entries = [(c, clock, protocol.stamped(state, user)) for c, clock, state in entries]
            peer.client_ids.update(c for c, _, state in entries if state != "null")
            self._remember_awareness(entries)
            self._announce(entries)
        elif frame.kind == "query_awareness":
            await conn.send_frame(protocol.awareness_message(self._awareness_entries()))

    def _check_awareness(self, peer: Peer, entries: list[tuple[int, int, str]]) -> None:
        """Limits checked before anything is stored: the states' size, the client ids
        one connection may speak for, and the client ids the room holds."""
        if any(len(state) > self.limits.max_awareness_state_bytes for _, _, state in entries):
            raise LimitBroken(CLOSE_TOO_BIG, "awareness state over the size limit")
        announced = {c for c, _, state in entries if state != "null"}
        if len(peer.client_ids | announced) > self.limits.max_presences_per_connection:
            raise LimitBroken(CLOSE_TOO_MANY, "too many presences on one connection")
        if len(announced - self.awareness.keys()) + len(self.awareness) > self.limits.max_presences_per_room:
            raise LimitBroken(CLOSE_TOO_MANY, "too many presences in the room")

    async def _apply_client_update(self, conn: Connection, update: bytes) -> None:
        try:
            # Decodes the update (a malformed one raises) and keeps only what is new.
            new = get_update(update, self.doc.get_state())
        except ValueError:
            raise protocol.ProtocolError("invalid update") from None
        if new == EMPTY_UPDATE:
            return
        if self.size + len(new) > self.limits.max_document_bytes:
            self.size = len(self.doc.get_update())  # the running figure over-counts; measure
            if self.size + len(new) > self.limits.max_document_bytes:
                raise LimitBroken(CLOSE_TOO_BIG, "the board's document size limit is reached")
        self._touched.clear()
        try:
            gained = self._integrate(new)
        except ValueError:
            raise protocol.ProtocolError("update could not be applied") from None
        self.size += len(new)
        self.pending.append(new)
        metrics.CLIENT_UPDATES.inc()
        self._queue_relay({"type": "board.update", "data": new})
        removal = self._removal_of_invalid()
        if removal is not None:  # one message, so nobody draws the invalid object
            await self._fan_out(protocol.update_message(merge_updates(gained or new, removal)))
        elif gained is None:
            await self._fan_out(protocol.update_message(new), exclude=conn)
        else:  # the sender may lack what its update let in
            await self._fan_out(protocol.update_message(gained))
        if self._waiting_bytes > self.limits.max_waiting_bytes or len(self._waiting) > self.limits.max_waiting_updates:
            raise LimitBroken(CLOSE_TOO_MANY, "too many updates waiting for a missing one")

    def _note_touched(self, event: MapEvent) -> None:
        self._touched.update(event.keys)

    def _removal_of_invalid(self) -> bytes | None:
        """Delete the objects the last update wrote that break the object contract
        (counted); returns the deletion as one update, already queued for the log and
        the relay, or None when every object was valid."""
        objects = objects_map(self.doc)
        invalid = invalid_objects(self.doc, [key for key in self._touched if key in objects])
        self._touched.clear()
        if not invalid:
            return None
        captured: list[bytes] = []
        subscription = self.doc.observe(lambda event: captured.append(event.update))
        try:
            delete_objects(self.doc, invalid, origin="validator")
        finally:
            self.doc.unobserve(subscription)
        metrics.INVALID_OBJECTS.inc(len(invalid))
        for update in captured:
            self.pending.append(update)
            self._queue_relay({"type": "board.update", "data": update})
        return merge_updates(*captured) if len(captured) > 1 else captured[0]

    async def _remove_invalid(self, keys: list[str]) -> None:
        if keys:
            metrics.INVALID_OBJECTS.inc(len(keys))
            await self.write(lambda doc: delete_objects(doc, keys, origin="validator"))

    def _integrate(self, new: bytes) -> bytes | None:
        """Apply ``new``. Returns None when the document gained exactly ``new`` (the
        usual case), else everything it gained.

        Part of an update can wait for a change the document lacks: after a crash a
        client resends its queued edits before the sync step 2 that carries the edits
        the server lost. Waiting parts are outside the state vector, so a peer joining
        meanwhile gets a step 2 without them; when the missing change arrives (from any
        client) they go in, and everyone must be sent what went in, not only ``new``.
        Waiting updates are checked again only when the state vector moved, and there
        are at most ``max_waiting_updates`` of them, so the cost per update is bounded.
        """
        before = self.doc.get_state()
        self.doc.apply_update(new)
        after = self.doc.get_state()
        releasing = bool(self._waiting) and after != before
        if releasing:
            self._waiting = [update for update in self._waiting if _waits(update, after)]
            self._waiting_bytes = sum(len(update) for update in self._waiting)
        if _waits(new, after):
            self._waiting.append(new)
            self._waiting_bytes += len(new)
        return self.doc.get_update(before) if releasing else None

    async def _drop(self, conn: Connection, code: int, reason: str) -> None:
        log.info("whiteboard %s: closing a connection (%s): %s", self.session_id, code, reason)
        metrics.CLOSED.labels(str(code)).inc()
        await self.leave(conn)
        await conn.close_with(code, reason)

    def _remember_awareness(self, entries: list[tuple[int, int, str]]) -> None:
        now = time.monotonic()
        for client, clock, state in entries:
            if state == "null":
                self.awareness.pop(client, None)
            else:
                self.awareness[client] = (clock, state, now)

    def _announce(self, entries: list[tuple[int, int, str]]) -> None:
        """Tell the room's connections (the sender too, as the reference server does: the
        stock provider counts its own echo as a sign of life and reconnects after 30 s
        without) and the other processes, coalesced over AWARENESS_COALESCE_SECONDS."""
        for client, clock, state in entries:
            self._presence_out[client] = (clock, state)
        if self._announcer is None or self._announcer.done():
            self._announcer = asyncio.create_task(self._announce_after_window())

    async def _announce_after_window(self) -> None:
        while self._presence_out:  # what changes while a message goes out goes in the next
            await asyncio.sleep(max(0.0, self._last_announced + AWARENESS_COALESCE_SECONDS - time.monotonic()))
            self._last_announced = time.monotonic()
            entries = [(client, clock, state) for client, (clock, state) in self._presence_out.items()]
            self._presence_out.clear()
            if entries:
                await self._fan_out(protocol.awareness_message(entries))
                self._queue_relay({"type": "board.awareness", "entries": entries})

    def _awareness_entries(self) -> list[tuple[int, int, str]]:
        return [(c, clock, state) for c, (clock, state, _) in self.awareness.items()]

    async def _expire_awareness(self) -> None:
        """Forget presence nobody renewed (clients renew every 15 s; a client of a
        crashed process never says goodbye), telling the room's clients."""
        cutoff = time.monotonic() - self.limits.awareness_timeout
        gone = [(c, clock + 1, "null") for c, (clock, _, seen) in self.awareness.items() if seen < cutoff]
        if gone:
            for client, _, _ in gone:
                del self.awareness[client]
                self._presence_out.pop(client, None)
            await self._fan_out(protocol.awareness_message(gone))

    async def _fan_out(self, message: bytes, exclude: Connection | None = None) -> None:
        for conn in list(self.peers):
            if conn is exclude:
                continue
            try:
                await conn.send_frame(message)
            except Exception:  # a socket that died under us must not fail the sender
                log.info("whiteboard %s: dropping a connection that failed a send", self.session_id)
                self.peers.pop(conn, None)

    # --- server-side writes and other processes ------------------------------------

    async def write(self, change: Callable[[Doc], Any]) -> Any:
        """Run ``change`` on the room's document and treat what it wrote like a client
        update: sent to everyone, relayed and logged."""
        captured: list[bytes] = []
        subscription = self.doc.observe(lambda event: captured.append(event.update))
        try:
            result = change(self.doc)
        finally:
            self.doc.unobserve(subscription)
        for update in captured:
            self.size += len(update)
            self.pending.append(update)
            metrics.SERVER_UPDATES.inc()
            await self._fan_out(protocol.update_message(update))
            self._queue_relay({"type": "board.update", "data": update})
        return result

    async def apply_remote(self, update: bytes) -> None:
        """An update another process already stored (or will store)."""
        try:
            new = get_update(update, self.doc.get_state())
            if new == EMPTY_UPDATE:
                return
            gained = self._integrate(new)
        except ValueError:
            log.warning("whiteboard %s: skipped an unreadable relayed update", self.session_id)
            return
        self.size += len(new)
        metrics.REMOTE_UPDATES.inc()
        await self._fan_out(protocol.update_message(new if gained is None else gained))

    def _queue_relay(self, message: dict[str, Any]) -> None:
        if self._relay:
            self._outbox.put_nowait(message)

    async def _send_outbox(self) -> None:
        """Relay in order; whatever queued up while the last send was in flight goes
        as one merged update (plus one awareness message), so a busy room makes few
        channel-layer calls."""
        assert self._layer is not None
        while True:
            batch = [await self._outbox.get()]
            while not self._outbox.empty():
                batch.append(self._outbox.get_nowait())
            updates = [m["data"] for m in batch if m["type"] == "board.update"]
            entries = [e for m in batch if m["type"] == "board.awareness" for e in m["entries"]]
            messages = []
            if updates:
                merged = updates[0] if len(updates) == 1 else merge_updates(*updates)
                messages.append({"type": "board.update", "data": merged, "origin": self.origin})
            if entries:
                messages.append({"type": "board.awareness", "entries": entries, "origin": self.origin})
            for message in messages:
                try:
                    await self._layer.group_send(group_name(self.session_id), message)
                except Exception:  # a full channel or a Redis blip: the log catch-up heals it
                    log.warning("whiteboard %s: relay failed", self.session_id, exc_info=True)

    async def _listen(self) -> None:
        assert self._layer is not None and self._channel is not None
        while True:
            try:
                message = await self._layer.receive(self._channel)
                if message.get("origin") == self.origin:
                    continue
                if message.get("type") == "board.update":
                    await self.apply_remote(message["data"])
                elif message.get("type") == "board.awareness":
                    entries = [(int(c), int(clock), str(state)) for c, clock, state in message["entries"]]
                    self._remember_awareness(entries)
                    await self._fan_out(protocol.awareness_message(entries))
            except asyncio.CancelledError:
                raise
            except Exception:  # one bad message must not stop the relay; the log heals gaps
                log.warning("whiteboard %s: relay message skipped", self.session_id, exc_info=True)
                await asyncio.sleep(0.1)

    async def _catch_up_loop(self) -> None:
        while True:
            await asyncio.sleep(self.limits.catchup_interval)
            try:
                updates, self.seq = await db(updates_after)(
                    self.board_id, self.seq, exclude_origin=self.origin
                )
            except Exception:
                log.warning("whiteboard %s: catch-up failed", self.session_id, exc_info=True)
                continue
            for update in updates:
                await self.apply_remote(update)

    async def _sweep_loop(self) -> None:
        while True:
            await asyncio.sleep(self.limits.sweep_interval)
            await self.write(lambda doc: remove_stale_ephemeral(doc, int(time.time() * 1000)))
            await self._expire_awareness()

    # --- persistence ----------------------------------------------------------------

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self.limits.flush_interval)
            await self.flush()

    async def flush(self) -> None:
        async with self._flush_lock:
            if not self.pending:
                return
            batch, self.pending = self.pending, []
            merged = batch[0] if len(batch) == 1 else merge_updates(*batch)
            try:
                seq = await db(append_update)(self.board_id, merged, origin=self.origin)
            except Board.DoesNotExist:  # the session was deleted: nothing left to write to
                log.warning("whiteboard %s: board is gone, dropping %d updates", self.session_id, len(batch))
                return
            except Exception:
                log.exception("whiteboard %s: could not store updates, will retry", self.session_id)
                self.pending[:0] = batch
                return
        metrics.LOG_ROWS.inc()
        if seq >= self._compact_at:
            self._compact_at = seq + COMPACT_AFTER_ROWS
            await self._queue_compaction()

    async def _queue_compaction(self) -> None:
        try:
            # Only the broker is reached, so not on the database thread.
            await sync_to_async(compact_board.delay, thread_sensitive=False)(self.board_id)
        except Exception:  # the beat sweep (compact_boards) will catch up
            log.warning("whiteboard %s: could not queue compaction", self.session_id, exc_info=True)


def _waits(update: bytes, state: bytes) -> bool:
    """Whether part of an applied ``update`` is still outside the document (whose
    state vector is ``state``): its diff against ``state`` has structs left. An
    update starts with the count of clients whose structs it carries, then the
    delete set, which every diff carries whole."""
    return get_update(update, state)[0] != 0


_rooms: dict[int, Room] = {}


async def open_room(session_id: int, board_id: int) -> Room:
    """The process's room for a session, loading it on first use (once)."""
    room = _rooms.get(session_id)
    if room is None:
        room = Room(session_id, board_id, current())
        _rooms[session_id] = room
        room.ready = asyncio.create_task(room.load())
    assert room.ready is not None
    try:
        await asyncio.shield(room.ready)
    except Exception:
        if _rooms.get(session_id) is room:
            del _rooms[session_id]
        raise
    return room
