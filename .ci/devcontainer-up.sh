#!/usr/bin/env bash
# Install the reference dev containers CLI (npm @devcontainers/cli, the `devcontainer` command):
# the oracle of tests/sources/test_devcontainer_oracle.py for what appPort and runArgs publish.
#
#   .ci/devcontainer-up.sh
#
# Idempotent: nothing happens when `devcontainer` is on PATH. Needs Node.js and npm (the npm
# registry); installs with `npm install -g`. Exit status 0 when `devcontainer --version` answers;
# otherwise one "devcontainer-up: ERROR:" line on stderr.
set -uo pipefail
# shellcheck source=.ci/lib.sh
. "$(dirname "$0")/lib.sh"

case "${1:-}" in
  "") ;;
  -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
  *) die "unknown argument '$1'" ;;
esac

take_lock devcontainer-up 600
if ! command -v devcontainer >/dev/null 2>&1; then
  command -v npm >/dev/null 2>&1 || die "npm not found: install Node.js and npm first"
  say "installing @devcontainers/cli (npm install -g)"
  npm install -g --no-fund --no-audit @devcontainers/cli >>/tmp/bindguard-npm.log 2>&1 9>&- \
    || die "npm install -g @devcontainers/cli failed, see /tmp/bindguard-npm.log"
fi
version="$(devcontainer --version 2>/dev/null)" || die "devcontainer --version does not answer"
say "devcontainer CLI $version"
