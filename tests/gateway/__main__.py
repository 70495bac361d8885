"""``python -m tests.gateway --port 8080``: run the fake gateway until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
from types import FrameType

from tests.gateway.server import Gateway


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.gateway", description=__doc__)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--key", help="require this bearer key")
    parser.add_argument("--delay", type=float, default=0.05, help="seconds between chunks")
    args = parser.parse_args()
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    gateway = Gateway(args.port)
    gateway.require_key = args.key
    gateway.delay = args.delay
    with gateway, contextlib.suppress(KeyboardInterrupt):
        print(f"Fake gateway on {gateway.url} (Ctrl-C stops it)", flush=True)
        threading.Event().wait()
    print("Stopped.", flush=True)


if __name__ == "__main__":
    main()
