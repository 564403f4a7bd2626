from __future__ import annotations

from collections.abc import Iterator

import pytest

from sessions_app import actions
from tests.conftest import access_token
from tests.whiteboard.live import WhiteboardServer

# Fast catch-up, flush and sweep keep the socket tests quick.
FAST = {"WHITEBOARD_CATCHUP_SECONDS": "0.2", "WHITEBOARD_FLUSH_SECONDS": "0.02", "WHITEBOARD_IDLE_SECONDS": "1",
        "WHITEBOARD_SWEEP_SECONDS": "0.2", "WHITEBOARD_AWARENESS_SECONDS": "3"}


@pytest.fixture(scope="session")
def shared_server(django_db_setup) -> Iterator[WhiteboardServer]:
    """One Daphne for the socket tests (starting one costs seconds); rooms are keyed by
    session id and ids are never reused, so tests do not see each other's rooms."""
    with WhiteboardServer(**FAST) as live:
        yield live


@pytest.fixture
def server(transactional_db, shared_server) -> Iterator[WhiteboardServer]:
    if shared_server.process is None or shared_server.process.poll() is not None:
        shared_server.start()  # a test killed it and did not start it again
    yield shared_server
    shared_server.wait_until_quiet()


@pytest.fixture
def tutor_session(learner):
    folder = actions.create_folder(learner, name="Biology")
    return actions.start_session(learner, folder)


@pytest.fixture
def token(learner) -> str:
    return access_token(learner)
