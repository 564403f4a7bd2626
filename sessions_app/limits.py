"""Limits of the tutor socket: frame size, frames per second per connection, LLM turns
per minute per learner. Read once from the environment (loud about bad values)."""
from __future__ import annotations

import time

from asgiref.sync import sync_to_async
from django.core.cache import cache

from tutor_project.env import env_int

MAX_FRAME_BYTES = env_int("TUTOR_WS_MAX_FRAME_BYTES", 64 * 1024, minimum=256)
FRAMES_PER_SECOND = env_int("TUTOR_WS_FRAMES_PER_SECOND", 20, minimum=1)
FRAME_BURST = env_int("TUTOR_WS_FRAME_BURST", 40, minimum=1)
LLM_TURNS_PER_MINUTE = env_int("TUTOR_LLM_TURNS_PER_MINUTE", 20, minimum=1)


async def take_llm_turn(user_id: int, limit: int = LLM_TURNS_PER_MINUTE) -> bool:
    """Count one model turn against the learner's budget for this minute, in the shared
    cache so every Daphne process counts together; False once the budget is spent."""
    return await sync_to_async(_take, thread_sensitive=False)(user_id, limit)


def _take(user_id: int, limit: int) -> bool:
    key = f"tutor:llm-turns:{user_id}:{int(time.time() // 60)}"
    cache.add(key, 0, timeout=120)
    return cache.incr(key) <= limit  # atomic in the local-memory and Redis caches
