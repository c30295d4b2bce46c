#!/usr/bin/env bash
# The install step of the README, also run by .ci/run: the npm dependencies from package-lock.json and
# the Debian packages the tests start for real (nginx for the data-plane tests, openssl for certificates).
set -euo pipefail
cd "$(dirname "$0")/.."

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

need_apt=false
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || need_apt=true
command -v openssl >/dev/null 2>&1 || need_apt=true
if [ "$need_apt" = true ]; then
    sudo_if_needed apt-get update -qq
    # The tests start their own nginx processes on free loopback ports; a system nginx the package may
    # start on port 80 is not used.
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx openssl >/dev/null
fi
npm ci --no-audit --no-fund
