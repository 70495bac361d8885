"""Votes and the leaderboard as CSV or JSON, for Export on the leaderboard."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Sequence

import msgspec

from core.arena.battle import BattleRecord, slot_name
from core.arena.ratings import Leaderboard

VOTE_COLUMNS = ("battle", "created", "voted", "models", "vote", "winner", "tags", "title")
TABLE_COLUMNS = ("rank", "model", "rating", "low", "high", "games", "wins", "ties", "losses")


def _when(stamp: float | None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(stamp)) if stamp else ""


def votes_csv(records: Sequence[BattleRecord]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(VOTE_COLUMNS)
    for r in records:
        winner = r.models[r.winner] if r.vote == "win" and 0 <= r.winner < len(r.models) else ""
        writer.writerow(
            [
                r.id,
                _when(r.created_at),
                _when(r.voted_at),
                " | ".join(r.models),
                r.vote or "none",
                winner,
                ", ".join(r.tags),
                r.title,
            ]
        )
    return out.getvalue()


def votes_json(records: Sequence[BattleRecord]) -> str:
    rows = []
    for r in records:
        row = msgspec.to_builtins(r)
        row["slots"] = {slot_name(i): m for i, m in enumerate(r.models)}
        rows.append(row)
    return msgspec.json.format(msgspec.json.encode({"battles": rows}), indent=2).decode() + "\n"


def table_csv(board: Leaderboard) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TABLE_COLUMNS)
    for rank, row in enumerate(board.rows, 1):
        rec = row.record
        writer.writerow(
            [
                rank,
                row.model,
                f"{row.rating:.1f}",
                f"{row.low:.1f}",
                f"{row.high:.1f}",
                rec.games,
                rec.wins,
                rec.ties,
                rec.losses,
            ]
        )
    return out.getvalue()


def table_json(board: Leaderboard) -> str:
    rows = [
        {
            "rank": rank,
            "model": row.model,
            "rating": round(row.rating, 2),
            "interval": [round(row.low, 2), round(row.high, 2)],
            "games": row.record.games,
            "wins": row.record.wins,
            "ties": row.record.ties,
            "losses": row.record.losses,
        }
        for rank, row in enumerate(board.rows, 1)
    ]
    data = {"method": board.method, "description": board.description, "rows": rows}
    return msgspec.json.format(msgspec.json.encode(data), indent=2).decode() + "\n"
