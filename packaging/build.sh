#!/usr/bin/env bash
# Build Chorus as a one-folder Linux bundle with PyInstaller: dist/chorus/, started as
# dist/chorus/chorus. The build runs in its own virtual environment (Chorus's runtime
# dependencies + packaging/requirements.txt) kept outside the repository, in
# ${XDG_CACHE_HOME:-~/.cache}/chorus-build. Finished bundles are cached there too, keyed
# by a hash of the sources, resources, pyproject.toml and packaging files: when nothing
# changed, the cached bundle is copied to dist/ instead of being built again.
#
# Usage: packaging/build.sh [--force]
#   --force   build even when a cached bundle matches
# Environment: CHORUS_BUILD_CACHE (the cache folder), PYTHON (default python3).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1
log() { echo "build: $*" >&2; }
started=$(date +%s.%N)
elapsed() { awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# binutils: PyInstaller reads ELF files with objdump. The Qt libraries are the ones
# scripts/setup.sh installs; the bundled Qt plug-ins link to them.
source scripts/debian.sh
install_debs binutils "${QT_DEBS[@]}" || command -v objdump >/dev/null 2>&1 || exit 1

PYTHON=${PYTHON:-python3}
CACHE=${CHORUS_BUILD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chorus-build}
mkdir -p "$CACHE/bundles"
# One build at a time per cache: they share the build environment and work folder.
exec 9>"$CACHE/lock"
flock 9
py_id=$("$PYTHON" -c 'import platform, sys; print(sys.version, platform.machine())')

# The cache key: every file that goes into the bundle or decides how it is built.
key_files() {
  find main.py pyproject.toml packaging/chorus.spec packaging/requirements.txt \
       packaging/build.sh core ui resources -type f \
       ! -path '*/__pycache__/*' ! -path '*/.*' ! -name '*.py[cod]' -print | LC_ALL=C sort
}
key=$({ echo "$py_id"; key_files | xargs -d '\n' sha256sum; } | sha256sum | cut -c1-16)
bundle="$CACHE/bundles/$key/chorus"

if [ "$FORCE" = 0 ] && [ -x "$bundle/chorus" ]; then
  log "cached bundle $key matches the sources; reusing it"
else
  # The build environment: runtime dependencies from pyproject.toml, plus PyInstaller.
  reqs="$CACHE/requirements.txt"
  "$PYTHON" - pyproject.toml packaging/requirements.txt >"$reqs.new" <<'PY'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    print("\n".join(tomllib.load(f)["project"]["dependencies"]))
with open(sys.argv[2]) as f:
    print(f.read())
PY
  venv_key=$({ echo "$py_id"; cat "$reqs.new"; } | sha256sum | cut -c1-16)
  venv="$CACHE/venv-$venv_key"
  if [ ! -f "$venv/.complete" ]; then
    log "creating the build environment $venv"
    rm -rf "$venv"
    "$PYTHON" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip >&2
    "$venv/bin/python" -m pip install -q -r "$reqs.new" >&2
    touch "$venv/.complete"
  fi
  mv "$reqs.new" "$reqs"
  # Older build environments go once a new one is complete.
  for old in "$CACHE"/venv-*; do
    [ "$old" = "$venv" ] || rm -rf "$old"
  done

  log "building bundle $key with PyInstaller"
  tmp="$CACHE/bundles/tmp-$$"
  rm -rf "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  "$venv/bin/pyinstaller" --noconfirm --log-level WARN \
    --distpath "$tmp" --workpath "$CACHE/work" packaging/chorus.spec >&2
  rm -rf "$CACHE/bundles/$key"
  mkdir -p "$CACHE/bundles/$key"
  mv "$tmp/chorus" "$bundle"
  rm -rf "$tmp"
  # Keep the three newest bundles.
  ls -1dt "$CACHE"/bundles/[0-9a-f]*/ | tail -n +4 | xargs -r rm -rf
fi

rm -rf dist/chorus
mkdir -p dist
cp -a "$bundle" dist/chorus
touch "$CACHE/bundles/$key"  # most recently used
size=$(du -sh dist/chorus | cut -f1)
log "dist/chorus ($size) ready in $(elapsed) s; start it with dist/chorus/chorus"
