"""Limits of the tutor socket: frame size, frames per second per connection, LLM turns
per minute per learner. Read once from the environment (loud about bad values)."""
from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from redis.asyncio import Redis

from tutor_project.env import env_int
from tutor_project.loops import PerLoop

MAX_FRAME_BYTES = env_int("TUTOR_WS_MAX_FRAME_BYTES", 64 * 1024, minimum=256)
FRAMES_PER_SECOND = env_int("TUTOR_WS_FRAMES_PER_SECOND", 20, minimum=1)
FRAME_BURST = env_int("TUTOR_WS_FRAME_BURST", 40, minimum=1)
LLM_TURNS_PER_MINUTE = env_int("TUTOR_LLM_TURNS_PER_MINUTE", 20, minimum=1)


async def take_llm_turn(user_id: int, limit: int = LLM_TURNS_PER_MINUTE) -> bool:
    """Count one model turn against the learner's budget for this minute, shared by every
    Daphne process; False once the budget is spent."""
    key = f"tutor:llm-turns:{user_id}:{int(time.time() // 60)}"
    if not settings.REDIS_URL:  # the embedded default, one process: its local-memory cache, no I/O
        cache.add(key, 0, timeout=120)
        return cache.incr(key) <= limit
    # One round trip on the loop ahead of every turn: through Django's cache it was a
    # thread hop and two commands, a millisecond on the way to the first delta.
    async with (await _redis.get()).pipeline(transaction=False) as pipe:
        count, _ = await pipe.incr(key).expire(key, 120).execute()
    return count <= limit


_redis = PerLoop(lambda: Redis.from_url(settings.REDIS_URL, socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT),
                 Redis.aclose)
