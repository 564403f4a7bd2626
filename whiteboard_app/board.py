"""Reading and writing the board inside a pycrdt document.

Layout (SPEC 7): ``Y.Map("objects")`` maps object id -> the spec as a plain JSON value
(``ObjectSpec.to_json``), and ``Y.Map("ephemeral")`` maps id -> ``EphemeralSpec``. Plain
values (not nested Y.Maps) because the stock JS client and browsers read them as
ordinary objects, and an object is always replaced whole, so a reader never sees half
of one writer's change mixed with half of another's.

Entries written by clients may break the contract; readers skip them and report them
(``BoardState.invalid``) instead of failing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from pycrdt import Doc, Map

from whiteboard_app.skills.base import Drawing
from whiteboard_app.spatial import SpatialIndex
from whiteboard_app.specs import EphemeralSpec, ObjectSpec, SpecError, bbox, parse_ephemeral, parse_object

OBJECTS = "objects"
EPHEMERAL = "ephemeral"


def objects_map(doc: Doc) -> Map:
    return doc.get(OBJECTS, type=Map)


def ephemeral_map(doc: Doc) -> Map:
    return doc.get(EPHEMERAL, type=Map)


@dataclass
class BoardState:
    objects: dict[str, ObjectSpec] = field(default_factory=dict)
    ephemeral: dict[str, EphemeralSpec] = field(default_factory=dict)
    # (key, reason) for entries that break the contract.
    invalid: list[tuple[str, str]] = field(default_factory=list)

    def group(self, group_id: str) -> list[ObjectSpec]:
        return [o for o in self.objects.values() if o.metadata.group_id == group_id]

    def question(self, question_id: str) -> list[ObjectSpec]:
        """The objects of a multiple-choice question, its frame included."""
        return self.group(f"mcq-{question_id}")

    def to_json(self) -> dict[str, Any]:
        """Its objects, ephemeral entries, and entries that break the contract, as JSON."""
        return {
            "objects": {key: spec.to_json() for key, spec in self.objects.items()},
            "ephemeral": {key: entry.to_json() for key, entry in self.ephemeral.items()},
            "invalid": [{"id": key, "reason": reason} for key, reason in self.invalid],
        }


def read_board(doc: Doc) -> BoardState:
    state = BoardState()
    for key, value in objects_map(doc).to_py().items():
        try:
            state.objects[key] = parse_object(value, key=key)
        except SpecError as exc:
            state.invalid.append((key, str(exc)))
    for key, value in ephemeral_map(doc).to_py().items():
        try:
            state.ephemeral[key] = parse_ephemeral(value, key=key)
        except SpecError as exc:
            state.invalid.append((key, str(exc)))
    return state


def invalid_objects(doc: Doc, keys: Iterable[str] | None = None) -> list[str]:
    """The keys (all, or of ``keys``) whose object breaks the contract."""
    objects = objects_map(doc)
    bad = []
    for key in objects.keys() if keys is None else keys:
        value = objects[key]
        try:
            parse_object(value.to_py() if hasattr(value, "to_py") else value, key=key)
        except SpecError:
            bad.append(key)
    return bad


def apply_drawing(doc: Doc, drawing: Drawing) -> None:
    """Write a skill's result in one transaction (one Yjs update)."""
    objects, ephemeral = objects_map(doc), ephemeral_map(doc)
    with doc.transaction(origin="assistant"):
        for spec in drawing.objects:
            objects[spec.id] = spec.to_json()
        for entry in drawing.ephemeral:
            ephemeral[entry.id] = entry.to_json()


def delete_objects(doc: Doc, ids: Iterable[str], *, origin: str = "assistant") -> list[str]:
    """Delete the given objects; returns the ids that existed."""
    objects = objects_map(doc)
    removed = []
    with doc.transaction(origin=origin):
        for object_id in ids:
            if object_id in objects:
                del objects[object_id]
                removed.append(object_id)
    return removed


def delete_group(doc: Doc, group_id: str) -> list[str]:
    """Delete every object of a group, its frame included, and of the groups linked
    to it (a question's feedback goes with the question)."""
    state = read_board(doc)
    linked = [
        o.id for o in state.objects.values()
        if o.kind == "group" and o.metadata.linked_to == group_id
    ]
    members = [o.id for g in (group_id, *linked) for o in state.group(g)]
    return delete_objects(doc, members)


def remove_stale_ephemeral(doc: Doc, now_ms: int) -> list[str]:
    """Delete ephemeral entries whose expiresAt has passed; entries without a valid
    expiresAt count as stale, since nothing else would ever remove them."""
    entries = ephemeral_map(doc)
    stale = []
    for key, value in entries.to_py().items():
        try:
            expired = parse_ephemeral(value, key=key).expiresAt <= now_ms
        except SpecError:
            expired = True
        if expired:
            stale.append(key)
    if stale:
        with doc.transaction(origin="sweeper"):
            for key in stale:
                del entries[key]
    return stale


def build_index(state: BoardState) -> SpatialIndex:
    index = SpatialIndex()
    for spec in state.objects.values():
        index.upsert(spec.id, bbox(spec))
    return index


def assistant_groups_oldest_first(state: BoardState) -> list[str]:
    """Group ids of assistant drawings, oldest first: the order a caller clears them
    in when the board is full (the allocator never clears anything itself)."""
    frames = [
        o for o in state.objects.values()
        if o.kind == "group" and o.metadata.source == "assistant"
    ]
    frames.sort(key=lambda o: (o.metadata.created_at or 0, o.id))
    return [f.id for f in frames]
