#!/usr/bin/env bash
# Start (idempotently) a throwaway sshd on 127.0.0.1 for the `audit --host ssh://` tests.
#
#   .ci/sshd-up.sh          start it (installs Debian's openssh-server if sshd is missing)
#   .ci/sshd-up.sh --stop   stop it
#
# Everything lives in $BINDGUARD_SSHD_DIR (default /tmp/bindguard-sshd): its own sshd_config,
# host key, user keys, authorized_keys, known_hosts and an ssh client config. The system's
# sshd config, /etc/ssh and /root/.ssh are never read or written (sshd gets -f, the client -F).
#
#   sshd_config     port $BINDGUARD_SSHD_PORT on 127.0.0.1 (default: the port of a running bed sshd,
#                   else a free one: never a fixed port, two suites may share the machine), keys
#                   only, root only; the tests read the port from this file
#   ssh_config      Host aliases for the tests (all with IdentitiesOnly, StrictHostKeyChecking yes):
#                     bindguard-sshd            root with id_user, host key in known_hosts
#                     bindguard-sshd-nodocker   root with id_nodocker, whose authorized_keys entry
#                                               runs commands with an empty PATH (a remote without docker)
#                     bindguard-sshd-unknown    root with id_user, empty known_hosts (unknown host key)
#   bin/ssh         `ssh -F ssh_config "$@"`: put bin/ first on PATH so that whatever shells out to
#                   `ssh` (the docker CLI, the Docker SDK's use_ssh_client path) uses that config.
#                   OpenSSH reads ~/.ssh/config from the passwd home, not $HOME, hence -F.
#
# The remote command `docker system dial-stdio` reaches the local engine (/var/run/docker.sock).
# Exit status 0 when sshd accepts a login and runs `docker version`; otherwise one
# "sshd-up: ERROR:" line on stderr and non-zero.
set -uo pipefail

D="${BINDGUARD_SSHD_DIR:-/tmp/bindguard-sshd}"
WAIT="${BINDGUARD_SSHD_WAIT:-20}"

# shellcheck source=.ci/lib.sh
. "$(dirname "$0")/lib.sh"
configured_port() { sed -n 's/^Port //p' "$D/sshd_config" 2>/dev/null | head -n 1; }

case "${1:-}" in
  "") ;;
  --stop)
    if pidfile_alive "$D/sshd.pid"; then pid="$(cat "$D/sshd.pid")"; kill "$pid"; say "stopped sshd $pid"; fi
    rm -f "$D/sshd.pid"; exit 0 ;;
  -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
  *) die "unknown argument '$1' (use --stop or nothing)" ;;
esac

take_lock sshd-up 900

login_works() {
  timeout 15 "$D/bin/ssh" -o BatchMode=yes bindguard-sshd -- docker version --format '{{.Server.Version}}' \
    </dev/null >/dev/null 2>&1
}

if pidfile_alive "$D/sshd.pid" && login_works && { [ -z "${BINDGUARD_SSHD_PORT:-}" ] || [ "$BINDGUARD_SSHD_PORT" = "$(configured_port)" ]; }; then
  say "sshd $(cat "$D/sshd.pid") already answers on 127.0.0.1:$(configured_port)"; exit 0
fi
PORT="${BINDGUARD_SSHD_PORT:-$(free_port)}"

if [ ! -x /usr/sbin/sshd ] || ! command -v ssh-keygen >/dev/null 2>&1 || ! command -v ssh >/dev/null 2>&1; then
  apt_install openssh-server openssh-client
fi
command -v docker >/dev/null 2>&1 || die "no docker CLI for the remote's 'docker system dial-stdio' (run .ci/engine-up.sh)"
need_root "run sshd (it logs users in)"

mkdir -p "$D/bin" "$D/empty-path" || die "cannot create $D"
chmod 700 "$D"
[ -f "$D/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C bindguard-test-host -f "$D/ssh_host_ed25519_key" || die "ssh-keygen (host key) failed"
[ -f "$D/id_user" ] || ssh-keygen -q -t ed25519 -N '' -C bindguard-test-user -f "$D/id_user" || die "ssh-keygen (user key) failed"
[ -f "$D/id_nodocker" ] || ssh-keygen -q -t ed25519 -N '' -C bindguard-test-nodocker -f "$D/id_nodocker" || die "ssh-keygen (nodocker key) failed"

cat >"$D/nodocker.sh" <<EOF
#!/bin/sh
# forced command of id_nodocker: the requested command runs with an empty PATH, as on a host without docker
PATH="$D/empty-path"; export PATH
exec /bin/sh -c "\$SSH_ORIGINAL_COMMAND"
EOF
chmod 755 "$D/nodocker.sh"

{
  echo "$(cat "$D/id_user.pub")"
  echo "command=\"$D/nodocker.sh\",no-port-forwarding,no-agent-forwarding $(cat "$D/id_nodocker.pub")"
} >"$D/authorized_keys"
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1-2 "$D/ssh_host_ed25519_key.pub")" >"$D/known_hosts"
: >"$D/known_hosts_empty"

cat >"$D/sshd_config" <<EOF
# throwaway sshd for bindguard's tests (.ci/sshd-up.sh); not the system's
Port $PORT
ListenAddress 127.0.0.1
HostKey $D/ssh_host_ed25519_key
PidFile $D/sshd.pid
AuthorizedKeysFile $D/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers root
StrictModes no
UsePAM no
PrintMotd no
MaxStartups 200:30:400
MaxSessions 100
LogLevel VERBOSE
EOF

cat >"$D/ssh_config" <<EOF
# client config for the throwaway sshd (.ci/sshd-up.sh); used through $D/bin/ssh (-F)
Host bindguard-sshd bindguard-sshd-nodocker bindguard-sshd-unknown
  HostName 127.0.0.1
  Port $PORT
  User root
Host bindguard-sshd bindguard-sshd-unknown
  IdentityFile $D/id_user
Host bindguard-sshd-nodocker
  IdentityFile $D/id_nodocker
Host bindguard-sshd-unknown
  UserKnownHostsFile $D/known_hosts_empty
Host *
  IdentityFile $D/id_user
  IdentitiesOnly yes
  UserKnownHostsFile $D/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  LogLevel ERROR
EOF

cat >"$D/bin/ssh" <<EOF
#!/bin/sh
exec /usr/bin/ssh -F "$D/ssh_config" "\$@"
EOF
chmod 755 "$D/bin/ssh"

mkdir -p /run/sshd   # sshd's privilege separation directory
/usr/sbin/sshd -t -f "$D/sshd_config" 2>"$D/sshd-check.log" || die "sshd -t rejected $D/sshd_config: $(tr '\n' ' ' <"$D/sshd-check.log")"
if [ -f "$D/sshd.pid" ]; then
  old="$(cat "$D/sshd.pid")"; kill "$old" 2>/dev/null; rm -f "$D/sshd.pid"
fi
setsid /usr/sbin/sshd -f "$D/sshd_config" -E "$D/sshd.log" </dev/null >/dev/null 2>&1 9>&- \
  || die "sshd did not start, see $D/sshd.log"
wait_until "$WAIT" "" login_works \
  || die "no login on 127.0.0.1:$PORT after ${WAIT}s (docker version over ssh failed), see $D/sshd.log"
say "sshd $(cat "$D/sshd.pid") answers on 127.0.0.1:$PORT (client config $D/ssh_config, wrapper $D/bin/ssh)"
