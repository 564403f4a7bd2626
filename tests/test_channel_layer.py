"""The channel layers: Redis pub/sub (production) keeps waiting consumers alive and lets
them go when their sockets close; the embedded default's in-memory layer still expires
abandoned messages with its sweep rate-limited."""
import asyncio
import time

import pytest
from channels.layers import get_channel_layer
from django.conf import settings

from tutor_project import channel_layer
from tutor_project.channel_layer import LocalChannelLayer


@pytest.mark.skipif(not settings.REDIS_URL, reason="the Redis channel layer is configured by REDIS_URL")
def test_a_consumer_idle_for_seconds_still_receives():
    async def scenario() -> float:
        layer = get_channel_layer()
        channel = await layer.new_channel()

        async def late_send() -> None:
            await asyncio.sleep(7)  # past redis-py's idle checks and the layer's 0.1 s polls
            await layer.send(channel, {"type": "late", "n": 1})

        sender = asyncio.create_task(late_send())
        started = time.monotonic()
        message = await asyncio.wait_for(layer.receive(channel), 15)
        await sender
        assert message == {"type": "late", "n": 1}
        return time.monotonic() - started

    assert asyncio.run(scenario()) >= 7


@pytest.mark.skipif(not settings.REDIS_URL, reason="the Redis channel layer is configured by REDIS_URL")
def test_a_closing_consumer_can_cancel_its_receive_at_any_moment():
    """Channels cancels a consumer's pending receive when its socket closes; a receive that
    lost the cancel kept its consumer alive for good (CI once hung for its whole 90 minutes,
    on the queue layer: redis-py 8.0/8.1 turning the cancel into a TimeoutError, or a
    socket_timeout's asyncio.wait_for swallowing it). Whatever layer settings configure,
    the cancel is tried at every step of the receive, from before it starts to its wait."""
    async def cancel_after(steps: int) -> str:
        layer = get_channel_layer()
        receiving = asyncio.ensure_future(layer.receive(await layer.new_channel()))
        for _ in range(steps):
            await asyncio.sleep(0)
        receiving.cancel()
        done, _ = await asyncio.wait([receiving], timeout=8)
        if not done:
            return "still waiting"
        return "cancelled" if receiving.cancelled() else repr(receiving.exception())

    async def scenario() -> dict[int, str]:
        return {steps: await cancel_after(steps) for steps in range(30)}

    outcomes = asyncio.run(scenario())
    assert set(outcomes.values()) == {"cancelled"}, str(outcomes)


def test_the_local_layer_delivers_to_groups_and_sweeps_expired_messages_at_most_once_a_sweep(monkeypatch):
    monkeypatch.setattr(channel_layer, "SWEEP_SECONDS", 0.3)

    async def scenario() -> None:
        layer = LocalChannelLayer(expiry=0.05)
        live, stale = await layer.new_channel(), await layer.new_channel()
        await layer.group_add("g", live)
        await layer.group_add("g", stale)
        await layer.group_send("g", {"type": "bell", "n": 1})
        assert await layer.receive(live) == {"type": "bell", "n": 1}  # the first receive sweeps: nothing old yet

        await asyncio.sleep(0.1)  # `stale` never read its message: it has expired
        await layer.send(live, {"type": "bell", "n": 2})
        assert await layer.receive(live) == {"type": "bell", "n": 2}
        assert stale in layer.channels and stale in layer.groups["g"]  # within the sweep interval: not swept

        await asyncio.sleep(0.3)
        await layer.send(live, {"type": "bell", "n": 3})
        assert await layer.receive(live) == {"type": "bell", "n": 3}
        assert stale not in layer.channels and stale not in layer.groups["g"]  # swept, and left the group

    asyncio.run(scenario())
