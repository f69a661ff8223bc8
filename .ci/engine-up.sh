#!/usr/bin/env bash
# Start (idempotently) the real Docker engine(s) that bindguard's tests use.
#
#   .ci/engine-up.sh                 default engine on unix:///var/run/docker.sock
#   .ci/engine-up.sh --second        second engine on unix:///tmp/bindguard-dockerd2/docker.sock
#   .ci/engine-up.sh --stop-second   stop the second engine (the default one is never stopped)
#
# Each engine ends up with the local image bindguard-test/busybox:1 (no registry
# needed: it is built with `docker import` from /bin/busybox of busybox-static).
#
# Environment:
#   BINDGUARD_ENGINE_WAIT      seconds to wait for a daemon to answer (default 60)
#   BINDGUARD_DOCKERD_FLAGS    extra flags appended to every dockerd we start
#
# Exit status: 0 when the engine answers `docker info` and holds the image,
# non-zero with an "engine-up: ERROR:" line on stderr otherwise.
set -uo pipefail

IMAGE="bindguard-test/busybox:1"
WAIT="${BINDGUARD_ENGINE_WAIT:-60}"
EXTRA_FLAGS="${BINDGUARD_DOCKERD_FLAGS:-}"

# default engine
SOCK1="/var/run/docker.sock"
LOG1="/tmp/dockerd.log"
PID1="/var/run/docker.pid"

# second engine: everything under one directory, its own bridge, no iptables
D2="/tmp/bindguard-dockerd2"
SOCK2="$D2/docker.sock"
LOG2="$D2/dockerd.log"
PID2="$D2/docker.pid"
BRIDGE2="bgdocker1"
BRIDGE2_CIDR="10.213.255.1/24"        # the second engine's default "bridge" network
# No --default-address-pool for the second engine: dockerd 20.10 with that flag
# deletes the interface *docker0* at start-up whenever its store holds a stale
# "bridge" network (i.e. on every restart) - that is the FIRST engine's bridge.
# User networks of both engines come from Docker's default pools; libnetwork
# skips pools that overlap a route already on the host, so they do not collide.

# shellcheck source=.ci/lib.sh
. "$(dirname "$0")/lib.sh"

MODE="first"
case "${1:-}" in
  "") ;;
  --second) MODE="second" ;;
  --stop-second) MODE="stop-second" ;;
  -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
  *) die "unknown argument '$1' (use --second, --stop-second or nothing)" ;;
esac

# One engine-up at a time on this machine (several sessions/test runs may share it):
# a second caller waits here and then finds the engine up instead of racing it.
take_lock engine-up 900

# The docker CLI: /usr/local/bin/docker (v28 client) may pre-exist, docker.io brings /usr/bin/docker.
dk() { local sock="$1"; shift; docker -H "unix://$sock" "$@"; }
answers() { timeout 10 docker -H "unix://$1" info >/dev/null 2>&1; }

pkg_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

need_cli() {      # the docker client (any version: /usr/local/bin/docker v28 is fine)
  command -v docker >/dev/null 2>&1 || apt_install --with-recommends docker.io
}

need_daemon() {   # dockerd + docker-proxy (+ containerd, runc, iptables as dependencies)
  { command -v dockerd && command -v docker-proxy && command -v containerd && command -v runc; } \
    >/dev/null 2>&1 || apt_install --with-recommends docker.io
}

need_openssl() { # the TLS audit tests make their certificates with the openssl command
  command -v openssl >/dev/null 2>&1 || apt_install openssl
}

need_busybox() {  # /bin/busybox of the plain `busybox` package is dynamic: useless in a scratch image
  pkg_installed busybox-static || apt_install busybox-static
}

# start_dockerd SOCK PIDFILE LOG FLAGS... ; returns 0 once `docker info` answers
start_dockerd() {
  local sock="$1" pidfile="$2" log="$3"; shift 3
  # A pidfile left behind by a dead daemon (e.g. machine restart) makes dockerd refuse to start.
  if [ -f "$pidfile" ]; then
    local old; old="$(cat "$pidfile" 2>/dev/null || true)"
    if [ -n "$old" ] && kill -0 "$old" 2>/dev/null; then
      say "dockerd pid $old (from $pidfile) is alive but not answering yet; waiting"
      wait_for "$sock" "$old" && return 0
      die "dockerd pid $old does not answer on $sock after ${WAIT}s; see $log"
    fi
    rm -f "$pidfile"
  fi
  # shellcheck disable=SC2086
  echo "=== $(date -u +%FT%TZ) engine-up: dockerd $* $EXTRA_FLAGS" >>"$log"
  # setsid + all fds redirected: the daemon must not hold a caller's pipes open
  # (pytest's subprocess.run would otherwise hang) nor die with its process group.
  setsid dockerd --host "unix://$sock" --pidfile "$pidfile" "$@" $EXTRA_FLAGS \
    </dev/null >>"$log" 2>&1 9>&- &
  STARTED_PID=$!
  wait_for "$sock" "$STARTED_PID"
}

# wait_for SOCK PID: bounded wait until the daemon answers; non-zero if it died or timed out
wait_for() { wait_until "$WAIT" "$2" answers "$1"; }

# The flag sets tried, in order. The first is what works on this sandbox; the
# others only help on hosts without netfilter or without overlayfs.
FALLBACKS=(
  ""
  "--iptables=false --ip-masq=false"
  "--iptables=false --ip-masq=false --storage-driver=vfs"
)

up_daemon() {   # up_daemon SOCK PIDFILE LOG BASEFLAGS...
  local sock="$1" pidfile="$2" log="$3"; shift 3
  local t0=$SECONDS fb
  for fb in "${FALLBACKS[@]}"; do
    # shellcheck disable=SC2086
    if start_dockerd "$sock" "$pidfile" "$log" "$@" $fb; then
      local fl; fl="$(echo "$* $fb $EXTRA_FLAGS" | xargs)"
      say "dockerd answers on unix://$sock after $((SECONDS - t0)) s (extra flags: ${fl:-none})"
      return 0
    fi
    # kill the failed attempt (only the one we started; it may be alive if it timed out)
    if [ -n "${STARTED_PID:-}" ] && kill -0 "$STARTED_PID" 2>/dev/null; then
      kill "$STARTED_PID"; sleep 2
    fi
    STARTED_PID=""
    say "dockerd with flags '$* $fb' did not come up; last log lines:"
    tail -n 5 "$log" | sed 's/^/    /'
  done
  die "no dockerd answers on unix://$sock; see $log"
}

build_image() {   # build_image SOCK
  local sock="$1"
  if dk "$sock" image inspect "$IMAGE" >/dev/null 2>&1; then
    say "image $IMAGE present"
    return 0
  fi
  local t0; t0=$(date +%s%N)
  # Same image id on both engines when the default one already has it.
  if [ "$sock" != "$SOCK1" ] && answers "$SOCK1" && dk "$SOCK1" image inspect "$IMAGE" >/dev/null 2>&1; then
    dk "$SOCK1" save "$IMAGE" | dk "$sock" load -q >/dev/null \
      || die "could not copy $IMAGE from the default engine"
  else
    need_busybox
    local tmp; tmp="$(mktemp -d)"
    mkdir -p "$tmp/root/bin" "$tmp/root/tmp" "$tmp/root/etc"
    cp /bin/busybox "$tmp/root/bin/busybox" || die "cannot copy /bin/busybox"
    file_is_static /bin/busybox || die "/bin/busybox is not statically linked (install busybox-static)"
    local a
    for a in httpd sh sleep nc cat echo ls wget true false; do ln -s busybox "$tmp/root/bin/$a"; done
    echo "bindguard-test" >"$tmp/root/index.html"       # so `httpd -h /` answers 200 on /
    echo "root:x:0:0:root:/:/bin/sh" >"$tmp/root/etc/passwd"
    echo "root:x:0:" >"$tmp/root/etc/group"
    tar -C "$tmp/root" --owner=0 --group=0 -cf "$tmp/img.tar" . || die "tar failed"
    dk "$sock" import \
      -c 'ENV PATH=/bin' \
      -c 'CMD ["/bin/busybox", "httpd", "-f", "-p", "80", "-h", "/"]' \
      -c 'LABEL org.bindguard.test=1' \
      "$tmp/img.tar" "$IMAGE" >/dev/null || { rm -rf "$tmp"; die "docker import failed"; }
    rm -rf "$tmp"
  fi
  say "image $IMAGE built in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
}

file_is_static() {
  # no `file` needed: a static binary has no PT_INTERP; ldd says "not a dynamic executable"
  ! ldd "$1" >/dev/null 2>&1
}

bridge_missing() {   # the interface behind the engine's "bridge" network does not exist
  local br
  br="$(dk "$1" network inspect bridge -f '{{index .Options "com.docker.network.bridge.name"}}' 2>/dev/null)" || return 1
  [ -n "$br" ] && ! ip link show "$br" >/dev/null 2>&1
}

stop_pidfile() {   # stop_pidfile PIDFILE: TERM the daemon, wait up to 30 s
  local pid; pid="$(cat "$1" 2>/dev/null || true)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  kill "$pid"
  for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.25; done
  return 1
}

case "$MODE" in
  first)
    need_cli
    need_openssl
    if answers "$SOCK1" && ! bridge_missing "$SOCK1"; then
      say "default engine already answers on unix://$SOCK1"
    else
      if answers "$SOCK1"; then
        # e.g. another dockerd deleted docker0 (see the note on --default-address-pool):
        # every container on the default network would fail to start. Restart to recreate it.
        need_root "restart dockerd"
        say "WARNING: the default engine's bridge interface is gone; restarting dockerd"
        stop_pidfile "$PID1" || die "cannot stop dockerd (pidfile $PID1) to repair its bridge"
      fi
      need_root "start dockerd"
      need_daemon
      up_daemon "$SOCK1" "$PID1" "$LOG1"
    fi
    build_image "$SOCK1"
    say "default engine: unix://$SOCK1  (dockerd log: $LOG1)"
    ;;
  second)
    need_cli
    if answers "$SOCK2"; then
      say "second engine already answers on unix://$SOCK2"
    else
      need_root "start the second dockerd"
      need_daemon
      mkdir -p "$D2/data" "$D2/exec"
      # Its own bridge: the default one (docker0) belongs to the first engine, and
      # `--bridge none` is no way out: dockerd then DELETES the interface docker0.
      if ! ip link show "$BRIDGE2" >/dev/null 2>&1; then
        ip link add "$BRIDGE2" type bridge || die "cannot create bridge $BRIDGE2"
        ip addr add "$BRIDGE2_CIDR" dev "$BRIDGE2" || die "cannot address bridge $BRIDGE2"
      fi
      ip link set "$BRIDGE2" up
      # --iptables=false: a dockerd with iptables on deletes and re-creates the shared
      # DOCKER chains at start-up, which would wipe the first engine's rules. Publishing
      # still works through docker-proxy (the userland proxy), which is what binds the port.
      up_daemon "$SOCK2" "$PID2" "$LOG2" \
        --data-root "$D2/data" --exec-root "$D2/exec" \
        --bridge "$BRIDGE2" --iptables=false --ip-masq=false
    fi
    build_image "$SOCK2"
    say "second engine: unix://$SOCK2  (dockerd log: $LOG2)"
    ;;
  stop-second)
    pid="$(cat "$PID2" 2>/dev/null || true)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      stop_pidfile "$PID2" || die "second dockerd pid $pid did not stop within 30 s"
      say "second engine (pid $pid) stopped"
    else
      say "second engine not running"
    fi
    ip link del "$BRIDGE2" 2>/dev/null || true
    ;;
esac
exit 0
