"""The learner's budget of model turns per minute, shared by every process through the cache.

A sliding window, approximated from two fixed one-minute counters (this minute's, and last
minute's weighted by how much of it still lies within the last 60 seconds): unlike a bare
fixed window it gives no fresh budget when a minute rolls over, so a learner cannot spend
two minutes' worth within a second.
"""
from __future__ import annotations

import functools
import logging
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.base import BaseCache

from agents_app.agents import teacher
from agents_app.wiring import get_gateway
from tutor_project.web.errors import DomainError

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60


async def model_turns() -> bool:
    """Whether the learner's turns go to a model (and count): not in offline mode."""
    gateway = get_gateway()
    return gateway.uses_llm(await gateway.settings_for(teacher.NAME))


@functools.cache
def _counts() -> BaseCache:
    """The cache the counts live in, one handle for the whole process. Django's `cache` is a
    handle per thread and async context: every tutor socket had a Redis connection of its own,
    opened by its first turn (a handshake of several round trips on the way to the reply), and
    Redis refuses clients past its maxclients (10,000 by default). The Redis and local-memory
    backends are safe to share between threads."""
    return caches[DEFAULT_CACHE_ALIAS]


def _key(user_id: int, window: int) -> str:
    return f"tutor:llm-turns:{user_id}:{window}"


def spent() -> DomainError:
    return DomainError("turn_rate_limited", f"More than {settings.TUTOR_LLM_TURNS_PER_MINUTE} tutor turns a "
                       "minute; try again in a moment.", retryable=True)


async def take_llm_turn(user_id: int, *, now: float | None = None) -> bool:
    """`take` from async code, in one trip to the loop's executor for all its cache calls (the
    cache's async methods are each a trip to Django's one sync thread, which every socket and
    request shares)."""
    return await sync_to_async(take, thread_sensitive=False)(user_id, now=now)


def take(user_id: int, *, now: float | None = None) -> bool:
    """Count one model turn against the learner's budget; False (and nothing counted) once
    the last minute's turns reach TUTOR_LLM_TURNS_PER_MINUTE. With the cache away (Redis
    down) the turn goes ahead: the learner keeps learning, and the model has its own limits."""
    try:
        return _take(user_id, time.time() if now is None else now)
    except Exception:
        logger.warning("the turn budget of user %s could not be counted", user_id, exc_info=True)
        return True


def _take(user_id: int, now: float) -> bool:
    minute, into = divmod(now, WINDOW_SECONDS)
    current = _key(user_id, int(minute))
    try:
        count = _counts().incr(current)  # counted first, so concurrent takers cannot all slip through
    except ValueError:  # the minute's first turn (or its counter expired)
        count = 1 if _counts().add(current, 1, timeout=3 * WINDOW_SECONDS) else _counts().incr(current)
    previous = _last_minute.count(user_id, int(minute))
    if count + previous * (1 - into / WINDOW_SECONDS) > settings.TUTOR_LLM_TURNS_PER_MINUTE:
        _counts().decr(current)
        return False
    return True


class _LastMinute:
    """The learners' counts of the minute before the current one, read from the cache once per
    learner and process: a minute that is over no longer counts up, and each take saves a trip
    to the cache (the budget is taken before every model turn, while the learner waits)."""

    def __init__(self) -> None:
        self._minute = -1
        self._counts: dict[int, int] = {}

    def count(self, user_id: int, minute: int) -> int:
        if minute != self._minute:  # a new minute: the old counts are history (races drop a read, no more)
            self._minute, self._counts = minute, {}
        counts = self._counts
        if user_id not in counts:
            counts[user_id] = _counts().get(_key(user_id, minute - 1), 0)
        return counts[user_id]


_last_minute = _LastMinute()


async def give_back_llm_turn(user_id: int, *, now: float | None = None) -> None:
    await sync_to_async(give_back, thread_sensitive=False)(user_id, now=now)


def give_back(user_id: int, *, now: float | None = None) -> None:
    """Return a turn taken for a request that did not start one (a duplicate message, a turn
    already running)."""
    now = time.time() if now is None else now
    try:
        _counts().decr(_key(user_id, int(now // WINDOW_SECONDS)))
    except ValueError:
        pass  # the minute rolled over and its counter expired: nothing left to give back
    except Exception:
        logger.warning("a turn of user %s could not be given back", user_id, exc_info=True)
