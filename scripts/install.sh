#!/usr/bin/env bash
# The install step of the README, also run by .ci/run: the npm dependencies from package-lock.json and
# the Debian packages the tests start for real: nginx for the data-plane tests, openssl for
# certificates, h2load (nghttp2-client) for the data-plane benchmark, and the real single-node cluster's runtime (containerd, runc, the CNI plugins,
# iptables for kube-proxy, ipset for kube-router's network policy firewall, nftables to compare the machine's rule set before and after), and the
# pinned Python tools of scripts/python-tools.txt in a virtualenv of their own. Nothing here starts a
# service: the tests start their own processes and stop them.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

packages=(nginx openssl curl nghttp2-client containerd runc containernetworking-plugins iptables ipset nftables conntrack)
need_apt=false
for p in "${packages[@]}"; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need_apt=true
done
if [ "$need_apt" = true ]; then
    sudo_if_needed apt-get update -qq
    # The tests start their own nginx processes on free loopback ports; a system nginx the package may
    # start on port 80 is not used.
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
npm ci --no-audit --no-fund

bash scripts/python-tools.sh install
