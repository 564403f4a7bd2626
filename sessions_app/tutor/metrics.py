"""Tutor socket figures on the project's Prometheus registry (per process, like the rest)."""
from prometheus_client import Counter, Gauge

from tutor_project.web.metrics import REGISTRY, WS_CONNECTIONS

CONNECTIONS = WS_CONNECTIONS.labels("tutor")
TURNS_RUNNING = Gauge("tutor_turns_running", "Tutor turns in progress in this process.", registry=REGISTRY)
TURNS = Counter("tutor_turns_total", "Tutor turns started in this process.", registry=REGISTRY)
