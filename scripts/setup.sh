#!/usr/bin/env bash
# Set up Chorus on a Debian/Ubuntu machine: the Debian libraries Qt needs (when run
# as root; otherwise the apt-get command is printed), a virtual environment at .venv
# in the repository root, and the Python dependencies. Safe to run again: steps that
# are already done are skipped.
#
# Usage: scripts/setup.sh [--dev]
#   --dev   also install the test, lint and benchmark tools
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
DEV=0
[ "${1:-}" = "--dev" ] && DEV=1
log() { echo "setup: $*" >&2; }

# Qt's runtime libraries and fonts; as root they are installed, otherwise the apt-get
# line is printed and the set-up goes on.
source scripts/debian.sh
DEB_PKGS=("${QT_DEBS[@]}" fonts-dejavu-core)
if [ "$DEV" = 1 ]; then
  # A private Secret Service for the real-keyring tests, and Xvfb for real-window tests.
  DEB_PKGS+=(dbus dbus-bin gnome-keyring libsecret-tools xvfb xauth)
fi
install_debs "${DEB_PKGS[@]}" || true

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  log "creating the virtual environment .venv"
  "$PYTHON" -m venv .venv
fi

extras=""
[ "$DEV" = 1 ] && extras="[dev]"
stamp=.venv/.chorus-setup
want="$(sha256sum pyproject.toml | cut -d' ' -f1) $extras"
have=$(cat "$stamp" 2>/dev/null || true)
# A dev install also satisfies a plain one.
if [ "$have" = "$want" ] || { [ "$DEV" = 0 ] && [ "$have" = "$want[dev]" ]; }; then
  log "Python dependencies are up to date"
else
  log "installing Python dependencies${extras:+ (with $extras)}"
  .venv/bin/python -m pip install -q --upgrade pip >&2
  .venv/bin/python -m pip install -q -e ".$extras" >&2
  echo "$want" > "$stamp"
fi
