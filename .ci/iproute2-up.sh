#!/usr/bin/env bash
# Make sure iproute2's `ip` (for `probe --neighbour` / `audit --prove` tests) and
# iptables-save (the tests diff it) are installed; idempotent, ~0 s when present.
# Exit 0 when both are there, else one "iproute2-up: ERROR:" line and exit 1.
set -uo pipefail
missing=()
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v iptables-save >/dev/null 2>&1 || missing+=(iptables)
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "iproute2-up: ERROR: ${missing[*]} missing and not root to install" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null 2>&1 || true
    if ! apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null 2>&1; then
        echo "iproute2-up: ERROR: apt-get install ${missing[*]} failed" >&2
        exit 1
    fi
fi
if ! ip netns list >/dev/null 2>&1; then
    echo "iproute2-up: ERROR: \`ip netns list\` fails: no network namespace support here" >&2
    exit 1
fi
exit 0
