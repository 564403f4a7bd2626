"""Rooms relay over the `whiteboard` layer alias when settings define one (Redis pub/sub
with REDIS_URL), else over the default layer."""
import pytest
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings
from django.test import override_settings

from whiteboard_app.relay import RELAY_ALIAS, relay_layer

HOSTS = [{"address": "redis://127.0.0.1:1/0", "socket_timeout": 30}]
REDIS_LAYERS = {
    "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": HOSTS}},
    RELAY_ALIAS: {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer", "CONFIG": {"hosts": HOSTS}},
}
MEMORY_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def test_rooms_relay_over_the_whiteboard_alias_one_layer_per_process():
    with override_settings(CHANNEL_LAYERS=REDIS_LAYERS):
        relay = relay_layer()
        assert isinstance(relay, RedisPubSubChannelLayer) and relay is relay_layer()
        assert relay is not get_channel_layer()


def test_without_the_alias_the_default_layer_relays():
    with override_settings(CHANNEL_LAYERS=MEMORY_LAYERS):
        assert relay_layer() is get_channel_layer()


@pytest.mark.skipif(not settings.REDIS_URL, reason="the Redis layers are configured by REDIS_URL")
def test_with_redis_the_relay_is_pub_sub_on_the_default_layers_hosts():
    layers = settings.CHANNEL_LAYERS
    assert layers[RELAY_ALIAS]["BACKEND"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert layers[RELAY_ALIAS]["CONFIG"]["hosts"] == layers["default"]["CONFIG"]["hosts"]
