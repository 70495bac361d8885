#!/usr/bin/env bash
# Run the whole test suite: sets up the dev environment if needed, then runs pytest
# with Qt offscreen. Arguments go to pytest (e.g. scripts/test.sh -k stream -x).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
scripts/setup.sh --dev
export QT_QPA_PLATFORM=offscreen
# A private real Secret Service for the tests marked real_keyring.
exec scripts/with-keyring.sh .venv/bin/python -m pytest "$@"
