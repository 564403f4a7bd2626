"""Board analytics as pure functions over data the edges load: objects by source and
kind, and learner annotations over time replayed from the update log."""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from pycrdt import Doc, MapEvent
from pydantic import BaseModel

from whiteboard_app.board import objects_map
from whiteboard_app.specs import ObjectSpec


def objects_by_source_and_kind(objects: Iterable[ObjectSpec]) -> dict[str, dict[str, int]]:
    """{source: {kind: count}}, kinds most common first."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for spec in objects:
        counts[spec.metadata.source][spec.kind] += 1
    return {source: dict(kinds.most_common()) for source, kinds in sorted(counts.items())}


class AnnotationBucket(BaseModel):
    start: datetime
    added: int
    removed: int
    total: int


class AnnotationTimeline(BaseModel):
    buckets: list[AnnotationBucket]
    # Log entries that pycrdt could not apply (should be none: the server checks
    # every update before storing it).
    skipped_updates: int


def _is_learner(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("metadata"), dict) \
        and value["metadata"].get("source") == "user"


def learner_annotations_over_time(
    updates: Iterable[tuple[datetime, bytes]],
    *,
    bucket: timedelta = timedelta(minutes=1),
    base_state: bytes | None = None,
) -> AnnotationTimeline:
    """Replay the update log (oldest first) on top of ``base_state`` (a snapshot, whose
    own content is not counted) and count learner objects added and removed per time
    bucket, with the running total at the end of each bucket."""
    doc = Doc()
    if base_state:
        doc.apply_update(base_state)
    objects = objects_map(doc)
    total = sum(1 for v in objects.to_py().values() if _is_learner(v))
    changes: list[tuple[int, int]] = []  # (+1 added / -1 removed) per key event

    def on_change(event: MapEvent) -> None:
        for change in event.keys.values():
            was, now = _is_learner(change.get("oldValue")), _is_learner(change.get("newValue"))
            if now and not was:
                changes.append((1, 0))
            elif was and not now:
                changes.append((0, 1))

    objects.observe(on_change)
    per_bucket: dict[datetime, list[int]] = {}
    skipped = 0
    for at, update in updates:
        changes.clear()
        try:
            doc.apply_update(update)
        except ValueError:  # pycrdt's answer to malformed update bytes
            skipped += 1
            continue
        start = _floor(at, bucket)
        counts = per_bucket.setdefault(start, [0, 0])
        for added, removed in changes:
            counts[0] += added
            counts[1] += removed
    buckets = []
    for start in sorted(per_bucket):
        added, removed = per_bucket[start]
        total += added - removed
        if added or removed:
            buckets.append(AnnotationBucket(start=start, added=added, removed=removed, total=total))
    return AnnotationTimeline(buckets=buckets, skipped_updates=skipped)


def _floor(at: datetime, size: timedelta) -> datetime:
    aware = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    return epoch + ((aware - epoch) // size) * size
