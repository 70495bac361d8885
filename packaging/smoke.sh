#!/usr/bin/env bash
# Smoke-test the built bundle: start dist/chorus/chorus once, headless (offscreen Qt, an
# empty data folder, no OPENAI_* or key variables from this shell), against the fake
# gateway of the tests on a loopback port; it must open a chat, stream one answer and save
# it, then quit with exit code 0 on SIGTERM. Prints the bundle size and the times.
#
# Usage: packaging/smoke.sh [BUNDLE_EXECUTABLE]   (default dist/chorus/chorus)
# Environment: SMOKE_TIMEOUT (seconds to wait for the saved answer, default 60).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
APP=$(realpath "${1:-dist/chorus/chorus}")
TIMEOUT=${SMOKE_TIMEOUT:-60}
log() { echo "smoke: $*" >&2; }
fail() { log "FAIL: $*"; for f in app gateway; do [ -s "$tmp/$f.log" ] && { log "--- $f log"; tail -n 30 "$tmp/$f.log" >&2; }; done; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

[ -x "$APP" ] || { log "no bundle at $APP; build it with packaging/build.sh"; exit 1; }
# The fake gateway lives in tests/ and runs from the development environment.
.venv/bin/python -c 'import tests.gateway' 2>/dev/null || scripts/setup.sh --dev

tmp=$(mktemp -d)
app_pid="" gateway_pid=""
cleanup() {
  for pid in $app_pid $gateway_pid; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
.venv/bin/python -m tests.gateway --port "$port" --delay 0.01 >"$tmp/gateway.log" 2>&1 &
gateway_pid=$!
for _ in $(seq 100); do
  grep -q "Fake gateway on" "$tmp/gateway.log" && break
  kill -0 "$gateway_pid" 2>/dev/null || fail "the gateway did not start"
  sleep 0.1
done
grep -q "Fake gateway on" "$tmp/gateway.log" || fail "the gateway did not start"

mkdir -p "$tmp/home" "$tmp/data"
start=$(now)
env -i PATH=/usr/bin:/bin HOME="$tmp/home" LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen \
  CHORUS_DATA_DIR="$tmp/data" OPENAI_BASE_URL="http://127.0.0.1:$port/v1" \
  "$APP" --model m "hello from the smoke test" >"$tmp/app.log" 2>&1 &
app_pid=$!

# The chat file appears when the question is sent; the answer is done when it is saved
# without the "streaming" status (the default "done" is not written).
first_file="" answered=""
deadline=$(awk -v a="$start" -v t="$TIMEOUT" 'BEGIN { printf "%d", a + t }')
while [ "$(date +%s)" -lt "$deadline" ]; do
  kill -0 "$app_pid" 2>/dev/null || { wait "$app_pid" || true; fail "the app exited early"; }
  chat=$(ls "$tmp"/data/chats/*.json 2>/dev/null | head -n 1 || true)
  if [ -n "$chat" ]; then
    [ -n "$first_file" ] || first_file=$(since "$start")
    if grep -q '"role":"assistant"' "$chat" && grep -q 'Echo: hello from the smoke test' "$chat" \
        && ! grep -q '"status":"streaming"' "$chat"; then
      answered=$(since "$start")
      break
    fi
  fi
  sleep 0.05
done
[ -n "$answered" ] || fail "no saved answer after ${TIMEOUT}s"

sleep 1  # still up a moment later
kill -0 "$app_pid" 2>/dev/null || fail "the app exited after answering"
kill -TERM "$app_pid"
code=0
wait "$app_pid" || code=$?
app_pid=""
[ "$code" = 0 ] || fail "exit code $code after SIGTERM"
if grep -v "propagateSizeHints" "$tmp/app.log" | grep -q .; then
  log "the app wrote:"
  grep -v "propagateSizeHints" "$tmp/app.log" | tail -n 20 >&2
fi

log "OK: bundle $(du -sh "$(dirname "$APP")" | cut -f1), chat saved ${first_file}s and answer saved ${answered}s after start, exit 0 on SIGTERM"
