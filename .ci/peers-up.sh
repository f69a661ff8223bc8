#!/usr/bin/env bash
# Install and start (idempotently) every peer bindguard's tests use, as .ci/run does before the
# tests; the tests themselves never install or start anything: they use what answers and skip the
# rest (fail under CI=true), naming what was missing in one line at the end of the run.
#
#   sudo .ci/peers-up.sh           start them all (each step is one .ci/*-up.sh, idempotent)
#   .ci/peers-up.sh --check        start nothing: say which peers answer (exit 1 if one does not)
#   sudo .ci/peers-up.sh --stop    stop what these scripts started, except the default engine
#
# The peers, in order: the Docker engine with the test image (.ci/engine-up.sh), a second dockerd
# (engine-up.sh --second), a rootless dockerd of the user bgrl (rootless-up.sh), iproute2 and iptables (iproute2-up.sh), Prometheus and promtool
# (prometheus-up.sh), a throwaway sshd on 127.0.0.1 (sshd-up.sh), a rootful Podman service
# (podman-up.sh), the dev containers CLI from npm (devcontainer-up.sh). Installing needs root and
# apt-get (Debian/Ubuntu), and npm for the last.
set -uo pipefail
CI_DIR="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=.ci/lib.sh
. "$CI_DIR/lib.sh"

UP=(
  "engine-up.sh"
  "engine-up.sh --second"
  "rootless-up.sh"
  "iproute2-up.sh"
  "prometheus-up.sh"
  "sshd-up.sh"
  "podman-up.sh"
  "devcontainer-up.sh"
)

case "${1:-}" in
  "")
    for step in "${UP[@]}"; do
      say "== $step"
      # shellcheck disable=SC2086
      bash "$CI_DIR"/$step || die "$step failed (see its ERROR line above)"
    done
    say "every peer is up" ;;
  --check)
    cd "$CI_DIR/.." || die "no repository root"
    PYTHON="${PYTHON:-python3}"
    exec "$PYTHON" tests/peerbed.py ;;
  --stop)
    bash "$CI_DIR/podman-up.sh" --stop
    bash "$CI_DIR/sshd-up.sh" --stop
    bash "$CI_DIR/rootless-up.sh" --stop
    bash "$CI_DIR/engine-up.sh" --stop-second ;;
  -h|--help) sed -n '2,13p' "$0" ;;
  *) die "unknown argument '$1' (use --check, --stop or nothing)" ;;
esac
