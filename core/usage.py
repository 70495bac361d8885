"""Tokens and cost over time, from the chat files on this disk only.

:func:`scan` reads every chat file of a folder with a small schema that skips the text
of messages (only each answer's model, time, status and ``usage`` are decoded) and
returns one :class:`UsageRecord` per answer that reached a server. :func:`summarize`
sums them per day, model or endpoint (the profile a chat used) over a period, with the
cost from the price table as it is now; :func:`rows_csv` writes such a summary.

Nothing is sent anywhere: answers deleted from a chat, or chats deleted, are not
counted, and neither are answers of other machines.
"""

from __future__ import annotations

import csv
import io
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import msgspec

from core.chat import Usage
from core.pricing import ModelPrice, format_cost, price_for, usage_cost

GroupBy = Literal["day", "model", "endpoint"]
NO_ENDPOINT = "(no endpoint)"


class _Stats(msgspec.Struct, kw_only=True):
    model: str = ""
    usage: _Usage | None = None
    estimated_tokens: int = 0


class _Usage(msgspec.Struct, kw_only=True):
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached_tokens: int | None = None
    reasoning_tokens: int | None = None


class _Message(msgspec.Struct, kw_only=True):
    role: str = "user"
    model: str = ""
    created_at: float = 0.0
    stats: _Stats | None = None


class _Thread(msgspec.Struct, kw_only=True):
    id: str = ""
    title: str = ""
    profile: str = ""
    messages: list[_Message] = []
    columns: list[_Thread] = []


class _Document(msgspec.Struct):
    format: str = ""
    chat: _Thread | None = None


_decoder = msgspec.json.Decoder(_Document)


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """One answer that reached a server."""

    at: float  # when it was asked (Unix time)
    chat_id: str
    model: str  # the model asked
    answered_by: str  # the model the server named ("" when it named none)
    endpoint: str  # the profile the chat used
    prompt: int | None
    completion: int | None
    cached: int = 0

    @property
    def day(self) -> str:
        return time.strftime("%Y-%m-%d", time.localtime(self.at))

    @property
    def tokens(self) -> int:
        return (self.prompt or 0) + (self.completion or 0)


def _records(doc: _Document) -> list[UsageRecord]:
    chat = doc.chat
    if chat is None:
        return []
    out: list[UsageRecord] = []
    for thread in (chat, *chat.columns):
        endpoint = thread.profile or chat.profile or NO_ENDPOINT
        for message in thread.messages:
            stats = message.stats
            if message.role != "assistant" or stats is None:
                continue
            usage = stats.usage
            completion = usage.completion_tokens if usage is not None else None
            if completion is None and stats.estimated_tokens:
                completion = stats.estimated_tokens
            out.append(
                UsageRecord(
                    at=message.created_at,
                    chat_id=chat.id,
                    model=message.model or stats.model,
                    answered_by=stats.model,
                    endpoint=endpoint,
                    prompt=usage.prompt_tokens if usage is not None else None,
                    completion=completion,
                    cached=(usage.cached_tokens or 0) if usage is not None else 0,
                )
            )
    return out


@dataclass
class Scan:
    """What :func:`scan` found."""

    records: list[UsageRecord] = field(default_factory=list)
    files: int = 0
    unreadable: int = 0  # files that could not be read (they are left alone)


def scan(folder: Path, *, progress: Callable[[int, int], None] | None = None) -> Scan:
    """Every answer with stats in the chat files of ``folder`` (``index.json`` and the
    ``damaged`` folder left out). ``progress(done, total)`` is called now and then."""
    found = Scan()
    try:
        names = sorted(
            entry.name
            for entry in os.scandir(folder)
            if entry.name.endswith(".json") and entry.name != "index.json" and entry.is_file()
        )
    except OSError:
        return found
    for number, name in enumerate(names, start=1):
        try:
            doc = _decoder.decode((folder / name).read_bytes())
        except (OSError, msgspec.DecodeError, msgspec.ValidationError):
            found.unreadable += 1
            continue
        if doc.format != "chorus.chat":
            continue
        found.files += 1
        found.records.extend(_records(doc))
        if progress is not None and number % 200 == 0:
            progress(number, len(names))
    return found


@dataclass
class UsageRow:
    """The sums of one group (a day, a model or an endpoint)."""

    key: str
    answers: int = 0
    prompt: int = 0
    completion: int = 0
    cached: int = 0
    dollars: float = 0.0
    unknown: int = 0  # answers whose cost is unknown

    @property
    def tokens(self) -> int:
        return self.prompt + self.completion

    def cost_text(self) -> str:
        if not self.answers:
            return ""
        if self.unknown == self.answers:
            return "unknown"
        text = format_cost(self.dollars)
        return f"{text} + {self.unknown} unknown" if self.unknown else text


def day_start(day: str) -> float:
    """The Unix time of local midnight at the start of ``day`` (``YYYY-MM-DD``)."""
    return time.mktime(time.strptime(day, "%Y-%m-%d"))


def summarize(
    records: Iterable[UsageRecord],
    prices: Mapping[str, ModelPrice],
    by: GroupBy,
    start: float | None = None,
    end: float | None = None,
) -> list[UsageRow]:
    """Sums per ``by`` of the records asked at ``start`` ≤ time < ``end`` (None: open).

    Days come in date order, models and endpoints by cost, then tokens, most first.
    """
    rows: dict[str, UsageRow] = {}
    for record in records:
        if (start is not None and record.at < start) or (end is not None and record.at >= end):
            continue
        key = {"day": record.day, "model": record.model, "endpoint": record.endpoint}[by]
        row = rows.get(key)
        if row is None:
            row = rows[key] = UsageRow(key or "(no model)")
        row.answers += 1
        row.prompt += record.prompt or 0
        row.completion += record.completion or 0
        row.cached += record.cached
        price = price_for(prices, record.model, record.answered_by)
        cost = usage_cost(
            Usage(
                prompt_tokens=record.prompt,
                completion_tokens=record.completion,
                cached_tokens=record.cached,
            ),
            price,
        )
        if cost is None:
            row.unknown += 1
        else:
            row.dollars += cost
    if by == "day":
        return [rows[k] for k in sorted(rows)]
    return sorted(rows.values(), key=lambda r: (-r.dollars, -r.tokens, r.key))


def days_between(start: float, end: float) -> list[str]:
    """Every local day from the one holding ``start`` to the one before ``end``."""
    days: list[str] = []
    moment = start
    while moment < end and len(days) < 3700:
        day = time.strftime("%Y-%m-%d", time.localtime(moment))
        if not days or days[-1] != day:
            days.append(day)
        moment += 3600 * 6  # steps shorter than a day, so daylight saving skips none
    return days


def fill_days(rows: list[UsageRow], start: float, end: float) -> list[UsageRow]:
    """``rows`` (by day) with an empty row for each day of the period without answers."""
    have = {row.key: row for row in rows}
    return [have.get(day) or UsageRow(day) for day in days_between(start, end)]


def rows_csv(rows: Iterable[UsageRow], by: GroupBy) -> bytes:
    """A CSV of a summary: one line per row; cost empty where it is unknown."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            by,
            "answers",
            "prompt_tokens",
            "completion_tokens",
            "cached_tokens",
            "cost_usd",
            "answers_of_unknown_cost",
        ]
    )
    for row in rows:
        known = row.answers - row.unknown
        writer.writerow(
            [
                row.key,
                row.answers,
                row.prompt,
                row.completion,
                row.cached,
                f"{row.dollars:.6f}" if known else "",
                row.unknown,
            ]
        )
    return out.getvalue().encode()
