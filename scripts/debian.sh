# Sourced by the project's scripts (bash): the Debian packages they need, and one way to
# install the missing ones. Expects a log function that writes to stderr.

# Qt's runtime libraries (offscreen and real X11/Wayland windows).
QT_DEBS=(libegl1 libgl1 libxkbcommon0 libfontconfig1 libglib2.0-0 libdbus-1-3
         libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
         libxcb-render-util0 libxcb-render0 libxcb-shape0 libxcb-xkb1 libxcb-xinerama0
         libxcb-randr0 libx11-xcb1)

# install_debs PKG...: installs the packages that are missing (as root, with apt-get);
# otherwise prints the apt-get line to run and returns 1. Without dpkg (not Debian) it
# checks nothing and returns 0.
install_debs() {
  local missing=() pkg
  command -v dpkg >/dev/null 2>&1 || return 0
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 \
      || { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; }
  else
    log "missing Debian packages; install them with:"
    log "  sudo apt-get install ${missing[*]}"
    return 1
  fi
}
