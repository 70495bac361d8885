"""The event-stream decoder fed one event per read, as a server streaming at token speed
sends it: the reads that take the single-event path and the ones that must not."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.api.sse import ChatStreamDecoder, MalformedEventError
from tests.core.test_sse import ENDINGS, NAMES, _streams, decode, recorded, reference

# A blank line: two line endings in a row ("\r\n" counts as one).
_EVENT_END = re.compile(rb"(?:\r\n|\r|\n)(?:\r\n|\r|\n)")


def per_event(data: bytes) -> list[bytes]:
    """``data`` cut right after every blank line: one read per event."""
    points = [m.end() for m in _EVENT_END.finditer(data)]
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True) if a < b]


def started() -> ChatStreamDecoder:
    """A decoder past the start of the body (no byte order mark to look for)."""
    decoder = ChatStreamDecoder()
    assert decoder.feed(b": hello\n\n") == []
    return decoder


# --- whole streams, one read per event ----------------------------------------------


@pytest.mark.parametrize("ending", ENDINGS.values(), ids=ENDINGS.keys())
@pytest.mark.parametrize("name", NAMES)
def test_recorded_streams_one_event_per_read(name: str, ending: bytes) -> None:
    data = recorded(name, ending)
    pieces = per_event(data)
    assert len(pieces) > 3
    assert decode(pieces) == reference(data)


@pytest.mark.parametrize("ending", ENDINGS.values(), ids=ENDINGS.keys())
@pytest.mark.parametrize("name", NAMES)
def test_every_event_cut_in_two_after_the_single_event_check(name: str, ending: bytes) -> None:
    """Each event split over two reads at every point, the others one read each."""
    data = recorded(name, ending)
    pieces = per_event(data)
    whole = reference(data)
    for i, piece in enumerate(pieces):
        for cut in range(1, len(piece)):
            cut_up = [*pieces[:i], piece[:cut], piece[cut:], *pieces[i + 1 :]]
            assert decode(cut_up) == whole, f"event {i} cut at byte {cut}"


@settings(max_examples=400, deadline=None)
@given(data=_streams(), cuts=st.lists(st.integers(0, 400), max_size=6))
def test_generated_streams_one_event_per_read(data: bytes, cuts: list[int]) -> None:
    points = {m.end() for m in _EVENT_END.finditer(data)}
    points |= {min(c, len(data)) for c in cuts}
    ordered = sorted(points)
    pieces = [data[a:b] for a, b in zip([0, *ordered], [*ordered, len(data)], strict=True)]
    assert decode(pieces) == reference(data)


# --- single reads: what the one-event path takes and hands on ------------------------


def test_one_event_per_read_yields_each_object_at_once() -> None:
    decoder = started()
    assert decoder.feed(b'data: {"a":1}\n\n') == [{"a": 1}]
    assert decoder.feed(b'data: {"b":"\xc3\xa9"}\n\n') == [{"b": "é"}]
    assert decoder.events == 2
    assert decoder.pending == b""
    assert decoder.close() == []


def test_first_read_of_the_body_is_one_event() -> None:
    assert decode([b'data: {"a":1}\n\n', b'data: {"b":2}\n\n']) == ([{"a": 1}, {"b": 2}], False)
    assert decode([b'\xef\xbb\xbfdata: {"a":1}\n\n', b'data: {"b":2}\n\n']) == (
        [{"a": 1}, {"b": 2}],
        False,
    )


def test_done_in_a_read_of_its_own() -> None:
    decoder = started()
    assert decoder.feed(b'data: {"a":1}\n\n') == [{"a": 1}]
    assert decoder.feed(b"data: [DONE]\n\n") == []
    assert decoder.done
    assert decoder.events == 2


def test_empty_and_blank_data_in_a_read_of_their_own() -> None:
    decoder = started()
    assert decoder.feed(b"data: \n\n") == []
    assert decoder.feed(b"data:  \t \n\n") == []
    assert decoder.events == 0
    assert decoder.feed(b'data:  {"a":1}\n\n') == [{"a": 1}]


def test_error_object_in_a_read_of_its_own_is_an_ordinary_chunk() -> None:
    decoder = started()
    assert decoder.feed(b'data: {"error":{"message":"x","code":500}}\n\n') == [
        {"error": {"message": "x", "code": 500}}
    ]


def test_malformed_event_in_a_read_of_its_own() -> None:
    decoder = started()
    assert decoder.feed(b'data: {"a":1}\n\n') == [{"a": 1}]
    with pytest.raises(MalformedEventError) as info:
        decoder.feed(b"data: <html>Bad Gateway</html>\n\n")
    assert info.value.raw == b"<html>Bad Gateway</html>"
    assert info.value.decoded == []
    assert decoder.pending == b""
    assert decoder.events == 1
    assert decoder.feed(b'data: {"b":2}\n\n') == [{"b": 2}]


@pytest.mark.parametrize("payload", [b"42", b'"text"', b"[1, 2]", b"null", b"{", b'{"a":1}x'])
def test_non_object_data_in_a_read_of_its_own_raises(payload: bytes) -> None:
    with pytest.raises(MalformedEventError) as info:
        started().feed(b"data: " + payload + b"\n\n")
    assert info.value.raw == payload


def test_long_malformed_event_in_a_read_of_its_own_is_truncated() -> None:
    with pytest.raises(MalformedEventError) as info:
        started().feed(b"data: " + b"x" * 10_000 + b"\n\n")
    assert 1000 < len(info.value.raw) <= 2048


@pytest.mark.parametrize(
    ("read", "objects"),
    [
        # Line endings other than "\n" inside the read: each is a line of its own.
        (b'data: {"a":1}\r\n\r\n', [{"a": 1}]),
        (b'data: {"a":1}\r\r', [{"a": 1}]),
        (b'data: {"a":1}\r\n\n', [{"a": 1}]),
        (b'data: {"a":\r1}\n\n', None),
        (b'data: {"a":\n1}\n\n', None),
        (b'data: {"a":\r\ndata: 1}\n\n', [{"a": 1}]),
        # Several data lines: joined with "\n".
        (b'data: {"a":\ndata: [1,\ndata:2]}\n\n', [{"a": [1, 2]}]),
        # Two events in one read.
        (b'data: {"a":1}\n\ndata: {"b":2}\n\n', [{"a": 1}, {"b": 2}]),
        # Other fields.
        (
            b'event: error\ndata: {"message":"x","code":1}\n\n',
            [{"error": {"message": "x", "code": 1}}],
        ),
        (b'id: 7\ndata: {"a":1}\n\n', [{"a": 1}]),
        (b'data: {"a":1}\nid: 7\n\n', [{"a": 1}]),
        (b'data: {"a":1}\n: comment\n\n', [{"a": 1}]),
        (b'data:{"a":1}\n\n', [{"a": 1}]),
        # Comments and keep-alives.
        (b": keep-alive\n\n", []),
        (b":\n\n", []),
        (b"\n\n", []),
    ],
)
def test_reads_that_are_not_one_plain_event(read: bytes, objects: list[Any] | None) -> None:
    decoder = started()
    if objects is None:
        with pytest.raises(MalformedEventError):
            decoder.feed(read)
    else:
        assert decoder.feed(read) == objects
    assert decoder.pending == b""
    assert decoder.feed(b'data: {"z":0}\n\n') == [{"z": 0}]


def test_fields_in_reads_before_the_data_belong_to_its_event() -> None:
    decoder = started()
    assert decoder.feed(b"id: 41\n") == []
    assert decoder.feed(b'data: {"a":1}\n\n') == [{"a": 1}]
    assert decoder.last_event_id == "41"
    assert decoder.feed(b"event: error\n") == []
    assert decoder.feed(b'data: {"message":"x","code":2}\n\n') == [
        {"error": {"message": "x", "code": 2}}
    ]
    assert decoder.feed(b"retry: 250\n") == []
    assert decoder.feed(b": ping\n") == []
    assert decoder.feed(b'data: {"b":2}\n\n') == [{"b": 2}]
    assert decoder.retry_ms == 250


def test_data_line_in_an_earlier_read_joins_the_next_one() -> None:
    decoder = started()
    assert decoder.feed(b'data: {"a":\n') == []
    # Alone this read would be the malformed "1}"; after the first line it completes it.
    assert decoder.feed(b"data: 1}\n\n") == [{"a": 1}]


def test_event_cut_right_before_its_blank_line() -> None:
    decoder = started()
    assert decoder.feed(b'data: {"a":1}\n') == []
    assert decoder.feed(b"\n") == [{"a": 1}]
    assert decoder.feed(b'data: {"b":2}') == []
    assert decoder.feed(b"\n\n") == [{"b": 2}]
    assert decoder.feed(b'data: {"c":3}\n\n') == [{"c": 3}]


def test_event_cut_inside_its_payload() -> None:
    decoder = started()
    assert decoder.feed(b'data: {"a":') == []
    assert decoder.feed(b'1}\n\ndata: {"b":2}\n\n') == [{"a": 1}, {"b": 2}]
    assert decoder.feed(b'data: {"x":"') == []
    # This read looks like a whole event ({}) but ends the pending line.
    assert decoder.feed(b'data: {}"}\n\n') == [{"x": "data: {}"}]


def test_read_ending_exactly_at_an_event_boundary_after_a_partial_one() -> None:
    decoder = started()
    assert decoder.feed(b'data: {"a":1}\n\ndata: {"b"') == [{"a": 1}]
    assert decoder.feed(b":2}\n\n") == [{"b": 2}]
    assert decoder.pending == b""
    assert decoder.feed(b'data: {"c":3}\n\n') == [{"c": 3}]


def test_cr_at_the_end_of_a_read_before_a_plain_event() -> None:
    decoder = started()
    assert decoder.feed(b'data: {"a":1}\r\r') == [{"a": 1}]
    assert decoder.feed(b'data: {"b":2}\n\n') == [{"b": 2}]
    assert decoder.feed(b'data: {"c":3}\r') == []
    # The "\n" opening the next read ends the same line; the second one ends the event.
    assert decoder.feed(b"\n\n") == [{"c": 3}]
    assert decoder.feed(b'data: {"d":4}\n\n') == [{"d": 4}]


def test_a_cr_before_a_plain_event_does_not_swallow_a_later_lf() -> None:
    decoder = started()
    assert decoder.feed(b'data: {"a":1}\r\r') == [{"a": 1}]
    assert decoder.feed(b'data: {"b":2}\n\n') == [{"b": 2}]
    assert decoder.feed(b"\n") == []
    assert decoder.pending == b"\n"


def test_bom_after_a_first_read_of_one_event_is_part_of_the_field_name() -> None:
    assert decode([b'data: {"a":1}\n\n', b'\xef\xbb\xbfdata: {"b":2}\n\n']) == (
        [{"a": 1}],
        False,
    )
