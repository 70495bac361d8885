"""Start-up time and full-text search with 10,000 saved chats.

Generates N saved chats (a few turns each, some answers with code; written as the app
writes them, with ``encode_chat_file`` and atomic writes) into a temporary
CHORUS_DATA_DIR, lets the index be built once (a first ``list_chats``, as the app's
first listing does), then measures:

(a) process start to main window shown with N chats vs with none, by the method of
    bench/startup.py (fresh process, offscreen Qt, cached bytecode, medians) →
    ``startup_ratio``;
(b) ``ChatStore.search`` over all N chats for a word present in a few chats and for
    one present in none, median of several runs each → ``search_ms`` (the worse).

Prints a summary and, last, one JSON line: {"startup_ratio": …, "search_ms": …}.
Goals (reported, not asserted): startup ≤ 1.5× that with none; search ≤ 500 ms.

Usage: .venv/bin/python bench/history_scale.py [--chats 10000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sample_text import answer, question
from startup import CHORUS, sample

from core import paths
from core.chat import Chat, Message, Stats, Usage
from core.storage.atomic import atomic_write_bytes
from core.storage.chat_store import ChatStore
from core.storage.format import encode_chat_file

RARE_WORD = "zephyrquartz"  # put into a few chats
ABSENT_WORD = "xylophonemarmalade"  # in none
RARE_COUNT = 5
MODELS = ["gpt-4o-mini", "llama-3.1-70b", "claude-3-5-sonnet", "mistral-large"]


def make_chat(index: int, r: random.Random, rare: bool, base_time: float) -> Chat:
    created = base_time - (index * 3600.0) - r.random() * 600
    model = r.choice(MODELS)
    chat = Chat(title=f"Chat {index}: {question(index)[:40]}", model=model)
    chat.created_at = created
    parent: str | None = None
    turns = r.randint(1, 5)
    for turn in range(turns):
        q_text = question(index * 7 + turn)
        if rare and turn == 0:
            q_text += f" What about {RARE_WORD}?"
        user = Message(role="user", content=q_text, parent=parent, created_at=created + turn)
        chars = r.choice([300, 600, 1200, 2500])
        a_text = answer(chars, seed=index * 13 + turn, long_code_every=3 if index % 4 == 0 else 0)
        reply = Message(
            role="assistant",
            parent=user.id,
            model=model,
            content=a_text,
            created_at=created + turn + 0.5,
            stats=Stats(
                model=model,
                ttft_s=0.3,
                tokens_per_s=80.0,
                usage=Usage(prompt_tokens=40 + 200 * turn, completion_tokens=chars // 4),
                finish_reason="stop",
            ),
        )
        chat.messages.extend([user, reply])
        parent = reply.id
    chat.leaf = parent
    chat.updated_at = created + turns
    return chat


def generate(data_dir: Path, count: int) -> tuple[int, float]:
    """Write ``count`` chats; return (total bytes, seconds)."""
    folder = paths.chats_dir({"CHORUS_DATA_DIR": str(data_dir)})
    folder.mkdir(parents=True, exist_ok=True)
    store = ChatStore(folder, fsync=False)  # only for path_of
    r = random.Random(42)
    rare_at = set(r.sample(range(count), min(RARE_COUNT, count)))
    base = time.time()
    total = 0
    t0 = time.perf_counter()
    for i in range(count):
        chat = make_chat(i, r, i in rare_at, base)
        data = encode_chat_file(chat)
        atomic_write_bytes(store.path_of(chat.id), data, fsync=False)
        total += len(data)
    return total, time.perf_counter() - t0


def build_index(data_dir: Path) -> tuple[int, float]:
    folder = paths.chats_dir({"CHORUS_DATA_DIR": str(data_dir)})
    t0 = time.perf_counter()
    listed = ChatStore(folder, fsync=False).list_chats()
    return len(listed), time.perf_counter() - t0


def time_search(data_dir: Path, word: str, runs: int) -> tuple[float, int, float]:
    """(median ms over ``runs`` on a store made once, hits, first-run ms on a fresh store)."""
    folder = paths.chats_dir({"CHORUS_DATA_DIR": str(data_dir)})
    t0 = time.perf_counter()
    fresh = ChatStore(folder, fsync=False)
    fresh.search(word)
    first_ms = (time.perf_counter() - t0) * 1000
    store = ChatStore(folder, fsync=False)
    store.list_chats()  # an app that searches has listed its chats already
    times: list[float] = []
    hits = 0
    for _ in range(runs):
        t0 = time.perf_counter()
        hits = len(store.search(word))
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), hits, first_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5, help="start-up samples of each kind")
    parser.add_argument("--search-runs", type=int, default=7)
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory() as full_dir,
        tempfile.TemporaryDirectory() as empty_dir,
        tempfile.TemporaryDirectory() as pycache,
    ):
        full = Path(full_dir)
        size, gen_s = generate(full, args.chats)
        print(f"wrote {args.chats} chats, {size / 1e6:.1f} MB, in {gen_s:.1f} s")
        listed, index_s = build_index(full)
        print(f"first listing (builds the index): {listed} chats in {index_s * 1000:.0f} ms")

        # Warm-up: bytecode, OS file cache, first-run files of both data directories.
        sample(CHORUS, empty_dir, pycache)
        sample(CHORUS, full_dir, pycache)
        empty: list[float] = []
        loaded: list[float] = []
        for _ in range(args.runs):  # alternate so machine noise hits both alike
            empty.append(sample(CHORUS, empty_dir, pycache))
            loaded.append(sample(CHORUS, full_dir, pycache))
        empty_s = statistics.median(empty)
        loaded_s = statistics.median(loaded)
        ratio = loaded_s / empty_s

        rare_ms, rare_hits, rare_first = time_search(full, RARE_WORD, args.search_runs)
        absent_ms, absent_hits, absent_first = time_search(full, ABSENT_WORD, args.search_runs)
    search_ms = max(rare_ms, absent_ms)

    print(f"start-up, no chats:        median {empty_s * 1000:.0f} ms over {args.runs} runs")
    print(f"start-up, {args.chats} chats: median {loaded_s * 1000:.0f} ms over {args.runs} runs")
    print(f"startup_ratio {ratio:.2f} (goal ≤ 1.5)")
    print(
        f"search {RARE_WORD!r} (in {RARE_COUNT} chats): median {rare_ms:.0f} ms, "
        f"{rare_hits} hits; first search on a fresh store {rare_first:.0f} ms"
    )
    print(
        f"search {ABSENT_WORD!r} (in none): median {absent_ms:.0f} ms, "
        f"{absent_hits} hits; first search on a fresh store {absent_first:.0f} ms"
    )
    print(f"search_ms {search_ms:.0f} (the worse; goal ≤ 500)")
    print(json.dumps({"startup_ratio": round(ratio, 2), "search_ms": round(search_ms, 1)}))


if __name__ == "__main__":
    main()
