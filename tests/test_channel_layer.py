"""The production channel layer (Redis) keeps waiting consumers alive."""
import asyncio
import time

import pytest
from channels.layers import get_channel_layer
from django.conf import settings


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
