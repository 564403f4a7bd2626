"""Tutor socket fixtures: a scripted model server, a Daphne process wired to it, a learner's
folder with chunks, a session, and clients."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.scripted_llm import ScriptedLLM
from agents_app.text import terms
from sessions_app import actions
from sessions_app.models import Chunk, Document
from tests.conftest import access_token
from tests.support.servers import daphne, free_port, wait_until_zero
from tests.tutor.client import TutorClient

DOC = Path(__file__).resolve().parents[1] / "fixtures" / "docs" / "photosynthesis.md"


@pytest.fixture(scope="session")
def scripted_llm() -> str:
    """The address the servers' model client uses; each test's `llm` serves it."""
    return f"http://127.0.0.1:{free_port()}/v1"


@pytest.fixture
def llm(scripted_llm: str) -> Iterator[ScriptedLLM]:
    # A fresh server per test: a kept-alive connection of an earlier test cannot carry
    # this test's requests (the disconnect a cancel causes must be seen by this server).
    server = ScriptedLLM(port=int(scripted_llm.rsplit(":", 1)[1].split("/")[0])).start()
    yield server
    server.stop()


def server_env(llm_url: str, **extra: str) -> dict[str, str]:
    # CELERY_TASK_ALWAYS_EAGER: the session analysis runs inside the Daphne process, right
    # after session.end commits, instead of in a separate worker.
    return {"OPENAI_API_KEY": "test-key", "OPENAI_BASE_URL": llm_url, "LLM_MAX_RETRIES": "0",
            "LLM_READ_TIMEOUT": "5", "CELERY_TASK_ALWAYS_EAGER": "1", "TUTOR_LLM_TURNS_PER_MINUTE": "1000",
            **extra}


@pytest.fixture(scope="session")
def tutor_server(django_db_setup, django_db_blocker, scripted_llm: str) -> Iterator[str]:
    """One Daphne for the run (it reads the test database; each test's rows are its own)."""
    with daphne(**server_env(scripted_llm)) as url:
        yield url


@pytest.fixture(scope="session")
def offline_server(django_db_setup, django_db_blocker) -> Iterator[str]:
    """A Daphne with no model configured: lessons run on the offline engine."""
    with daphne(OPENAI_API_KEY="", CELERY_TASK_ALWAYS_EAGER="1") as url:
        yield url


@pytest.fixture
def folder(transactional_db, learner):
    folder = actions.create_folder(learner, name="Photosynthesis")
    document = Document.objects.create(
        folder=folder, file="documents/photosynthesis.md", original_name="photosynthesis.md", sha256="0" * 64,
        kind=Document.Kind.MARKDOWN, mime_type="text/markdown", size=DOC.stat().st_size,
        status=Document.Status.READY,
    )
    sections = DOC.read_text().split("\n## ")[1:]
    for order, section in enumerate(sections):
        title, _, body = section.partition("\n")
        counts = terms(f"{title} {body.strip()}")  # the stored index, as the ingestion pipeline writes it
        Chunk.objects.create(document=document, order=order, text=body.strip(), section=title, page=1,
                             content_hash=f"{order:064d}", token_count=len(body.split()),
                             terms=dict(Counter(counts)), length=len(counts))
    return folder


@pytest.fixture
def tutor_session(folder, learner):
    return actions.start_session(learner, folder)


@pytest.fixture
def connect(request, learner) -> Iterator[Callable[..., TutorClient]]:
    """Opens clients, on the module's tutor_server unless given another `url`; closes them after the test
    and waits until the server has finished with them. `user=None` sends no token in the URL."""
    clients: list[TutorClient] = []

    def make(session_id: object, *, user=learner, token: str | None = None, url: str | None = None,
             **options) -> TutorClient:
        url = url or request.getfixturevalue("tutor_server")
        if token is None and user is not None:
            token = access_token(user)
        client = TutorClient(url, session_id, token, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
    for url in {client.base_url for client in clients}:  # nothing may write once the test is over
        wait_until_zero(url, 'tutor_websocket_connections{socket="tutor"}', "tutor_turns_running")
