#!/usr/bin/env bash
# Make sure iproute2's `ip` (for `probe --neighbour` / `audit --prove` tests) and
# iptables-save (the tests diff it) are installed; idempotent, ~0 s when present.
# Exit 0 when both are there, else one "iproute2-up: ERROR:" line and exit 1.
set -uo pipefail
# shellcheck source=.ci/lib.sh
. "$(dirname "$0")/lib.sh"
take_lock iproute2-up 900
missing=()
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v iptables-save >/dev/null 2>&1 || missing+=(iptables)
[ "${#missing[@]}" -eq 0 ] || apt_install "${missing[@]}"
ip netns list >/dev/null 2>&1 || die "\`ip netns list\` fails: no network namespace support here"
say "ip and iptables-save present, network namespaces work"
