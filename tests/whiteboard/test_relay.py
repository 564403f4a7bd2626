"""Rooms relay over Redis pub/sub when the project's layer is Redis, else over that layer."""
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.test import override_settings

from whiteboard_app.relay import relay_layer

REDIS_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                            "CONFIG": {"hosts": [{"address": "redis://127.0.0.1:1/0", "socket_timeout": 30}]}}}
MEMORY_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def test_a_redis_layer_is_relayed_over_one_pub_sub_layer_on_its_hosts():
    with override_settings(CHANNEL_LAYERS=REDIS_LAYERS):
        relay = relay_layer()
        assert isinstance(relay, RedisPubSubChannelLayer)
        assert relay is relay_layer()
        assert relay._kwargs["hosts"] == get_channel_layer().hosts


def test_any_other_layer_is_used_as_it_is():
    with override_settings(CHANNEL_LAYERS=MEMORY_LAYERS):
        assert relay_layer() is get_channel_layer()
