"""Tutor socket figures on the project's Prometheus registry (per process, like the rest)."""
from prometheus_client import Counter, Gauge

from tutor_project.web.metrics import REGISTRY, WS_CONNECTIONS

CONNECTIONS = WS_CONNECTIONS.labels("tutor")
TURNS_RUNNING = Gauge("tutor_turns_running", "Tutor turns in progress in this process.", registry=REGISTRY)
TURNS = Counter("tutor_turns_total", "Tutor turns started in this process.", registry=REGISTRY)
# Pieces of turns' text by where they went: to this process's sockets, or also published on
# the channel layer for sockets on other processes (only turns followed from elsewhere).
TEXT_PIECES = Counter("tutor_text_pieces", "Pieces of tutor text sent out by this process's turns.", ["route"],
                      registry=REGISTRY)
PIECES_HERE, PIECES_PUBLISHED = TEXT_PIECES.labels("here"), TEXT_PIECES.labels("published")
