#!/usr/bin/env bash
# Install Debian's `prometheus` package (prometheus and promtool) for bindguard's metrics tests.
#
#   .ci/prometheus-up.sh      (--install-only is accepted too, for older callers)
#
# Idempotent: nothing happens when both binaries are there. The package must not start its own
# service (port 9090, /var/lib/prometheus): a policy-rc.d answering 101 is put in place for the
# install when there is none. The tests start their own Prometheus (tests/watchbed.py: its own
# config, storage and a free port on 127.0.0.1) and stop it at teardown.
#
# Exit status: 0 when both are installed; non-zero with one "prometheus-up: ERROR:" line on stderr.
set -uo pipefail
# shellcheck source=.ci/lib.sh
. "$(dirname "$0")/lib.sh"

case "${1:-}" in
  ""|--install-only) ;;
  -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
  *) die "unknown argument '$1'" ;;
esac

take_lock prometheus-up 900
if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
  need_root "install prometheus"
  policy_added=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && policy_added=1
  fi
  (apt_install prometheus)
  rc=$?
  [ "$policy_added" = 1 ] && rm -f /usr/sbin/policy-rc.d
  [ $rc = 0 ] || exit 1
  command -v prometheus >/dev/null 2>&1 || die "the prometheus package brought no prometheus binary"
  command -v promtool >/dev/null 2>&1 || die "the prometheus package brought no promtool"
fi
say "$(prometheus --version 2>&1 | head -n 1)"
