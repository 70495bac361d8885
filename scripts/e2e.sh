#!/usr/bin/env bash
# The end-to-end test: the real app, in a real X11 window under Xvfb, sends a prompt to a
# real OpenAI-compatible server (llama.cpp with a tiny model, from scripts/llama-server.sh)
# and the streamed answer is saved to disk (tests/e2e). Sets up the dev environment if
# needed, starts the server on a free port, always stops it. Arguments go to pytest.
# The first run compiles llama.cpp (5 to 8 min on 2 cores); later runs take about 15 s.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
scripts/setup.sh --dev

PORT=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PID=""
trap '[ -z "$PID" ] || scripts/llama-server.sh stop "$PID"' EXIT
PID=$(scripts/llama-server.sh "$PORT")

export CHORUS_E2E_BASE_URL=http://127.0.0.1:$PORT/v1 CHORUS_E2E_MODEL=gemma-3-270m
.venv/bin/python -m pytest tests/e2e -q "$@"
