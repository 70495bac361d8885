"""``python -m tests.gateway --port 8080``: run the fake gateway until Ctrl-C or SIGTERM.

Run this way it answers any model id (the benchmarks ask for made-up ones) unless
``--strict-models``; the upstreams' refusals apply unless ``--no-upstream-rules``.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
from types import FrameType

from tests.gateway.server import PREFILL_MODES, Gateway, with_prices
from tests.gateway.upstreams import ERROR_SHAPES


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.gateway",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--key", help="require this bearer key")
    parser.add_argument("--delay", type=float, default=0.05, help="seconds between chunks")
    parser.add_argument(
        "--sample",
        action="store_true",
        help="sample every answer, also those of requests without temperature, top_p or seed",
    )
    parser.add_argument(
        "--strict-models",
        action="store_true",
        help="answer 404 for ids not in the model list, resources/models.txt or the stand-ins",
    )
    parser.add_argument(
        "--no-upstream-rules",
        action="store_true",
        help="do not refuse what the models' upstreams refuse (max_tokens to gpt-5...)",
    )
    parser.add_argument(
        "--error-shape",
        choices=ERROR_SHAPES,
        default="openai",
        help="the body those refusals come in (default: %(default)s)",
    )
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="PUBLIC=UPSTREAM",
        help="serve the id PUBLIC from the upstream model UPSTREAM (its refusals apply), "
        "as a one-api/new-api model mapping; repeatable",
    )
    parser.add_argument(
        "--assistant-prefill",
        choices=PREFILL_MODES,
        default="continue",
        help="what a conversation ending with an assistant message gets (default: %(default)s)",
    )
    parser.add_argument(
        "--ignore-seed", action="store_true", help="sample as if no seed had been sent"
    )
    parser.add_argument(
        "--words", type=int, default=8, help="words a sampled answer draws (default: %(default)s)"
    )
    parser.add_argument(
        "--prices",
        action="store_true",
        help="list the models with OpenRouter-style prices (pricing.prompt/completion)",
    )
    args = parser.parse_args()
    mapping = dict(item.split("=", 1) for item in args.map if "=" in item)
    if len(mapping) != len(args.map):
        parser.error("--map takes PUBLIC=UPSTREAM, e.g. --map team-reasoner=gpt-5-mini")
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    gateway = Gateway(args.port)
    gateway.require_key = args.key
    gateway.delay = args.delay
    gateway.sample_by_default = args.sample
    gateway.accept_any_model = not args.strict_models
    gateway.upstream_rules = not args.no_upstream_rules
    gateway.error_shape = args.error_shape
    gateway.model_mapping = mapping
    gateway.assistant_prefill = args.assistant_prefill
    gateway.honour_seed = not args.ignore_seed
    gateway.sampled_words = max(1, args.words)
    if args.prices:
        gateway.models = with_prices(gateway.models)
    with gateway, contextlib.suppress(KeyboardInterrupt):
        print(f"Fake gateway on {gateway.url} (Ctrl-C stops it)", flush=True)
        threading.Event().wait()
    print("Stopped.", flush=True)


if __name__ == "__main__":
    main()
