#!/usr/bin/env bash
# Installs a Debian package unless its program is already there:
#   bash tests/install-debian-package.sh PACKAGE PROGRAM
# (PROGRAM is a command name or an absolute path, e.g. `valgrind` or
# `/usr/bin/chromium`). Used by .ci/run and tests/browser/install.sh.
set -euo pipefail

say() { printf 'install-debian-package.sh: %s\n' "$*"; }

if [ $# -ne 2 ]; then
    say "usage: bash tests/install-debian-package.sh PACKAGE PROGRAM" >&2
    exit 2
fi
package="$1"
program="$2"

if command -v "$program" >/dev/null 2>&1; then
    say "$package already installed ($(command -v "$program"))"
    exit 0
fi

# Root runs apt-get directly; anyone else goes through sudo when it exists.
apt_get() {
    if [ "$(id -u)" -eq 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo DEBIAN_FRONTEND=noninteractive apt-get "$@"
    else
        say "installing $package: apt-get needs root (or sudo); install $package yourself" >&2
        exit 1
    fi
}

if ! command -v apt-get >/dev/null 2>&1; then
    say "installing $package: apt-get not found (not Debian?); install $package with your system's package manager" >&2
    exit 1
fi

# Without package lists (fresh image) apt knows no candidate: update first.
# (Captured first: grep -q closing the pipe early would fail it under pipefail.)
policy="$(apt-cache policy "$package" 2>/dev/null || true)"
if ! grep -q 'Candidate: [0-9]' <<<"$policy"; then
    say "apt-get update (no package list offers $package yet)"
    apt_get update -qq
fi
say "apt-get install -y $package"
apt_get install -y -qq "$package" >/dev/null 2>&1 || apt_get install -y "$package"
command -v "$program" >/dev/null 2>&1 || {
    say "installed $package, but $program is still not found" >&2
    exit 1
}
say "installed $package ($(command -v "$program"))"
