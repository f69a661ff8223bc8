#!/usr/bin/env bash
# Start (idempotently) a rootful Podman API service for the `audit` tests against Podman.
#
#   .ci/podman-up.sh          start it (installs Debian's podman if missing)
#   .ci/podman-up.sh --stop   stop it and remove its containers (its storage stays for the next start)
#
# Everything lives in $BINDGUARD_PODMAN_DIR (default /tmp/bindguard-podman): its own storage
# (--root), run state (--runroot), log and the API socket unix://$DIR/podman.sock. The system's
# podman storage (/var/lib/containers) is not used. The test image bindguard-test/busybox:1 is
# copied from the Docker engine (`docker save | podman load`, made by .ci/engine-up.sh).
#
# Networking: podman 4.3 on Debian 12 uses CNI (bridge cni-podman0, 10.88.0.0/16) and adds its own
# iptables chains (CNI-*); it never flushes Docker's (DOCKER, DOCKER-USER, ...). The tests check that
# Docker containers still publish after this has run.
#
# Exit status 0 when the socket answers /version and holds the image; otherwise one
# "podman-up: ERROR:" line on stderr and non-zero.
set -uo pipefail

D="${BINDGUARD_PODMAN_DIR:-/tmp/bindguard-podman}"
SOCK="$D/podman.sock"
IMAGE="bindguard-test/busybox:1"
WAIT="${BINDGUARD_PODMAN_WAIT:-30}"
P=(podman --root "$D/root" --runroot "$D/run" --tmpdir "$D/tmp")

# shellcheck source=.ci/lib.sh
. "$(dirname "$0")/lib.sh"
answers() { curl -fsS --max-time 5 --unix-socket "$SOCK" http://d/v1.41/version >/dev/null 2>&1; }
has_image() { "${P[@]}" image exists "$IMAGE" >/dev/null 2>&1; }

case "${1:-}" in
  "") ;;
  --stop)
    "${P[@]}" rm -af -t 0 >/dev/null 2>&1
    if pidfile_alive "$D/service.pid"; then
      pid="$(cat "$D/service.pid")"; kill "$pid"; say "stopped podman service $pid"
    fi
    rm -f "$D/service.pid"; exit 0 ;;
  -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
  *) die "unknown argument '$1' (use --stop or nothing)" ;;
esac

take_lock podman-up 900
need_root "run the rootful Podman service"
if ! command -v podman >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1; then
  apt_install podman curl
fi
mkdir -p "$D/tmp" || die "cannot create $D"

if ! answers; then
  if pidfile_alive "$D/service.pid"; then kill "$(cat "$D/service.pid")"; sleep 0.5; fi
  rm -f "$SOCK"
  echo "=== $(date -u +%FT%TZ) podman-up: ${P[*]} system service --time 0 unix://$SOCK" >>"$D/service.log"
  # from its own folder: the service (and every conmon it starts) keeps its working directory,
  # and a clone that started it may be deleted while it runs ("Failed to get working directory")
  (cd "$D" && exec setsid "${P[@]}" system service --time 0 "unix://$SOCK" </dev/null >>"$D/service.log" 2>&1 9>&-) &
  echo $! >"$D/service.pid"
  wait_until "$WAIT" "$(cat "$D/service.pid")" answers
  case $? in
    0) ;;
    1) die "podman system service exited, see $D/service.log" ;;
    *) die "podman service does not answer on $SOCK after ${WAIT}s, see $D/service.log" ;;
  esac
fi

if ! has_image; then
  command -v docker >/dev/null 2>&1 || die "no docker CLI to copy $IMAGE from (run .ci/engine-up.sh)"
  docker -H unix:///var/run/docker.sock image inspect "$IMAGE" >/dev/null 2>&1 \
    || die "the Docker engine has no $IMAGE to copy (run .ci/engine-up.sh)"
  docker -H unix:///var/run/docker.sock save "$IMAGE" | "${P[@]}" load >>"$D/service.log" 2>&1 \
    || die "docker save $IMAGE | podman load failed, see $D/service.log"
  has_image || die "podman load did not give $IMAGE"
fi
say "podman service $(cat "$D/service.pid" 2>/dev/null) answers on unix://$SOCK with $IMAGE"
