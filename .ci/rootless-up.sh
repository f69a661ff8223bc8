#!/usr/bin/env bash
# Start (idempotently) a rootless Docker engine for the rootless tests (issue 28).
#
#   .ci/rootless-up.sh          start it (installs Debian's rootlesskit, uidmap, slirp4netns if missing)
#   .ci/rootless-up.sh --stop   stop it (its data dir stays for the next start)
#
# The engine runs as the unprivileged user $BINDGUARD_ROOTLESS_USER (default bgrl, created here
# with subordinate uids/gids) through Debian's /usr/share/docker.io/contrib/dockerd-rootless.sh,
# which starts dockerd inside rootlesskit's user and network namespaces (slirp4netns for the
# network; published ports are opened on the host by rootlesskit's builtin port driver). Its
# socket: unix:///run/user/UID/docker.sock. /dev/net/tun is made mode 666 (slirp4netns opens it as
# that user). Storage driver vfs: it works on any kernel and filesystem, and one busybox is small.
# The test image bindguard-test/busybox:1 is copied from the rootful engine (.ci/engine-up.sh).
#
# Exit status 0 when the socket answers /version and holds the image; otherwise one
# "rootless-up: ERROR:" line on stderr and non-zero.
set -uo pipefail

RL_USER="${BINDGUARD_ROOTLESS_USER:-bgrl}"
IMAGE="bindguard-test/busybox:1"
WAIT="${BINDGUARD_ROOTLESS_WAIT:-60}"
SCRIPT="/usr/share/docker.io/contrib/dockerd-rootless.sh"

CI_DIR="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=.ci/lib.sh
. "$CI_DIR/lib.sh"

case "${1:-}" in
  ""|--stop) ;;
  -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
  *) die "unknown argument '$1' (use --stop or nothing)" ;;
esac

need_root "set up the rootless user"

if ! id "$RL_USER" >/dev/null 2>&1 && [ "${1:-}" != "--stop" ]; then
  useradd --create-home --shell /bin/bash "$RL_USER" || die "useradd $RL_USER failed"
fi
UID_RL="$(id -u "$RL_USER" 2>/dev/null)" || die "no user $RL_USER"
RUN="/run/user/$UID_RL"
SOCK="$RUN/docker.sock"
HOME_RL="$(getent passwd "$RL_USER" | cut -d: -f6)"
LOG="$HOME_RL/dockerd-rootless.log"
PIDFILE="$HOME_RL/dockerd-rootless.pid"
answers() { curl -fsS --max-time 5 --unix-socket "$SOCK" http://d/version >/dev/null 2>&1; }

if [ "${1:-}" = "--stop" ]; then
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid"; say "stopped rootless engine $pid"; fi
  rm -f "$PIDFILE"; exit 0
fi

take_lock rootless-up

[ -x "$SCRIPT" ] || die "$SCRIPT not found (Debian's docker.io ships it; run .ci/engine-up.sh)"
missing=()
command -v rootlesskit >/dev/null 2>&1 || missing+=(rootlesskit)
command -v newuidmap >/dev/null 2>&1 || missing+=(uidmap)
command -v slirp4netns >/dev/null 2>&1 || missing+=(slirp4netns)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ "${#missing[@]}" -gt 0 ]; then
  apt_install "${missing[@]}"
fi

# subordinate ids for the user namespace (newuidmap reads them)
grep -q "^$RL_USER:" /etc/subuid 2>/dev/null || echo "$RL_USER:231072:65536" >>/etc/subuid
grep -q "^$RL_USER:" /etc/subgid 2>/dev/null || echo "$RL_USER:231072:65536" >>/etc/subgid
[ -c /dev/net/tun ] || { mkdir -p /dev/net && mknod /dev/net/tun c 10 200; } || die "no /dev/net/tun"
chmod 666 /dev/net/tun || die "cannot chmod /dev/net/tun"
mkdir -p "$RUN" && chown "$RL_USER:" "$RUN" && chmod 700 "$RUN" || die "cannot prepare $RUN"

as_user() {  # as_user CMD...: the rootless user's environment, as a login would give it
  setpriv --reuid="$UID_RL" --regid="$(id -g "$RL_USER")" --init-groups \
    env -i HOME="$HOME_RL" USER="$RL_USER" LOGNAME="$RL_USER" XDG_RUNTIME_DIR="$RUN" \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

if ! answers; then
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid"; sleep 1; fi
  rm -f "$SOCK"
  echo "=== $(date -u +%FT%TZ) rootless-up: $SCRIPT as $RL_USER" >>"$LOG"
  chown "$RL_USER:" "$LOG"
  # setsid: the engine outlives this script; 9>&-: it must not hold the lock
  as_user setsid "$SCRIPT" --storage-driver vfs </dev/null >>"$LOG" 2>&1 9>&- &
  echo $! >"$PIDFILE"
  wait_until "$WAIT" "$(cat "$PIDFILE")" answers
  case $? in
    1) die "dockerd-rootless.sh exited, see $LOG: $(tail -n 3 "$LOG" | tr '\n' ' ')" ;;
    2) die "the rootless engine does not answer on $SOCK after ${WAIT}s, see $LOG" ;;
  esac
fi

if ! docker -H "unix://$SOCK" image inspect "$IMAGE" >/dev/null 2>&1; then
  docker -H unix:///var/run/docker.sock image inspect "$IMAGE" >/dev/null 2>&1 \
    || die "the rootful engine has no $IMAGE to copy (run .ci/engine-up.sh)"
  docker -H unix:///var/run/docker.sock save "$IMAGE" | docker -H "unix://$SOCK" load >>"$LOG" 2>&1 \
    || die "docker save $IMAGE | docker load (rootless) failed, see $LOG"
fi
say "rootless engine $(cat "$PIDFILE" 2>/dev/null) of $RL_USER answers on unix://$SOCK with $IMAGE"
