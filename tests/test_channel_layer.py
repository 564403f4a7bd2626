"""The channel layers: Redis (production) keeps waiting consumers alive; the embedded
default's in-memory layer still expires abandoned messages with its sweep rate-limited."""
import asyncio
import time

import pytest
from channels.layers import get_channel_layer
from django.conf import settings

from tutor_project import channel_layer
from tutor_project.channel_layer import LocalChannelLayer


@pytest.mark.skipif(not settings.REDIS_URL, reason="the Redis channel layer is configured by REDIS_URL")
def test_a_consumer_idle_longer_than_the_blocking_pop_still_receives():
    async def scenario() -> float:
        layer = get_channel_layer()
        channel = await layer.new_channel()

        async def late_send() -> None:
            await asyncio.sleep(7)  # past channels_redis's 5 s pop and redis-py 8's default 5 s read timeout
            await layer.send(channel, {"type": "late", "n": 1})

        sender = asyncio.create_task(late_send())
        started = time.monotonic()
        message = await asyncio.wait_for(layer.receive(channel), 15)
        await sender
        assert message == {"type": "late", "n": 1}
        return time.monotonic() - started

    assert asyncio.run(scenario()) >= 7


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
