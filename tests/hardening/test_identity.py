"""Identity (SPEC 12): a deleted or deactivated user's tokens are refused (401 / 4401) and their
open sockets close with 4401, on a real Daphne with real clients."""
from __future__ import annotations

import re
import time

import httpx
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from rest_framework_simplejwt.tokens import RefreshToken
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from sessions_app import actions
from tests.conftest import access_token

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lesson(learner):
    return actions.start_session(learner, actions.create_folder(learner, name="Identity"))


def open_sockets(base_url: str, session_id: int, token: str) -> list[ClientConnection]:
    socket_base = base_url.replace("http://", "ws://")
    return [connect(f"{socket_base}/ws/{kind}/{session_id}/?token={token}", open_timeout=10)
            for kind in ("tutor", "whiteboard")]


def close_code(socket: ClientConnection, timeout: float = 10) -> int | None:
    """Reads (and drops) frames until the server closes the socket."""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            socket.recv(timeout=deadline - time.monotonic())
    except ConnectionClosed:
        return socket.close_code
    except TimeoutError:
        return None
    return None


def wait_until_open(sockets: list[ClientConnection]) -> None:
    """Each socket passed its handshake and joined: its first frame arrived."""
    for socket in sockets:
        socket.recv(timeout=10)


def admin_client(base_url: str) -> httpx.Client:
    get_user_model().objects.create_superuser("root", "root@example.org", "root-password-long-1")
    client = httpx.Client(base_url=base_url, timeout=10)
    login = client.get("/admin/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    client.post("/admin/login/", data={"username": "root", "password": "root-password-long-1",
                                        "csrfmiddlewaretoken": token, "next": "/admin/"})
    return client


def test_deleting_a_user_in_admin_closes_their_open_sockets_with_4401(live_server_url, learner, lesson):
    sockets = open_sockets(live_server_url, lesson.pk, access_token(learner))
    wait_until_open(sockets)
    admin = admin_client(live_server_url)
    page = admin.get(f"/admin/auth/user/{learner.pk}/delete/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    admin.post(f"/admin/auth/user/{learner.pk}/delete/", data={"post": "yes", "csrfmiddlewaretoken": token})
    assert not get_user_model().objects.filter(pk=learner.pk).exists()
    assert [close_code(socket) for socket in sockets] == [4401, 4401]


@pytest.mark.skipif(not settings.REDIS_URL, reason="the change is made in this process: needs Redis to reach the server")
def test_deactivating_a_user_anywhere_closes_their_open_sockets_with_4401(live_server_url, learner, lesson):
    sockets = open_sockets(live_server_url, lesson.pk, access_token(learner))
    wait_until_open(sockets)
    learner.is_active = False
    learner.save()
    assert [close_code(socket) for socket in sockets] == [4401, 4401]


def test_a_deactivated_users_tokens_are_refused_on_rest_and_both_socket_handshakes(live_server_url, learner, lesson):
    token, refresh = access_token(learner), str(RefreshToken.for_user(learner))
    learner.is_active = False
    learner.save()
    me = httpx.get(f"{live_server_url}/api/v1/auth/me/", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401
    refreshed = httpx.post(f"{live_server_url}/api/v1/auth/token/refresh/", json={"refresh": refresh})
    assert refreshed.status_code == 401 and refreshed.json()["code"] == "no_active_account"
    assert [close_code(socket) for socket in open_sockets(live_server_url, lesson.pk, token)] == [4401, 4401]


def test_refreshing_the_token_of_a_deleted_user_gives_401_not_500(live_server_url, learner):
    refresh = str(RefreshToken.for_user(learner))
    learner.delete()
    response = httpx.post(f"{live_server_url}/api/v1/auth/token/refresh/", json={"refresh": refresh})
    assert response.status_code == 401
    assert response.json() == {"code": "no_active_account", "detail": "No active account found for the given token."}
