"""The y-websocket wire protocol (what the stock ``y-websocket`` provider speaks).

A frame is ``varuint messageType`` then its body: SYNC (0) carries ``varuint syncType``
(0 step 1 with a state vector, 1 step 2 with an update, 2 update) and a varbytes
payload; AWARENESS (1) carries a varbytes awareness update; AUTH (2) is unused;
QUERY_AWARENESS (3) asks for everyone's awareness state. pycrdt supplies the
encoders; parsing is done here so a frame can be checked before anything is applied.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from pycrdt import Decoder, create_awareness_message, create_update_message, write_message, write_var_uint

SYNC, AWARENESS, AUTH, QUERY_AWARENESS = 0, 1, 2, 3
STEP1, STEP2, UPDATE = 0, 1, 2

Kind = Literal["step1", "step2", "update", "awareness", "query_awareness", "auth"]


class ProtocolError(ValueError):
    pass


@dataclass(frozen=True)
class Frame:
    kind: Kind
    payload: bytes = b""


def parse_frame(data: bytes) -> Frame:
    try:
        decoder = Decoder(data)
        message_type = decoder.read_var_uint()
        if message_type == SYNC:
            sync_type = decoder.read_var_uint()
            kind = {STEP1: "step1", STEP2: "step2", UPDATE: "update"}.get(sync_type)
            if kind is None:
                raise ProtocolError(f"unknown sync message type {sync_type}")
            return Frame(kind, decoder.read_message())  # type: ignore[arg-type]
        if message_type == AWARENESS:
            return Frame("awareness", decoder.read_message())
        if message_type == QUERY_AWARENESS:
            return Frame("query_awareness")
        if message_type == AUTH:
            return Frame("auth")
    except ProtocolError:
        raise
    except Exception as exc:  # pycrdt's decoder raises plain errors on short input
        raise ProtocolError(f"malformed frame: {exc}") from None
    raise ProtocolError(f"unknown message type {message_type}")


def step2_message(update: bytes) -> bytes:
    return write_var_uint(SYNC) + write_var_uint(STEP2) + write_message(update)


def update_message(update: bytes) -> bytes:
    return create_update_message(update)


# --- awareness: varuint count, then per client varuint id, varuint clock, varstring JSON


def parse_awareness(payload: bytes) -> list[tuple[int, int, str]]:
    try:
        decoder = Decoder(payload)
        count = decoder.read_var_uint()
        entries = []
        for _ in range(count):
            client, clock = decoder.read_var_uint(), decoder.read_var_uint()
            entries.append((client, clock, decoder.read_var_string()))
    except Exception as exc:
        raise ProtocolError(f"malformed awareness update: {exc}") from None
    for _, _, state in entries:
        try:
            json.loads(state)
        except ValueError:
            raise ProtocolError("awareness state is not JSON") from None
    return entries


def awareness_message(entries: list[tuple[int, int, str]]) -> bytes:
    parts = [write_var_uint(len(entries))]  # joined once: linear in the entries
    for client, clock, state in entries:
        parts += (write_var_uint(client), write_var_uint(clock), write_message(state.encode()))
    return create_awareness_message(b"".join(parts))


def stamped(state: str, user: dict[str, object]) -> str:
    """An awareness state with `user` written over its `user` fields: the server says who a
    presence is (SPEC 11), so nobody shows up under another name or role. `null` (a goodbye)
    and states that are not objects stay as they are."""
    value = json.loads(state)
    if not isinstance(value, dict):
        return state
    mine = value.get("user")
    value["user"] = {**(mine if isinstance(mine, dict) else {}), **user}
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
