"""The channel layer whiteboard rooms relay over between processes.

With Redis, the project's layer (channels_redis' ``RedisChannelLayer``, a queue per
channel) spends four round trips on every ``group_send`` (expire the group, read
it, expire the queues, a script pushing to each) and four on every message received
(a clean-up script, a blocking pop, a backup write and its removal), one message at
a time: a relayed update reached the other process's clients tens of milliseconds
after the local ones. Rooms need no queue: whatever a relay loses, the log catch-up
heals. So with a Redis default layer rooms, and the doorbell of storage writers,
use channels_redis' pub/sub layer on the same hosts: one PUBLISH per relayed batch,
pushed to every subscribed process. Any other layer is used as it is.
"""
from __future__ import annotations

from weakref import WeakKeyDictionary

from channels.layers import BaseChannelLayer, get_channel_layer
from channels_redis.core import RedisChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer

# Follows the default layer's life (Channels builds a new one when settings change).
_pubsub: WeakKeyDictionary[RedisChannelLayer, RedisPubSubChannelLayer] = WeakKeyDictionary()


def relay_layer() -> BaseChannelLayer | RedisPubSubChannelLayer | None:
    layer = get_channel_layer()
    if not isinstance(layer, RedisChannelLayer):
        return layer
    if layer not in _pubsub:
        _pubsub[layer] = RedisPubSubChannelLayer(hosts=layer.hosts, prefix=layer.prefix)
    return _pubsub[layer]
