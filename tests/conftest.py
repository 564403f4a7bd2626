"""Shared fixtures: learners built through the real actions, API clients, a live server."""
from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from tests.support.scripted_llm import ScriptedLLM
from sessions_app import actions
from tutor_project.celery import app as celery_app
from tests.support.servers import daphne
from tests.support.frozen_redis import frozen_redis, stopped_redis_url


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded files go to a fresh folder per test, so leftovers can be asserted."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def eager_celery(settings):
    """Tasks queued in this process run inline (after commit); server processes started
    by tests use a real broker and worker instead."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture(scope="session")
def scripted_server() -> Iterator[ScriptedLLM]:
    """The scripted OpenAI-compatible server (SPEC 5.4), one per test run."""
    server = ScriptedLLM().start()
    yield server
    server.stop()


@pytest.fixture
def llm(scripted_server: ScriptedLLM) -> Iterator[ScriptedLLM]:
    """The scripted server with an empty script and request log for this test."""
    scripted_server.reset()
    yield scripted_server
    scripted_server.reset()


@pytest.fixture
def learner(db):
    return actions.register_learner(username="ada", password="correct-horse-battery", email="ada@example.org")


@pytest.fixture
def other_learner(db):
    return actions.register_learner(username="mallory", password="another-long-secret-9")


def access_token(user) -> str:
    return str(RefreshToken.for_user(user).access_token)


@pytest.fixture
def client_for() -> Callable[..., APIClient]:
    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token(user)}")
        return client

    return make


@pytest.fixture
def api(learner, client_for) -> APIClient:
    return client_for(learner)


@pytest.fixture
def live_server_url(transactional_db, media_root) -> Iterator[str]:
    """A real Daphne process serving the product against the test database."""
    with daphne(MEDIA_ROOT=str(media_root)) as url:
        yield url


@pytest.fixture(params=["stopped", "frozen"])
def broken_redis(request: pytest.FixtureRequest) -> Iterator[str]:
    """A redis:// URL of a Redis that is down, then of one that accepts connections and never answers."""
    if request.param == "stopped":
        yield stopped_redis_url()
    else:
        with frozen_redis() as url:
            yield url
