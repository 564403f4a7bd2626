"""Whiteboard figures on the project's Prometheus registry (per process, like the rest)."""
from prometheus_client import Counter, Gauge

from tutor_project.web.metrics import REGISTRY, WS_CONNECTIONS

ROOM_LOADS = Counter("tutor_whiteboard_room_loads_total", "Rooms loaded from storage.", registry=REGISTRY)
ROOMS_OPEN = Gauge("tutor_whiteboard_rooms", "Rooms loaded in this process.", registry=REGISTRY)
UPDATES = Counter(
    "tutor_whiteboard_updates_total", "Updates applied to rooms, by where they came from.", ["source"],
    registry=REGISTRY,
)
# Bound once: resolving a label costs a lock and a dict lookup, and rooms count every update.
CLIENT_UPDATES, SERVER_UPDATES, REMOTE_UPDATES = (UPDATES.labels(source) for source in ("client", "server", "remote"))
LOG_ROWS = Counter("tutor_whiteboard_log_rows_total", "Batches written to the update log.", registry=REGISTRY)
CLOSED = Counter(
    "tutor_whiteboard_refused_total", "Connections closed for breaking a rule, by close code.", ["code"],
    registry=REGISTRY,
)
INVALID_OBJECTS = Counter(
    "tutor_whiteboard_invalid_objects_total",
    "Objects a client wrote that break the object contract, removed from the room.", registry=REGISTRY,
)
CONNECTIONS = WS_CONNECTIONS.labels("whiteboard")
READ_ONLY_UPDATES = Counter(
    "tutor_whiteboard_read_only_updates_total", "Updates from viewers, dropped unapplied (SPEC 11).",
    registry=REGISTRY,
)
