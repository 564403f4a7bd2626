"""A Daphne process serving the whiteboard that tests can SIGKILL and start again on
the same port."""
from __future__ import annotations

import signal
import subprocess

from tests.support.servers import free_port, read_metric, start_daphne, stop, wait_until_zero

APP = "tests.whiteboard.asgi_app:application"


class WhiteboardServer:
    def __init__(self, **env: str) -> None:
        self.port = free_port()
        self.env = env
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/whiteboard/"

    def url(self, session_id: int, token: str) -> str:
        return f"{self.base}{session_id}/?token={token}"

    def start(self) -> None:
        self.process = start_daphne(APP, self.port, **self.env)  # the same port again after a restart

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def metric(self, sample: str) -> float:
        return read_metric(self.http, sample)

    def wait_until_quiet(self) -> None:
        """Wait until every room has closed and stored its last batch."""
        if self.process is not None and self.process.poll() is None:
            wait_until_zero(self.http, "tutor_whiteboard_rooms")

    def __enter__(self) -> WhiteboardServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, unflushed batches are lost."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
