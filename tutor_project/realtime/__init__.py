"""Real-time plumbing shared by both sockets: JWT auth for WebSockets, rate limiting."""
