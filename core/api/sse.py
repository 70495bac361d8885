"""An incremental server-sent-events decoder for chat-completion streams.

Bytes go in as they arrive from the network; out come the JSON objects of every
event completed so far. Parsing follows the WHATWG event-stream rules: events end
at a blank line; a line ends with ``\\n``, ``\\r\\n`` or ``\\r``; lines starting with
``:`` are comments; ``data:`` lines of one event are joined with ``\\n``;
``event:``, ``id:`` and ``retry:`` are recognised; a UTF-8 byte order mark at the
very start is dropped.

Chat streams are almost entirely events of one ``data: {...}`` line separated by
``\\n\\n``. A read holding exactly one such event while nothing is pending (what a
server streaming at token speed sends, one read per event) is decoded as it is. Other
reads are buffered and split on ``\\n\\n`` with C-level ``bytes`` methods; such events
are decoded straight from the slice, any other event goes through a general line
parser. Everything works on bytes, so a multi-byte UTF-8 character split across two
reads needs no special care.
"""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = ["ChatStreamDecoder", "MalformedEventError"]

_BOM = b"\xef\xbb\xbf"
_DONE = b"[DONE]"
_RAW_LIMIT = 2048
_LF = 0x0A
_CR = 0x0D

_decode = msgspec.json.Decoder(dict[str, Any]).decode
_decode_any = msgspec.json.Decoder().decode
_DecodeError = msgspec.DecodeError


class MalformedEventError(ValueError):
    """An event's data is not a JSON object.

    ``raw`` is the offending data (at most about 2 KB of it). ``decoded`` holds the
    objects of the same ``feed`` call that came before the bad event; the events
    after it stay buffered, so feeding on (even ``b""``) continues past it.
    """

    raw: bytes
    decoded: list[dict[str, Any]]

    def __init__(
        self, message: str, raw: bytes, decoded: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.raw = raw[:_RAW_LIMIT]
        self.decoded = decoded if decoded is not None else []


class ChatStreamDecoder:
    """Turns the bytes of a ``text/event-stream`` body into chunk dicts.

    ``feed`` returns the JSON object of every event completed by the bytes given,
    in order. ``data: [DONE]`` sets ``done`` and yields nothing. An event of type
    ``error`` yields ``{"error": ...}`` holding its parsed JSON (or its text), so
    consumers see errors in the same shape as in an ordinary chunk. ``close``
    decodes a final event that lacks its terminating blank line.
    """

    __slots__ = (
        "_at_start",
        "_buf",
        "_more",
        "_skip_lf",
        "done",
        "events",
        "last_event_id",
        "retry_ms",
    )

    def __init__(self) -> None:
        self.done = False
        # Events dispatched with data so far: objects yielded plus ``[DONE]``.
        self.events = 0
        self.last_event_id = ""
        self.retry_ms: int | None = None
        # Undecoded bytes, line endings already turned into "\n".
        self._buf = b""
        # Raw pieces received after ``_buf`` that hold no line ending at all.
        self._more: list[bytes] = []
        # The last byte seen was "\r": a "\n" opening the next piece belongs to it.
        self._skip_lf = False
        self._at_start = True

    @property
    def pending(self) -> bytes:
        """The bytes received but not decoded yet."""
        if self._more:
            return self._buf + b"".join(self._more)
        return self._buf

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        """Take the next bytes of the body; return the objects of completed events."""
        if (
            data[:6] == b"data: "
            and data[-1] == _LF
            and data[-2] == _LF
            and not self._buf
            and not self._more
            and not self._skip_lf
            and not self._at_start
        ):
            # One event of one data line and nothing pending, unless the payload holds
            # a line ending: how a server sending tokens as they come delivers them,
            # one read per event. (``in`` with an int is a plain byte search.)
            payload = data[6:-2]
            if _LF not in payload and _CR not in payload:
                try:
                    obj = _decode(payload)
                except _DecodeError:
                    return self._decode_parts([data[:-2]], True)
                self.events += 1
                return [obj]
        return self._feed_bytes(data)

    def _feed_bytes(self, data: bytes) -> list[dict[str, Any]]:
        """``feed`` for any bytes: buffered, split, and decoded block by block."""
        if not data:
            return []
        if self._skip_lf:
            self._skip_lf = False
            if data[:1] == b"\n":
                data = data[1:]
        if self._at_start:
            # Only a prefix of the byte order mark can have been kept so far.
            if self._more:
                data = self._take() + data
            if len(data) < len(_BOM) and _BOM.startswith(data):
                self._more.append(data)
                return []
            self._at_start = False
            if data.startswith(_BOM):
                data = data[len(_BOM) :]
        if b"\n" not in data and b"\r" not in data:
            # No line ending: nothing can complete. Keep the piece unjoined so that
            # one long event arriving in many reads is copied once, not per read.
            if data:
                self._more.append(data)
            return []
        if self._more:
            self._more.append(data)
            buf = self._take()
        elif self._buf:
            buf = self._buf + data
        else:
            buf = data
        if b"\r" in buf:
            if buf[-1:] == b"\r":
                self._skip_lf = True
            buf = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        parts = buf.split(b"\n\n")
        rest = parts.pop()
        self._buf = rest
        if not parts:
            return []
        # Every line ending is half of a separator: each block is a single line.
        single = buf.count(b"\n", 0, len(buf) - len(rest)) == 2 * len(parts)
        return self._decode_parts(parts, single)

    def close(self) -> list[dict[str, Any]]:
        """End of the body: decode a last event that was not terminated.

        Trailing whitespace and comments yield nothing. A last event whose data is
        not a complete JSON object (a body cut short) yields nothing either and
        stays in ``pending``.
        """
        self._at_start = False
        self._skip_lf = False
        buf = self._take()
        if b"\r" in buf:
            buf = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        parts = buf.split(b"\n\n")
        self._buf = parts.pop()
        out = self._decode_parts(parts, False) if parts else []
        rest = self._buf
        if rest.strip():
            try:
                out.extend(self._decode_parts([rest], False))
            except MalformedEventError as exc:
                out.extend(exc.decoded)
                return out
        self._buf = b""
        return out

    # --- internals --------------------------------------------------------------

    def _take(self) -> bytes:
        """Join ``_buf`` and the unjoined pieces into one buffer and clear both."""
        if self._more:
            self._more.insert(0, self._buf)
            buf = b"".join(self._more)
            self._more.clear()
        else:
            buf = self._buf
        self._buf = b""
        return buf

    def _decode_parts(self, parts: list[bytes], single_lines: bool) -> list[dict[str, Any]]:
        """Decode complete event blocks (the text between blank lines).

        ``single_lines``: no block holds a line ending, so a block starting with
        ``data: `` is exactly one data field.
        """
        out: list[dict[str, Any]] = []
        append = out.append
        decode = _decode
        i = 0
        try:
            if single_lines:
                for i, part in enumerate(parts):  # noqa: B007 - ``i`` is read on error
                    if part[:6] == b"data: ":
                        try:
                            append(decode(part[6:]))
                        except _DecodeError:
                            self._data(part[6:], b"", out)
                    elif part:
                        self._block(part, out)
            else:
                for i, part in enumerate(parts):  # noqa: B007 - ``i`` is read on error
                    self._block(part, out)
        except MalformedEventError as exc:
            self.events += len(out)
            rest = parts[i + 1 :]
            if rest:
                rest.append(self._buf)
                self._buf = b"\n\n".join(rest)
            exc.decoded = out
            raise
        self.events += len(out)
        return out

    def _block(self, block: bytes, out: list[dict[str, Any]]) -> None:
        """Parse one event block line by line and dispatch what it holds."""
        data: list[bytes] = []
        kind = b""
        for line in block.split(b"\n"):
            if not line:
                # A blank line: only at the start of a block, after "\n\n\n".
                if data:
                    self._data(b"\n".join(data), kind, out)
                data = []
                kind = b""
                continue
            if line[0] == 0x3A:  # ":" opens a comment
                continue
            name, _, value = line.partition(b":")
            if value[:1] == b" ":
                value = value[1:]
            if name == b"data":
                data.append(value)
            elif name == b"event":
                kind = value
            elif name == b"id":
                if b"\0" not in value:
                    self.last_event_id = value.decode("utf-8", "replace")
            elif name == b"retry" and value.isdigit():
                self.retry_ms = int(value)
        if data:
            self._data(b"\n".join(data), kind, out)

    def _data(self, payload: bytes, kind: bytes, out: list[dict[str, Any]]) -> None:
        """Dispatch one event's data (already joined) of event type ``kind``."""
        stripped = payload.strip()
        if not stripped:
            return
        if kind == b"error":
            out.append(_error_event(stripped))
            return
        if stripped == _DONE:
            # Counted here: it adds no object to ``out``.
            self.done = True
            self.events += 1
            return
        try:
            obj = _decode(payload)
        except _DecodeError as exc:
            raise MalformedEventError(f"event data is not a JSON object: {exc}", payload) from exc
        out.append(obj)


def _error_event(payload: bytes) -> dict[str, Any]:
    """The object of an ``event: error`` event: ``{"error": <JSON or text>}``."""
    try:
        value = _decode_any(payload)
    except _DecodeError:
        return {"error": payload.decode("utf-8", "replace")}
    if isinstance(value, dict) and "error" in value:
        return value
    return {"error": value}
