#!/usr/bin/env bash
# Set up Chorus if needed (scripts/setup.sh) and start it. Arguments go to the app.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
"$ROOT/scripts/setup.sh"
exec "$ROOT/.venv/bin/python" "$ROOT/main.py" "$@"
