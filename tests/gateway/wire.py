"""What goes over one connection of the fake gateway: the record of a request, and the
writer of one ``Reply`` to the socket.

Waits (slow tokens, slow headers, hangs) watch the client's socket, so a client that
goes away is noticed at once (``ClientGone``), and watch an abort flag, so the
gateway's ``reset()`` and ``stop()`` end them (``Aborted``).
"""

from __future__ import annotations

import math
import select
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.gateway.replies import Pause, Reply

_POLL_S = 0.02


class ClientGone(Exception):
    """The client closed the connection while the gateway was answering."""


class Aborted(Exception):
    """``reset()`` or ``stop()`` ended a wait."""


@dataclass
class Recorded:
    """One request the gateway received."""

    number: int
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    raw: bytes
    body: Any  # the parsed JSON body, or None
    client_port: int  # tells connections apart: equal ports mean a reused connection
    received_at: float = field(default_factory=time.monotonic)  # once read whole
    disconnected: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)
    # time.monotonic() after each stream event was written to the socket
    sent_at: list[float] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The bearer token sent, or ""."""
        auth = self.headers.get("authorization", "")
        return auth[7:] if auth.lower().startswith("bearer ") else ""


class Responder:
    """Writes one ``Reply`` to the handler's connection."""

    def __init__(
        self,
        handler: BaseHTTPRequestHandler,
        rec: Recorded,
        abort: threading.Event,
        echo: Callable[[Recorded, Reply], Reply],
    ) -> None:
        self.handler = handler
        self.rec = rec
        self.abort = abort
        self.echo = echo  # makes the default answer of an ``echo`` reply

    def send(self, reply: Reply) -> None:
        if reply.head_delay:
            self.pause(reply.head_delay)
        if reply.kind == "echo":
            reply = self.echo(self.rec, reply)
        if reply.kind == "hang":
            self.pause(math.inf)
        elif reply.kind == "drop":
            self.handler.close_connection = True
        elif reply.kind == "body":
            self.start(reply, chunked=reply.chunked, length=len(reply.body))
            if reply.chunked:
                for at in range(0, len(reply.body), 65536):
                    self.write_chunk(reply.body[at : at + 65536])
                self.write(b"0\r\n\r\n")
            else:
                self.write(reply.body)
        else:
            self.stream(reply)

    def stream(self, reply: Reply) -> None:
        self.start(reply, chunked=True)
        sent = 0
        events = [*reply.events, *([b"data: [DONE]\n\n"] if reply.done else [])]
        for event in events:
            if isinstance(event, Pause):
                self.pause(event.seconds)
                continue
            if reply.cut_after is not None and sent >= reply.cut_after:
                self.handler.close_connection = True  # the chunked body is never ended
                return
            if sent and reply.delay:
                self.pause(reply.delay)
            self.write_chunk(event)
            self.rec.sent_at.append(time.monotonic())
            sent += 1
        self.write(b"0\r\n\r\n")

    def start(self, reply: Reply, *, chunked: bool, length: int = 0) -> None:
        h = self.handler
        h.send_response(reply.status)
        headers: dict[str, str] = {"x-request-id": f"req-{self.rec.number}"}
        if reply.content_type:
            headers["Content-Type"] = reply.content_type
        if chunked:
            headers["Transfer-Encoding"] = "chunked"
            headers["Cache-Control"] = "no-cache"
        else:
            headers["Content-Length"] = str(length)
        for name, value in merged(headers, reply.headers).items():
            h.send_header(name, value)
        try:
            h.end_headers()
        except OSError as exc:
            raise ClientGone from exc

    def write(self, data: bytes) -> None:
        try:
            self.handler.wfile.write(data)
        except OSError as exc:
            raise ClientGone from exc

    def write_chunk(self, data: bytes) -> None:
        if data:
            self.write(b"%x\r\n%s\r\n" % (len(data), data))

    def pause(self, seconds: float) -> None:
        """Wait ``seconds``; raise when the client leaves or the gateway is reset."""
        deadline = time.monotonic() + seconds
        conn = self.handler.connection
        while True:
            if self.abort.is_set():
                raise Aborted
            left = deadline - time.monotonic()
            if left <= 0:
                return
            readable, _, _ = select.select([conn], [], [], min(left, _POLL_S))
            if readable:
                try:
                    peeked = conn.recv(1, socket.MSG_PEEK)
                except OSError as exc:
                    raise ClientGone from exc
                if not peeked:
                    raise ClientGone
                time.sleep(min(left, _POLL_S))


def merged(base: dict[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    """``base`` with ``extra`` on top, header names compared case-insensitively."""
    out = {k: v for k, v in base.items() if k.lower() not in {e.lower() for e in extra}}
    out.update(extra)
    return out
