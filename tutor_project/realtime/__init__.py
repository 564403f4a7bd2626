"""Real-time plumbing shared by both sockets: JWT auth for WebSockets, rate limiting, database
access from async code, closing a revoked user's sockets."""

# A channel layer alias that CHANNEL_LAYERS does not configure: a consumer naming it gets no
# channel of its own (get_channel_layer documents None for an unconfigured alias). The
# sockets hear the layer through channels their parts open (deliveries, rooms, turns), so
# they need none, and one fewer subscription per socket means a Redis outage does not fail
# their handshake.
NO_CONSUMER_CHANNEL = "no-consumer-channel"
