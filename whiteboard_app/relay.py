"""The channel layer whiteboard rooms relay over between processes.

With Redis, the project's default layer (channels_redis' ``RedisChannelLayer``, a queue
per channel) spends four round trips on every ``group_send`` (expire the group, read
it, expire the queues, a script pushing to each) and four on every message received
(a clean-up script, a blocking pop, a backup write and its removal), one message at
a time: a relayed update reached the other process's clients tens of milliseconds
after the local ones. Rooms need no queue: whatever a relay loses, the log catch-up
heals. So settings give rooms, and the doorbell of storage writers, their own layer
alias, channels_redis' pub/sub layer on the same hosts: one PUBLISH per relayed batch,
pushed to every subscribed process. Without that alias the default layer is used.
"""
from __future__ import annotations

from channels.layers import BaseChannelLayer, get_channel_layer

RELAY_ALIAS = "whiteboard"


def relay_layer() -> BaseChannelLayer | None:
    return get_channel_layer(RELAY_ALIAS) or get_channel_layer()
