"""The per-frame work of autobahn that tutor_project.autobahn_costs replaces behaves as
autobahn's own did."""
import os

import pytest
from autobahn.nvx._xormasker import create_xor_masker as native_masker
from autobahn.websocket import protocol
from daphne.ws_protocol import WebSocketProtocol

from tutor_project.autobahn_costs import SMALL_FRAME, SmallFrameMasker, create_xor_masker, skip_unused_frame_work


@pytest.mark.parametrize("size", [0, 1, 3, 4, 5, 60, 1021, SMALL_FRAME - 1])
def test_small_frames_are_unmasked_exactly_as_the_native_masker_does(size):
    mask, payload = os.urandom(4), os.urandom(size)
    assert SmallFrameMasker(mask).process(payload) == native_masker(mask, size).process(payload)


def test_a_payload_unmasked_in_pieces_keeps_the_masks_phase():
    mask, payload = os.urandom(4), os.urandom(301)
    masker = SmallFrameMasker(mask)
    pieces = [masker.process(payload[:7]), masker.process(payload[7:150]), masker.process(payload[150:])]
    assert b"".join(pieces) == native_masker(mask, 301).process(payload)
    assert masker.pointer() == 301
    masker.reset()
    assert masker.process(payload) == b"".join(pieces)


def test_only_small_frames_take_the_integer_masker():
    assert isinstance(create_xor_masker(b"abcd", SMALL_FRAME - 1), SmallFrameMasker)
    assert not isinstance(create_xor_masker(b"abcd", SMALL_FRAME), SmallFrameMasker)
    assert not isinstance(create_xor_masker(b"abcd"), SmallFrameMasker)  # length unknown


def received_message(observe: bool) -> tuple[list, list, WebSocketProtocol]:
    """A message's end as autobahn's frame parser reports it; (messages handled, messages
    observers saw, the socket)."""
    skip_unused_frame_work()
    socket, handled, observed = WebSocketProtocol(), [], []
    socket.onMessage = lambda payload, binary: handled.append((payload, binary))
    if observe:
        socket.on("message", lambda payload, is_binary: observed.append(payload))
    else:
        socket.fire = lambda *args, **kwargs: observed.append(args)  # must not be called
    socket.failedByMe, socket.trackedTimings = False, None
    socket.message_data, socket.message_is_binary = [b"he", b"llo"], True
    socket.onMessageEnd()
    return handled, observed, socket


def test_a_message_reaches_on_message_without_building_a_signal_nobody_observes():
    handled, fired, socket = received_message(observe=False)
    assert handled == [(b"hello", True)] and fired == []
    assert socket.message_data is None


def test_an_observed_message_still_fires_its_signal():
    handled, observed, _ = received_message(observe=True)
    assert handled == [(b"hello", True)] and observed == [b"hello"]


def test_debug_log_arguments_are_passed_through_unformatted():
    skip_unused_frame_work()
    assert protocol.hltype(len) is len and protocol.hlval(42) == 42
    assert protocol.create_xor_masker is create_xor_masker
