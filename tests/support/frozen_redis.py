"""A TCP server that accepts connections and never answers: a frozen Redis, for tests of
what the product does when a dependency hangs instead of refusing."""
from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def frozen_redis() -> Iterator[str]:
    """Yields a redis:// URL whose server takes connections and reads, but never replies."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stopping = threading.Event()

    def serve() -> None:
        while not stopping.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            accepted.append(connection)  # kept open, never read from or written to

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    finally:
        stopping.set()
        listener.close()
        for connection in accepted:
            connection.close()
        thread.join(timeout=5)


def stopped_redis_url() -> str:
    """A redis:// URL where nothing listens: a Redis that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{probe.getsockname()[1]}/0"
