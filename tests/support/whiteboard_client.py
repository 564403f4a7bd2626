"""A Python y-websocket client over pycrdt, for tests, benchmarks and operator tools.

It keeps a local document, sends its local changes as update messages, answers the
server's sync step 1 with what the server lacks, and can reconnect with the same
document, so edits made while disconnected reach the server on reconnect.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Callable

import websockets
from pycrdt import Doc, Map, create_sync_message, get_update

from whiteboard_app import protocol
from whiteboard_app.board import OBJECTS


class BoardClient:
    def __init__(self, url: str, *, on_remote: Callable[[bytes], None] | None = None) -> None:
        self.url = url
        self.doc = Doc()
        self.objects: Map = self.doc.get(OBJECTS, type=Map)
        self.synced = asyncio.Event()
        self.closed = asyncio.Event()
        self.close_code: int | None = None
        self._on_remote = on_remote
        # Other clients' presence: awareness client id -> JSON state.
        self.awareness: dict[int, str] = {}
        self.awareness_frames = 0
        self._remote = False
        self._outbox: asyncio.Queue[bytes] = asyncio.Queue()
        self._socket: websockets.ClientConnection | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.doc.observe(self._on_change)

    async def connect(self) -> None:
        await self._stop_tasks()  # a reconnect: the old socket's reader and writer go
        self.synced.clear()
        self.closed.clear()
        self.close_code = None
        self._socket = await websockets.connect(self.url, max_size=None, compression=None)
        await self._socket.send(create_sync_message(self.doc))
        self._tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._write())]

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        await self._stop_tasks()

    async def wait_closed(self, timeout: float = 10) -> int | None:
        await asyncio.wait_for(self.closed.wait(), timeout)
        return self.close_code

    async def announce(self, state: dict, *, clock: int = 1) -> None:
        """Publish this client's presence (cursor, name) under its document's client id."""
        await self.send_raw(protocol.awareness_message([(self.doc.client_id, clock, json.dumps(state))]))

    async def write_now(self, key: str, value: dict) -> float:
        """Write one object and send its update at once rather than through the outbox;
        returns the time.time() it was sent (benchmarks time from the send itself)."""
        before = self.doc.get_state()
        self._remote = True  # sent here, so not queued as well
        try:
            self.objects[key] = value
        finally:
            self._remote = False
        update = self.doc.get_update(before)
        sent = time.time()
        await self.send_raw(protocol.update_message(update))
        return sent

    async def send_raw(self, frame: bytes) -> None:
        assert self._socket is not None
        await self._socket.send(frame)

    def _on_change(self, event) -> None:  # noqa: ANN001 (pycrdt's TransactionEvent)
        if not self._remote:
            self._outbox.put_nowait(protocol.update_message(event.update))

    def _apply(self, update: bytes) -> None:
        self._remote = True
        try:
            self.doc.apply_update(update)
        finally:
            self._remote = False
        if self._on_remote is not None:
            self._on_remote(update)

    async def _read(self) -> None:
        assert self._socket is not None
        try:
            async for data in self._socket:
                if isinstance(data, str):
                    continue
                frame = protocol.parse_frame(data)
                if frame.kind == "step1":
                    # Everything the server lacks, including edits made while offline.
                    await self._socket.send(protocol.step2_message(get_update(self.doc.get_update(), frame.payload)))
                elif frame.kind in ("step2", "update"):
                    self._apply(frame.payload)
                    if frame.kind == "step2":
                        self.synced.set()
                elif frame.kind == "awareness":
                    self.awareness_frames += 1
                    for client, _, state in protocol.parse_awareness(frame.payload):
                        if state == "null":
                            self.awareness.pop(client, None)
                        else:
                            self.awareness[client] = state
        except websockets.ConnectionClosed:
            pass
        finally:
            self.close_code = self._socket.close_code
            self.closed.set()

    async def _write(self) -> None:
        assert self._socket is not None
        with contextlib.suppress(websockets.ConnectionClosed):
            while True:
                message = await self._outbox.get()
                try:
                    await self._socket.send(message)
                except websockets.ConnectionClosed:
                    self._outbox.put_nowait(message)  # kept for after a reconnect
                    raise

    async def _stop_tasks(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
