#!/usr/bin/env bash
# The pinned Python tools of scripts/python-tools.txt, in a virtualenv outside the project so a clean
# clone reuses it. `install` creates or updates it (scripts/install.sh runs it; pip skips what is
# already there at the pinned versions); `bin NAME` prints the path of a tool's executable and fails,
# naming the install step, when it is not installed.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${XDG_CACHE_HOME:-$HOME/.cache}/nginx-service-python-tools"

case "${1:-}" in
install)
    [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/python-tools.txt
    ;;
bin)
    tool="$venv/bin/${2:?usage: python-tools.sh bin NAME}"
    if [ ! -x "$tool" ]; then
        echo "$tool not found: run bash scripts/install.sh (it installs scripts/python-tools.txt)" >&2
        exit 1
    fi
    echo "$tool"
    ;;
*)
    echo "usage: python-tools.sh install | bin NAME" >&2
    exit 2
    ;;
esac
