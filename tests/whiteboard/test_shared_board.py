"""A shared session's board (SPEC 11): members connect; a viewer's updates are never applied
nor relayed (the others' documents and the stored board stay as they were) while its presence
is; an editor's stroke reaches everyone; the server says who each presence is."""
from __future__ import annotations

import asyncio
import json

import pytest

from tests.conftest import access_token
from tests.support.sharing import share
from tests.support.whiteboard_client import BoardClient
from tests.whiteboard.helpers import connected, spec, stored_keys, until
from tests.whiteboard.test_socket_sync import close_code
from whiteboard_app import protocol


@pytest.fixture
def people(tutor_session):
    return share(tutor_session)


def test_members_connect_and_an_outsider_is_refused(server, tutor_session, people, other_learner):
    async def scenario() -> None:
        members = [await connected(server.url(tutor_session.pk, access_token(people[role]))) for role in people]
        for [client] in members:
            await client.close()

    asyncio.run(scenario())
    assert asyncio.run(close_code(server.url(tutor_session.pk, access_token(other_learner)))) == 4403


def test_a_viewers_updates_are_never_applied_and_an_editors_stroke_reaches_all(server, tutor_session, token, people):
    async def scenario() -> None:
        [owner] = await connected(server.url(tutor_session.pk, token))
        [editor] = await connected(server.url(tutor_session.pk, access_token(people["editor"])))
        viewer = BoardClient(server.url(tutor_session.pk, access_token(people["viewer"])))
        viewer.objects["offline-viewer"] = spec("offline-viewer", 1)  # goes out in its sync step 2
        await viewer.connect()
        await asyncio.wait_for(viewer.synced.wait(), 10)
        await viewer.write_now("from-viewer", spec("from-viewer", 2))  # an update message
        answered = viewer.awareness_frames
        await viewer.send_raw(bytes([protocol.QUERY_AWARENESS]))  # answered once its updates were handled
        await until(lambda: viewer.awareness_frames > answered)
        editor.objects["from-editor"] = spec("from-editor", 4)
        await until(lambda: all("from-editor" in c.objects for c in (owner, viewer)))
        assert set(owner.objects.keys()) == set(editor.objects.keys()) == {"from-editor"}
        [late] = await connected(server.url(tutor_session.pk, token))
        assert set(late.objects.keys()) == {"from-editor"}
        assert not viewer.closed.is_set()  # refused silently, the socket stays open
        for client in (owner, editor, viewer, late):
            await client.close()

    asyncio.run(scenario())
    assert stored_keys(tutor_session.pk, {"from-editor"}) == {"from-editor"}


def test_a_viewers_presence_is_relayed_under_the_name_and_role_the_server_knows(server, tutor_session, token,
                                                                                  people):
    async def scenario() -> dict:
        [owner] = await connected(server.url(tutor_session.pk, token))
        [viewer] = await connected(server.url(tutor_session.pk, access_token(people["viewer"])))
        await viewer.announce({"user": {"id": 1, "name": "the owner", "role": "owner", "color": "#f00"},
                               "cursor": {"x": 5, "y": 6}})
        client_id = viewer.doc.client_id
        await until(lambda: client_id in owner.awareness)
        seen = json.loads(owner.awareness[client_id])
        for client in (owner, viewer):
            await client.close()
        return seen

    seen = asyncio.run(scenario())
    viewer = people["viewer"]
    assert seen == {"user": {"id": viewer.pk, "name": "victor", "role": "viewer", "color": "#f00"},
                    "cursor": {"x": 5, "y": 6}}
