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

# Qt's runtime libraries (offscreen and real X11/Wayland windows) and fonts.
DEB_PKGS=(libegl1 libgl1 libxkbcommon0 libfontconfig1 libglib2.0-0 libdbus-1-3
          libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
          libxcb-render-util0 libxcb-render0 libxcb-shape0 libxcb-xkb1 libxcb-xinerama0
          libxcb-randr0 libx11-xcb1 fonts-dejavu-core)
if [ "$DEV" = 1 ]; then
  # A private Secret Service for the real-keyring tests, and Xvfb for real-window tests.
  DEB_PKGS+=(dbus dbus-bin gnome-keyring libsecret-tools xvfb xauth)
fi
missing=()
if command -v dpkg >/dev/null 2>&1; then
  for pkg in "${DEB_PKGS[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 \
      || { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; }
  else
    log "missing Debian packages; install them with:"
    log "  sudo apt-get install ${missing[*]}"
  fi
fi

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
