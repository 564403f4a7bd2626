"""The WebSocket JWT middleware, in a real Daphne process with a real client."""
import asyncio

import pytest
import websockets

from tests.conftest import access_token
from tests.support.servers import daphne


@pytest.fixture
def ws_url(transactional_db):
    with daphne("tests.support.whoami_asgi:application") as url:
        yield url.replace("http://", "ws://") + "/ws/whoami/"


async def first_frame_and_close(url: str, headers: dict | None = None) -> tuple[str | None, int]:
    async with websockets.connect(url, additional_headers=headers) as socket:
        try:
            frame = await asyncio.wait_for(socket.recv(), 5)
        except websockets.ConnectionClosed:
            frame = None
        await socket.wait_closed()
        return frame, socket.close_code


def test_a_token_in_the_query_string_or_the_header_authenticates(ws_url, learner):
    token = access_token(learner)
    assert asyncio.run(first_frame_and_close(f"{ws_url}?token={token}")) == ("ada", 1000)
    headers = {"Authorization": f"Bearer {token}"}
    assert asyncio.run(first_frame_and_close(ws_url, headers)) == ("ada", 1000)


@pytest.mark.parametrize("query", ["", "?token=", "?token=not-a-jwt", "?token=eyJhbGciOiJIUzI1NiJ9.e30.x"])
def test_a_missing_or_bad_token_is_accepted_then_closed_with_4401(ws_url, learner, query):
    assert asyncio.run(first_frame_and_close(ws_url + query)) == (None, 4401)


def test_a_refresh_token_or_an_inactive_user_is_refused(ws_url, learner):
    from rest_framework_simplejwt.tokens import RefreshToken

    refresh = str(RefreshToken.for_user(learner))
    assert asyncio.run(first_frame_and_close(f"{ws_url}?token={refresh}")) == (None, 4401)
    token = access_token(learner)
    learner.is_active = False
    learner.save()
    assert asyncio.run(first_frame_and_close(f"{ws_url}?token={token}")) == (None, 4401)
