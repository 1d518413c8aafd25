#!/bin/sh
# Make sure a headless browser for tests/browser exists: Chromium and its
# chromedriver. Used by `make browser` (and so by `make test`).
#   - CHROMIUM / CHROMEDRIVER set: use those binaries, install nothing.
#   - both found on the PATH: nothing to do.
#   - otherwise, on Debian/Ubuntu as root (or with password-less sudo):
#     apt-get install chromium + chromium-driver (Ubuntu: chromium-browser +
#     chromium-chromedriver).
#   - otherwise: stop with instructions.
set -eu

found() {
    for name in "$@"; do
        if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
    done
    return 1
}

explain() {
    cat >&2 <<MSG
The browser tests (tests/browser) need Chromium and chromedriver, and $1.
Get them one of these ways, then run the command again:
  - Debian:  sudo apt-get install chromium chromium-driver
  - Ubuntu:  sudo apt-get install chromium-browser chromium-chromedriver
  - any OS:  install Chrome or Chromium and the chromedriver of the same
             version, then set CHROMIUM=/path/to/chrome CHROMEDRIVER=/path/to/chromedriver
MSG
    exit 1
}

if [ -n "${CHROMIUM:-}" ] || [ -n "${CHROMEDRIVER:-}" ]; then
    [ -n "${CHROMIUM:-}" ] && command -v "$CHROMIUM" >/dev/null 2>&1 || explain "CHROMIUM='${CHROMIUM:-}' is not an executable"
    [ -n "${CHROMEDRIVER:-}" ] && command -v "$CHROMEDRIVER" >/dev/null 2>&1 || explain "CHROMEDRIVER='${CHROMEDRIVER:-}' is not an executable"
    echo "browser: $CHROMIUM with $CHROMEDRIVER (from CHROMIUM/CHROMEDRIVER)"
    exit 0
fi

if browser=$(found chromium chromium-browser google-chrome) && driver=$(found chromedriver chromium.chromedriver); then
    echo "browser: $browser with $driver"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    explain "this machine has no apt-get to install them"
fi
if [ "$(id -u)" = 0 ]; then
    SUDO=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=sudo
else
    explain "installing them with apt-get needs root"
fi

echo "browser: installing Chromium and chromedriver with apt-get"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
if apt-cache show chromium-driver >/dev/null 2>&1; then
    $SUDO apt-get install -y --no-install-recommends chromium chromium-driver
else
    $SUDO apt-get install -y --no-install-recommends chromium-browser chromium-chromedriver
fi

if browser=$(found chromium chromium-browser) && driver=$(found chromedriver chromium.chromedriver); then
    echo "browser: $browser with $driver"
else
    explain "apt-get did not provide them"
fi
