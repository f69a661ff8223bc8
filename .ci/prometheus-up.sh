#!/usr/bin/env bash
# Start a private Prometheus (Debian's `prometheus` package) for bindguard's metrics tests.
#
#   .ci/prometheus-up.sh DIR PORT TARGET [INTERVAL]
#   .ci/prometheus-up.sh --install-only      # only make sure prometheus and promtool exist
#
# Installs the package with apt-get if the `prometheus` binary is missing, writes
# DIR/prometheus.yml scraping TARGET (HOST:PORT, /metrics) every INTERVAL (default 1s),
# starts prometheus on 127.0.0.1:PORT with its storage in DIR/data (never the
# package's own service or data), waits until it is ready and writes its pid to
# DIR/prometheus.pid. Idempotent: a Prometheus already answering from DIR is kept.
#
# Exit status: 0 when ready; non-zero with one "prometheus-up: ERROR:" line on stderr.
set -uo pipefail

die() { echo "prometheus-up: ERROR: $*" >&2; exit 1; }

INSTALL_ONLY=0
if [ "${1:-}" = "--install-only" ]; then INSTALL_ONLY=1; else
  [ $# -ge 3 ] || die "usage: $0 DIR PORT TARGET [INTERVAL] | --install-only"
fi
DIR="${1:-}"; PORT="${2:-}"; TARGET="${3:-}"; INTERVAL="${4:-1s}"
WAIT="${BINDGUARD_PROMETHEUS_WAIT:-60}"
URL="http://127.0.0.1:$PORT"

ready() { curl -fsS -m 2 "$URL/-/ready" >/dev/null 2>&1 || python3 - "$URL/-/ready" <<'EOF' 2>/dev/null
import sys, urllib.request
urllib.request.urlopen(sys.argv[1], timeout=2).read()
EOF
}

if ! command -v prometheus >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || die "prometheus is not installed and installing it needs root"
  command -v apt-get >/dev/null 2>&1 || die "prometheus is not installed and there is no apt-get"
  export DEBIAN_FRONTEND=noninteractive
  # policy-rc.d 101: the package must not start its own service (port 9090, /var/lib/prometheus)
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && POLICY_ADDED=1
  fi
  apt-get -o DPkg::Lock::Timeout=600 update -qq >>/tmp/bindguard-apt.log 2>&1
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends prometheus \
    >>/tmp/bindguard-apt.log 2>&1
  rc=$?
  [ "${POLICY_ADDED:-0}" = 1 ] && rm -f /usr/sbin/policy-rc.d
  [ $rc = 0 ] || die "apt-get install prometheus failed, see /tmp/bindguard-apt.log"
  command -v prometheus >/dev/null 2>&1 || die "the prometheus package brought no prometheus binary"
fi

if [ "$INSTALL_ONLY" = 1 ]; then
  command -v promtool >/dev/null 2>&1 || die "the prometheus package brought no promtool"
  echo "prometheus-up: $(prometheus --version 2>&1 | head -n 1)"
  exit 0
fi

mkdir -p "$DIR/data" || die "cannot create $DIR"
if [ -f "$DIR/prometheus.pid" ] && kill -0 "$(cat "$DIR/prometheus.pid")" 2>/dev/null && ready; then
  echo "prometheus-up: already answering on $URL"
  exit 0
fi

cat >"$DIR/prometheus.yml" <<EOF
global:
  scrape_interval: $INTERVAL
  evaluation_interval: $INTERVAL
scrape_configs:
  - job_name: bindguard
    static_configs:
      - targets: ["$TARGET"]
EOF

setsid prometheus --config.file="$DIR/prometheus.yml" --storage.tsdb.path="$DIR/data" \
  --web.listen-address="127.0.0.1:$PORT" --log.level=warn \
  </dev/null >>"$DIR/prometheus.log" 2>&1 &
PID=$!
echo "$PID" >"$DIR/prometheus.pid"
deadline=$((SECONDS + WAIT))
while [ $SECONDS -lt $deadline ]; do
  if ready; then
    echo "prometheus-up: ready on $URL (pid $PID, scraping $TARGET every $INTERVAL)"
    exit 0
  fi
  kill -0 "$PID" 2>/dev/null || die "prometheus exited at start-up; see $DIR/prometheus.log: $(tail -n 2 "$DIR/prometheus.log" | tr '\n' ' ')"
  sleep 0.25
done
kill "$PID" 2>/dev/null
die "prometheus did not become ready on $URL within ${WAIT}s; see $DIR/prometheus.log"
