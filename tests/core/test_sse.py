"""The event-stream decoder: split points, line endings, and the SSE edge cases."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.api.sse import ChatStreamDecoder, MalformedEventError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sse"
NAMES = sorted(p.name for p in FIXTURES.glob("*.txt"))
ENDINGS = {"lf": b"\n", "crlf": b"\r\n", "cr": b"\r"}


def recorded(name: str, ending: bytes = b"\n") -> bytes:
    data = (FIXTURES / name).read_bytes()
    return data.replace(b"\n", ending) if ending != b"\n" else data


def decode(pieces: list[bytes]) -> tuple[list[dict[str, Any]], bool]:
    """Feed ``pieces`` one by one, then close; return the objects and ``done``."""
    decoder = ChatStreamDecoder()
    out: list[dict[str, Any]] = []
    for piece in pieces:
        out.extend(decoder.feed(piece))
    out.extend(decoder.close())
    return out, decoder.done


def reference(data: bytes) -> tuple[list[dict[str, Any]], bool]:
    """A plain line-by-line reading of the WHATWG rules, used as the oracle."""
    text = data.decode("utf-8").removeprefix("\ufeff")
    out: list[dict[str, Any]] = []
    done = False
    lines: list[str] = []
    kind = ""

    def dispatch() -> None:
        nonlocal done
        payload = "\n".join(lines)
        if not payload.strip():
            return
        if kind == "error":
            try:
                value = json.loads(payload)
            except ValueError:
                value = payload.strip()
            out.append(value if isinstance(value, dict) and "error" in value else {"error": value})
        elif payload.strip() == "[DONE]":
            done = True
        else:
            value = json.loads(payload)
            assert isinstance(value, dict)
            out.append(value)

    for line in re.split(r"\r\n|\r|\n", text):
        if not line:
            dispatch()
            lines, kind = [], ""
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            lines.append(value)
        elif name == "event":
            kind = value
    dispatch()
    return out, done


# --- recorded streams -------------------------------------------------------------


@pytest.mark.parametrize("ending", ENDINGS.values(), ids=ENDINGS.keys())
@pytest.mark.parametrize("name", NAMES)
def test_one_feed_matches_the_reference(name: str, ending: bytes) -> None:
    data = recorded(name, ending)
    got = decode([data])
    assert got == reference(data)
    assert got[0], "every recorded stream yields objects"


@pytest.mark.parametrize("ending", ENDINGS.values(), ids=ENDINGS.keys())
@pytest.mark.parametrize("name", NAMES)
def test_every_split_point_gives_the_same_objects(name: str, ending: bytes) -> None:
    data = recorded(name, ending)
    whole = decode([data])
    for cut in range(len(data) + 1):
        assert decode([data[:cut], data[cut:]]) == whole, f"split at byte {cut}"


@pytest.mark.parametrize("ending", ENDINGS.values(), ids=ENDINGS.keys())
@pytest.mark.parametrize("name", NAMES)
def test_byte_by_byte(name: str, ending: bytes) -> None:
    data = recorded(name, ending)
    assert decode([data[i : i + 1] for i in range(len(data))]) == decode([data])


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(NAMES),
    ending=st.sampled_from(list(ENDINGS.values())),
    cuts=st.lists(st.integers(min_value=0, max_value=5000), max_size=40),
)
def test_random_multi_splits(name: str, ending: bytes, cuts: list[int]) -> None:
    data = recorded(name, ending)
    points = sorted({min(c, len(data)) for c in cuts})
    pieces = [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]
    assert decode(pieces) == decode([data])


def test_openai_stream_content() -> None:
    objs, done = decode([recorded("openai_usage.txt")])
    assert done
    assert len(objs) == 14
    text = "".join(o["choices"][0]["delta"].get("content") or "" for o in objs if o["choices"])
    assert text == "Bonjour ! Voilà un café très chaud ☕ — 日本語 も OK 🙂👍."
    assert objs[-1]["choices"] == [] and objs[-1]["usage"]["completion_tokens"] == 13


def test_gateway_stream_fields() -> None:
    decoder = ChatStreamDecoder()
    objs = decoder.feed(recorded("gateway_error.txt", b"\r\n"))
    assert [o.get("error", {}).get("code") for o in objs] == [None, None, 504]
    assert objs[1]["choices"][0]["delta"] == {"content": "lo"}
    assert decoder.last_event_id == "2"
    assert decoder.retry_ms == 3000
    assert decoder.events == 3
    assert not decoder.done
    assert decoder.pending == b""


# --- generated streams against the reference --------------------------------------

_objects = st.dictionaries(
    st.sampled_from(["id", "content", "n", "x"]),
    st.one_of(st.text(max_size=8), st.integers(), st.none()),
    max_size=3,
)


@st.composite
def _streams(draw: st.DrawFn) -> bytes:
    lines: list[str] = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["data", "comment", "field", "done", "error", "blank"]))
        if kind == "data":
            text = json.dumps(
                draw(_objects), ensure_ascii=False, indent=draw(st.sampled_from([None, 1]))
            )
            space = draw(st.sampled_from(["", " "]))
            lines.extend(f"data:{space}{part}" for part in text.split("\n"))
        elif kind == "comment":
            lines.append(": " + draw(st.sampled_from(["OPENROUTER PROCESSING", "ping", ""])))
        elif kind == "field":
            lines.append(
                draw(st.sampled_from(["id: 7", "retry: 10", "event: message", "foo: bar"]))
            )
        elif kind == "done":
            lines.append("data: [DONE]")
        elif kind == "error":
            lines.extend(["event: error", "data: " + draw(st.sampled_from(["boom", '{"a": 1}']))])
        lines.append("")
    endings = draw(
        st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=len(lines), max_size=len(lines))
    )
    for i in range(1, len(lines)):
        # "\r" then an empty line ending in "\n" would read as one "\r\n" ending.
        if endings[i - 1] == "\r" and not lines[i] and endings[i].startswith("\n"):
            endings[i] = "\r"
    return "".join(line + end for line, end in zip(lines, endings, strict=True)).encode()


@settings(max_examples=400, deadline=None)
@given(data=_streams(), cuts=st.lists(st.integers(0, 400), max_size=12))
def test_generated_streams_match_the_reference(data: bytes, cuts: list[int]) -> None:
    points = sorted({min(c, len(data)) for c in cuts})
    pieces = [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]
    assert decode(pieces) == reference(data)


# --- edge cases ------------------------------------------------------------------


def test_comments_and_keepalives_yield_nothing() -> None:
    decoder = ChatStreamDecoder()
    assert decoder.feed(b": OPENROUTER PROCESSING\n\n:\n\n: ping\r\n\r\n") == []
    assert decoder.events == 0
    assert decoder.close() == []


def test_multi_line_data_joins_with_newline() -> None:
    decoder = ChatStreamDecoder()
    got = decoder.feed(b'data: {"a":\ndata: [1,\ndata:2]}\n\n')
    assert got == [{"a": [1, 2]}]


def test_data_without_space_and_extra_spaces() -> None:
    decoder = ChatStreamDecoder()
    got = decoder.feed(b'data:{"a":1}\n\ndata:  {"b":2}\n\n')
    assert got == [{"a": 1}, {"b": 2}]


def test_done_sets_done_and_yields_nothing() -> None:
    decoder = ChatStreamDecoder()
    assert decoder.feed(b'data: {"a":1}\n\ndata: [DONE]\n\n') == [{"a": 1}]
    assert decoder.done
    assert decoder.events == 2


def test_error_event_with_json_text_and_wrapped_json() -> None:
    decoder = ChatStreamDecoder()
    got = decoder.feed(
        b'event: error\ndata: {"message":"overloaded","code":529}\n\n'
        b"event: error\ndata: upstream went away\n\n"
        b'event: error\ndata: {"error":{"message":"x"}}\n\n'
    )
    assert got == [
        {"error": {"message": "overloaded", "code": 529}},
        {"error": "upstream went away"},
        {"error": {"message": "x"}},
    ]


def test_event_without_data_is_skipped() -> None:
    decoder = ChatStreamDecoder()
    assert decoder.feed(b"event: ping\nid: 5\n\nretry: 100\n\ndata:\n\n") == []
    assert decoder.last_event_id == "5"
    assert decoder.retry_ms == 100


def test_bom_at_start_is_dropped_even_when_split() -> None:
    data = b'\xef\xbb\xbfdata: {"a":1}\n\n'
    for cut in range(len(data) + 1):
        assert decode([data[:cut], data[cut:]]) == ([{"a": 1}], False)
    assert decode([b"\xef", b"\xbb", b"\xbf", b'data: {"a":1}\n\n']) == ([{"a": 1}], False)


def test_bom_later_is_part_of_the_field_name() -> None:
    decoder = ChatStreamDecoder()
    assert decoder.feed(b'data: {"a":1}\n\n') == [{"a": 1}]
    # The line's field is then "\ufeffdata", an unknown field: the event has no data.
    assert decoder.feed(b'\xef\xbb\xbfdata: {"b":2}\n\ndata: {"b":3}\n\n') == [{"b": 3}]


def test_non_json_data_raises_with_raw_and_can_continue() -> None:
    decoder = ChatStreamDecoder()
    with pytest.raises(MalformedEventError) as info:
        decoder.feed(b'data: {"a":1}\n\ndata: <html>Bad Gateway</html>\n\ndata: {"b":2}\n\n')
    assert info.value.raw == b"<html>Bad Gateway</html>"
    assert info.value.decoded == [{"a": 1}]
    assert isinstance(info.value, ValueError)
    assert decoder.feed(b"") == []
    assert decoder.feed(b'data: {"c":3}\n\n') == [{"b": 2}, {"c": 3}]


def test_non_object_json_raises() -> None:
    for payload in (b"42", b'"text"', b"[1, 2]", b"null"):
        with pytest.raises(MalformedEventError):
            ChatStreamDecoder().feed(b"data: " + payload + b"\n\n")


def test_raw_is_truncated() -> None:
    with pytest.raises(MalformedEventError) as info:
        ChatStreamDecoder().feed(b"data: " + b"x" * 10_000 + b"\n\n")
    assert 1000 < len(info.value.raw) <= 2048


def test_close_decodes_an_unterminated_last_event() -> None:
    decoder = ChatStreamDecoder()
    assert decoder.feed(b'data: {"a":1}\n\ndata: {"b":2}') == [{"a": 1}]
    assert decoder.pending == b'data: {"b":2}'
    assert decoder.close() == [{"b": 2}]
    assert decoder.pending == b""


def test_close_handles_done_and_line_endings_without_blank_line() -> None:
    decoder = ChatStreamDecoder()
    assert decoder.feed(b'data: {"a":1}\r\n\r\ndata: [DONE]\r') == [{"a": 1}]
    assert decoder.close() == []
    assert decoder.done


def test_close_ignores_trailing_whitespace() -> None:
    decoder = ChatStreamDecoder()
    decoder.feed(b'data: {"a":1}\n\n  \n')
    assert decoder.close() == []
    decoder = ChatStreamDecoder()
    decoder.feed(b'data: {"a":1}\n\n\r\n\t ')
    assert decoder.close() == []


def test_close_keeps_a_cut_short_event_in_pending() -> None:
    decoder = ChatStreamDecoder()
    decoder.feed(b'data: {"a":1}\n\ndata: {"choices":[{"delta":{"content":"hal')
    assert decoder.close() == []
    assert decoder.pending == b'data: {"choices":[{"delta":{"content":"hal'


def test_cr_at_end_of_feed_then_lf_is_one_line_ending() -> None:
    decoder = ChatStreamDecoder()
    assert decoder.feed(b'data: {"a":1}\r') == []
    assert decoder.feed(b"\n") == []
    assert decoder.feed(b"\r") == [{"a": 1}]
    assert decoder.feed(b'\ndata: {"b":2}\r') == []
    assert decoder.feed(b'\n\ndata: {"c":3}\r\n\r') == [{"b": 2}, {"c": 3}]
    assert decoder.feed(b"\n") == []
    assert decoder.pending == b""


def test_cr_only_dispatches_without_waiting_for_the_next_read() -> None:
    decoder = ChatStreamDecoder()
    assert decoder.feed(b'data: {"a":1}\r\r') == [{"a": 1}]


def test_multibyte_utf8_split_across_feeds() -> None:
    data = 'data: {"c":"日本語 🙂 é"}\n\n'.encode()
    for cut in range(len(data) + 1):
        decoder = ChatStreamDecoder()
        got = decoder.feed(data[:cut]) + decoder.feed(data[cut:])
        assert got == [{"c": "日本語 🙂 é"}]


def test_long_event_in_many_pieces() -> None:
    text = "x" * 200_000
    data = json.dumps({"content": text}).encode()
    decoder = ChatStreamDecoder()
    out: list[dict[str, Any]] = []
    for i in range(0, len(data), 1000):
        out += decoder.feed((b"data: " if i == 0 else b"") + data[i : i + 1000])
    assert out == []
    assert len(decoder.pending) == len(data) + 6
    assert decoder.feed(b"\n\n") == [{"content": text}]


def test_blank_lines_between_events_are_harmless() -> None:
    assert decode([b'\n\n\ndata: {"a":1}\n\n\n\n\ndata: {"b":2}\n\n\n']) == (
        [{"a": 1}, {"b": 2}],
        False,
    )


def test_empty_feeds() -> None:
    decoder = ChatStreamDecoder()
    assert decoder.feed(b"") == []
    assert decoder.close() == []
    assert not decoder.done
