"""After a crash a client can resend queued edits before the edit the server lost;
those wait outside the room's document. A peer joining meanwhile must still get them
once the missing edit arrives, even from a third client that never held them."""
import asyncio

from pycrdt import Doc, Map, create_sync_message

from whiteboard_app import protocol
from whiteboard_app.limits import current
from whiteboard_app.rooms import Identity, Room
from tests.whiteboard.helpers import spec


class Recorder:
    """A connection that applies every update frame it is sent to its own document."""

    def __init__(self) -> None:
        self.doc = Doc()
        self.objects = self.doc.get("objects", type=Map)

    async def send_frame(self, data: bytes) -> None:
        frame = protocol.parse_frame(data)
        if frame.kind in ("step2", "update"):
            self.doc.apply_update(frame.payload)

    async def close_with(self, code: int, reason: str | None = None) -> None:
        raise AssertionError(f"closed with {code}")


OWNER = Identity(1, "ada", "owner")


def edits(count: int) -> list[bytes]:
    doc = Doc()
    updates: list[bytes] = []
    doc.observe(lambda event: updates.append(event.update))
    objects = doc.get("objects", type=Map)
    for n in range(count):
        objects[f"e{n}"] = spec(f"e{n}", n)
    return updates


def test_it_sends_waiting_edits_to_a_late_peer_when_the_missing_edit_arrives():
    first, second, third = edits(3)

    async def scenario() -> set[str]:
        room = Room(session_id=1, board_id=1, limits=current())
        author, holder, late = Recorder(), Recorder(), Recorder()
        late.doc.apply_update(first)  # reconnecting clients hold what they saw before
        await room.join(author, OWNER)
        await room.join(holder, OWNER)
        await room.receive(author, protocol.update_message(first))
        await room.receive(author, protocol.update_message(third))  # waits for `second`
        await room.join(late, OWNER)
        await room.receive(late, create_sync_message(late.doc))  # its step 2 lacks `third`
        await room.receive(holder, protocol.update_message(second))
        return set(late.objects.keys())

    assert asyncio.run(scenario()) == {"e0", "e1", "e2"}
