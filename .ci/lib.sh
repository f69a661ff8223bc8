# shellcheck shell=bash
# What every .ci/*-up.sh needs, in one place (source it; it defines functions and sets nothing else
# but the variables below):
#
#   say MSG / die MSG        one line prefixed with the script's name ("NAME: ERROR: MSG" on stderr,
#                            then exit 1 for die); the name is $BG_NAME, by default the script's
#                            file name without .sh
#   need_root WHAT           die unless root
#   take_lock NAME [SECONDS] one instance of NAME on this machine at a time (several sessions and
#                            test runs share it): waits on /tmp/bindguard-NAME.lock, fd 9, default
#                            900 s. Child daemons must be started with 9>&- so they do not hold it.
#   apt_install PKG...       apt-get update + install --no-install-recommends (first argument
#                            --with-recommends to keep them), the dpkg lock waited for
#                            $BG_APT_LOCK_TIMEOUT s, output appended to $BG_APT_LOG
#   wait_until SECONDS PID CMD...
#                            run CMD every 0.25 s until it succeeds (0); 1 as soon as PID (if not
#                            empty) has died, 2 when SECONDS have passed
#   pidfile_alive FILE       the pid in FILE is a live process
#   free_port                a TCP port free on 127.0.0.1 right now (never a fixed one: two suites
#                            may share the machine)
#
# Environment: BINDGUARD_APT_LOCK_TIMEOUT (seconds, default 600).

BG_NAME="${BG_NAME:-$(basename "$0" .sh)}"
BG_APT_LOG="/tmp/bindguard-apt.log"
BG_APT_LOCK_TIMEOUT="${BINDGUARD_APT_LOCK_TIMEOUT:-600}"

say() { echo "$BG_NAME: $*"; }
die() { echo "$BG_NAME: ERROR: $*" >&2; exit 1; }

need_root() {
  [ "$(id -u)" = 0 ] || die "must run as root to $1 (running as uid $(id -u))"
}

take_lock() {
  local lock="/tmp/bindguard-$1.lock" wait="${2:-900}"
  exec 9>>"$lock"
  command -v flock >/dev/null 2>&1 || return 0
  flock -w "$wait" 9 || die "another $1 held $lock for $wait s"
}

apt_install() {
  local recommends=(--no-install-recommends)
  if [ "${1:-}" = --with-recommends ]; then recommends=(); shift; fi
  need_root "apt-get install $*"
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install $* by hand"
  say "installing $* (apt-get, log $BG_APT_LOG)"
  local t0=$SECONDS
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout="$BG_APT_LOCK_TIMEOUT" update -qq >>"$BG_APT_LOG" 2>&1 9>&- \
    || die "apt-get update failed, see $BG_APT_LOG"
  apt-get -o DPkg::Lock::Timeout="$BG_APT_LOCK_TIMEOUT" install -y -qq "${recommends[@]}" "$@" \
    >>"$BG_APT_LOG" 2>&1 9>&- || die "apt-get install $* failed, see $BG_APT_LOG"
  say "installed $* in $((SECONDS - t0)) s"
}

wait_until() {
  local deadline=$((SECONDS + $1)) pid="$2"
  shift 2
  while :; do
    "$@" && return 0
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    [ $SECONDS -lt $deadline ] || return 2
    sleep 0.25
  done
}

pidfile_alive() {
  local pid
  pid="$(cat "$1" 2>/dev/null || true)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
