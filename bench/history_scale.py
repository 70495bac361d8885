"""Start-up time and full-text search with 10,000 saved chats.

Generates N saved chats (a few turns each, some answers with code; written as the app
writes them, with ``encode_chat_file`` and atomic writes) into a temporary
CHORUS_DATA_DIR, lets the index be built once (a first ``list_chats``, as the app's
first listing does), then measures:

(a) process start to the app ready (the window built with its chat list, painted) with N
    chats vs with none, by the method of bench/startup.py (fresh process, offscreen Qt,
    cached bytecode, medians) → ``startup_ratio``;
(b) ``ChatStore.search`` over all N chats for three words: one present in a few chats,
    one present in none, and one present in every file's JSON but in no message or
    title ("assistant", the role of every answer: the worst case of a prefilter that
    looks at the raw file). Each is timed warm (a store that has listed its chats,
    searched ``--search-runs`` times) and cold (a fresh process making a fresh store on
    the folder, ``--cold-runs`` times; the OS file cache stays warm) → ``search_ms`` and
    ``cold_search_ms``, the worst single run of any word. Each line also gives the
    CPU time of the searching process, and the load average is printed first: other
    work on the machine inflates the wall times.

Prints a summary and, last, one JSON line:
{"startup_ratio": …, "search_ms": …, "cold_search_ms": …}.
Goals (reported, not asserted): startup ≤ 1.5× that with none; each search ≤ 500 ms.

Usage: .venv/bin/python bench/history_scale.py [--chats 10000] [--runs 5] [--no-startup]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
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

ROOT = Path(__file__).resolve().parent.parent
RARE_WORD = "zephyrquartz"  # put into a few chats
ABSENT_WORD = "xylophonemarmalade"  # in none
JSON_ONLY_WORD = "assistant"  # a role value in every file, in no message or title
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


Timing = tuple[float, float]  # wall ms, CPU ms of this process (what a busy machine inflates less)


def time_search(data_dir: Path, word: str, runs: int) -> tuple[list[Timing], int]:
    """(each of ``runs`` searches on a store that has listed its chats, hits)."""
    folder = paths.chats_dir({"CHORUS_DATA_DIR": str(data_dir)})
    store = ChatStore(folder, fsync=False)
    store.list_chats()  # an app that searches has listed its chats already
    times: list[Timing] = []
    hits = 0
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        hits = len(store.search(word))
        times.append(((time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000))
    return times, hits


COLD_SEARCH = """
import sys, time
from core.storage.chat_store import ChatStore
t0, c0 = time.perf_counter(), time.process_time()
hits = ChatStore(sys.argv[1], fsync=False).search(sys.argv[2])
print((time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000, len(hits))
"""


def time_cold_search(data_dir: Path, word: str, runs: int) -> list[Timing]:
    """``runs`` searches, each the first of a fresh process, from making its store."""
    folder = paths.chats_dir({"CHORUS_DATA_DIR": str(data_dir)})
    times: list[Timing] = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", COLD_SEARCH, str(folder), word],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout.split()
        times.append((float(out[0]), float(out[1])))
    return times


def worst(times: list[Timing]) -> str:
    walls = [wall for wall, _ in times]
    return (
        f"worst {max(walls):.0f} ms (median {statistics.median(walls):.0f}, "
        f"CPU worst {max(cpu for _, cpu in times):.0f}) of {len(times)}"
    )


def startup(full_dir: str, runs: int) -> tuple[float, float]:
    """Median start-up seconds with no chats and with the chats of ``full_dir``."""
    with tempfile.TemporaryDirectory() as empty_dir, tempfile.TemporaryDirectory() as pycache:
        # Warm-up: bytecode, OS file cache, first-run files of both data directories.
        sample(CHORUS, empty_dir, pycache)
        sample(CHORUS, full_dir, pycache)
        empty: list[float] = []
        loaded: list[float] = []
        for _ in range(runs):  # alternate so machine noise hits both alike
            empty.append(sample(CHORUS, empty_dir, pycache)["ready"])
            loaded.append(sample(CHORUS, full_dir, pycache)["ready"])
    return statistics.median(empty), statistics.median(loaded)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5, help="start-up samples of each kind")
    parser.add_argument("--search-runs", type=int, default=5, help="warm searches of each word")
    parser.add_argument("--cold-runs", type=int, default=3, help="cold searches of each word")
    parser.add_argument("--no-startup", action="store_true", help="time the searches only")
    args = parser.parse_args()

    words = [
        (RARE_WORD, f"in {RARE_COUNT} chats"),
        (ABSENT_WORD, "in none"),
        (JSON_ONLY_WORD, "in every file, in no message"),
    ]
    ratio: float | None = None
    with tempfile.TemporaryDirectory() as full_dir:
        full = Path(full_dir)
        size, gen_s = generate(full, args.chats)
        print(f"wrote {args.chats} chats, {size / 1e6:.1f} MB, in {gen_s:.1f} s")
        listed, index_s = build_index(full)
        print(f"first listing (builds the index): {listed} chats in {index_s * 1000:.0f} ms")
        if not args.no_startup:
            empty_s, loaded_s = startup(full_dir, args.runs)
            ratio = loaded_s / empty_s
            over = f"over {args.runs} runs"
            print(f"start-up, no chats:        median {empty_s * 1000:.0f} ms {over}")
            print(f"start-up, {args.chats} chats: median {loaded_s * 1000:.0f} ms {over}")
            print(f"startup_ratio {ratio:.2f} (goal ≤ 1.5)")
        print("load average before the searches: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        warm_worst = cold_worst = 0.0
        for word, where in words:
            warm, hits = time_search(full, word, args.search_runs)
            cold = time_cold_search(full, word, args.cold_runs)
            warm_worst = max(warm_worst, *(wall for wall, _ in warm))
            cold_worst = max(cold_worst, *(wall for wall, _ in cold))
            print(f"search {word!r} ({where}): {hits} hits")
            print(f"  warm: {worst(warm)}")
            print(f"  cold: {worst(cold)}")
    print(f"search_ms {warm_worst:.0f}, cold_search_ms {cold_worst:.0f} (the worst; goal ≤ 500)")
    result: dict[str, float] = {}
    if ratio is not None:
        result["startup_ratio"] = round(ratio, 2)
    result |= {"search_ms": round(warm_worst, 1), "cold_search_ms": round(cold_worst, 1)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
