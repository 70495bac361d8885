#!/usr/bin/env bash
# Run a command inside a private D-Bus session with a real gnome-keyring Secret
# Service, so tests marked real_keyring exercise the OS keyring for real on a
# machine with no desktop. The keyring lives in a temp dir removed afterwards;
# the user's own keyrings are never touched.
#
# Usage: scripts/with-keyring.sh CMD [ARGS...]
# Exits with CMD's status. When dbus-run-session or gnome-keyring-daemon is
# missing, CMD runs as it is (tests marked real_keyring then skip themselves).
set -euo pipefail
[ $# -ge 1 ] || { sed -n '2,10p' "$0" >&2; exit 2; }

if ! command -v dbus-run-session >/dev/null 2>&1 || ! command -v gnome-keyring-daemon >/dev/null 2>&1; then
  echo "with-keyring: no dbus-run-session/gnome-keyring-daemon; running without a keyring" >&2
  exec "$@"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/chorus-keyring.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/data" "$tmp/run"
chmod 700 "$tmp/run"
export _CHORUS_KR_DATA="$tmp/data" _CHORUS_KR_RUN="$tmp/run"

set +e
# dbus-daemon may print "Failed to set fd limit" in containers: harmless.
dbus-run-session -- bash -c '
  set -e
  # --unlock reads the password on stdin and creates the "login" keyring.
  eval "$(printf %s chorus-test | XDG_DATA_HOME="$_CHORUS_KR_DATA" XDG_RUNTIME_DIR="$_CHORUS_KR_RUN" \
          gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL
  for _ in $(seq 50); do
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
         org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null \
         | grep -q "boolean true"; then break; fi
    sleep 0.1
  done
  unset _CHORUS_KR_DATA _CHORUS_KR_RUN
  # Tests marked real_keyring fail instead of skipping when this keyring is not reachable.
  export CHORUS_EXPECT_REAL_KEYRING=1
  set +e
  "$@"
' with-keyring "$@" 2> >(grep -v "Failed to set fd limit" >&2)
rc=$?
exit $rc
